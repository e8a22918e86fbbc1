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

    /** Hazelcast ports a test JVM's members take: one block per test fork. */
    private static final int PORTS_PER_FORK = 100;

    /**
     * @return the gateway's {@code cluster.xml} with the cluster renamed and its members on this test fork's own block
     * of ports: test forks run side by side (failsafe's {@code forkCount}), and a member looks for its cluster on the
     * first ports of its block (Hazelcast probes the first 3 ports for a member without a port), where another fork's
     * members must not be
     */
    public static String clusterXml(String clusterName) {
        String port = "<port auto-increment=\"true\" port-count=\"100\">5701</port>";
        try (InputStream xml = ClusteredVertx.class.getResourceAsStream("/cluster.xml")) {
            String original = new String(xml.readAllBytes(), StandardCharsets.UTF_8);
            if (!original.contains(port)) {
                throw new IllegalStateException("cluster.xml no longer has the port line the tests rewrite: " + port);
            }
            return original
                .replace("<cluster-name>kafka-eventbus-bridge</cluster-name>", "<cluster-name>" + clusterName + "</cluster-name>")
                .replace(port, "<port auto-increment=\"true\" port-count=\"" + PORTS_PER_FORK + "\">" + firstPort() + "</port>");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read cluster.xml", e);
        }
    }

    /**
     * @return the first Hazelcast port of this test fork ({@code kebb.test.fork}: surefire's and failsafe's fork
     * number, 1 when unset): 5801, 5901, ... above the gateway's default block (5701-5800), which a node started with the
     * default {@code cluster.xml} takes
     */
    private static int firstPort() {
        int fork = Integer.getInteger("kebb.test.fork", 1);
        return 5701 + 100 * fork;
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
