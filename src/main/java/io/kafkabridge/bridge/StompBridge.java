package io.kafkabridge.bridge;

import io.kafkabridge.auth.AuthFailure;
import io.kafkabridge.auth.Authenticator;
import io.kafkabridge.auth.Identity;
import io.kafkabridge.kafka.KafkaSinkVerticle;
import io.kafkabridge.delivery.WriteCoalescer;
import io.kafkabridge.metrics.GatewayMetrics;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.metrics.TransportMetrics;
import io.kafkabridge.config.StompEndpointOptions;
import io.kafkabridge.delivery.Since;
import io.kafkabridge.sink.SinkRoutes;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.stomp.Command;
import io.vertx.ext.stomp.Frame;
import io.vertx.ext.stomp.Frames;
import io.vertx.ext.stomp.ServerFrame;
import io.vertx.ext.stomp.StompServer;
import io.vertx.ext.stomp.StompServerConnection;
import io.vertx.ext.stomp.StompServerHandler;
import io.vertx.ext.stomp.StompServerOptions;
import io.vertx.ext.stomp.utils.Headers;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The STOMP bridge: destinations are event-bus addresses, reached over WebSocket ({@link #acceptWebSocket}, mounted
 * by the HTTP server on exactly the STOMP path), over SockJS ({@link #createSockJsRouter()}, mounted below it) and over
 * TCP ({@link #listenTcp()}). All three go through the same connection handling below.
 * <p>
 * The bridge owns the connections: it counts them against {@code limits.maxConnectionsPerNode}, authenticates the
 * CONNECT frame before anything else is processed, refuses every other frame before CONNECTED, cuts clients that do
 * not CONNECT within {@code limits.connectTimeoutMs} or go silent for {@code limits.idleTimeoutMs}, rate-limits
 * frames, and checks SUBSCRIBE and SEND against the connection's rules. Vert.x's STOMP server does the protocol:
 * frame parsing (with size limits), version and heart-beat negotiation, receipts, DISCONNECT. Every refusal is an
 * ERROR frame whose {@code message} header is an error code, followed by a close, as STOMP requires.
 * <p>
 * Create it inside a verticle: the STOMP handler captures the verticle's context.
 */
public final class StompBridge {

    private static final Logger LOG = LoggerFactory.getLogger(StompBridge.class);
    /** The WebSocket subprotocols that STOMP clients such as {@code @stomp/stompjs} ask for. */
    public static final List<String> WEBSOCKET_SUBPROTOCOLS = List.of("v12.stomp", "v11.stomp", "v10.stomp");
    /** Most headers a client frame may carry. */
    public static final int MAX_HEADERS = 64;
    /** Headers of a SEND that are the protocol's or the server's, not the message's (lower case: compared in any case). */
    private static final Set<String> SERVER_SET_HEADERS = Set.of(Frame.CONTENT_LENGTH, Frame.RECEIPT, Frame.TRANSACTION,
        Frame.DESTINATION, "authorization", "passcode", "login", SockJsSession.USER_HEADER);

    private final BridgeContext context;
    private final StompEndpointOptions options;
    private final StompServerOptions serverOptions;
    private final StompServer protocol;
    private final StompServerHandler handler;
    private final Map<StompServerConnection, StompSession> sessions = new IdentityHashMap<>();
    private final PemKeyCertOptions tls;
    private final LoopConfinement confinement = new LoopConfinement("STOMP bridge");
    private NetServer tcpServer;
    private long sweeper = -1;

    /**
     * @param tls the key and certificate for STOMP over TLS, or {@code null}
     */
    public StompBridge(BridgeContext context, StompEndpointOptions options, PemKeyCertOptions tls) {
        this.context = context;
        this.options = options;
        this.tls = tls;
        confinement.check("create");
        int maxFrame = context.limits().getMaxFrameBytes();
        this.serverOptions = new StompServerOptions()
            .setMaxBodyLength(maxFrame + 1)
            .setMaxHeaderLength(Math.min(10_240, maxFrame))
            .setMaxHeaders(MAX_HEADERS)
            .setHeartbeat(options.heartbeatJson())
            .setWebsocketBridge(true)
            .setSecured(false)
            .setSendErrorOnNoSubscriptions(false)
            .setMaxSubscriptionsByClient(context.limits().getMaxSubscriptionsPerConnection());
        this.handler = StompServerHandler.create(context.vertx())
            .subscribeHandler(this::handleSubscribe)
            .unsubscribeHandler(this::handleUnsubscribe)
            .sendHandler(this::handleSend)
            .beginHandler(sf -> refuseUnsupported(sf, "transactions"))
            .commitHandler(sf -> refuseUnsupported(sf, "transactions"))
            .abortHandler(sf -> refuseUnsupported(sf, "transactions"))
            .ackHandler(sf -> refuseUnsupported(sf, "ACK (subscriptions are ack:auto)"))
            .nackHandler(sf -> refuseUnsupported(sf, "NACK (subscriptions are ack:auto)"))
            .closeHandler(this::forget);
        this.protocol = StompServer.create(context.vertx(), serverOptions).handler(handler);
        long sweepInterval = Math.max(100, Math.min(1000, Math.min(context.limits().getConnectTimeoutMs(),
            context.limits().getIdleTimeoutMs()) / 4));
        this.sweeper = context.vertx().setPeriodic(sweepInterval, id -> checkTimeouts());
    }

    /**
     * Takes over a WebSocket upgraded on the STOMP path.
     */
    public void acceptWebSocket(ServerWebSocket socket) {
        String address = ConnectionLimiter.hostOf(socket.remoteAddress());
        if (!admit(GatewayMetrics.STOMP_WS, address, socket::write, socket::close)) {
            return;
        }
        // a binary message, split into frames of http's maximum WebSocket frame size (a coalesced write can be larger
        // than a client's frame limit)
        accept(String.valueOf(socket.remoteAddress()), new Transport(GatewayMetrics.STOMP_WS, address, socket::writeBinaryMessage, socket::close,
                () -> ConnectionAbort.abort(socket), socket::handler, releasingOnClose(address, socket::closeHandler),
                e -> socket.exceptionHandler(e)),
            writer -> StompConnections.overWebSocket(socket, protocol, this::onWrite, writer));
    }

    /**
     * @return the router to mount under the STOMP path: STOMP over SockJS, on every transport Vert.x's SockJS serves
     * (websocket, xhr-streaming, xhr-polling, eventsource, iframe variants)
     */
    public Router createSockJsRouter() {
        SockJSHandlerOptions sockJsOptions = new SockJSHandlerOptions()
            .setRegisterWriteHandler(false)
            .setInsertJSESSIONID(false);
        return SockJSHandler.create(context.vertx(), sockJsOptions).socketHandler(this::acceptSockJs);
    }

    private void acceptSockJs(SockJSSocket socket) {
        String address = ConnectionLimiter.hostOf(socket.remoteAddress());
        if (!admit(GatewayMetrics.STOMP_SOCKJS, address, socket::write, closing(socket))) {
            return;
        }
        boolean[] closed = {false};
        Consumer<Handler<Void>> onClose = releasingOnClose(address, socket::closeHandler);
        onClose.accept(v -> closed[0] = true);
        // the session's HTTP connection may serve other requests of the client by now: reset it only for a session
        // that did not close (a client that never collected its ERROR frame)
        Runnable abort = () -> {
            if (!closed[0]) {
                ConnectionAbort.abort(socket);
            }
        };
        accept(String.valueOf(socket.remoteAddress()), new Transport(GatewayMetrics.STOMP_SOCKJS, address, socket::write, closing(socket), abort,
                socket::handler, onClose, e -> socket.exceptionHandler(e)),
            writer -> StompConnections.overSockJs(socket, protocol, this::onWrite, writer));
    }

    /**
     * @return closes the SockJS session (which sends what it queued first)
     */
    private static Supplier<Future<Void>> closing(SockJSSocket socket) {
        return () -> {
            socket.close();
            return Future.succeededFuture();
        };
    }

    private void acceptTcp(NetSocket socket) {
        String address = ConnectionLimiter.hostOf(socket.remoteAddress());
        if (!admit(GatewayMetrics.STOMP_TCP, address, socket::write, socket::close)) {
            return;
        }
        accept(String.valueOf(socket.remoteAddress()), new Transport(GatewayMetrics.STOMP_TCP, address, socket::write, socket::close,
                () -> ConnectionAbort.abort(socket), socket::handler, releasingOnClose(address, socket::closeHandler),
                e -> socket.exceptionHandler(e)),
            writer -> StompConnections.overTcp(socket, protocol, this::onWrite, writer));
    }

    /**
     * Counts a connection against its remote address ({@code limits.maxConnectionsPerAddress}); refuses it with
     * {@code too_many_connections} when the address holds its maximum.
     */
    private boolean admit(String transport, String address, Function<Buffer, Future<Void>> write, Supplier<Future<Void>> close) {
        if (context.connections().tryAcquire(address)) {
            return true;
        }
        context.metrics().refused(transport, ErrorCodes.TOO_MANY_CONNECTIONS);
        write.apply(Frames.createErrorFrame(ErrorCodes.TOO_MANY_CONNECTIONS, Headers.create(), "This address holds its maximum of "
            + context.connections().maxPerAddress() + " connections (limits.maxConnectionsPerAddress)").toBuffer())
            .eventually(close);
        return false;
    }

    /**
     * @return a close-handler registration for the transport that first gives the address's slot back
     */
    private Consumer<Handler<Void>> releasingOnClose(String address, Consumer<Handler<Void>> closeHandler) {
        List<Handler<Void>> onClose = new ArrayList<>(1);
        closeHandler.accept(v -> {
            context.connections().release(address);
            onClose.forEach(handler -> handler.handle(v));
        });
        return onClose::add;
    }

    /**
     * Counts a new connection against the node's limit and wires its input through the guard, the parser and the
     * CONNECT discipline.
     */
    private void accept(String client, Transport socket, Function<WriteCoalescer.Writer, StompServerConnection> connectionFactory) {
        if (context.connections().isDraining()) {
            context.metrics().refused(socket.name(), ErrorCodes.NODE_SHUTDOWN);
            refuseDraining(frame -> socket.write().apply(frame).eventually(socket.close()));
            return;
        }
        if (!context.connections().tryAcquire()) {
            context.metrics().refused(socket.name(), ErrorCodes.TOO_MANY_CONNECTIONS);
            refuseConnection(client, frame -> socket.write().apply(frame).eventually(socket.close()));
            return;
        }
        WriteCoalescer.Writer writer = context.writes().createWriter(socket.write());
        StompServerConnection connection = connectionFactory.apply(writer);
        StompSession session = open(connection, client, socket, writer);
        socket.input().accept(createParser(session));
        socket.errors().accept(e -> LOG.debug("STOMP client {}: {}", session.client(), e.toString()));
        socket.closed().accept(v -> connection.close());
    }

    /**
     * What the bridge needs of a TCP socket or a WebSocket.
     */
    private record Transport(String name, String host, Function<Buffer, Future<Void>> write, Supplier<Future<Void>> close, Runnable abort,
                             Consumer<Handler<Buffer>> input,
                             Consumer<Handler<Void>> closed, Consumer<Handler<Throwable>> errors) {
    }

    private void refuseConnection(String client, Function<Buffer, Future<Void>> writeAndClose) {
        LOG.warn("STOMP client {} refused: {} connections open (limits.maxConnectionsPerNode)", client, context.connections().max());
        writeAndClose.apply(Frames.createErrorFrame(ErrorCodes.TOO_MANY_CONNECTIONS, Headers.create(),
            "This node holds its maximum of " + context.connections().max() + " connections; try another node or later").toBuffer());
    }

    private static void refuseDraining(Function<Buffer, Future<Void>> writeAndClose) {
        writeAndClose.apply(Frames.createErrorFrame(ErrorCodes.NODE_SHUTDOWN, Headers.create(),
            "This node is shutting down; connect to another node").toBuffer());
    }

    private StompSession open(StompServerConnection connection, String client, Transport socket, WriteCoalescer.Writer writer) {
        StompSession session = new StompSession(context, connection, client, socket.name(), socket.host(), writer::write,
            socket.abort());
        sessions.put(connection, session);
        return session;
    }

    /**
     * @return the connection's input handler: Vert.x's frame parser, whose own failures (a bad header escape throws past
     * its error handler) also end in an ERROR frame
     */
    private Handler<Buffer> createParser(StompSession session) {
        Handler<Buffer> parser = StompConnections.createParser(serverOptions, frame -> receive(session, frame),
            e -> session.fail(ErrorCodes.INVALID_FRAME, null, "Invalid frame: " + e.getMessage()));
        StompInputGuard guard = new StompInputGuard(context.limits().getMaxFrameBytes(), serverOptions.getMaxHeaderLength());
        return data -> {
            if (session.isClosed()) {
                return;
            }
            StompInputGuard.Problem problem = guard.check(data);
            if (problem != null) {
                session.fail(problem.code(), null, problem.message());
                return;
            }
            try {
                parser.handle(data);
            } catch (RuntimeException e) {
                session.fail(ErrorCodes.INVALID_FRAME, null, "Invalid frame: " + e.getMessage());
            }
        };
    }

    private void onWrite(ServerFrame written) {
        if (written.frame().getCommand() == Command.CONNECTED) {
            StompSession session = sessions.get(written.connection());
            if (session != null) {
                session.markConnected();
            }
        }
    }

    private void forget(StompServerConnection connection) {
        StompSession session = sessions.remove(connection);
        if (session != null) {
            session.cleanUp();
            context.connections().release();
        }
    }

    private void receive(StompSession session, Frame frame) {
        if (session.isClosed()) {
            return;
        }
        session.touch();
        StompServerConnection connection = session.connection();
        connection.onServerActivity();
        Command command = frame.getCommand();
        if (command == Command.PING) {
            if (frame != Frames.PING) {
                session.fail(ErrorCodes.UNKNOWN_TYPE, null, "PING is not a STOMP command (a heart-beat is an end-of-line)");
            }
            return;
        }
        if (frame.getBody() != null && frame.getBody().length() > context.limits().getMaxFrameBytes()) {
            session.fail(ErrorCodes.INVALID_FRAME, null, "Invalid frame: Body size exceeded");
            return;
        }
        if (command == Command.CONNECT || command == Command.STOMP) {
            String heartbeat = frame.getHeader(Frame.HEARTBEAT);
            if (heartbeat != null && !heartbeat.matches("\\d{1,9},\\d{1,9}")) {
                session.fail(ErrorCodes.INVALID_FRAME, null, "heart-beat must be \"cx,cy\" with two non-negative integers");
                return;
            }
            if (!session.markConnectReceived()) {
                session.fail(ErrorCodes.ALREADY_CONNECTED, null, "This connection already sent CONNECT");
                return;
            }
            authenticate(session, frame);
            return;
        }
        if (!session.isConnected()) {
            session.fail(ErrorCodes.NOT_CONNECTED, null, "Send CONNECT and wait for CONNECTED before " + command);
            return;
        }
        if (command == Command.UNKNOWN || command == Command.MESSAGE || command == Command.RECEIPT
            || command == Command.ERROR || command == Command.CONNECTED) {
            session.fail(ErrorCodes.UNKNOWN_TYPE, null, "A client may not send this command");
            return;
        }
        if (!session.tryAcquireRate()) {
            session.fail(ErrorCodes.RATE_LIMITED, null, "More than " + context.limits().getMaxInboundMessagesPerSecond()
                + " frames per second (limits.maxInboundMessagesPerSecond)");
            return;
        }
        handler.handle(new BridgeServerFrame(frame, connection));
    }

    private record BridgeServerFrame(Frame frame, StompServerConnection connection) implements ServerFrame {
    }

    private void authenticate(StompSession session, Frame connect) {
        Authenticator authenticator = context.authenticator();
        Future<Identity> identity;
        if (!authenticator.isRequired()) {
            identity = Future.succeededFuture(Identity.ANONYMOUS);
        } else {
            String bearer = Authenticator.bearerToken(header(connect, "Authorization"));
            identity = bearer != null && authenticator.acceptsTokens()
                ? authenticator.authenticateToken(bearer)
                : authenticator.authenticateLogin(header(connect, Frame.LOGIN), header(connect, Frame.PASSCODE),
                    session.remoteHost(), () -> !session.isClosed());
        }
        identity.onComplete(result -> {
            if (session.isClosed()) {
                return;
            }
            if (result.failed()) {
                AuthFailure failure = result.cause() instanceof AuthFailure ? (AuthFailure) result.cause()
                    : new AuthFailure(AuthFailure.INVALID_TOKEN, String.valueOf(result.cause().getMessage()));
                LOG.atInfo().addKeyValue("client", session.client()).addKeyValue("code", failure.code())
                    .log("STOMP client {} refused at CONNECT: {} ({})", session.client(), failure.code(), failure.getMessage());
                session.fail(failure.code(), null, failure.getMessage());
                return;
            }
            session.authenticated(result.result());
            LOG.debug("STOMP client {} connected as {}", session.client(), result.result().describe());
            handler.handle(new BridgeServerFrame(connect, session.connection()));
        });
    }

    private static String header(Frame frame, String name) {
        String value = frame.getHeader(name);
        if (value == null) {
            for (Map.Entry<String, String> header : frame.getHeaders().entrySet()) {
                if (header.getKey().equalsIgnoreCase(name)) {
                    return header.getValue();
                }
            }
        }
        return value;
    }

    private StompSession sessionOf(ServerFrame serverFrame) {
        return sessions.get(serverFrame.connection());
    }

    private void handleSubscribe(ServerFrame serverFrame) {
        StompSession session = sessionOf(serverFrame);
        if (session == null) {
            return;
        }
        Frame frame = serverFrame.frame();
        String id = frame.getHeader(Frame.ID);
        String address = frame.getHeader(Frame.DESTINATION);
        if (address == null || id == null || address.isEmpty()) {
            session.fail(ErrorCodes.INVALID_FRAME, address, "SUBSCRIBE needs the 'destination' and 'id' headers");
            return;
        }
        if (address.length() > context.limits().getMaxAddressLength()) {
            session.fail(ErrorCodes.ADDRESS_TOO_LONG, null, "A destination may hold at most "
                + context.limits().getMaxAddressLength() + " characters (limits.maxAddressLength)");
            return;
        }
        if (session.hasSubscription(id)) {
            session.fail(ErrorCodes.DUPLICATE_SUBSCRIPTION, address, "Subscription id '" + id + "' is already used");
            return;
        }
        if (session.subscriptionCount() >= context.limits().getMaxSubscriptionsPerConnection()) {
            session.fail(ErrorCodes.TOO_MANY_SUBSCRIPTIONS, address, "A connection may hold at most "
                + context.limits().getMaxSubscriptionsPerConnection() + " subscriptions (limits.maxSubscriptionsPerConnection)");
            return;
        }
        if (!session.rules().permitsSubscription(address)) {
            LOG.atInfo().addKeyValue("client", session.client()).addKeyValue("address", address).addKeyValue("code", ErrorCodes.ACCESS_DENIED)
                .log("STOMP client {} ({}) refused: SUBSCRIBE to {} is not permitted", session.client(),
                session.identity().describe(), address);
            session.fail(ErrorCodes.ACCESS_DENIED, address, "Access denied: destination '" + address
                + "' is not permitted by the bridge rules");
            return;
        }
        Since since;
        try {
            since = Since.parse(frame.getHeader(Since.HEADER), frame.getHeader(Since.SNAPSHOT_HEADER));
        } catch (IllegalArgumentException e) {
            session.fail(ErrorCodes.BAD_SINCE, address, e.getMessage());
            return;
        }
        session.subscribe(id, address, since).onComplete(registered -> {
            if (session.isClosed()) {
                return;
            }
            if (registered.failed()) {
                LOG.warn("STOMP client {} ({}): SUBSCRIBE to {} failed: {}", session.client(), session.identity().describe(),
                    address, registered.cause().toString());
                session.fail(ErrorCodes.REGISTRATION_FAILED, address, "The node could not register destination '" + address
                    + "' in its cluster; connect and subscribe again", frame.getReceipt());
                return;
            }
            Frames.handleReceipt(frame, session.connection());
        });
    }

    private void handleUnsubscribe(ServerFrame serverFrame) {
        StompSession session = sessionOf(serverFrame);
        if (session == null) {
            return;
        }
        String id = serverFrame.frame().getHeader(Frame.ID);
        if (id == null || !session.unsubscribe(id)) {
            session.fail(ErrorCodes.INVALID_FRAME, null, "UNSUBSCRIBE needs the 'id' of a subscription of this connection");
            return;
        }
        Frames.handleReceipt(serverFrame.frame(), session.connection());
    }

    private void handleSend(ServerFrame serverFrame) {
        StompSession session = sessionOf(serverFrame);
        if (session == null) {
            return;
        }
        Frame frame = serverFrame.frame();
        String address = frame.getDestination();
        if (address == null || address.isEmpty()) {
            session.fail(ErrorCodes.INVALID_FRAME, null, "SEND needs a 'destination' header");
            return;
        }
        if (frame.getHeader(Frame.TRANSACTION) != null) {
            session.fail(ErrorCodes.UNKNOWN_TYPE, address, "Transactions are not supported");
            return;
        }
        if (address.length() > context.limits().getMaxAddressLength()) {
            session.fail(ErrorCodes.ADDRESS_TOO_LONG, null, "A destination may hold at most "
                + context.limits().getMaxAddressLength() + " characters (limits.maxAddressLength)");
            return;
        }
        String body = frame.getBody() == null ? null : frame.getBodyAsString();
        if (!session.rules().permitsSend(address, frame.getBody())) {
            context.metrics().inbound(TransportMetrics.REFUSED);
            LOG.atInfo().addKeyValue("client", session.client()).addKeyValue("address", address).addKeyValue("code", ErrorCodes.ACCESS_DENIED)
                .log("STOMP client {} ({}) refused: SEND to {} is not permitted", session.client(),
                session.identity().describe(), address);
            session.fail(ErrorCodes.ACCESS_DENIED, address, "Access denied: sending to destination '" + address
                + "' is not permitted by the bridge rules");
            return;
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        // sink.* headers are the gateway's (the sink reads them in any case), kafka.* the router's: never the client's
        frame.getHeaders().forEach((name, value) -> {
            if (!SERVER_SET_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !KafkaSinkVerticle.isSinkHeader(name)
                && !RecordRouter.isRouterHeader(name)) {
                headers.add(name, value);
            }
        });
        headers.remove(SockJsSession.USER_HEADER); // in any case: only the server sets it
        if (!session.identity().isAnonymous()) {
            headers.set(SockJsSession.USER_HEADER, session.identity().userId());
        }
        SinkRoutes.Target sink = context.sinks().match(address, session.identity(), headers);
        if (sink == null) {
            context.metrics().inbound(TransportMetrics.ACKNOWLEDGED);
            context.vertx().eventBus().publish(address, body, new DeliveryOptions().setHeaders(headers));
            Frames.handleReceipt(frame, session.connection());
            return;
        }
        // the RECEIPT only once Kafka has the record; a failure is an ERROR naming the receipt
        context.produce(sink, body, headers).onComplete(result -> {
            context.metrics().inbound(result.succeeded() ? TransportMetrics.ACKNOWLEDGED : ((SinkFailure) result.cause()).code());
            if (session.isClosed()) {
                return;
            }
            if (result.succeeded()) {
                Frames.handleReceipt(frame, session.connection());
            } else {
                SinkFailure failure = (SinkFailure) result.cause();
                session.fail(failure.code(), address, failure.getMessage(), frame.getReceipt());
            }
        });
    }

    private void refuseUnsupported(ServerFrame serverFrame, String what) {
        StompSession session = sessionOf(serverFrame);
        if (session != null) {
            session.fail(ErrorCodes.UNKNOWN_TYPE, null, "Not supported by this server: " + what);
        }
    }

    private void checkTimeouts() {
        long now = System.currentTimeMillis();
        for (StompSession session : sessions.values().toArray(new StompSession[0])) {
            session.checkTimeouts(now);
        }
    }

    /**
     * Starts STOMP over TCP (over TLS when configured), unless {@code stomp.port} is -1.
     *
     * @param port the port to listen on: {@code stomp.port}, or a negative id that the node's instances share
     * @return the actual port, or -1 when disabled
     */
    public Future<Integer> listenTcp(int port) {
        if (!options.isTcpEnabled()) {
            return Future.succeededFuture(StompEndpointOptions.DISABLED);
        }
        NetServerOptions netOptions = new NetServerOptions().setHost(options.getHost()).setPort(port)
            .setSendBufferSize(context.limits().getSocketSendBufferBytes());
        if (tls != null) {
            netOptions.setSsl(true).setKeyCertOptions(tls);
        }
        tcpServer = context.vertx().createNetServer(netOptions).connectHandler(this::acceptTcp);
        return tcpServer.listen().map(NetServer::actualPort);
    }

    /**
     * @return the STOMP connections open on this verticle
     */
    public int openSessions() {
        return sessions.size();
    }

    /**
     * Counts the connections and their subscriptions per transport in one pass over the connections.
     *
     * @return per transport ({@link GatewayMetrics#STOMP_TCP}, {@link GatewayMetrics#STOMP_WS},
     * {@link GatewayMetrics#STOMP_SOCKJS}) that has connections: {connections, subscriptions}
     */
    public Map<String, int[]> countSessions() {
        Map<String, int[]> counts = new HashMap<>(4);
        for (StompSession session : sessions.values()) {
            int[] count = counts.computeIfAbsent(session.transport(), t -> new int[2]);
            count[0]++;
            count[1] += session.subscriptionCount();
        }
        return counts;
    }

    /**
     * Sends every client an ERROR frame with the code and closes its connection.
     */
    public void disconnectAll(String code, String message) {
        confinement.check("disconnect all clients");
        for (StompSession session : sessions.values().toArray(new StompSession[0])) {
            session.fail(code, null, message);
        }
    }

    public Future<Void> close() {
        context.vertx().cancelTimer(sweeper);
        for (StompSession session : sessions.values().toArray(new StompSession[0])) {
            session.connection().close();
        }
        return tcpServer == null ? Future.succeededFuture() : tcpServer.close();
    }
}
