package io.kafkabridge.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Helpers for the end-to-end tests of the bridges' limits: proving a subscription live with probe messages published
 * on the event bus, keeping raw clients alive with heart-beats or pings, awaiting a STOMP refusal (ERROR then close),
 * and reading the node's connection count from {@code /health}. Everything waits on events, never on sleeps.
 */
public final class BridgeProbes {

    /** How long a wait for something that must happen may take. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final HttpClient HEALTH_CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    private BridgeProbes() {
    }

    /**
     * @return a probe body with a fresh id
     */
    public static JsonObject probe() {
        return new JsonObject().put("probe", UUID.randomUUID().toString());
    }

    /**
     * Publishes {@code probe} on {@code address} every 100 ms until the STOMP client receives it.
     *
     * @return the MESSAGE frame
     * @throws AssertionError when the client is refused, closed or receives nothing in time
     */
    public static RawStompClient.Received awaitStompProbe(Vertx vertx, RawStompClient client, String address, JsonObject probe) {
        long timer = vertx.setPeriodic(1, 100, id -> vertx.eventBus().publish(address, probe));
        try {
            return nextStompMessage(client, frame -> address.equals(frame.header("destination")) && isBody(frame.body(), probe),
                TIMEOUT, "probe " + probe + " on " + address);
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    public static RawStompClient.Received awaitStompProbe(Vertx vertx, RawStompClient client, String address) {
        return awaitStompProbe(vertx, client, address, probe());
    }

    /**
     * Waits for a MESSAGE frame satisfying {@code condition}, skipping other MESSAGE frames and receipts.
     *
     * @throws AssertionError on an ERROR frame, a close, or nothing in time
     */
    public static RawStompClient.Received nextStompMessage(RawStompClient client, Predicate<RawStompClient.Received> condition,
                                                           Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + what + " within " + timeout);
            }
            RawStompClient.Received frame;
            try {
                frame = client.next(Duration.ofNanos(left));
            } catch (AssertionError e) {
                throw new AssertionError("no " + what + " within " + timeout);
            }
            if ("ERROR".equals(frame.command()) || "CLOSED".equals(frame.command())) {
                throw new AssertionError("expected " + what + " but got " + frame);
            }
            if ("MESSAGE".equals(frame.command()) && condition.test(frame)) {
                return frame;
            }
        }
    }

    private static boolean isBody(String text, JsonObject expected) {
        try {
            return expected.equals(new JsonObject(text));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Publishes {@code probe} on {@code address} every 100 ms until the SockJS client receives it.
     *
     * @return the {@code rec} frame
     * @throws AssertionError on an {@code err} frame, a close, or nothing in time
     */
    public static JsonObject awaitSockJsProbe(Vertx vertx, RawSockJsClient client, String address, JsonObject probe) {
        long timer = vertx.setPeriodic(1, 100, id -> vertx.eventBus().publish(address, probe));
        try {
            return nextSockJsMessage(client, f -> address.equals(f.getString("address")) && probe.equals(f.getValue("body")),
                "probe " + probe + " on " + address);
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    public static JsonObject awaitSockJsProbe(Vertx vertx, RawSockJsClient client, String address) {
        return awaitSockJsProbe(vertx, client, address, probe());
    }

    /**
     * Waits for a {@code rec} frame satisfying {@code condition}, skipping other {@code rec} frames.
     *
     * @throws AssertionError on an {@code err} frame, a close, or nothing in time
     */
    public static JsonObject nextSockJsMessage(RawSockJsClient client, Predicate<JsonObject> condition, String what) {
        JsonObject frame = client.await(f -> !"rec".equals(f.getString("type")) || condition.test(f), TIMEOUT, what);
        if (!"rec".equals(frame.getString("type"))) {
            throw new AssertionError("expected " + what + " but got " + frame.encode());
        }
        return frame;
    }

    /**
     * Sends CONNECT (STOMP 1.2, the given heart-beat) and waits for CONNECTED.
     */
    public static RawStompClient.Received stompConnect(RawStompClient client, String heartBeat) {
        client.send("CONNECT", "accept-version", "1.2", "host", "localhost", "heart-beat", heartBeat);
        RawStompClient.Received connected = client.next(TIMEOUT);
        if (!"CONNECTED".equals(connected.command())) {
            throw new AssertionError("expected CONNECTED but got " + connected);
        }
        return connected;
    }

    /**
     * Subscribes and waits for the receipt (so that the SUBSCRIBE was processed).
     */
    public static void stompSubscribe(RawStompClient client, String id, String destination) {
        client.send("SUBSCRIBE", "id", id, "destination", destination, "receipt", "r-" + id);
        RawStompClient.Received receipt = client.next(TIMEOUT);
        if (!"RECEIPT".equals(receipt.command()) || !("r-" + id).equals(receipt.header("receipt-id"))) {
            throw new AssertionError("expected the RECEIPT of SUBSCRIBE " + destination + " but got " + receipt);
        }
    }

    /**
     * Waits for the refusal of a STOMP client: an ERROR frame (MESSAGE frames before it are skipped), then the close.
     *
     * @return the ERROR frame
     */
    public static RawStompClient.Received awaitStompRefusal(RawStompClient client, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RawStompClient.Received frame;
        do {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no ERROR frame within " + timeout);
            }
            frame = client.next(Duration.ofNanos(left));
        } while ("MESSAGE".equals(frame.command()) || "RECEIPT".equals(frame.command()));
        if (!"ERROR".equals(frame.command())) {
            throw new AssertionError("expected an ERROR frame but got " + frame);
        }
        RawStompClient.Received after = client.next(TIMEOUT);
        if (!"CLOSED".equals(after.command())) {
            throw new AssertionError("expected the close after " + frame + " but got " + after);
        }
        return frame;
    }

    /**
     * Sends a heart-beat (EOL) every {@code intervalMs}; close the result to stop.
     */
    public static AutoCloseable stompHeartBeats(Vertx vertx, RawStompClient client, long intervalMs) {
        long timer = vertx.setPeriodic(intervalMs, id -> client.sendRaw("\n"));
        return () -> vertx.cancelTimer(timer);
    }

    /**
     * Sends {@code {"type":"ping"}} every {@code intervalMs}; close the result to stop.
     */
    public static AutoCloseable sockJsPings(Vertx vertx, RawSockJsClient client, long intervalMs) {
        long timer = vertx.setPeriodic(intervalMs, id -> client.send(new JsonObject().put("type", "ping")));
        return () -> vertx.cancelTimer(timer);
    }

    /**
     * @return {@code connections.open} of the node's {@code /health}, read with the JDK's HTTP client (blocking, from
     * the test thread: independent of the test's event loops)
     * @throws IllegalStateException when the node gave no answer within 5 s
     */
    public static int openConnections(int httpPort) {
        return health(httpPort).getJsonObject("connections").getInteger("open");
    }

    /**
     * @return the node's {@code /health} document, read with the JDK's HTTP client
     * @throws IllegalStateException when the node gave no answer within 5 s
     */
    public static JsonObject health(int httpPort) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
            .timeout(Duration.ofSeconds(5)).GET().build();
        try {
            HttpResponse<String> response = HEALTH_CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new JsonObject(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("GET /health: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * @return the status the node answers {@code GET path} with, read with the JDK's HTTP client
     * @throws IllegalStateException when the node gave no answer within 5 s
     */
    public static int status(int httpPort, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
            .timeout(Duration.ofSeconds(5)).GET().build();
        try {
            return HEALTH_CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Asks {@code GET path} every 200 ms until the node answers {@code status} (its probes change as it notices Kafka
     * go and come back, every 5 s).
     */
    public static void awaitStatus(Vertx vertx, int httpPort, String path, int status, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last;
        while ((last = status(httpPort, path)) != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(path + " did not answer " + status + " within " + timeout + "; last " + last);
            }
            GatewayNode.await(vertx.timer(200), TIMEOUT);
        }
    }

    /**
     * Reads {@code /health} until the node counts {@code expected} open connections (closes are asynchronous); a request
     * that got no answer in 5 s is asked again until the deadline. When a request goes unanswered, every thread's stack
     * goes to stderr once (the node runs in this JVM), and a failure says what the last request got.
     */
    public static void awaitOpenConnections(Vertx vertx, int httpPort, int expected) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        boolean dumped = false;
        while (true) {
            String seen;
            try {
                int open = openConnections(httpPort);
                if (open == expected) {
                    return;
                }
                seen = open + " open connections";
            } catch (IllegalStateException e) {
                seen = "no answer from /health (" + e.getMessage() + ")";
                if (!dumped) {
                    printThreads(seen);
                    dumped = true;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected the node to count " + expected + " open connections; last answer: " + seen);
            }
            GatewayNode.await(vertx.timer(50), TIMEOUT);
        }
    }

    private static void printThreads(String why) {
        StringBuilder dump = new StringBuilder("Threads when " + why + ":\n");
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            dump.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
            for (StackTraceElement frame : stack) {
                dump.append("    at ").append(frame).append('\n');
            }
        });
        System.err.println(dump);
    }
}
