package io.kafkabridge.http;

import io.kafkabridge.auth.Authenticator;
import io.kafkabridge.bridge.AddressFanout;
import io.kafkabridge.bridge.BridgeContext;
import io.kafkabridge.bridge.ConnectionLimiter;
import io.kafkabridge.bridge.ErrorCodes;
import io.kafkabridge.cluster.ClusterMonitor;
import io.kafkabridge.bridge.PermissionRules;
import io.kafkabridge.bridge.SockJsBridge;
import io.kafkabridge.bridge.StompBridge;
import io.kafkabridge.config.GatewayOptions;
import io.kafkabridge.config.HttpEndpointOptions;
import io.kafkabridge.config.TlsOptions;
import io.kafkabridge.delivery.InFlightRecords;
import io.kafkabridge.delivery.ReplayPacer;
import io.kafkabridge.config.MetricsOptions;
import io.kafkabridge.metrics.GatewayMetrics;
import io.kafkabridge.metrics.NodeStatsPublisher;
import io.kafkabridge.metrics.TransportMetrics;
import io.kafkabridge.delivery.SlowClientStats;
import io.kafkabridge.sink.SinkRoutes;
import io.kafkabridge.kafka.KafkaHealthProbe;
import io.kafkabridge.kafka.KafkaReplayer;
import io.kafkabridge.kafka.SourceStats;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP server of a node: the SockJS bridge, STOMP over WebSocket, {@code /health}, {@code /ready} and the
 * static pages of {@code webroot/} (the working directory's first, then the jar's); plus STOMP over TCP. With a
 * {@code tls} section both listeners speak only TLS (HTTPS/WSS, STOMP+TLS).
 */
public class GatewayServerVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServerVerticle.class);

    private final GatewayOptions options;
    private final Authenticator authenticator;
    private final ConnectionLimiter connections;
    private final KafkaHealthProbe kafkaHealth;
    private final SourceStats stats;
    private final ClusterMonitor cluster;
    private final SlowClientStats slowClients;
    private final InFlightRecords inFlight;
    private final KafkaReplayer replays;
    private ReplayPacer replayPacer;

    private HttpServer httpServer;
    private HttpServer metricsServer;
    private GatewayMetrics metrics;
    private GatewayMetrics.Connections transportCounts;
    private NodeStatsPublisher statsPublisher;
    private final long startedAt = System.currentTimeMillis();
    private int metricsPort = -1;
    private HttpConnectionGuard httpGuard;
    private AddressFanout fanout;
    private StompBridge stompBridge;
    private SockJsBridge sockJsBridge;
    private volatile boolean listening;
    private int httpPort;
    private int stompPort = -1;

    public GatewayServerVerticle(GatewayOptions options, Authenticator authenticator, ConnectionLimiter connections,
                                 KafkaHealthProbe kafkaHealth, SourceStats stats, ClusterMonitor cluster,
                                 SlowClientStats slowClients, InFlightRecords inFlight, KafkaReplayer replays) {
        this.options = options;
        this.authenticator = authenticator;
        this.connections = connections;
        this.kafkaHealth = kafkaHealth;
        this.stats = stats;
        this.cluster = cluster;
        this.slowClients = slowClients;
        this.inFlight = inFlight;
        this.replays = replays;
    }

    @Override
    public Future<?> start() {
        HttpEndpointOptions http = options.getHttp();
        PemKeyCertOptions tls = pemOf(options.getTls());
        fanout = new AddressFanout(vertx);
        replayPacer = new ReplayPacer(options.getResume().getMaxReplayedPerSecond(), (ms, task) -> vertx.setTimer(ms, id -> task.run()));
        MetricsOptions metricsOptions = options.getMetrics();
        metrics = metricsOptions.isEnabled() ? GatewayMetrics.create(stats) : null;
        BridgeContext context = new BridgeContext(vertx, authenticator, new PermissionRules(options.getBridge(), options.nodeAddresses()),
            options.getLimits(), fanout, connections, new SinkRoutes(options.getSinks()), options.getKafka().getProducerTimeoutMs(),
            slowClients, replays, replayPacer, metrics == null ? TransportMetrics.NONE : metrics.transports());
        sockJsBridge = new SockJsBridge(context);
        stompBridge = new StompBridge(context, options.getStomp(), tls);

        httpGuard = new HttpConnectionGuard(vertx, http.getRequestHeaderTimeoutMs(), connections);
        transportCounts = new GatewayMetrics.Connections() {
            @Override
            public int connections(String transport) {
                return GatewayMetrics.SOCKJS.equals(transport) ? sockJsBridge.openSessions() : stompBridge.openSessions(transport);
            }

            @Override
            public int subscriptions(String transport) {
                return GatewayMetrics.SOCKJS.equals(transport) ? sockJsBridge.subscriptions() : stompBridge.subscriptions(transport);
            }
        };
        Router router = Router.router(vertx);
        router.route().handler(httpGuard::requestArrived);
        router.get("/health").handler(this::handleHealth);
        router.get("/ready").handler(this::handleReady);
        if (metrics != null) {
            metrics.bindConnections(transportCounts)
                .bindSlowClients(slowClients)
                .bindSource(inFlight)
                .bindReplays(replays);
            if (metricsOptions.getPort() == MetricsOptions.SAME_AS_HTTP) {
                router.get(metricsOptions.getPath()).handler(this::handleMetrics);
            }
        }
        // SockJS's HTTP transports (xhr_send, jsonp_send) read request bodies: bound them (413 beyond)
        OriginCheck origins = new OriginCheck(http.getAllowedOrigins());
        long maxSockJsBody = 2L * options.getLimits().getMaxFrameBytes() + 1024;
        for (String path : List.of(http.getEventbusPath(), http.getStompPath())) {
            // "/path/*" matches the path itself too
            router.route(path + "/*").handler(origins::check);
            router.post(path + "/*").handler(BodyHandler.create(false).setBodyLimit(maxSockJsBody));
        }
        router.route(http.getEventbusPath() + "/*").subRouter(sockJsBridge.createRouter());
        // exactly the STOMP path: STOMP over a plain WebSocket; below it: STOMP over SockJS
        router.get(http.getStompPath()).handler(this::upgradeToStomp);
        router.route(http.getStompPath() + "/*").subRouter(stompBridge.createSockJsRouter());
        router.route().handler(StaticHandler.create("webroot").setIndexPage("index.html").setCachingEnabled(false));

        HttpServerOptions serverOptions = new HttpServerOptions()
            .setHost(http.getHost())
            .setPort(http.getPort())
            // HTTP/1.1 only: a cleartext HTTP/2 upgrade check would hold a silent socket before any timeout applies
            .setHttp2ClearTextEnabled(false)
            .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, http.getIdleTimeoutMs()))
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
            .setSendBufferSize(options.getLimits().getSocketSendBufferBytes())
            .setWebSocketSubProtocols(StompBridge.WEBSOCKET_SUBPROTOCOLS)
            .setPerMessageWebSocketCompressionSupported(http.isWebsocketCompression())
            .setPerFrameWebSocketCompressionSupported(http.isWebsocketCompression())
            .setMaxWebSocketMessageSize(Math.max(65_536, 6 * options.getLimits().getMaxFrameBytes() + 1024))
            .setMaxWebSocketFrameSize(Math.max(65_536, options.getLimits().getMaxFrameBytes() + 1024));
        if (tls != null) {
            serverOptions.setSsl(true).setKeyCertOptions(tls);
        }
        httpServer = vertx.createHttpServer(serverOptions).connectionHandler(httpGuard::accept).requestHandler(router);
        Future<Void> reconnectConsumer = vertx.eventBus().<String>localConsumer(ClusterMonitor.RECONNECT_CLIENTS_ADDRESS,
            message -> disconnectClients(ErrorCodes.NODE_REJOINED, message.body())).completion();
        // the source's markers come after its messages: one handled here means those were handed to the queues
        Future<Void> inFlightConsumer = vertx.eventBus().<JsonObject>localConsumer(InFlightRecords.ADDRESS,
            message -> inFlight.acknowledge(message.body())).completion().onSuccess(v -> inFlight.attach());
        return Future.all(reconnectConsumer, inFlightConsumer).compose(v -> httpServer.listen())
            .compose(server -> {
                httpPort = server.actualPort();
                return listenMetrics();
            })
            .compose(v -> stompBridge.listenTcp())
            .onSuccess(tcpPort -> {
                stompPort = tcpPort;
                listening = true;
                statsPublisher = new NodeStatsPublisher(vertx, options.getAdmin(), this::nodeStats).start();
                String scheme = tls != null ? "HTTPS" : "HTTP";
                LOG.info("{} server listening on {}:{} (SockJS bridge {}, STOMP over WebSocket and SockJS {}, pages /)", scheme,
                    http.getHost(), httpPort, http.getEventbusPath(), http.getStompPath());
                if (tcpPort >= 0) {
                    LOG.info("STOMP over {} listening on {}:{}", tls != null ? "TLS" : "TCP", options.getStomp().getHost(), tcpPort);
                } else {
                    LOG.info("STOMP over TCP disabled (stomp.port = -1)");
                }
            });
    }

    /**
     * Starts the metrics server of its own ({@code metrics.port}), unless metrics are off or served on the HTTP port.
     */
    private Future<Void> listenMetrics() {
        MetricsOptions metricsOptions = options.getMetrics();
        if (metrics == null) {
            LOG.info("Metrics off (metrics.enabled = false)");
            return Future.succeededFuture();
        }
        if (metricsOptions.getPort() == MetricsOptions.SAME_AS_HTTP) {
            metricsPort = httpPort;
            LOG.info("Metrics on {}:{}{}", options.getHttp().getHost(), httpPort, metricsOptions.getPath());
            return Future.succeededFuture();
        }
        Router metricsRouter = Router.router(vertx);
        metricsRouter.get(metricsOptions.getPath()).handler(this::handleMetrics);
        metricsServer = vertx.createHttpServer(new HttpServerOptions().setHost(metricsOptions.getHost())
            .setPort(metricsOptions.getPort()).setHttp2ClearTextEnabled(false)).requestHandler(metricsRouter);
        return metricsServer.listen().map(server -> {
            metricsPort = server.actualPort();
            LOG.info("Metrics on {}:{}{} (metrics.port)", metricsOptions.getHost(), metricsPort, metricsOptions.getPath());
            return null;
        });
    }

    private void handleMetrics(RoutingContext ctx) {
        ctx.response()
            .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
            .end(metrics.scrape());
    }

    /**
     * Adds the Kafka consumer's own metrics to {@code /metrics} (when metrics are on).
     */
    public void bindKafkaConsumer(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        if (metrics != null && consumer != null) {
            metrics.bindKafkaConsumer(consumer);
        }
    }

    /**
     * @return the port metrics are served on, or -1 when they are off
     */
    public int metricsPort() {
        return metricsPort;
    }

    static PemKeyCertOptions pemOf(TlsOptions tls) {
        return tls == null ? null : new PemKeyCertOptions().setKeyPath(tls.getKeyFile()).setCertPath(tls.getCertFile());
    }

    private void upgradeToStomp(RoutingContext ctx) {
        ctx.request().toWebSocket()
            .onSuccess(stompBridge::acceptWebSocket)
            .onFailure(e -> {
                LOG.debug("STOMP WebSocket upgrade from {} refused: {}", ctx.request().remoteAddress(), e.getMessage());
                if (!ctx.response().ended()) {
                    ctx.response().setStatusCode(400).end("STOMP needs a WebSocket upgrade\n");
                }
            });
    }

    /**
     * Sends every client the reason and closes its connection (it reconnects, here or elsewhere, and resumes). Callable
     * from any thread: the work runs on this verticle's event loop, the only one that touches its connections.
     *
     * @return completes once every client was told
     */
    public Future<Void> disconnectClients(String code, String reason) {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> {
            LOG.info("Disconnecting {} SockJS and {} STOMP client(s) ({}): {}", sockJsBridge.openSessions(),
                stompBridge.openSessions(), code, reason);
            sockJsBridge.disconnectAll(code, reason);
            stompBridge.disconnectAll(code, reason);
            done.complete();
        });
        return done.future();
    }

    /**
     * Liveness: 200 while the process serves, whatever Kafka does (a liveness probe that failed during a broker outage
     * would restart every node of the cluster and cut all their clients for nothing).
     */
    private void handleHealth(RoutingContext ctx) {
        respond(ctx, listening, status());
    }

    /**
     * Readiness: Kafka reachable, servers listening, not shutting down, and, when clustered, a member of the cluster.
     */
    private void handleReady(RoutingContext ctx) {
        respond(ctx, isReady(), status());
    }

    private boolean isReady() {
        return listening && kafkaHealth.isReachable() && !connections.isDraining() && cluster.isJoined();
    }

    private JsonObject status() {
        return new JsonObject()
            .put("ready", isReady())
            .put("kafka", kafkaHealth.toJson())
            .put("http", new JsonObject().put("port", httpPort).put("listening", listening).put("tls", options.getTls() != null)
                .put("connections", httpGuard.open()).put("headerTimeouts", httpGuard.headerTimeouts())
                .put("refusedPerAddress", connections.refusedPerAddress()))
            .put("stomp", new JsonObject().put("tcpPort", stompPort).put("connections", stompBridge.openSessions()))
            .put("sockjs", new JsonObject().put("connections", sockJsBridge.openSessions()))
            .put("connections", new JsonObject().put("open", connections.open()).put("max", connections.max()))
            .put("subscriptions", new JsonObject().put("addresses", fanout.addressCount()).put("total", fanout.subscriptionCount()))
            .put("auth", authenticator.isRequired() ? "required" : "anonymous")
            .put("slowClients", slowClients.toJson())
            .put("source", inFlight.toJson())
            .put("replays", replays.toJson().put("pacedPerSecond", replayPacer.perSecond()))
            .put("cluster", cluster.toJson())
            .put("partitions", new JsonArray(stats.ownedPartitions()))
            .put("topics", stats.toJson())
            .put("routes", stats.routesToJson());
    }

    /**
     * @return what the operator page shows of this node: who it is, the partitions it owns, its connections and
     * subscriptions per transport, what it consumed, delivered (with the lag) and refused, its source and slow clients
     */
    private JsonObject nodeStats() {
        JsonObject connectionsJson = new JsonObject();
        JsonObject subscriptionsJson = new JsonObject();
        for (String transport : new TreeSet<>(GatewayMetrics.TRANSPORTS)) {
            connectionsJson.put(transport, transportCounts.connections(transport));
            subscriptionsJson.put(transport, transportCounts.subscriptions(transport));
        }
        return new JsonObject()
            .put("node", cluster.isClustered() ? cluster.nodeId() : options.getHttp().getHost() + ":" + httpPort)
            .put("httpPort", httpPort)
            .put("startedAt", startedAt)
            .put("ready", isReady())
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

    private static void respond(RoutingContext ctx, boolean up, JsonObject body) {
        body.put("status", up ? "UP" : "DOWN");
        ctx.response()
            .setStatusCode(up ? 200 : 503)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
            .end(body.encodePrettily());
    }

    /**
     * @return the actual HTTP port, once started
     */
    public int httpPort() {
        return httpPort;
    }

    /**
     * @return the actual STOMP TCP port once started, -1 when disabled
     */
    public int stompPort() {
        return stompPort;
    }

    @Override
    public Future<?> stop() {
        listening = false;
        if (statsPublisher != null) {
            statsPublisher.stop();
        }
        if (sockJsBridge != null) {
            sockJsBridge.close();
        }
        Future<Void> http = httpServer == null ? Future.succeededFuture() : httpServer.close();
        if (metrics != null) {
            metrics.close();
        }
        Future<Void> metricsClosed = metricsServer == null ? Future.succeededFuture() : metricsServer.close();
        Future<Void> stomp = stompBridge == null ? Future.succeededFuture() : stompBridge.close();
        return Future.all(http, metricsClosed, stomp);
    }
}
