package io.kafkabridge.fuzz;

import io.kafkabridge.testing.GatewayNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Vert.x WebSocket whose received messages are queued for a blocking worker thread: STOMP over WebSocket as it is, and
 * the base of {@link SockJsStompWire}, which frames what it sends and unwraps what it receives ({@link #receive}).
 */
class WsWire implements StompWire {
    final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    final StompReader reader = new StompReader();
    volatile WebSocket ws;
    volatile boolean closed;
    boolean eof;

    static WsWire open(WebSocketClient client, int port, String uri, List<String> subProtocols) {
        WsWire wire = new WsWire();
        return wire.connect(client, port, uri, subProtocols) ? wire : null;
    }

    /** Opens this wire's WebSocket: false when it cannot. */
    final boolean connect(WebSocketClient client, int port, String uri, List<String> subProtocols) {
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
        if (subProtocols != null) {
            options.setSubProtocols(subProtocols);
        }
        try {
            ws = GatewayNode.await(client.connect(options).map(socket -> {
                socket.handler(b -> events.add(b));
                socket.closeHandler(v -> {
                    closed = true;
                    events.add(CLOSED);
                });
                socket.exceptionHandler(e -> { });
                return socket;
            }), Duration.ofSeconds(10));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    String describeClose() {
        return ws.closeStatusCode() + " " + ws.closeReason();
    }

    void drain() {
        events.removeIf(e -> e != CLOSED);
    }

    void sendText(String text) {
        if (!closed) {
            ws.writeTextMessage(text);
        }
    }

    void sendBinary(byte[] data) {
        if (!closed) {
            ws.writeBinaryMessage(Buffer.buffer(data));
        }
    }

    /** The next raw message (Buffer), CLOSED, or null; CLOSED for good once the connection was seen to end. */
    Object pollRaw(long deadlineNanos) throws InterruptedException {
        if (eof) {
            return CLOSED;
        }
        Object ev = events.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (ev == CLOSED) {
            eof = true;
        }
        return ev;
    }

    @Override
    public void send(byte[] data, int splits, boolean preferBinary) {
        boolean utf8 = Texts.isUtf8(data);
        int chunk = Math.max(1, data.length / splits + 1);
        for (int off = 0; off < data.length; off += chunk) {
            byte[] part = Arrays.copyOfRange(data, off, Math.min(data.length, off + chunk));
            if (utf8 && !preferBinary && Texts.isUtf8(part)) {
                sendText(new String(part, StandardCharsets.UTF_8));
            } else {
                sendBinary(part);
            }
        }
    }

    /** STOMP: frames parsed from the received messages. */
    @Override
    public Object poll(long deadlineNanos) throws InterruptedException {
        while (true) {
            ServerFrame f = reader.next();
            if (f != null) {
                return f;
            }
            Object ev = pollRaw(deadlineNanos);
            if (ev == null || ev == CLOSED) {
                return ev;
            }
            receive((Buffer) ev);
        }
    }

    /**
     * Takes one received WebSocket message into {@link #reader}: here, its bytes are STOMP bytes. A wire that frames
     * STOMP in another protocol unwraps it, and sets {@link #eof} when the message closes the connection.
     */
    void receive(Buffer message) {
        reader.feed(message.getBytes());
    }

    @Override
    public boolean isClosed() {
        return closed || eof;
    }

    @Override
    public void halfCloseIfUseful(boolean useful) {
        // no half-close on a WebSocket
    }

    @Override
    public void close() {
        if (ws != null && !closed) {
            try {
                GatewayNode.await(ws.close(), Duration.ofSeconds(5));
            } catch (RuntimeException ignored) {
                // closed by the server meanwhile
            }
        }
    }
}
