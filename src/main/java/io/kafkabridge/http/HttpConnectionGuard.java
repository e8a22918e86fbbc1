package io.kafkabridge.http;

import io.kafkabridge.bridge.ConnectionLimiter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps hostile HTTP clients from holding a node's sockets: counts every connection against
 * {@code limits.maxConnectionsPerAddress} (closing one beyond it at once), and closes a connection that has not sent a
 * request's headers within {@code http.requestHeaderTimeoutMs} of its opening or of the end of its previous response
 * (a slowloris client trickling header lines, or a socket that sends nothing). A connection upgraded to a WebSocket
 * is left to the bridges' own timeouts. Confined to the HTTP server's event loop.
 */
final class HttpConnectionGuard {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConnectionGuard.class);

    private final Vertx vertx;
    private final long headerTimeoutMs;
    private final ConnectionLimiter connections;
    /** Open connections waiting for a request's headers, with their deadline's timer. */
    private final Map<HttpConnection, Long> waiting = new HashMap<>();
    private final Set<HttpConnection> live = new HashSet<>();
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
        String address = connection.remoteAddress() == null ? "unknown" : connection.remoteAddress().hostAddress();
        if (!connections.tryAcquire(address)) {
            connection.close();
            return;
        }
        open++;
        live.add(connection);
        connection.closeHandler(v -> {
            open--;
            live.remove(connection);
            connections.release(address);
            Long timer = waiting.remove(connection);
            if (timer != null) {
                vertx.cancelTimer(timer);
            }
        });
        awaitRequest(connection, address);
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
        if (!isWebSocketUpgrade(request)) {
            request.response().endHandler(v -> {
                if (live.contains(connection) && !waiting.containsKey(connection)) {
                    awaitRequest(connection, request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress());
                }
            });
        }
        ctx.next();
    }

    private static boolean isWebSocketUpgrade(HttpServerRequest request) {
        return "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
    }

    /**
     * @return the HTTP connections open (WebSockets among them)
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
