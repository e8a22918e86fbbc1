package io.kafkabridge.http;

import io.kafkabridge.bridge.SockJsBridge;
import io.kafkabridge.bridge.StompBridge;
import io.kafkabridge.config.GatewayOptions;
import io.kafkabridge.config.HttpEndpointOptions;
import io.kafkabridge.kafka.KafkaHealthProbe;
import io.kafkabridge.kafka.SourceStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP server of a node: the SockJS bridge, STOMP over WebSocket, {@code /health}, {@code /ready} and the
 * static pages of {@code webroot/} (the working directory's first, then the jar's); plus STOMP over TCP.
 */
public class GatewayServerVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServerVerticle.class);

    private final GatewayOptions options;
    private final KafkaHealthProbe kafkaHealth;
    private final SourceStats stats;

    private HttpServer httpServer;
    private StompBridge stompBridge;
    private SockJsBridge sockJsBridge;
    private volatile boolean listening;
    private int httpPort;
    private int stompPort = -1;

    public GatewayServerVerticle(GatewayOptions options, KafkaHealthProbe kafkaHealth, SourceStats stats) {
        this.options = options;
        this.kafkaHealth = kafkaHealth;
        this.stats = stats;
    }

    @Override
    public Future<?> start() {
        HttpEndpointOptions http = options.getHttp();
        sockJsBridge = new SockJsBridge();
        stompBridge = new StompBridge(vertx, options.getStomp(), options.getBridge(), http.getStompPath());

        Router router = Router.router(vertx);
        router.get("/health").handler(this::handleHealth);
        router.get("/ready").handler(this::handleHealth);
        router.route(http.getEventbusPath() + "/*").subRouter(sockJsBridge.createRouter(vertx, options.getBridge()));
        router.get(http.getStompPath()).handler(this::upgradeToStomp);
        router.route().handler(StaticHandler.create("webroot").setIndexPage("index.html").setCachingEnabled(false));

        httpServer = vertx.createHttpServer(new HttpServerOptions()
            .setHost(http.getHost())
            .setPort(http.getPort())
            .setWebSocketSubProtocols(StompBridge.WEBSOCKET_SUBPROTOCOLS))
            .requestHandler(router);
        return httpServer.listen()
            .compose(server -> {
                httpPort = server.actualPort();
                return stompBridge.listenTcp();
            })
            .onSuccess(tcpPort -> {
                stompPort = tcpPort;
                listening = true;
                LOG.info("HTTP server listening on {}:{} (SockJS bridge {}, STOMP over WebSocket {}, pages /)",
                    http.getHost(), httpPort, http.getEventbusPath(), http.getStompPath());
                if (tcpPort >= 0) {
                    LOG.info("STOMP over TCP listening on {}:{}", options.getStomp().getHost(), tcpPort);
                } else {
                    LOG.info("STOMP over TCP disabled (stomp.port = -1)");
                }
            });
    }

    private void upgradeToStomp(RoutingContext ctx) {
        ctx.request().toWebSocket()
            .onSuccess(socket -> stompBridge.webSocketHandler().handle(socket))
            .onFailure(e -> {
                LOG.debug("STOMP WebSocket upgrade from {} refused: {}", ctx.request().remoteAddress(), e.getMessage());
                if (!ctx.response().ended()) {
                    ctx.response().setStatusCode(400).end("STOMP needs a WebSocket upgrade\n");
                }
            });
    }

    private void handleHealth(RoutingContext ctx) {
        boolean up = listening && kafkaHealth.isReachable();
        JsonObject body = new JsonObject()
            .put("status", up ? "UP" : "DOWN")
            .put("kafka", kafkaHealth.toJson())
            .put("http", new JsonObject().put("port", httpPort).put("listening", listening))
            .put("stomp", new JsonObject().put("tcpPort", stompPort)
                .put("subscriptions", stompBridge.destination().numberOfSubscriptions()))
            .put("sockjs", new JsonObject().put("connections", sockJsBridge.openSockets()))
            .put("topics", stats.toJson());
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
        Future<Void> http = httpServer == null ? Future.succeededFuture() : httpServer.close();
        Future<Void> stomp = stompBridge == null ? Future.succeededFuture() : stompBridge.close();
        return Future.all(http, stomp);
    }
}
