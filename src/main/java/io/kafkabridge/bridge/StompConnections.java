package io.kafkabridge.bridge;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.stomp.Frame;
import io.vertx.ext.stomp.ServerFrame;
import io.vertx.ext.stomp.StompServer;
import io.vertx.ext.stomp.StompServerConnection;
import io.vertx.ext.stomp.StompServerOptions;
import io.vertx.ext.stomp.impl.FrameParser;
import io.vertx.ext.stomp.impl.StompServerTCPConnectionImpl;
import io.vertx.ext.stomp.impl.StompServerWebSocketConnectionImpl;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

import javax.net.ssl.SSLSession;

/**
 * The STOMP connections of the bridge over each transport (TCP, WebSocket, SockJS) and their frame parser: the one class
 * of ours that reaches into Vert.x STOMP's implementation ({@code io.vertx.ext.stomp.impl}).
 * <p>
 * Every connection leaves the check of a silent client to the bridge (which closes it with an ERROR frame); Vert.x would
 * close a client silent for twice its heart-beat without one.
 */
final class StompConnections {

    private StompConnections() {
    }

    static StompServerConnection overTcp(NetSocket socket, StompServer server, Handler<ServerFrame> written) {
        return new StompServerTCPConnectionImpl(socket, server, written) {
            @Override
            public synchronized void configureHeartbeat(long ping, long pong, Handler<StompServerConnection> pingHandler) {
                super.configureHeartbeat(ping, 0, pingHandler);
            }
        };
    }

    static StompServerConnection overWebSocket(ServerWebSocket socket, StompServer server, Handler<ServerFrame> written) {
        return new StompServerWebSocketConnectionImpl(socket, server, written) {
            @Override
            public synchronized void configureHeartbeat(long ping, long pong, Handler<StompServerConnection> pingHandler) {
                super.configureHeartbeat(ping, 0, pingHandler);
            }
        };
    }

    /**
     * A STOMP connection over a SockJS session: every frame (and every heart-beat end-of-line) is one SockJS message,
     * whichever transport carries it.
     */
    static StompServerConnection overSockJs(SockJSSocket socket, StompServer server, Handler<ServerFrame> written) {
        return new SockJsConnection(socket, server, written);
    }

    /**
     * @return an input handler that parses STOMP frames (split over or batched into the chunks it is given) within the
     * options' limits
     */
    static Handler<Buffer> createParser(StompServerOptions options, Handler<Frame> frames, Handler<Throwable> errors) {
        FrameParser parser = new FrameParser(options);
        parser.errorHandler(errors::handle);
        parser.handler(frames);
        return parser;
    }

    private static final class SockJsConnection extends StompServerTCPConnectionImpl {

        private final SockJSSocket socket;
        private Future<Void> lastWrite = Future.succeededFuture();
        private boolean closed;

        SockJsConnection(SockJSSocket socket, StompServer server, Handler<ServerFrame> written) {
            super(server, written);
            this.socket = socket;
        }

        @Override
        public StompServerConnection write(Buffer buffer) {
            lastWrite = socket.write(buffer);
            return this;
        }

        @Override
        public SSLSession sslSession() {
            return null;
        }

        @Override
        public void ping() {
            write(Buffer.buffer(FrameParser.EOL));
        }

        @Override
        public synchronized void configureHeartbeat(long ping, long pong, Handler<StompServerConnection> pingHandler) {
            super.configureHeartbeat(ping, 0, pingHandler);
        }

        /**
         * Closes once what was written went out: a SockJS session queues a write made outside its transport's request,
         * and closing at once would drop the ERROR frame before it.
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            cancelHeartbeat();
            handler().onClose(this);
            lastWrite.onComplete(done -> socket.close());
        }
    }
}
