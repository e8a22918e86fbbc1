package io.kafkabridge.bridge;

import io.kafkabridge.delivery.WriteCoalescer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.stomp.Frame;
import io.vertx.ext.stomp.Frames;
import io.vertx.ext.stomp.ServerFrame;
import io.vertx.ext.stomp.StompServer;
import io.vertx.ext.stomp.StompServerConnection;
import io.vertx.ext.stomp.StompServerOptions;
import io.vertx.ext.stomp.impl.FrameParser;
import io.vertx.ext.stomp.impl.ServerFrameImpl;
import io.vertx.ext.stomp.impl.StompServerTCPConnectionImpl;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

import javax.net.ssl.SSLSession;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The STOMP connections of the bridge over each transport (TCP, WebSocket, SockJS) and their frame parser: the one class
 * of ours that reaches into Vert.x STOMP's implementation ({@code io.vertx.ext.stomp.impl}).
 * <p>
 * Every write of a connection (frames, heart-beats) goes through its {@link WriteCoalescer.Writer}, in order, and what
 * waits there is flushed before the connection closes. Every connection leaves the check of a silent client to the
 * bridge (which closes it with an ERROR frame); Vert.x would close a client silent for twice its heart-beat without one.
 */
final class StompConnections {

    private StompConnections() {
    }

    static StompServerConnection overTcp(NetSocket socket, StompServer server, Handler<ServerFrame> written,
                                         WriteCoalescer.Writer writer) {
        return new CoalescedConnection(server, written, writer, socket::sslSession, lastWrite -> socket.close());
    }

    static StompServerConnection overWebSocket(ServerWebSocket socket, StompServer server, Handler<ServerFrame> written,
                                               WriteCoalescer.Writer writer) {
        return new CoalescedConnection(server, written, writer, socket::sslSession, lastWrite -> socket.close());
    }

    /**
     * A STOMP connection over a SockJS session: every write (frames, heart-beat end-of-lines) is one SockJS message,
     * whichever transport carries it. It closes once what was written went out: a SockJS session queues a write made
     * outside its transport's request, and closing at once would drop the ERROR frame before it.
     */
    static StompServerConnection overSockJs(SockJSSocket socket, StompServer server, Handler<ServerFrame> written,
                                            WriteCoalescer.Writer writer) {
        return new CoalescedConnection(server, written, writer, () -> null,
            lastWrite -> lastWrite.onComplete(done -> socket.close()));
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

    /**
     * A connection whose writes go through its writer, whatever the transport below.
     */
    private static final class CoalescedConnection extends StompServerTCPConnectionImpl {

        private final WriteCoalescer.Writer writer;
        private final Supplier<SSLSession> sslSession;
        private final Consumer<Future<Void>> closeSocket;
        private Future<Void> lastWrite = Future.succeededFuture();
        private boolean closed;

        /**
         * @param closeSocket closes the socket, given the completion of the last write
         */
        CoalescedConnection(StompServer server, Handler<ServerFrame> written, WriteCoalescer.Writer writer,
                            Supplier<SSLSession> sslSession, Consumer<Future<Void>> closeSocket) {
            super(server, written);
            this.writer = writer;
            this.sslSession = sslSession;
            this.closeSocket = closeSocket;
        }

        @Override
        public StompServerConnection write(Buffer buffer) {
            lastWrite = writer.write(buffer);
            return this;
        }

        @Override
        public SSLSession sslSession() {
            return sslSession.get();
        }

        @Override
        public void ping() {
            if (handler != null) {
                handler.handle(new ServerFrameImpl(Frames.PING, this));
            }
            write(Buffer.buffer(FrameParser.EOL));
        }

        @Override
        public synchronized void configureHeartbeat(long ping, long pong, Handler<StompServerConnection> pingHandler) {
            super.configureHeartbeat(ping, 0, pingHandler);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            cancelHeartbeat();
            handler().onClose(this);
            writer.flush();
            closeSocket.accept(lastWrite);
        }
    }
}
