package io.kafkabridge.testing;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A real Hazelcast member in the test's JVM: a clustered Vert.x on 127.0.0.1 with the gateway's own {@code cluster.xml},
 * in a cluster of the test's own (its name), so that nothing else on the machine joins it.
 */
public final class ClusteredVertx {

    private ClusteredVertx() {
    }

    /**
     * @return the gateway's {@code cluster.xml} with the cluster renamed
     */
    public static String clusterXml(String clusterName) {
        try (InputStream xml = ClusteredVertx.class.getResourceAsStream("/cluster.xml")) {
            return new String(xml.readAllBytes(), StandardCharsets.UTF_8)
                .replace("<cluster-name>kafka-eventbus-bridge</cluster-name>", "<cluster-name>" + clusterName + "</cluster-name>");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read cluster.xml", e);
        }
    }

    /**
     * Starts a member of the named cluster and waits until it joined.
     */
    public static Vertx start(String clusterName) {
        Config config = new XmlConfigBuilder(new ByteArrayInputStream(clusterXml(clusterName).getBytes(StandardCharsets.UTF_8))).build();
        HazelcastClusterManager manager = new HazelcastClusterManager(config);
        VertxOptions options = new VertxOptions();
        options.getEventBusOptions().setHost("127.0.0.1").setPort(0);
        return GatewayNode.await(Vertx.builder().with(options).withClusterManager(manager).buildClustered(), Duration.ofSeconds(60));
    }

    /**
     * @return the member's Hazelcast cluster manager
     */
    public static HazelcastClusterManager clusterManager(Vertx vertx) {
        return (HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
    }
}
