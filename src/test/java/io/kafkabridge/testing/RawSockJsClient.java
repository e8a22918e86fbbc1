package io.kafkabridge.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The SockJS event-bus bridge protocol spoken over SockJS's raw WebSocket endpoint ({@code /eventbus/websocket}):
 * one JSON frame per WebSocket text message. Received frames are JSON objects; a close is {@code {"type":"closed"}}.
 */
public final class RawSockJsClient implements AutoCloseable {

    private final WebSocketClient client;
    private final WebSocket socket;
    private final Inbox received;

    /** The frames received and not yet read, counting every one added; and every frame's text as received. */
    private static final class Inbox extends LinkedBlockingQueue<JsonObject> {
        final AtomicInteger added = new AtomicInteger();
        final java.util.Queue<String> texts = new java.util.concurrent.ConcurrentLinkedQueue<>();

        @Override
        public boolean add(JsonObject frame) {
            added.incrementAndGet();
            return super.add(frame);
        }
    }

    private RawSockJsClient(WebSocketClient client, WebSocket socket, Inbox received) {
        this.client = client;
        this.socket = socket;
        this.received = received;
    }

    /**
     * @return the frames received so far (read by {@link #await} or not; a close counts as one)
     */
    public int framesReceived() {
        return received.added.get();
    }

    /**
     * @return the text of every frame received so far, as the server wrote it, in order
     */
    public List<String> texts() {
        return List.copyOf(received.texts);
    }

    /**
     * Handlers are attached before connecting, so that an error and close sent at connection time are seen. The
     * server sends its frames as binary or text messages: both are read.
     */
    private static void attach(io.vertx.core.http.ClientWebSocket socket, Inbox received) {
        socket.handler(data -> {
            String text = data.toString();
            received.texts.add(text);
            try {
                received.add(new JsonObject(text));
            } catch (RuntimeException e) {
                received.add(new JsonObject().put("type", "unparsed").put("text", text));
            }
        });
        socket.closeHandler(v -> received.add(new JsonObject().put("type", "closed")));
    }

    /**
     * Vert.x's client can lose the frames of a refusal sent with the handshake (the {@code err}, then the close): the
     * attempt then fails "WebSocket is closed" with nothing received. That is the client missing what the server sent,
     * not the server's answer: such an attempt is made again, a few times at most. An attempt that received the refusal
     * before the close is the client, closed, with the refusal to read.
     *
     * @param query the query string to append (e.g. {@code access_token=...}), or {@code null}
     */
    public static RawSockJsClient connect(Vertx vertx, int httpPort, String query, WebSocketClientOptions options) {
        for (int attempt = 1; ; attempt++) {
            WebSocketClient client = vertx.createWebSocketClient(options);
            io.vertx.core.http.ClientWebSocket socket = client.webSocket();
            Inbox received = new Inbox();
            attach(socket, received);
            Future<WebSocket> connecting = socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(httpPort)
                .setURI("/eventbus/websocket" + (query == null ? "" : "?" + query)));
            try {
                return new RawSockJsClient(client, GatewayNode.await(connecting, Duration.ofSeconds(10)), received);
            } catch (IllegalStateException e) {
                if (!String.valueOf(e.getMessage()).contains("WebSocket is closed")) {
                    throw e;
                }
                if (received.stream().anyMatch(f -> !"closed".equals(f.getString("type")))) {
                    if (received.stream().noneMatch(f -> "closed".equals(f.getString("type")))) {
                        received.add(new JsonObject().put("type", "closed"));
                    }
                    return new RawSockJsClient(client, socket, received);
                }
                client.close();
                if (attempt == 5) {
                    throw new AssertionError("5 connections closed during their handshake with nothing received", e);
                }
            }
        }
    }

    public static RawSockJsClient connect(Vertx vertx, int httpPort, String query) {
        return connect(vertx, httpPort, query, new WebSocketClientOptions());
    }

    /**
     * Stops reading the socket: what the server writes stays in the kernel's buffers, and the server's writes back up
     * (a client on a stalled network, or one that never reads).
     */
    public void pauseReading() {
        socket.pause();
    }

    public void resumeReading() {
        socket.resume();
    }

    /**
     * @return the {@code Sec-WebSocket-Extensions} the server accepted in its upgrade response, or {@code null}
     */
    public String webSocketExtensions() {
        return socket.headers().get("sec-websocket-extensions");
    }

    public RawSockJsClient send(JsonObject frame) {
        socket.writeTextMessage(frame.encode());
        return this;
    }

    public RawSockJsClient sendText(String text) {
        socket.writeTextMessage(text);
        return this;
    }

    public RawSockJsClient register(String address) {
        return send(new JsonObject().put("type", "register").put("address", address));
    }

    /**
     * Waits for the next frame satisfying {@code condition}, skipping others.
     */
    public JsonObject await(Predicate<JsonObject> condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonObject frame = null;
            if (left > 0) {
                try {
                    frame = received.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (frame == null) {
                throw new AssertionError("no " + what + " within " + timeout);
            }
            if (condition.test(frame)) {
                return frame;
            }
        }
    }

    /**
     * Waits for an {@code err} frame (about {@code address}, when not null).
     */
    public JsonObject awaitError(String address, Duration timeout) {
        return await(f -> "err".equals(f.getString("type")) && (address == null || address.equals(f.getString("address"))),
            timeout, "err frame" + (address == null ? "" : " for " + address));
    }

    public JsonObject awaitClose(Duration timeout) {
        return await(f -> "closed".equals(f.getString("type")), timeout, "close");
    }

    @Override
    public void close() {
        socket.close();
        client.close();
    }
}
