package io.kafkabridge;

import io.kafkabridge.auth.Authenticator;
import io.kafkabridge.bridge.ConnectionLimiter;
import io.kafkabridge.bridge.ErrorCodes;
import io.kafkabridge.cluster.ClusterMonitor;
import io.kafkabridge.auth.Identity;
import io.kafkabridge.bridge.PermissionRules;
import io.kafkabridge.config.AdminOptions;
import io.kafkabridge.config.ConfigException;
import io.kafkabridge.config.ConfigLoader;
import io.kafkabridge.config.GatewayOptions;
import io.kafkabridge.config.KafkaOptions;
import io.kafkabridge.delivery.InFlightRecords;
import io.kafkabridge.delivery.SlowClientStats;
import io.kafkabridge.demo.DemoFeedVerticle;
import io.kafkabridge.http.GatewayServerVerticle;
import io.kafkabridge.http.ServerLoops;
import io.kafkabridge.metrics.GatewayMetrics;
import io.kafkabridge.logging.LogFormat;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.kafka.KafkaHealthProbe;
import io.kafkabridge.kafka.KafkaReplayer;
import io.kafkabridge.kafka.KafkaSinkVerticle;
import io.kafkabridge.kafka.KafkaSourceVerticle;
import io.kafkabridge.kafka.SourceStats;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.sink.SinkRoutes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
    private KafkaReplayer replayer;
    private ServerLoops servers;
    private GatewayMetrics metrics;
    private ClusterMonitor cluster;
    private ConnectionLimiter connections;
    private String sourceDeployment;
    private KafkaSourceVerticle source;
    private String serverDeployment;
    private String sinkDeployment;
    private String demoDeployment;
    private static volatile MainVerticle current;

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
            options.getSinks().forEach(sink -> topics.add(sink.getTopic()));
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
        // key files and the user file are read from disk: not on the event loop
        return vertx.executeBlocking(() -> Authenticator.create(vertx, options.getAuth()), false)
            .compose(authenticator -> deployComponents(bootstrapServers, authenticator));
    }

    private Future<?> deployComponents(String bootstrapServers, Authenticator authenticator) {
        warnWhenStatsAreOpen(authenticator);
        SourceStats stats = new SourceStats();
        RecordRouter router = new RecordRouter(options.getRoutes(), options.nodeAddresses());
        connections = new ConnectionLimiter(options.getLimits().getMaxConnectionsPerNode(),
            options.getLimits().getMaxConnectionsPerAddress());
        cluster = ClusterMonitor.start(vertx);
        // every JSON log line names its node
        LogFormat.describeNode("node", cluster.nodeId());
        kafkaHealth = new KafkaHealthProbe(vertx, bootstrapServers);
        int instances = options.getHttp().resolveInstances();
        InFlightRecords inFlight = new InFlightRecords(options.getLimits().getMaxInFlightRecords(), options.getLimits().getMaxInFlightBytes(),
            instances);
        replayer = new KafkaReplayer(vertx, options.getKafka(), bootstrapServers, router, options.getResume(),
            options.getLimits().getMaxOutboundMessageBytes());
        SlowClientStats slowClients = new SlowClientStats();
        metrics = options.getMetrics().isEnabled() ? GatewayMetrics.create(stats) : null;
        servers = new ServerLoops(options, authenticator, connections, kafkaHealth, stats, cluster, slowClients, inFlight, replayer,
            metrics);
        if (metrics != null) {
            metrics.bindConnections(servers).bindSlowClients(slowClients).bindSource(inFlight).bindReplays(replayer);
        }
        return kafkaHealth.start()
            .compose(v -> vertx.deployVerticle(source = new KafkaSourceVerticle(options.getKafka(), bootstrapServers, router, stats,
                cluster, inFlight, options.getLimits().getMaxOutboundMessageBytes())))
            .compose(id -> {
                sourceDeployment = id;
                return options.getSinks().isEmpty() ? Future.succeededFuture((String) null)
                    : vertx.deployVerticle(new KafkaSinkVerticle(options.getKafka(), bootstrapServers, new SinkRoutes(options.getSinks())));
            })
            .compose(id -> {
                sinkDeployment = id;
                return vertx.deployVerticle(() -> new GatewayServerVerticle(servers), new DeploymentOptions().setInstances(instances));
            })
            .compose(id -> {
                serverDeployment = id;
                if (metrics != null && source.kafkaClient() != null) {
                    metrics.bindKafkaConsumer(source.kafkaClient());
                }
                return options.getDemo().isEnabled()
                    ? vertx.deployVerticle(new DemoFeedVerticle(options.getDemo(), bootstrapServers))
                    : Future.succeededFuture((String) null);
            })
            .onSuccess(id -> {
                demoDeployment = id;
                current = this;
            })
            .onSuccess(id -> LOG.atInfo().addKeyValue("httpPort", servers.httpPort()).addKeyValue("stompPort", servers.stompPort())
                .addKeyValue("kafka", bootstrapServers)
                .log("Gateway node started: HTTP on port {}, STOMP over TCP on {}, Kafka {}{}, {} route(s){}",
                    servers.httpPort(), servers.stompPort() < 0 ? "(disabled)" : "port " + servers.stompPort(), bootstrapServers,
                    options.getKafka().isEmbedded() ? " (embedded dev broker)" : "", options.getRoutes().size(),
                    options.getDemo().isEnabled() ? ", demo feed on" : ""));
    }

    /**
     * The operator page's feed shows every node's partitions, connections and traffic: once clients authenticate, it is
     * meant for the {@code admin} authority. Says so when a rule opens it to any client.
     */
    private void warnWhenStatsAreOpen(Authenticator authenticator) {
        AdminOptions admin = options.getAdmin();
        if (!admin.isEnabled()) {
            return;
        }
        PermissionRules rules = new PermissionRules(options.getBridge(), options.nodeAddresses());
        if (!authenticator.isRequired()) {
            LOG.info("Node stats on {} are {} (anonymous mode)", admin.getStatsAddress(),
                rules.bind(Identity.ANONYMOUS).permitsSubscription(admin.getStatsAddress()) ? "open to every client"
                    : "not permitted to any client by bridge.outboundPermitteds");
        } else if (rules.bind(new Identity("any-user", Set.of(), 0)).permitsSubscription(admin.getStatsAddress())) {
            LOG.warn("Node stats on {} are open to every authenticated client: give the bridge.outboundPermitteds rule "
                + "that permits it \"requiredAuthority\": \"admin\"", admin.getStatsAddress());
        }
    }

    /**
     * @return the node started in this JVM by the launcher, or {@code null}
     */
    public static MainVerticle current() {
        return current;
    }

    /**
     * Stops the node in order (SIGTERM): refuse new connections, stop the demo feed, stop the Kafka source (it publishes
     * what it has, commits and leaves the group), then tell every client to reconnect elsewhere and close the servers.
     * Leaving the cluster follows when Vert.x closes. Callable from any thread (the JVM's shutdown hook): the sequence
     * runs on this verticle's event loop, and each verticle's state is touched only on its own.
     */
    public Future<Void> shutdownGracefully() {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> shutdownInOrder().onComplete(done));
        return done.future();
    }

    private Future<Void> shutdownInOrder() {
        LOG.info("Graceful shutdown: refusing new connections, stopping the Kafka source, then disconnecting clients");
        connections.drain();
        return undeploy(demoDeployment)
            .compose(v -> undeploy(sourceDeployment))
            .compose(v -> servers.disconnectAll(ErrorCodes.NODE_SHUTDOWN, "node shutting down; reconnect to another node"))
            .compose(v -> undeploy(serverDeployment))
            .compose(v -> undeploy(sinkDeployment))
            .onSuccess(v -> LOG.info("Graceful shutdown done: offsets committed, clients told to reconnect"));
    }

    private Future<Void> undeploy(String deploymentId) {
        if (deploymentId == null || !vertx.deploymentIDs().contains(deploymentId)) {
            return Future.succeededFuture();
        }
        return vertx.undeploy(deploymentId).recover(e -> {
            LOG.warn("Undeploying {} failed: {}", deploymentId, e.toString());
            return Future.succeededFuture();
        });
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
        return servers.httpPort();
    }

    /**
     * @return the actual STOMP TCP port once started, -1 when disabled
     */
    public int stompPort() {
        return servers.stompPort();
    }

    /**
     * @return the port {@code /metrics} is served on ({@code http.port} or {@code metrics.port}), or -1 when off
     */
    public int metricsPort() {
        return servers.metricsPort();
    }

    @Override
    public Future<?> stop() {
        if (current == this) {
            current = null;
        }
        if (cluster != null) {
            cluster.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        Future<Void> replays = replayer == null ? Future.succeededFuture() : replayer.close();
        Future<Void> probe = replays.transform(ignored -> kafkaHealth == null ? Future.succeededFuture() : kafkaHealth.close());
        return probe.transform(ignored -> embeddedKafka == null
            ? Future.succeededFuture()
            : vertx.executeBlocking(() -> {
                embeddedKafka.close();
                return null;
            }, false));
    }
}
