package io.kafkabridge.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A byte-level STOMP client over TCP or WebSocket for tests that must send what a well-behaved client library never
 * would (frames before CONNECT, oversized bodies, nothing at all). Received frames are parsed into {@link Received};
 * a close is reported as a {@link Received} with command {@code CLOSED}.
 */
public final class RawStompClient implements AutoCloseable {

    /**
     * A frame from the server, or the close of the connection (command {@code CLOSED}).
     */
    public record Received(String command, Map<String, String> headers, String body) {

        public String header(String name) {
            return headers.get(name);
        }
    }

    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final Consumer<Buffer> writer;
    private final Runnable closer;
    private final Object keepAlive;

    private RawStompClient(Consumer<Buffer> writer, Runnable closer, Object keepAlive) {
        this.writer = writer;
        this.closer = closer;
        this.keepAlive = keepAlive;
    }

    public static RawStompClient connectTcp(Vertx vertx, int port, NetClientOptions options) {
        NetClient client = vertx.createNetClient(options);
        NetSocket socket = GatewayNode.await(client.connect(port, "127.0.0.1"), Duration.ofSeconds(10));
        RawStompClient stomp = new RawStompClient(socket::write, () -> {
            socket.close();
            client.close();
        }, client);
        socket.handler(stomp::parse);
        socket.closeHandler(v -> stomp.received.add(new Received("CLOSED", Map.of(), "")));
        return stomp;
    }

    public static RawStompClient connectTcp(Vertx vertx, int port) {
        return connectTcp(vertx, port, new NetClientOptions());
    }

    public static RawStompClient connectWebSocket(Vertx vertx, int httpPort, String path, WebSocketClientOptions options) {
        WebSocketClient client = vertx.createWebSocketClient(options);
        Future<WebSocket> connecting = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(httpPort)
            .setURI(path).setSubProtocols(List.of("v12.stomp")));
        WebSocket socket = GatewayNode.await(connecting, Duration.ofSeconds(10));
        RawStompClient stomp = new RawStompClient(data -> socket.writeTextMessage(data.toString()), () -> {
            socket.close();
            client.close();
        }, client);
        socket.handler(stomp::parse);
        socket.closeHandler(v -> stomp.received.add(new Received("CLOSED", Map.of(), "")));
        return stomp;
    }

    public static RawStompClient connectWebSocket(Vertx vertx, int httpPort) {
        return connectWebSocket(vertx, httpPort, "/stomp", new WebSocketClientOptions());
    }

    /**
     * Sends raw bytes as they are.
     */
    public RawStompClient sendRaw(String data) {
        writer.accept(Buffer.buffer(data));
        return this;
    }

    /**
     * Sends a frame: command, headers, body, NUL.
     */
    public RawStompClient send(String command, Map<String, String> headers, String body) {
        StringBuilder frame = new StringBuilder(command).append('\n');
        headers.forEach((name, value) -> frame.append(name).append(':').append(value).append('\n'));
        frame.append('\n').append(body == null ? "" : body).append('\u0000');
        return sendRaw(frame.toString());
    }

    public RawStompClient send(String command, String... headerPairs) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            headers.put(headerPairs[i], headerPairs[i + 1]);
        }
        return send(command, headers, null);
    }

    /**
     * Waits for the next frame (or close) that is not a heart-beat.
     *
     * @throws AssertionError when nothing arrives in time
     */
    public Received next(Duration timeout) {
        try {
            Received frame = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no STOMP frame within " + timeout);
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /**
     * Waits for the next frame with this command, skipping others.
     */
    public Received next(String command, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + command + " frame within " + timeout);
            }
            Received frame = next(Duration.ofNanos(left));
            if (frame.command().equals(command)) {
                return frame;
            }
        }
    }

    private synchronized void parse(Buffer data) {
        partial.append(data.toString());
        int end;
        while ((end = partial.indexOf("\u0000")) >= 0) {
            String frame = partial.substring(0, end);
            partial.delete(0, end + 1);
            String trimmed = frame.replaceFirst("^[\r\n]+", "");
            if (trimmed.isEmpty()) {
                continue;
            }
            int headerEnd = trimmed.indexOf("\n\n");
            String head = headerEnd < 0 ? trimmed : trimmed.substring(0, headerEnd);
            String body = headerEnd < 0 ? "" : trimmed.substring(headerEnd + 2);
            String[] lines = head.split("\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.putIfAbsent(lines[i].substring(0, colon), lines[i].substring(colon + 1));
                }
            }
            received.add(new Received(lines[0].trim(), headers, body));
        }
        // a lone heart-beat (EOL) is not a frame
        String rest = partial.toString();
        if (rest.isBlank()) {
            partial.setLength(0);
        }
    }

    @Override
    public void close() {
        closer.run();
    }

    /**
     * @return the client object kept referenced so that it is not collected mid-connection
     */
    Object client() {
        return keepAlive;
    }
}
