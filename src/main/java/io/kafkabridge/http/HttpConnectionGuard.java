package io.kafkabridge.http;

import io.kafkabridge.bridge.ConnectionLimiter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps hostile HTTP clients from holding a node's sockets: counts every connection against
 * {@code limits.maxConnectionsPerAddress} (closing one beyond it at once), and closes a connection that has not sent a
 * request's headers within {@code http.requestHeaderTimeoutMs} of its opening or of the end of its previous response
 * (a slowloris client trickling header lines, or a socket that sends nothing). A connection upgraded to a WebSocket
 * leaves this guard (Vert.x no longer reports its close here): the bridge session on it counts against the address
 * instead, and the bridges' own timeouts apply. Confined to the HTTP server's event loop.
 */
final class HttpConnectionGuard {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConnectionGuard.class);

    private final Vertx vertx;
    private final long headerTimeoutMs;
    private final ConnectionLimiter connections;
    /** Open connections waiting for a request's headers, with their deadline's timer. */
    private final Map<HttpConnection, Long> waiting = new HashMap<>();
    /** The connections counted, with their remote address. */
    private final Map<HttpConnection, String> live = new HashMap<>();
    private final LongAdder headerTimeouts = new LongAdder();
    private volatile int open;

    HttpConnectionGuard(Vertx vertx, long headerTimeoutMs, ConnectionLimiter connections) {
        this.vertx = vertx;
        this.headerTimeoutMs = headerTimeoutMs;
        this.connections = connections;
    }

    /**
     * The server's connection handler: counts the connection and starts its header deadline.
     */
    void accept(HttpConnection connection) {
        String address = ConnectionLimiter.hostOf(connection.remoteAddress());
        if (!connections.tryAcquire(address)) {
            connection.close();
            return;
        }
        open++;
        live.put(connection, address);
        connection.closeHandler(v -> forget(connection));
        awaitRequest(connection, address);
    }

    /**
     * Stops counting the connection: it closed, or it became a WebSocket.
     */
    private void forget(HttpConnection connection) {
        String address = live.remove(connection);
        if (address == null) {
            return;
        }
        open--;
        connections.release(address);
        Long timer = waiting.remove(connection);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }

    private void awaitRequest(HttpConnection connection, String address) {
        long timer = vertx.setTimer(headerTimeoutMs, id -> {
            if (waiting.remove(connection) != null) {
                headerTimeouts.increment();
                LOG.info("HTTP connection from {} closed: no request headers within {} ms (http.requestHeaderTimeoutMs)",
                    address, headerTimeoutMs);
                connection.close();
            }
        });
        Long previous = waiting.put(connection, timer);
        if (previous != null) {
            vertx.cancelTimer(previous);
        }
    }

    /**
     * The router's first handler: the request's headers arrived. The deadline starts again once its response ended
     * (keep-alive), unless the connection became a WebSocket.
     */
    void requestArrived(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        Long timer = waiting.remove(connection);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
        if (isWebSocketUpgrade(request)) {
            forget(connection);
        } else {
            request.response().endHandler(v -> {
                String address = live.get(connection);
                if (address != null && !waiting.containsKey(connection)) {
                    awaitRequest(connection, address);
                }
            });
        }
        ctx.next();
    }

    private static boolean isWebSocketUpgrade(HttpServerRequest request) {
        return "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
    }

    /**
     * @return the plain HTTP connections open (not those that became WebSockets: the bridges count those)
     */
    int open() {
        return open;
    }

    /**
     * @return the connections closed for not sending request headers in time, since the start
     */
    long headerTimeouts() {
        return headerTimeouts.sum();
    }
}
