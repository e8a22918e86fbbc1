package io.kafkabridge.bridge;

import io.kafkabridge.config.PermissionsOptions;
import io.kafkabridge.config.StompEndpointOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.stomp.Frame;
import io.vertx.ext.stomp.Frames;
import io.vertx.ext.stomp.ServerFrame;
import io.vertx.ext.stomp.StompServer;
import io.vertx.ext.stomp.StompServerConnection;
import io.vertx.ext.stomp.StompServerHandler;
import io.vertx.ext.stomp.StompServerOptions;
import io.vertx.ext.stomp.utils.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The STOMP bridge: one Vert.x STOMP server whose destinations are event-bus addresses, reached over WebSocket
 * (through {@link #webSocketHandler()}, mounted by the HTTP server) and over TCP ({@link #listenTcp()}). Create it
 * inside a verticle: the STOMP handler captures the verticle's context.
 */
public final class StompBridge {

    private static final Logger LOG = LoggerFactory.getLogger(StompBridge.class);
    /** The WebSocket subprotocols that STOMP clients such as {@code @stomp/stompjs} ask for. */
    public static final List<String> WEBSOCKET_SUBPROTOCOLS = List.of("v12.stomp", "v11.stomp", "v10.stomp");

    private final StompEndpointOptions options;
    private final StompBridgeDestination destination;
    private final StompServer server;

    public StompBridge(Vertx vertx, StompEndpointOptions options, PermissionsOptions permissions, String websocketPath) {
        this.options = options;
        this.destination = new StompBridgeDestination(vertx, new PermissionRules(permissions));
        StompServerHandler handler = StompServerHandler.create(vertx)
            .destinationFactory((v, name) -> destination)
            .subscribeHandler(this::handleSubscribe)
            .closeHandler(connection -> LOG.debug("STOMP client {} disconnected", connection.session()));
        StompServerOptions serverOptions = new StompServerOptions()
            .setHost(options.getHost())
            .setPort(options.isTcpEnabled() ? options.getPort() : 0)
            .setMaxBodyLength(options.getMaxBodyLength())
            .setHeartbeat(options.heartbeatJson())
            .setWebsocketBridge(true)
            .setWebsocketPath(websocketPath)
            .setSendErrorOnNoSubscriptions(false)
            .setSecured(false);
        this.server = StompServer.create(vertx, serverOptions).handler(handler);
    }

    /**
     * Like Vert.x's default subscribe handler, with errors that say what was wrong and which destination was refused.
     */
    private void handleSubscribe(ServerFrame serverFrame) {
        Frame frame = serverFrame.frame();
        StompServerConnection connection = serverFrame.connection();
        String id = frame.getHeader(Frame.ID);
        String address = frame.getHeader(Frame.DESTINATION);
        if (address == null || id == null) {
            refuse(connection, "invalid_subscription", Headers.create(frame.getHeaders()),
                "SUBSCRIBE needs the 'destination' and 'id' headers");
            return;
        }
        List<String> ids = destination.getSubscriptions(connection);
        if (ids.contains(id)) {
            refuse(connection, "invalid_subscription", Headers.create(Frame.DESTINATION, address, Frame.ID, id),
                "Subscription id '" + id + "' is already used by this connection");
            return;
        }
        if (ids.size() >= serverOptions().getMaxSubscriptionsByClient()) {
            refuse(connection, "too_many_subscriptions", Headers.create(Frame.DESTINATION, address, Frame.ID, id),
                "A connection may hold at most " + serverOptions().getMaxSubscriptionsByClient() + " subscriptions");
            return;
        }
        if (destination.subscribe(connection, frame) == null) {
            LOG.info("STOMP client {} refused: SUBSCRIBE to {} is not permitted", connection.session(), address);
            refuse(connection, StompBridgeDestination.ACCESS_DENIED, Headers.create(Frame.DESTINATION, address, Frame.ID, id),
                "Access denied: destination '" + address + "' is not permitted by the bridge rules");
            return;
        }
        Frames.handleReceipt(frame, connection);
    }

    private static void refuse(StompServerConnection connection, String message, Headers headers, String body) {
        connection.write(Frames.createErrorFrame(message, headers, body));
        connection.close();
    }

    private StompServerOptions serverOptions() {
        return server.options();
    }

    /**
     * @return the handler for WebSockets upgraded on the STOMP path
     */
    public Handler<ServerWebSocket> webSocketHandler() {
        return server.webSocketHandler();
    }

    /**
     * Starts STOMP over TCP, unless {@code stomp.port} is -1.
     *
     * @return the actual port, or -1 when disabled
     */
    public Future<Integer> listenTcp() {
        if (!options.isTcpEnabled()) {
            return Future.succeededFuture(StompEndpointOptions.DISABLED);
        }
        return server.listen(options.getPort(), options.getHost()).map(StompServer::actualPort);
    }

    public Future<Void> close() {
        return server.isListening() ? server.close() : Future.succeededFuture();
    }

    public StompBridgeDestination destination() {
        return destination;
    }
}
