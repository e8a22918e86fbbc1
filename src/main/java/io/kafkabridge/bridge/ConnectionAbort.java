package io.kafkabridge.bridge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/**
 * Closes a client's TCP connection at once, dropping what it has not read. Vert.x's own {@code close()} first
 * flushes what is pending, which never completes for a client that stopped reading: its socket (and the megabytes in
 * the kernel's send buffer) would stay open for as long as the client likes. The one place that reaches into Vert.x
 * internals for it.
 */
final class ConnectionAbort {

    private ConnectionAbort() {
    }

    static void abort(NetSocket socket) {
        if (socket instanceof NetSocketInternal internal) {
            reset(internal.channelHandlerContext());
        } else {
            socket.close();
        }
    }

    static void abort(ServerWebSocket socket) {
        if (socket instanceof WebSocketInternal internal) {
            reset(internal.channelHandlerContext());
        } else {
            socket.close();
        }
    }

    /**
     * Closes with a reset (linger 0): the kernel drops the unsent bytes too, instead of keeping an orphaned socket that
     * tries to deliver them to a client that does not read. The close starts at Vert.x's own handler's context, past
     * the handler that would turn it into a flush-then-close.
     */
    private static void reset(ChannelHandlerContext context) {
        Channel channel = context.channel();
        if (channel.isOpen()) {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            context.close();
        }
    }

    /**
     * Closes the HTTP connection the session started on (its WebSocket, or its streaming response), then the session.
     * The close starts at the channel's current Vert.x handler: a WebSocket upgrade replaced the HTTP connection's
     * handler with the WebSocket's, and a close from the HTTP connection's old context would pass through the new
     * handler's flush-then-close.
     */
    static void abort(SockJSSocket socket) {
        RoutingContext ctx = socket.routingContext();
        HttpConnection connection = ctx == null ? null : ctx.request().connection();
        if (connection instanceof ConnectionBase base) {
            ChannelHandlerContext current = base.channelHandlerContext().channel().pipeline().context(VertxHandler.class);
            reset(current != null ? current : base.channelHandlerContext());
        }
        socket.close();
    }
}
