package io.kafkabridge.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.net.NetClientInternal;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.NetClientOptions;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A byte-level STOMP client over TCP, WebSocket or SockJS for tests that must send what a well-behaved client library never
 * would (frames before CONNECT, oversized bodies, nothing at all), or stop reading. It also sees what the server sends
 * right after accepting the connection (a refusal such as {@code too_many_connections}, a TLS failure): its handlers
 * are installed as the connection completes, before its first read (Vert.x drops data, and a close, that arrive before
 * a handler is set). Received frames are {@link Received}; a close is command {@code CLOSED}; heart-beats are counted
 * apart ({@link #nextHeartBeat}).
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
    private final LinkedBlockingQueue<Long> heartBeats = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final AtomicInteger framesReceived = new AtomicInteger();
    private volatile Consumer<Buffer> writer;
    /** Over SockJS: writes one WebSocket message as it is (a SockJS array of messages). */
    private volatile Consumer<String> sockJsWriter;
    private final LinkedBlockingQueue<Long> sockJsHeartBeats = new LinkedBlockingQueue<>();
    private volatile Runnable closer;
    private volatile io.vertx.core.streams.ReadStream<Buffer> input;
    private volatile String webSocketExtensions;

    private RawStompClient() {
    }

    public static RawStompClient connectTcp(Vertx vertx, int port, NetClientOptions options) {
        return connectTcp(vertx, "127.0.0.1", port, options);
    }

    /**
     * @param host the host to connect to, and the name a TLS client verifies
     */
    public static RawStompClient connectTcp(Vertx vertx, String host, int port, NetClientOptions options) {
        NetClientInternal client = (NetClientInternal) vertx.createNetClient(options);
        RawStompClient stomp = new RawStompClient();
        // A promise bound to no context completes inside Vert.x's channel set-up, before the socket's first read. The
        // future of NetClient.connect completes a task later on the event loop, and what arrives in between (a refusal
        // and the close after it) finds no handler and is dropped: seen on a loaded machine.
        Promise<NetSocket> connecting = Promise.promise();
        Future<Void> connected = connecting.future().map(socket -> {
            socket.handler(stomp::parse);
            socket.closeHandler(v -> stomp.closed());
            stomp.input = socket;
            stomp.writer = socket::write;
            stomp.closer = () -> {
                socket.close();
                client.close();
            };
            return null;
        });
        client.connectInternal(new ConnectOptions().setHost(host).setPort(port).setSsl(options.isSsl())
            .setSslOptions(options.getSslOptions()), connecting, (ContextInternal) vertx.getOrCreateContext());
        awaitConnected(connected, client::close);
        return stomp;
    }

    public static RawStompClient connectTcp(Vertx vertx, int port) {
        return connectTcp(vertx, port, new NetClientOptions());
    }

    public static RawStompClient connectWebSocket(Vertx vertx, int httpPort, String path, WebSocketClientOptions options) {
        return connectWebSocket(vertx, "127.0.0.1", httpPort, path, options);
    }

    /**
     * @param host the host to connect to, and the name a TLS client verifies
     */
    public static RawStompClient connectWebSocket(Vertx vertx, String host, int httpPort, String path,
                                                      WebSocketClientOptions options) {
        return connectWebSocket(vertx, host, httpPort, path, options, false);
    }

    /**
     * STOMP over the SockJS endpoint under {@code path} ({@code /stomp}), on SockJS's WebSocket transport
     * ({@code <path>/<server>/<session>/websocket}): each {@link #sendRaw} is one SockJS message, {@link #sendSockJs}
     * sends several in one WebSocket message; every SockJS message received is read as STOMP, and SockJS's own
     * heart-beats ({@code h}) are counted apart ({@link #nextSockJsHeartBeat}).
     */
    public static RawStompClient connectSockJs(Vertx vertx, int httpPort, String path) {
        String session = Long.toString(System.nanoTime(), 36);
        return connectWebSocket(vertx, "127.0.0.1", httpPort, path + "/000/" + session + "/websocket",
            new WebSocketClientOptions(), true);
    }

    private static RawStompClient connectWebSocket(Vertx vertx, String host, int httpPort, String path,
                                                   WebSocketClientOptions options, boolean sockJs) {
        WebSocketClient client = vertx.createWebSocketClient(options);
        RawStompClient stomp = new RawStompClient();
        // handlers set before connecting: a refusal sent right after the handshake (an ERROR, then the close) is seen
        ClientWebSocket socket = client.webSocket();
        if (sockJs) {
            socket.textMessageHandler(stomp::receiveSockJs);
            stomp.writer = data -> socket.writeTextMessage(new JsonArray().add(data.toString()).encode());
            stomp.sockJsWriter = socket::writeTextMessage;
        } else {
            socket.handler(stomp::parse);
            stomp.writer = data -> socket.writeTextMessage(data.toString());
        }
        socket.closeHandler(v -> stomp.closed());
        stomp.input = socket;
        stomp.closer = () -> {
            socket.close();
            client.close();
        };
        Future<Void> connected = socket.connect(new WebSocketConnectOptions().setHost(host).setPort(httpPort)
            .setURI(path).setSubProtocols(List.of("v12.stomp"))).map(connectedSocket -> {
                stomp.webSocketExtensions = connectedSocket.headers().get("sec-websocket-extensions");
                return null;
            });
        try {
            GatewayNode.await(connected, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            // a refusal can close the socket before the client calls it connected: what arrived is queued for the test
            if (stomp.received.stream().noneMatch(frame -> "CLOSED".equals(frame.command()))) {
                client.close();
                throw e;
            }
        }
        return stomp;
    }

    public static RawStompClient connectWebSocket(Vertx vertx, int httpPort) {
        return connectWebSocket(vertx, httpPort, "/stomp", new WebSocketClientOptions());
    }

    /**
     * @return the {@code Sec-WebSocket-Extensions} the server accepted in its upgrade response (WebSocket only), or
     * {@code null}
     */
    public String webSocketExtensions() {
        return webSocketExtensions;
    }

    private static void awaitConnected(Future<Void> connected, Runnable closeClient) {
        try {
            GatewayNode.await(connected, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            closeClient.run();
            throw e;
        }
    }

    private void closed() {
        received.add(new Received("CLOSED", Map.of(), ""));
    }

    /**
     * Stops reading the socket: what the server writes stays in the kernel's buffers, and the server's writes back up
     * (a client on a stalled network, or one that never reads).
     */
    public void pauseReading() {
        input.pause();
    }

    public void resumeReading() {
        input.resume();
    }

    /**
     * Sends raw bytes as they are.
     */
    public RawStompClient sendRaw(String data) {
        writer.accept(Buffer.buffer(data));
        return this;
    }

    /**
     * Over SockJS: sends the messages in one WebSocket message (one SockJS array).
     */
    public RawStompClient sendSockJs(String... messages) {
        sockJsWriter.accept(new JsonArray(List.of((Object[]) messages)).encode());
        return this;
    }

    /**
     * A SockJS frame: {@code o} (open), {@code h} (heart-beat), {@code a[...]} (messages), {@code c[...]} (close, which
     * the socket's close follows).
     */
    private void receiveSockJs(String frame) {
        if (frame.startsWith("h")) {
            sockJsHeartBeats.add(System.nanoTime());
        } else if (frame.startsWith("a")) {
            for (Object message : new JsonArray(frame.substring(1))) {
                parse(Buffer.buffer((String) message));
            }
        }
    }

    /**
     * Waits for the next SockJS heart-beat frame ({@code h}) from the server.
     *
     * @throws AssertionError when none arrives in time
     */
    public long nextSockJsHeartBeat(Duration timeout) {
        return poll(sockJsHeartBeats, timeout, "SockJS heart-beat");
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
     * Waits for the next frame (or close); heart-beats are not frames.
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
        int start = 0;
        int end;
        while ((end = partial.indexOf("\u0000", start)) >= 0) {
            int frameStart = start;
            while (frameStart < end && (partial.charAt(frameStart) == '\n' || partial.charAt(frameStart) == '\r')) {
                frameStart++;
            }
            countHeartBeats(partial.substring(start, frameStart));
            String trimmed = partial.substring(frameStart, end);
            start = end + 1;
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
            framesReceived.incrementAndGet();
        }
        // one shift per read, not one per frame
        partial.delete(0, start);
        if (partial.toString().isBlank()) {
            countHeartBeats(partial.toString());
            partial.setLength(0);
        }
    }

    /**
     * @return the frames (not heart-beats) received so far, read by {@link #next} or not
     */
    public int framesReceived() {
        return framesReceived.get();
    }

    private void countHeartBeats(String eols) {
        long now = System.nanoTime();
        eols.chars().filter(c -> c == '\n').forEach(c -> heartBeats.add(now));
    }

    /**
     * Waits for the next heart-beat (an EOL outside a frame) from the server.
     *
     * @return when it arrived, {@link System#nanoTime()}
     * @throws AssertionError when none arrives in time
     */
    public long nextHeartBeat(Duration timeout) {
        return poll(heartBeats, timeout, "heart-beat");
    }

    private static long poll(LinkedBlockingQueue<Long> queue, Duration timeout, String what) {
        try {
            Long at = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (at == null) {
                throw new AssertionError("no " + what + " within " + timeout);
            }
            return at;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    @Override
    public void close() {
        Runnable close = closer;
        if (close != null) {
            close.run();
        }
    }
}
