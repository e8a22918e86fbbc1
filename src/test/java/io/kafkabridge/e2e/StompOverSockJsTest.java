package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.NodeClient;
import io.kafkabridge.testing.RawStompClient;
import io.kafkabridge.testing.RawStompClient.Received;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * STOMP over SockJS ({@code /stomp/...}), as Spring users write their pages: {@code @stomp/stompjs} with
 * {@code sockjs-client} on one forced transport, with a JWT; a byte-level client over SockJS's WebSocket transport for
 * what a library never sends (frames split over and batched into SockJS messages, heart-beats, a bad frame). The plain
 * WebSocket on exactly {@code /stomp} keeps working beside it.
 */
@ExtendWith(KafkaBroker.class)
class StompOverSockJsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String ORDERS_TOPIC = "stomp-sockjs.orders";
    private static final String PLACED_TOPIC = "stomp-sockjs.placed";
    private static final String PLACE = "orders.place";
    private static final String SECRET = Base64.getUrlEncoder().withoutPadding()
        .encodeToString("stomp-sockjs-test-secret-long-enough-for-hmac".getBytes(StandardCharsets.UTF_8));
    private static final String ISSUER = "stomp-sockjs-test";

    private static Vertx vertx;
    private static GatewayNode node;
    private static JWTAuth signer;
    private static KafkaProducer<String, String> producer;
    private static KafkaConsumer<String, String> reader;

    /** The sockjs-client transports a page falls back through. */
    enum Transport {
        WEBSOCKET("websocket"), XHR_STREAMING("xhr-streaming"), XHR_POLLING("xhr-polling");

        final String name;

        Transport(String name) {
            this.name = name;
        }
    }

    @BeforeAll
    static void startNode(EmbeddedKafka kafka) {
        vertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(ORDERS_TOPIC, PLACED_TOPIC), 3);
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", ORDERS_TOPIC).put("address", "user.{key}.orders"));
        JsonObject bridge = new JsonObject()
            .put("inboundPermitteds", new JsonArray().add(new JsonObject().put("address", PLACE)))
            .put("outboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "user\\.{user}\\.orders")));
        JsonObject jwt = new JsonObject()
            .put("pubSecKeys", new JsonArray().add(new JsonObject().put("algorithm", "HS256").put("buffer", SECRET)))
            .put("jwtOptions", new JsonObject().put("issuer", ISSUER));
        JsonObject config = GatewayNode.config(kafka, "stomp-sockjs", routes, bridge)
            .put("sinks", new JsonArray().add(new JsonObject().put("address", PLACE).put("topic", PLACED_TOPIC).put("key", "{user}")))
            .put("auth", new JsonObject().put("jwt", jwt));
        config.getJsonObject("stomp").put("heartbeat", "300,300");
        node = GatewayNode.deploy(vertx, config);
        signer = JWTAuth.create(vertx, new JWTAuthOptions(new JsonObject().put("pubSecKeys", jwt.getJsonArray("pubSecKeys"))));
        producer = KafkaBroker.createProducer(kafka);
        reader = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
    }

    @AfterAll
    static void stopNode() {
        reader.close();
        producer.close();
        node.undeploy();
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    private static String token(String user, int seconds) {
        return signer.generateToken(new JsonObject().put("sub", user),
            new JWTOptions().setIssuer(ISSUER).setExpiresInSeconds(seconds));
    }

    private String sockJsUrl(Transport transport) {
        return "sockjs+" + transport.name + ":" + node.httpBase() + "/stomp";
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Transport.class)
    void aStompJsClientOverSockJsGetsItsRecordsIsRefusedAnotherUsersAndSendsToASink(Transport transport) {
        String run = UUID.randomUUID().toString();
        String alice = "user.alice.orders";
        JsonArray steps = new JsonArray()
            .add(new JsonObject().put("op", "subscribe").put("destination", alice).put("receipt", "sub-alice"))
            .add(new JsonObject().put("op", "await").put("destination", alice).put("signal", run))
            .add(new JsonObject().put("op", "send").put("id", "order").put("destination", PLACE)
                .put("body", new JsonObject().put("orderId", run).encode()).put("receipt", "placed"))
            .add(new JsonObject().put("op", "subscribe").put("destination", "user.bob.orders"));
        try (NodeClient client = NodeClient.start("stomp-send.js", sockJsUrl(transport), token("alice", 300), steps.encode())) {
            JsonObject connected = client.awaitEvent("connected", TIMEOUT);
            assertThat(connected.getString("transport")).as("the transport sockjs-client settled on").isEqualTo(transport.name);
            client.awaitEvent("subscribed", TIMEOUT);

            List<RecordMetadata> produced = new ArrayList<>();
            produced.add(KafkaBroker.produce(producer, new ProducerRecord<>(ORDERS_TOPIC, "bob", order(run, 0, null))));
            for (int i = 1; i <= 3; i++) {
                produced.add(KafkaBroker.produce(producer, new ProducerRecord<>(ORDERS_TOPIC, "alice",
                    order(run, i, i == 3 ? run : null))));
            }
            client.await(e -> "message".equals(e.getString("event")) && e.getString("body").contains("\"signal\":\"" + run),
                TIMEOUT, "alice's last record");
            List<JsonObject> messages = client.seen().stream().filter(e -> "message".equals(e.getString("event"))).toList();
            assertThat(messages).extracting(e -> e.getString("body"))
                .containsExactly(order(run, 1, null), order(run, 2, null), order(run, 3, run));
            for (int i = 0; i < 3; i++) {
                JsonObject headers = messages.get(i).getJsonObject("headers");
                RecordMetadata record = produced.get(i + 1);
                assertThat(headers.getString("destination")).isEqualTo(alice);
                assertThat(headers.getString("kafka.topic")).isEqualTo(ORDERS_TOPIC);
                assertThat(headers.getString("kafka.key")).isEqualTo("alice");
                assertThat(headers.getString("kafka.partition")).isEqualTo(Integer.toString(record.partition()));
                assertThat(headers.getString("kafka.offset")).isEqualTo(Long.toString(record.offset()));
                assertThat(headers.getString("resume")).as("resume token").isNotBlank();
            }

            JsonObject receipt = client.await(e -> "receipt".equals(e.getString("event")), TIMEOUT, "the SEND's RECEIPT");
            assertThat(receipt.getString("receipt")).isEqualTo("placed");
            ConsumerRecord<String, String> placed = theRecordHolding(PLACED_TOPIC, run);
            assertThat(placed.key()).isEqualTo("alice");
            assertThat(headerOf(placed, "user")).isEqualTo("alice");

            JsonObject error = client.awaitEvent("error", TIMEOUT);
            assertThat(error.getJsonObject("headers").getString("message")).isEqualTo("access_denied");
            assertThat(error.getJsonObject("headers").getString("destination")).isEqualTo("user.bob.orders");
            client.awaitEvent("close", TIMEOUT);
            assertThat(client.seen()).as("nothing of bob's reached alice")
                .noneMatch(e -> "message".equals(e.getString("event")) && e.getString("body").contains("\"n\":0"));
        }
    }

    @Test
    void framesSplitOverAndBatchedIntoSockJsMessagesAreReadWholeAndHeartBeatsFlowBothWays() {
        String run = UUID.randomUUID().toString();
        try (RawStompClient client = RawStompClient.connectSockJs(vertx, node.httpPort(), "/stomp")) {
            // CONNECT split over three SockJS messages, heart-beats every 300 ms both ways
            String connect = "CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:300,300\npasscode:" + token("alice", 300)
                + "\n\n\u0000";
            client.sendRaw(connect.substring(0, 5)).sendRaw(connect.substring(5, 40)).sendRaw(connect.substring(40));
            Received connected = client.next(TIMEOUT);
            assertThat(connected.command()).as("answer to a split CONNECT: %s", connected).isEqualTo("CONNECTED");
            assertThat(connected.header("heart-beat")).as("heart-beats negotiated").isEqualTo("300,300");

            // two frames in one SockJS message, then a third in a SockJS array of two messages with the client's heart-beat
            client.sendRaw("SUBSCRIBE\nid:a\ndestination:user.alice.orders\nreceipt:r1\n\n\u0000"
                + "SUBSCRIBE\nid:b\ndestination:user.alice.orders\nreceipt:r2\n\n\u0000");
            client.sendSockJs("\n", "UNSUBSCRIBE\nid:b\nreceipt:r3\n\n\u0000");
            assertThat(List.of(client.next(TIMEOUT), client.next(TIMEOUT), client.next(TIMEOUT)))
                .extracting(r -> r.command() + " " + r.header("receipt-id"))
                .containsExactly("RECEIPT r1", "RECEIPT r2", "RECEIPT r3");

            KafkaBroker.produce(producer, new ProducerRecord<>(ORDERS_TOPIC, "alice", order(run, 1, run)));
            Received message = client.next("MESSAGE", TIMEOUT);
            assertThat(message.header("subscription")).isEqualTo("a");
            assertThat(message.body()).isEqualTo(order(run, 1, run));

            // the server's STOMP heart-beats arrive as SockJS messages, the client's are taken as they are
            long first = client.nextHeartBeat(TIMEOUT);
            for (int i = 0; i < 6; i++) {
                client.sendRaw("\n");
                client.nextHeartBeat(TIMEOUT);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - first)).as("six heart-beats later, 300 ms apart")
                .isGreaterThan(Duration.ofMillis(1500));
            client.sendRaw("SEND\ndestination:" + PLACE + "\nreceipt:r4\n\n{\"orderId\":\"" + run + "-hb\"}\u0000");
            assertThat(client.next("RECEIPT", TIMEOUT).header("receipt-id")).isEqualTo("r4");
        }
    }

    @Test
    void aBadFrameOverSockJsGetsAnErrorFrameAndTheSessionCloses() {
        try (RawStompClient client = RawStompClient.connectSockJs(vertx, node.httpPort(), "/stomp")) {
            client.sendRaw("SUBSCRIBE\nid:a\ndestination:user.alice.orders\n\n\u0000");
            Received error = client.next(TIMEOUT);
            assertThat(error.command()).isEqualTo("ERROR");
            assertThat(error.header("message")).isEqualTo("not_connected");
            assertThat(client.next(TIMEOUT).command()).isEqualTo("CLOSED");
        }
        // the plain WebSocket on exactly /stomp still speaks STOMP
        try (RawStompClient plain = RawStompClient.connectWebSocket(vertx, node.httpPort())) {
            plain.send("CONNECT", "accept-version", "1.2", "host", "localhost", "passcode", token("alice", 300));
            assertThat(plain.next(TIMEOUT).command()).isEqualTo("CONNECTED");
        }
    }

    @Test
    void aStompOverSockJsClientIsToldTokenExpiredWhenItsTokenExpires() {
        long expiresAt = (System.currentTimeMillis() / 1000 + 3) * 1000;
        String token = signer.generateToken(new JsonObject().put("sub", "alice").put("exp", expiresAt / 1000),
            new JWTOptions().setIssuer(ISSUER));
        try (NodeClient passcode = NodeClient.start("stomp-auth-client.js", sockJsUrl(Transport.XHR_STREAMING), "passcode",
                token, "user.alice.orders");
             NodeClient header = NodeClient.start("stomp-auth-client.js", sockJsUrl(Transport.WEBSOCKET), "header",
                 token, "user.alice.orders")) {
            for (NodeClient client : List.of(passcode, header)) {
                client.awaitEvent("connected", TIMEOUT);
            }
            assertThat(System.currentTimeMillis()).as("connected before the token expires").isLessThan(expiresAt);
            for (NodeClient client : List.of(passcode, header)) {
                JsonObject error = client.awaitEvent("error", TIMEOUT);
                assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(expiresAt);
                assertThat(error.getJsonObject("headers").getString("message")).isEqualTo("token_expired");
                client.awaitEvent("close", TIMEOUT);
            }
        }
    }

    private static String order(String run, int n, String signal) {
        JsonObject order = new JsonObject().put("run", run).put("n", n);
        return (signal == null ? order : order.put("signal", signal)).encode();
    }

    private static ConsumerRecord<String, String> theRecordHolding(String topic, String marker) {
        List<TopicPartition> partitions = reader.partitionsFor(topic, TIMEOUT).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        reader.assign(partitions);
        reader.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = reader.endOffsets(partitions, TIMEOUT);
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        while (partitions.stream().anyMatch(p -> reader.position(p, TIMEOUT) < end.get(p))) {
            reader.poll(Duration.ofMillis(200)).forEach(r -> {
                if (r.value() != null && r.value().contains(marker)) {
                    found.add(r);
                }
            });
        }
        assertThat(found).as("records of %s holding %s, read right after the RECEIPT", topic, marker).hasSize(1);
        return found.get(0);
    }

    private static String headerOf(ConsumerRecord<String, String> record, String name) {
        for (Header header : record.headers()) {
            if (header.key().equals(name)) {
                return new String(header.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
