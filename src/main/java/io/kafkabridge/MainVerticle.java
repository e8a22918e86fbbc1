package io.kafkabridge;

import io.kafkabridge.auth.Authenticator;
import io.kafkabridge.bridge.ConnectionLimiter;
import io.kafkabridge.config.ConfigException;
import io.kafkabridge.config.ConfigLoader;
import io.kafkabridge.config.GatewayOptions;
import io.kafkabridge.config.KafkaOptions;
import io.kafkabridge.demo.DemoFeedVerticle;
import io.kafkabridge.http.GatewayServerVerticle;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.kafka.KafkaHealthProbe;
import io.kafkabridge.kafka.KafkaSourceVerticle;
import io.kafkabridge.kafka.SourceStats;
import io.kafkabridge.routing.RecordRouter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A gateway node: reads and validates the configuration, starts the embedded broker in dev mode, then deploys the
 * Kafka source, the HTTP/STOMP servers and, when enabled, the demo feed.
 */
public class MainVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);

    private GatewayOptions options;
    private EmbeddedKafka embeddedKafka;
    private KafkaHealthProbe kafkaHealth;
    private GatewayServerVerticle server;

    @Override
    public Future<?> start() {
        return ConfigLoader.load(vertx, config())
            .map(GatewayOptions::new)
            .compose(this::startKafka)
            .compose(this::deployComponents)
            .onFailure(e -> LOG.error("Gateway node failed to start: {}", e.getMessage()));
    }

    private Future<String> startKafka(GatewayOptions gatewayOptions) {
        this.options = gatewayOptions;
        KafkaOptions kafka = options.getKafka();
        if (!kafka.isEmbedded()) {
            return vertx.executeBlocking(() -> {
                awaitKafka(kafka.getBootstrapServers(), kafka.getStartupTimeoutMs());
                return kafka.getBootstrapServers();
            }, false);
        }
        return vertx.executeBlocking(() -> {
            embeddedKafka = EmbeddedKafka.start(kafka.getEmbedded());
            Set<String> topics = new LinkedHashSet<>(new RecordRouter(options.getRoutes()).topics());
            if (options.getDemo().isEnabled()) {
                topics.add(options.getDemo().getOrdersTopic());
                topics.add(options.getDemo().getMetricsTopic());
            }
            embeddedKafka.createTopics(topics, kafka.getEmbedded().getPartitions());
            return embeddedKafka.bootstrapServers();
        }, false);
    }

    private static void awaitKafka(String bootstrapServers, long timeoutMs) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs)))) {
            int brokers = admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS).size();
            LOG.info("Kafka at {} reachable ({} broker(s))", bootstrapServers, brokers);
        } catch (Exception e) {
            throw new ConfigException("kafka.bootstrapServers", "Kafka at " + bootstrapServers + " did not answer within "
                + timeoutMs + " ms (kafka.startupTimeoutMs): " + e, e);
        }
    }

    private Future<?> deployComponents(String bootstrapServers) {
        SourceStats stats = new SourceStats();
        RecordRouter router = new RecordRouter(options.getRoutes());
        Authenticator authenticator;
        try {
            authenticator = Authenticator.create(vertx, options.getAuth());
        } catch (ConfigException e) {
            return Future.failedFuture(e);
        }
        ConnectionLimiter connections = new ConnectionLimiter(options.getLimits().getMaxConnectionsPerNode());
        kafkaHealth = new KafkaHealthProbe(vertx, bootstrapServers);
        server = new GatewayServerVerticle(options, authenticator, connections, kafkaHealth, stats);
        return kafkaHealth.start()
            .compose(v -> vertx.deployVerticle(new KafkaSourceVerticle(options.getKafka(), bootstrapServers, router, stats)))
            .compose(id -> vertx.deployVerticle(server))
            .compose(id -> options.getDemo().isEnabled()
                ? vertx.deployVerticle(new DemoFeedVerticle(options.getDemo(), bootstrapServers))
                : Future.succeededFuture(id))
            .onSuccess(id -> LOG.info("Gateway node started: HTTP on port {}, STOMP over TCP on {}, Kafka {}{}, {} route(s){}",
                server.httpPort(), server.stompPort() < 0 ? "(disabled)" : "port " + server.stompPort(), bootstrapServers,
                options.getKafka().isEmbedded() ? " (embedded dev broker)" : "", options.getRoutes().size(),
                options.getDemo().isEnabled() ? ", demo feed on" : ""));
    }

    /**
     * @return the validated options, once started
     */
    public GatewayOptions options() {
        return options;
    }

    /**
     * @return the actual HTTP port, once started
     */
    public int httpPort() {
        return server.httpPort();
    }

    /**
     * @return the actual STOMP TCP port once started, -1 when disabled
     */
    public int stompPort() {
        return server.stompPort();
    }

    @Override
    public Future<?> stop() {
        Future<Void> probe = kafkaHealth == null ? Future.succeededFuture() : kafkaHealth.close();
        return probe.transform(ignored -> embeddedKafka == null
            ? Future.succeededFuture()
            : vertx.executeBlocking(() -> {
                embeddedKafka.close();
                return null;
            }, false));
    }
}
