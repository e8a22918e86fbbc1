package io.kafkabridge.http;

import io.kafkabridge.auth.Authenticator;
import io.kafkabridge.bridge.ConnectionLimiter;
import io.kafkabridge.cluster.ClusterMonitor;
import io.kafkabridge.config.GatewayOptions;
import io.kafkabridge.delivery.InFlightRecords;
import io.kafkabridge.delivery.SlowClientStats;
import io.kafkabridge.kafka.KafkaHealthProbe;
import io.kafkabridge.kafka.KafkaReplayer;
import io.kafkabridge.kafka.SourceStats;
import io.kafkabridge.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server instances of a node ({@code http.instances}, each a {@link GatewayServerVerticle} on its own event loop
 * with its own connections and per-address fan-out) and what they share: the node's limits, counters, Kafka probe,
 * cluster monitor, in-flight bound, replayer and metrics. A figure that is per node is gathered from every loop, each
 * loop reading its own state on its own thread, then summed.
 */
public final class ServerLoops implements GatewayMetrics.Connections {

    /** Ids of the random ports that a node's instances share (Vert.x shares a server listening on a negative port). */
    private static final AtomicInteger SHARED_PORT_IDS = new AtomicInteger();

    final GatewayOptions options;
    final Authenticator authenticator;
    final ConnectionLimiter connections;
    final KafkaHealthProbe kafkaHealth;
    final SourceStats stats;
    final ClusterMonitor cluster;
    final SlowClientStats slowClients;
    final InFlightRecords inFlight;
    final KafkaReplayer replays;
    /** {@code null} when metrics are off. */
    final GatewayMetrics metrics;
    private final int count;
    private final int sharedHttpPort;
    private final int sharedStompPort;
    private final List<GatewayServerVerticle> servers = new ArrayList<>();
    /** Each loop's counts as last gathered, which the metrics' gauges read. */
    private volatile List<JsonObject> lastCounts = List.of();

    public ServerLoops(GatewayOptions options, Authenticator authenticator, ConnectionLimiter connections, KafkaHealthProbe kafkaHealth,
                       SourceStats stats, ClusterMonitor cluster, SlowClientStats slowClients, InFlightRecords inFlight,
                       KafkaReplayer replays, GatewayMetrics metrics) {
        this.options = options;
        this.authenticator = authenticator;
        this.connections = connections;
        this.kafkaHealth = kafkaHealth;
        this.stats = stats;
        this.cluster = cluster;
        this.slowClients = slowClients;
        this.inFlight = inFlight;
        this.replays = replays;
        this.metrics = metrics;
        this.count = options.getHttp().resolveInstances();
        this.sharedHttpPort = -SHARED_PORT_IDS.incrementAndGet();
        this.sharedStompPort = -SHARED_PORT_IDS.incrementAndGet();
    }

    /**
     * @return the number of server instances the node runs
     */
    public int count() {
        return count;
    }

    /**
     * @return the index of the instance among the node's, from 0; instance 0 also runs what exists once per node (the
     * metrics port, the stats)
     */
    synchronized int register(GatewayServerVerticle server) {
        servers.add(server);
        return servers.size() - 1;
    }

    private synchronized List<GatewayServerVerticle> servers() {
        return List.copyOf(servers);
    }

    /**
     * @return the port an instance listens on: a configured port as it is; port 0 (any free port) with several
     * instances as an id of this node's that makes them all share one random port
     */
    int httpListenPort() {
        int port = options.getHttp().getPort();
        return port == 0 && count > 1 ? sharedHttpPort : port;
    }

    int stompListenPort() {
        int port = options.getStomp().getPort();
        return port == 0 && count > 1 ? sharedStompPort : port;
    }

    /**
     * @return every loop's counts (see {@link GatewayServerVerticle#loopCounts()}), gathered on the loops
     */
    public Future<List<JsonObject>> gather() {
        List<Future<JsonObject>> counts = servers().stream().map(GatewayServerVerticle::loopCounts).toList();
        return Future.all(counts).map(all -> {
            List<JsonObject> list = counts.stream().map(Future::result).toList();
            lastCounts = list;
            return list;
        });
    }

    /** The connections of the transport over the loops, as last {@link #gather() gathered}. */
    @Override
    public int connections(String transport) {
        return sum(lastCounts, "connections", transport);
    }

    @Override
    public int subscriptions(String transport) {
        return sum(lastCounts, "subscriptions", transport);
    }

    private static int sum(List<JsonObject> loops, String figure, String key) {
        int total = 0;
        for (JsonObject loop : loops) {
            total += loop.getJsonObject(figure).getInteger(key, 0);
        }
        return total;
    }

    private static long sum(List<JsonObject> loops, String figure) {
        long total = 0;
        for (JsonObject loop : loops) {
            total += loop.getLong(figure, 0L);
        }
        return total;
    }

    /**
     * @return whether every instance started and listens
     */
    public boolean isListening() {
        List<GatewayServerVerticle> started = servers();
        return started.size() == count && started.stream().allMatch(GatewayServerVerticle::isListening);
    }

    boolean isReady() {
        return isListening() && kafkaHealth.isReachable() && !connections.isDraining() && cluster.isJoined();
    }

    /**
     * Tells every client of every loop the reason and closes its connection.
     */
    public Future<Void> disconnectAll(String code, String reason) {
        return Future.all(servers().stream().map(server -> server.disconnectClients(code, reason)).toList()).mapEmpty();
    }

    private GatewayServerVerticle first() {
        List<GatewayServerVerticle> started = servers();
        return started.isEmpty() ? null : started.get(0);
    }

    /**
     * @return the actual HTTP port (every instance's), once started
     */
    public int httpPort() {
        GatewayServerVerticle first = first();
        return first == null ? -1 : first.httpPort();
    }

    /**
     * @return the actual STOMP TCP port once started, -1 when disabled
     */
    public int stompPort() {
        GatewayServerVerticle first = first();
        return first == null ? -1 : first.stompPort();
    }

    /**
     * @return the port metrics are served on, or -1 when they are off
     */
    public int metricsPort() {
        GatewayServerVerticle first = first();
        return first == null ? -1 : first.metricsPort();
    }

    /**
     * @return the node's state ({@code /health}, {@code /ready}) from the loops' counts
     */
    JsonObject status(List<JsonObject> loops) {
        int stompConnections = 0;
        for (String transport : GatewayMetrics.TRANSPORTS) {
            if (!GatewayMetrics.SOCKJS.equals(transport)) {
                stompConnections += sum(loops, "connections", transport);
            }
        }
        int subscriptions = 0;
        for (String transport : GatewayMetrics.TRANSPORTS) {
            subscriptions += sum(loops, "subscriptions", transport);
        }
        return new JsonObject()
            .put("ready", isReady())
            .put("kafka", kafkaHealth.toJson())
            .put("http", new JsonObject().put("port", httpPort()).put("listening", isListening()).put("tls", options.getTls() != null)
                .put("instances", count)
                .put("connections", sum(loops, "httpConnections")).put("headerTimeouts", sum(loops, "headerTimeouts"))
                .put("refusedPerAddress", connections.refusedPerAddress()))
            .put("stomp", new JsonObject().put("tcpPort", stompPort()).put("connections", stompConnections))
            .put("sockjs", new JsonObject().put("connections", sum(loops, "connections", GatewayMetrics.SOCKJS)))
            .put("connections", new JsonObject().put("open", connections.open()).put("max", connections.max()))
            .put("subscriptions", new JsonObject().put("addresses", sum(loops, "addresses")).put("total", subscriptions))
            .put("loops", new JsonArray(new ArrayList<>(loops)))
            .put("auth", authenticator.isRequired() ? "required" : "anonymous")
            .put("slowClients", slowClients.toJson())
            .put("source", inFlight.toJson())
            .put("replays", replays.toJson().put("pacedPerSecond", sum(loops, "pacedPerSecond")))
            .put("cluster", cluster.toJson())
            .put("partitions", new JsonArray(stats.ownedPartitions()))
            .put("topics", stats.toJson())
            .put("routes", stats.routesToJson());
    }

    /**
     * @return what the operator page shows of this node: who it is, the partitions it owns, its connections and
     * subscriptions per transport, what it consumed, delivered (with the lag) and refused, its source and slow clients
     */
    JsonObject nodeStats(List<JsonObject> loops, long startedAt) {
        JsonObject connectionsJson = new JsonObject();
        JsonObject subscriptionsJson = new JsonObject();
        for (String transport : new TreeSet<>(GatewayMetrics.TRANSPORTS)) {
            connectionsJson.put(transport, sum(loops, "connections", transport));
            subscriptionsJson.put(transport, sum(loops, "subscriptions", transport));
        }
        return new JsonObject()
            .put("node", cluster.isClustered() ? cluster.nodeId() : options.getHttp().getHost() + ":" + httpPort())
            .put("httpPort", httpPort())
            .put("startedAt", startedAt)
            .put("ready", isReady())
            .put("instances", count)
            .put("kafka", new JsonObject().put("reachable", kafkaHealth.isReachable()))
            .put("partitions", new JsonArray(stats.ownedPartitions()))
            .put("connections", connectionsJson)
            .put("subscriptions", subscriptionsJson)
            .put("source", inFlight.toJson())
            .put("slowClients", slowClients.toJson())
            .put("replays", replays.toJson())
            .put("cluster", cluster.toJson())
            .put("topics", stats.toJson())
            .put("traffic", metrics == null ? null : metrics.transports().toJson());
    }
}
