package io.kafkabridge.bridge;

import io.kafkabridge.metrics.GatewayMetrics;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.HashSet;
import java.util.Set;

/**
 * The SockJS event-bus bridge, speaking the protocol of {@code @vertx/eventbus-bridge-client.js} ({@code register},
 * {@code unregister}, {@code send}, {@code publish}, {@code ping}; {@code rec} and {@code err} back) over Vert.x's
 * SockJS transport, with per-connection identity, identity-bound rules and limits. Every refusal is an {@code err}
 * frame {@code {"type":"err","body":CODE,"failureType":CODE,"failureCode":STATUS,"message":TEXT,"address":..}}.
 */
public final class SockJsBridge {

    private static final Logger LOG = LoggerFactory.getLogger(SockJsBridge.class);

    private final BridgeContext context;
    private final Set<SockJsSession> sessions = new HashSet<>();
    private final LoopConfinement confinement = new LoopConfinement("SockJS bridge");
    private long sweeper = -1;

    /**
     * Create it on the event loop that serves its connections: only that loop may touch them.
     */
    public SockJsBridge(BridgeContext context) {
        this.context = context;
        confinement.check("create");
    }

    /**
     * @return the router to mount under the event-bus path
     */
    public Router createRouter() {
        SockJSHandlerOptions options = new SockJSHandlerOptions()
            .setRegisterWriteHandler(false)
            .setInsertJSESSIONID(false);
        long sweepInterval = Math.max(100, Math.min(1000, context.limits().getIdleTimeoutMs() / 4));
        sweeper = context.vertx().setPeriodic(sweepInterval, id -> closeIdleSessions());
        return SockJSHandler.create(context.vertx(), options).socketHandler(this::acceptSocket);
    }

    private void acceptSocket(SockJSSocket socket) {
        if (context.connections().isDraining()) {
            context.metrics().refused(GatewayMetrics.SOCKJS, ErrorCodes.NODE_SHUTDOWN);
            socket.write(SockJsSession.errorFrame(ErrorCodes.NODE_SHUTDOWN, null, "This node is shutting down; connect to another node"));
            socket.close();
            return;
        }
        if (!context.connections().tryAcquire()) {
            context.metrics().refused(GatewayMetrics.SOCKJS, ErrorCodes.TOO_MANY_CONNECTIONS);
            LOG.warn("SockJS client {} refused: {} connections open (limits.maxConnectionsPerNode)", socket.remoteAddress(),
                context.connections().max());
            socket.write(SockJsSession.errorFrame(ErrorCodes.TOO_MANY_CONNECTIONS, null,
                "This node holds its maximum of " + context.connections().max() + " connections; try another node or later"));
            socket.close();
            return;
        }
        String address = ConnectionLimiter.hostOf(socket.remoteAddress());
        if (!context.connections().tryAcquire(address)) {
            context.connections().release();
            context.metrics().refused(GatewayMetrics.SOCKJS, ErrorCodes.TOO_MANY_CONNECTIONS);
            socket.write(SockJsSession.errorFrame(ErrorCodes.TOO_MANY_CONNECTIONS, null, "This address holds its maximum of "
                + context.connections().maxPerAddress() + " connections (limits.maxConnectionsPerAddress)"));
            socket.close();
            return;
        }
        SockJsSession session = new SockJsSession(context, socket, closed -> {
            context.connections().release(address);
            forget(closed);
        });
        sessions.add(session);
        session.start();
    }

    private void forget(SockJsSession session) {
        if (sessions.remove(session)) {
            context.connections().release();
        }
    }

    private void closeIdleSessions() {
        long now = System.currentTimeMillis();
        for (SockJsSession session : sessions.toArray(new SockJsSession[0])) {
            session.checkTimeouts(now);
        }
    }

    /**
     * @return the SockJS connections open on this verticle
     */
    public int openSessions() {
        return sessions.size();
    }

    /**
     * @return the addresses registered by the SockJS connections open on this verticle
     */
    public int subscriptions() {
        return sessions.stream().mapToInt(SockJsSession::registrations).sum();
    }

    /**
     * Sends every client an {@code err} with the code, and with the {@code resume} token of each address it registered,
     * and closes its connection.
     */
    public void disconnectAll(String code, String message) {
        confinement.check("disconnect all clients");
        for (SockJsSession session : sessions.toArray(new SockJsSession[0])) {
            session.closeWithError(code, null, message, Map.of());
        }
    }

    public void close() {
        if (sweeper >= 0) {
            context.vertx().cancelTimer(sweeper);
        }
        for (SockJsSession session : sessions.toArray(new SockJsSession[0])) {
            session.close();
        }
    }
}
