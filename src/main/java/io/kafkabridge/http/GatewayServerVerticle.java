package io.kafkabridge.http;

import io.kafkabridge.bridge.AddressFanout;
import io.kafkabridge.bridge.BridgeContext;
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
import io.kafkabridge.delivery.WriteCoalescer;
import io.kafkabridge.config.MetricsOptions;
import io.kafkabridge.metrics.GatewayMetrics;
import io.kafkabridge.metrics.NodeStatsPublisher;
import io.kafkabridge.metrics.TransportMetrics;
import io.kafkabridge.routing.JsonBytesCodec;
import io.kafkabridge.sink.SinkRoutes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server instance of a node, on its own event loop ({@code http.instances} of them share the ports): the SockJS
 * bridge, STOMP over WebSocket and SockJS, {@code /health}, {@code /ready}, {@code /metrics} and the static pages of
 * {@code webroot/} (the working directory's first, then the jar's); plus STOMP over TCP. Each instance has its own
 * connections and per-address fan-out; what is per node is in {@link ServerLoops}. With a {@code tls} section both
 * listeners speak only TLS (HTTPS/WSS, STOMP+TLS).
 */
public class GatewayServerVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServerVerticle.class);

    private final ServerLoops loops;
    private final GatewayOptions options;
    private final GatewayMetrics metrics;
    private int loop;
    private ReplayPacer replayPacer;

    private HttpServer httpServer;
    private HttpServer metricsServer;
    private NodeStatsPublisher statsPublisher;
    private final long startedAt = System.currentTimeMillis();
    private volatile int metricsPort = -1;
    private HttpConnectionGuard httpGuard;
    private AddressFanout fanout;
    private WriteCoalescer writes;
    private StompBridge stompBridge;
    private SockJsBridge sockJsBridge;
    private volatile boolean listening;
    private volatile int httpPort;
    private volatile int stompPort = -1;

    public GatewayServerVerticle(ServerLoops loops) {
        this.loops = loops;
        this.options = loops.options;
        this.metrics = loops.metrics;
    }

    @Override
    public Future<?> start() {
        loop = loops.register(this);
        // the bodies of JSON records, from this node's source or another node's
        JsonBytesCodec.register(vertx);
        HttpEndpointOptions http = options.getHttp();
        PemKeyCertOptions tls = pemOf(options.getTls());
        fanout = new AddressFanout(vertx);
        replayPacer = new ReplayPacer(options.getResume().getMaxReplayedPerSecond(), (ms, task) -> vertx.setTimer(ms, id -> task.run()));
        MetricsOptions metricsOptions = options.getMetrics();
        writes = new WriteCoalescer(this.context);
        BridgeContext context = new BridgeContext(vertx, loops.authenticator, new PermissionRules(options.getBridge(),
            options.nodeAddresses()), options.getLimits(), fanout, loops.connections, new SinkRoutes(options.getSinks()),
            options.getKafka().getProducerTimeoutMs(), loops.slowClients, loops.replays, replayPacer,
            metrics == null ? TransportMetrics.NONE : metrics.transports(), writes);
        sockJsBridge = new SockJsBridge(context);
        stompBridge = new StompBridge(context, options.getStomp(), tls);

        httpGuard = new HttpConnectionGuard(vertx, http.getRequestHeaderTimeoutMs(), loops.connections);
        Router router = Router.router(vertx);
        router.route().handler(httpGuard::requestArrived);
        router.get("/health").handler(this::handleHealth);
        router.get("/ready").handler(this::handleReady);
        if (metrics != null && metricsOptions.getPort() == MetricsOptions.SAME_AS_HTTP) {
            router.get(metricsOptions.getPath()).handler(this::handleMetrics);
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
            .setPort(loops.httpListenPort())
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
        // the source's markers come after its messages: one handled here means those were handed to this loop's queues
        InFlightRecords inFlight = loops.inFlight;
        Future<Void> inFlightConsumer = vertx.eventBus().<JsonObject>localConsumer(InFlightRecords.ADDRESS,
            message -> inFlight.acknowledge(loop, message.body())).completion().onSuccess(v -> inFlight.attach(loop));
        return Future.all(reconnectConsumer, inFlightConsumer).compose(v -> httpServer.listen())
            .compose(server -> {
                httpPort = server.actualPort();
                return loop == 0 ? listenMetrics() : Future.succeededFuture();
            })
            .compose(v -> stompBridge.listenTcp(loops.stompListenPort()))
            .onSuccess(tcpPort -> {
                stompPort = tcpPort;
                listening = true;
                if (loop > 0) {
                    LOG.debug("Server instance {} of {} listening", loop, loops.count());
                    return;
                }
                // once per node: the operator page's stats
                statsPublisher = new NodeStatsPublisher(vertx, options.getAdmin(),
                    () -> loops.gather().map(counts -> loops.nodeStats(counts, startedAt))).start();
                String scheme = tls != null ? "HTTPS" : "HTTP";
                LOG.info("{} server listening on {}:{} (SockJS bridge {}, STOMP over WebSocket and SockJS {}, pages /), {} "
                    + "instance(s) (http.instances)", scheme, http.getHost(), httpPort, http.getEventbusPath(), http.getStompPath(),
                    loops.count());
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

    /**
     * The loops' counts are gathered first: the gauges read them.
     */
    private void handleMetrics(RoutingContext ctx) {
        loops.gather().onComplete(gathered -> ctx.response()
            .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
            .end(metrics.scrape()));
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
        loops.gather().onComplete(counts -> respond(ctx, loops.isListening(), counts));
    }

    /**
     * Readiness: Kafka reachable, servers listening, not shutting down, and, when clustered, a member of the cluster.
     */
    private void handleReady(RoutingContext ctx) {
        loops.gather().onComplete(counts -> respond(ctx, loops.isReady(), counts));
    }

    private void respond(RoutingContext ctx, boolean up, io.vertx.core.AsyncResult<List<JsonObject>> counts) {
        if (counts.failed()) {
            LOG.warn("Node state not gathered from the server loops: {}", counts.cause().toString());
            ctx.response().setStatusCode(503).end();
            return;
        }
        respond(ctx, up, loops.status(counts.result()));
    }

    /**
     * @return this loop's figures, read on its own thread: connections and subscriptions per transport, plain HTTP
     * connections, header timeouts, addresses registered, the replay pacer's rate, the STOMP buffers written and the
     * socket writes they took (coalesced)
     */
    Future<JsonObject> loopCounts() {
        Promise<JsonObject> counts = Promise.promise();
        context.runOnContext(v -> {
            JsonObject connectionsJson = new JsonObject();
            JsonObject subscriptionsJson = new JsonObject();
            Map<String, int[]> stomp = stompBridge.countSessions();
            for (String transport : new TreeSet<>(GatewayMetrics.TRANSPORTS)) {
                boolean sockJs = GatewayMetrics.SOCKJS.equals(transport);
                int[] stompCounts = stomp.getOrDefault(transport, new int[2]);
                connectionsJson.put(transport, sockJs ? sockJsBridge.openSessions() : stompCounts[0]);
                subscriptionsJson.put(transport, sockJs ? sockJsBridge.subscriptions() : stompCounts[1]);
            }
            counts.complete(new JsonObject().put("loop", loop).put("connections", connectionsJson)
                .put("subscriptions", subscriptionsJson).put("httpConnections", httpGuard.open())
                .put("headerTimeouts", httpGuard.headerTimeouts()).put("addresses", fanout.addressCount())
                .put("pacedPerSecond", replayPacer.perSecond())
                .put("stompWrites", new JsonObject().put("buffers", writes.buffersWritten()).put("socket", writes.socketWrites())));
        });
        return counts.future();
    }

    boolean isListening() {
        return listening;
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
        Future<Void> metricsClosed = metricsServer == null ? Future.succeededFuture() : metricsServer.close();
        Future<Void> stomp = stompBridge == null ? Future.succeededFuture() : stompBridge.close();
        return Future.all(http, metricsClosed, stomp);
    }
}
