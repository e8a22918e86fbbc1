package io.kafkabridge.fuzz;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.assertj.core.api.SoftAssertions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/** The node's {@code /health}: its status, and its connection and subscription counts compared with those before a run. */
final class HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(HealthCheck.class);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * The counters of {@code /health} (GatewayServerVerticle's status: {@code section.key}) that must come back to their
     * values before a run once its fuzz clients are gone: the SockJS bridge's and the STOMP server's open sessions (every
     * STOMP transport), the connections counted against the node's limit, and the event-bus subscriptions of the
     * clients. The well-behaved clients, open before and after, are in both values.
     */
    static final List<String[]> COUNTERS = List.of(new String[] {"sockjs", "connections"}, new String[] {"stomp", "connections"},
        new String[] {"connections", "open"}, new String[] {"subscriptions", "total"});
    static final long SETTLE_TIMEOUT_MS = 6_000;
    static final long POLL_EVERY_MS = 100;

    record Health(int status, JsonObject body) {
    }

    private HealthCheck() {
    }

    static Health fetch(FuzzNode node) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(node.httpBase() + "/health"))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonObject body;
        try {
            body = new JsonObject(response.body());
        } catch (RuntimeException e) {
            body = new JsonObject();
        }
        return new Health(response.statusCode(), body);
    }

    /**
     * Waits until every counter of {@link #COUNTERS} shows its value of {@code before} (read again every
     * {@value #POLL_EVERY_MS} ms, from at once, for at most {@value #SETTLE_TIMEOUT_MS} ms): a connection or subscription
     * left open by the run keeps one above and fails the check. A counter missing from {@code /health} fails it too.
     */
    static void assertCountsAsBefore(FuzzNode node, JsonObject before, SoftAssertions softly) throws Exception {
        Map<String, Object> want = readCounters(before);
        List<String> missing = new ArrayList<>();
        want.forEach((name, value) -> {
            if (!(value instanceof Number)) {
                missing.add(name);
            }
        });
        if (!missing.isEmpty()) {
            softly.fail("/health before the run reports no number for " + missing + " (body: " + before.encode() + "): the "
                + "connection-leak check cannot run");
            return;
        }
        CompletableFuture<Map<String, Object>> settled = new CompletableFuture<>();
        AtomicReference<Map<String, Object>> last = new AtomicReference<>();
        Vertx vertx = node.clientVertx();
        Runnable check = () -> vertx.executeBlocking(() -> {
            Map<String, Object> now = readCounters(fetch(node).body());
            last.set(now);
            if (now.equals(want)) {
                settled.complete(now);
            }
            return null;
        }, true);
        check.run();
        long timer = vertx.setPeriodic(POLL_EVERY_MS, id -> check.run());
        long start = System.nanoTime();
        try {
            settled.get(SETTLE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            LOG.info("[fuzz] health after the run: {} as before (settled in {} ms)", want, (System.nanoTime() - start) / 1_000_000);
        } catch (TimeoutException e) {
            softly.fail("after the fuzz clients closed, /health did not come back to " + want + " within " + SETTLE_TIMEOUT_MS
                + " ms; last: " + last.get());
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    /** The values of {@link #COUNTERS} in a {@code /health} body, by {@code section.key} (null when absent). */
    static Map<String, Object> readCounters(JsonObject health) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String[] counter : COUNTERS) {
            Object value = readValue(health, counter[0], counter[1]);
            values.put(counter[0] + "." + counter[1], value instanceof Number ? ((Number) value).longValue() : value);
        }
        return values;
    }

    /** {@code json.section.key}, or null. */
    static Object readValue(JsonObject json, String section, String key) {
        Object s = json.getValue(section);
        return s instanceof JsonObject ? ((JsonObject) s).getValue(key) : null;
    }
}
