package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JSON record values reach the wire as their bytes: on SockJS (the {@code body} of the {@code rec} frame) and on STOMP
 * over TCP, WebSocket and SockJS (the MESSAGE body), each value is exactly the text produced to Kafka, whatever its
 * unicode, escapes, number sizes, nesting and whitespace; an outbound rule with a JSON {@code match} still filters on
 * the body.
 */
@ExtendWith(KafkaBroker.class)
class PassThroughTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TOPIC = "passthrough.values";
    private static final String ADDRESS = "pass.values";
    private static final String MATCHED = "pass.matched";

    /** Values a decode-and-encode would change: escapes, raw unicode, big and precise numbers, layout. */
    private static final List<String> VALUES = List.of(
        "{\"text\":\"h\\u00e9llo \u00e9 \\u2028 \u2713 \ud83d\ude00\",\"esc\":\"q\\\"b\\\\s\\/\\u0000\\t\",\"big\":123456789012345678901234567890,"
            + "\"tiny\":1.0e-400,\"exact\":0.10000000000000000000001,\"neg\":-0.0}",
        "[ [1, [2, [3, []]]],\n  {\"a\" : [ ], \"b\":{\"c\":{}}},\n  null, true, 1E+2 ]\n",
        "\"just a string with \\\"quotes\\\"\"",
        "  -12345678901234567890123.45e-7  ");

    private static Vertx vertx;
    private static GatewayNode node;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void startNode(EmbeddedKafka kafka) {
        vertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(TOPIC, TOPIC + ".matched"), 1);
        JsonArray routes = new JsonArray()
            .add(new JsonObject().put("topic", TOPIC).put("address", ADDRESS).put("format", "json"))
            .add(new JsonObject().put("topic", TOPIC + ".matched").put("address", MATCHED).put("format", "json"));
        JsonObject bridge = new JsonObject().put("outboundPermitteds", new JsonArray()
            .add(new JsonObject().put("address", ADDRESS))
            .add(new JsonObject().put("address", MATCHED).put("match", new JsonObject().put("kind", "public"))));
        node = GatewayNode.deploy(vertx, GatewayNode.config(kafka, "passthrough", routes, bridge));
        producer = KafkaBroker.createProducer(kafka);
    }

    @AfterAll
    static void stopNode() {
        producer.close();
        node.undeploy();
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    private static List<RawStompClient> stompClients(String destination) {
        List<RawStompClient> clients = List.of(RawStompClient.connectTcp(vertx, node.stompPort()),
            RawStompClient.connectWebSocket(vertx, node.httpPort()), RawStompClient.connectSockJs(vertx, node.httpPort(), "/stomp"));
        for (RawStompClient client : clients) {
            BridgeProbes.stompConnect(client, "0,0");
            BridgeProbes.stompSubscribe(client, "s", destination);
        }
        return clients;
    }

    /** offset → value, in the order produced */
    private static Map<Long, String> produce(String topic, List<String> values) {
        Map<Long, String> produced = new LinkedHashMap<>();
        for (String value : values) {
            RecordMetadata metadata = KafkaBroker.produce(producer, new ProducerRecord<>(topic, "k", value));
            produced.put(metadata.offset(), value);
        }
        return produced;
    }

    /** The {@code body} of a {@code rec} frame as the server wrote it: the frame ends with it. */
    private static String bodyText(String frame) {
        int at = frame.indexOf(",\"body\":");
        assertThat(at).as("a body in %s", frame).isPositive();
        assertThat(frame).endsWith("}");
        return frame.substring(at + ",\"body\":".length(), frame.length() - 1);
    }

    /**
     * Waits for {@code count} more records, then returns the bodies of every record received so far, as written.
     */
    private static Map<Long, String> receivedOverSockJs(RawSockJsClient client, int count) {
        int[] seen = {0};
        client.await(f -> "rec".equals(f.getString("type")) && f.getJsonObject("headers").containsKey("kafka.offset")
            && ++seen[0] == count, TIMEOUT, count + " records over SockJS");
        Map<Long, String> bodies = new LinkedHashMap<>();
        for (String text : client.texts()) {
            JsonObject frame = new JsonObject(text);
            String offset = frame.getJsonObject("headers", new JsonObject()).getString("kafka.offset");
            if ("rec".equals(frame.getString("type")) && offset != null) {
                bodies.put(Long.parseLong(offset), bodyText(text));
            }
        }
        return bodies;
    }

    private static Map<Long, String> receivedOverStomp(RawStompClient client, int count) {
        Map<Long, String> bodies = new LinkedHashMap<>();
        while (bodies.size() < count) {
            RawStompClient.Received message = BridgeProbes.nextStompMessage(client, f -> f.header("kafka.offset") != null, TIMEOUT,
                "a record");
            bodies.put(Long.parseLong(message.header("kafka.offset")), message.body());
        }
        return bodies;
    }

    @Test
    void jsonValuesReachEveryProtocolExactlyAsProduced() throws Exception {
        try (RawSockJsClient sockJs = RawSockJsClient.connect(vertx, node.httpPort(), null)) {
            sockJs.register(ADDRESS);
            BridgeProbes.awaitSockJsProbe(vertx, sockJs, ADDRESS);
            List<RawStompClient> stomps = stompClients(ADDRESS);
            try {
                Map<Long, String> produced = produce(TOPIC, VALUES);

                assertThat(receivedOverSockJs(sockJs, VALUES.size())).as("bodies of the SockJS frames").isEqualTo(produced);
                for (RawStompClient stomp : stomps) {
                    assertThat(receivedOverStomp(stomp, VALUES.size())).as("MESSAGE bodies").isEqualTo(produced);
                }
            } finally {
                for (RawStompClient stomp : stomps) {
                    stomp.close();
                }
            }
        }
    }

    @Test
    void aRuleThatMatchesOnTheBodyStillFiltersPassedThroughValues() throws Exception {
        try (RawSockJsClient sockJs = RawSockJsClient.connect(vertx, node.httpPort(), null)) {
            sockJs.register(MATCHED);
            BridgeProbes.awaitSockJsProbe(vertx, sockJs, MATCHED, BridgeProbes.probe().put("kind", "public"));
            List<RawStompClient> stomps = stompClients(MATCHED);
            try {
                Map<Long, String> produced = produce(TOPIC + ".matched", List.of(
                    "{\"kind\":\"public\",\"n\":1}", "{\"kind\":\"secret\",\"n\":2}", "{ \"n\" : 3, \"kind\" : \"public\" }",
                    "[\"kind\",\"public\"]", "{\"kind\":\"public\",\"n\":5}"));
                Map<Long, String> permitted = new LinkedHashMap<>(produced);
                permitted.values().removeIf(value -> !value.replace(" ", "").contains("\"kind\":\"public\""));
                assertThat(permitted).hasSize(3);

                assertThat(receivedOverSockJs(sockJs, permitted.size())).isEqualTo(permitted);
                for (RawStompClient stomp : stomps) {
                    assertThat(receivedOverStomp(stomp, permitted.size())).isEqualTo(permitted);
                }
                // the refused ones were not merely late: a record after them arrives, and nothing else did
                long last = produce(TOPIC + ".matched", List.of("{\"kind\":\"public\",\"n\":6}")).keySet().iterator().next();
                for (RawStompClient stomp : stomps) {
                    assertThat(receivedOverStomp(stomp, 1)).containsOnlyKeys(last);
                }
                List<Long> offsets = new ArrayList<>(permitted.keySet());
                offsets.add(last);
                assertThat(receivedOverSockJs(sockJs, 1).keySet()).containsExactlyElementsOf(offsets);
            } finally {
                for (RawStompClient stomp : stomps) {
                    stomp.close();
                }
            }
        }
    }
}
