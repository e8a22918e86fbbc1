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
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/** The node's {@code /health}: its status, and its connection counts compared with those before a run. */
final class HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(HealthCheck.class);

    record Health(int status, JsonObject body) {
    }

    private HealthCheck() {
    }

    static Health fetch(FuzzNode node) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node.httpBase() + "/health"))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonObject body;
        try {
            body = new JsonObject(response.body());
        } catch (RuntimeException e) {
            body = new JsonObject();
        }
        return new Health(response.statusCode(), body);
    }

    /** The SockJS connection count and STOMP subscription count must come back to their pre-fuzz values. */
    static void assertCountsAsBefore(FuzzNode node, JsonObject before, SoftAssertions softly) throws Exception {
        Object sockBefore = readValue(before, "sockjs", "connections");
        Object stompBefore = readValue(before, "stomp", "subscriptions");
        if (sockBefore == null && stompBefore == null) {
            LOG.info("[fuzz] /health reports no sockjs.connections / stomp.subscriptions: connection-leak check skipped");
            return;
        }
        CompletableFuture<JsonObject> settled = new CompletableFuture<>();
        AtomicReference<JsonObject> last = new AtomicReference<>();
        Vertx vertx = node.vertx();
        long timer = vertx.setPeriodic(200, id -> vertx.executeBlocking(() -> {
            JsonObject now = fetch(node).body();
            last.set(now);
            if (Objects.equals(readValue(now, "sockjs", "connections"), sockBefore)
                && Objects.equals(readValue(now, "stomp", "subscriptions"), stompBefore)) {
                settled.complete(now);
            }
            return null;
        }, false));
        try {
            settled.get(6, TimeUnit.SECONDS);
            LOG.info("[fuzz] health after the run: sockjs.connections={} stomp.subscriptions={} (as before)", sockBefore, stompBefore);
        } catch (TimeoutException e) {
            JsonObject seen = last.get();
            softly.fail("after the fuzz clients closed, /health did not come back to sockjs.connections=" + sockBefore
                + " stomp.subscriptions=" + stompBefore + " within 6 s; last: sockjs=" + (seen == null ? null : seen.getValue("sockjs"))
                + " stomp=" + (seen == null ? null : seen.getValue("stomp")));
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    /** {@code json.section.key}, or null. */
    static Object readValue(JsonObject json, String section, String key) {
        Object s = json.getValue(section);
        return s instanceof JsonObject ? ((JsonObject) s).getValue(key) : null;
    }
}
