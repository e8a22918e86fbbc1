package io.kafkabridge.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client of one address that subscribes with headers ({@code since}, {@code snapshot}) and reads what it gets with
 * the {@code resume} and {@code gap} headers: over SockJS ({@link #sockJs}) or STOMP over WebSocket
 * ({@link #stompOverWebSocket}), raw clients both.
 */
public interface ResumingSubscriber extends AutoCloseable {

    Duration DELIVERY = Duration.ofSeconds(60);

    /**
     * What a client got: the message's position ({@code partition@offset}, {@code null} for one not from Kafka), its
     * headers and its body.
     */
    record Got(String position, Map<String, String> headers, Object body) {
        public String resume() {
            return headers.get("resume");
        }

        public boolean isGap() {
            return "true".equals(headers.get("gap"));
        }
    }

    void subscribe(String address, Map<String, String> headers);

    /**
     * @throws AssertionError on an error frame, a close, or nothing within {@link #DELIVERY}
     */
    Got next(String what);

    @Override
    void close();

    static ResumingSubscriber sockJs(Vertx vertx, int httpPort) {
        RawSockJsClient client = RawSockJsClient.connect(vertx, httpPort, null);
        return new ResumingSubscriber() {
            @Override
            public void subscribe(String address, Map<String, String> headers) {
                client.send(new JsonObject().put("type", "register").put("address", address)
                    .put("headers", new JsonObject(new HashMap<>(headers))));
            }

            @Override
            public Got next(String what) {
                JsonObject frame = client.await(f -> true, DELIVERY, what);
                if (!"rec".equals(frame.getString("type"))) {
                    throw new AssertionError("expected " + what + " but got " + frame.encode());
                }
                Map<String, String> headers = new HashMap<>();
                frame.getJsonObject("headers").forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
                return new Got(positionOf(headers), headers, frame.getValue("body"));
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }

    static ResumingSubscriber stompOverWebSocket(Vertx vertx, int httpPort) {
        RawStompClient client = RawStompClient.connectWebSocket(vertx, httpPort, "/stomp", new WebSocketClientOptions());
        BridgeProbes.stompConnect(client, "0,0");
        return new ResumingSubscriber() {
            @Override
            public void subscribe(String address, Map<String, String> headers) {
                Map<String, String> frame = new HashMap<>(headers);
                frame.put("id", "s1");
                frame.put("destination", address);
                client.send("SUBSCRIBE", frame, null);
            }

            @Override
            public Got next(String what) {
                RawStompClient.Received frame = BridgeProbes.nextStompMessage(client, f -> true, DELIVERY, what);
                return new Got(positionOf(frame.headers()), frame.headers(), new JsonObject(frame.body()));
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }

    private static String positionOf(Map<String, String> headers) {
        return headers.containsKey("kafka.offset") ? headers.get("kafka.partition") + "@" + headers.get("kafka.offset") : null;
    }

    /**
     * Reads messages until {@code count} records arrived (with the gap message, if any, and messages not from Kafka).
     */
    static List<Got> read(ResumingSubscriber client, int count, String what) {
        List<Got> got = new ArrayList<>();
        long records = 0;
        while (records < count) {
            Got next = client.next(what + " (" + records + " of " + count + " so far)");
            got.add(next);
            if (next.position() != null) {
                records++;
            }
        }
        return got;
    }

    /**
     * @return the positions of the records among {@code got}, in order
     */
    static List<String> positions(List<Got> got) {
        return got.stream().map(Got::position).filter(p -> p != null).toList();
    }

    /**
     * Every record once, each partition in offset order.
     */
    static void assertOnceInPartitionOrder(List<Got> got) {
        Map<String, Long> last = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (Got message : got) {
            if (message.position() == null) {
                continue;
            }
            assertThat(seen.add(message.position())).as("%s delivered twice", message.position()).isTrue();
            String[] parts = message.position().split("@");
            Long previous = last.put(parts[0], Long.parseLong(parts[1]));
            assertThat(previous == null || previous < Long.parseLong(parts[1]))
                .as("partition %s: offset %s after %s", parts[0], parts[1], previous).isTrue();
        }
    }
}
