package io.kafkabridge.e2e;

import io.kafkabridge.config.EmbeddedKafkaOptions;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.NodeClient;
import io.kafkabridge.testing.RawSockJsClient;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Browser messages into Kafka through the configured sinks, end to end: the real npm clients
 * ({@code @vertx/eventbus-bridge-client.js} over SockJS, {@code @stomp/stompjs} over WebSocket) and byte-level clients
 * send to a node with JWT authentication; every record is read back from the broker with a plain Kafka consumer.
 * Acknowledged messages are in Kafka exactly once, with the key and the server-set {@code user} header, and were
 * readable when the acknowledgement arrived; refused ones are nowhere. An anonymous client's records carry no
 * {@code user} header. A node on a broker of its own sees Kafka go down and come back: while it is down no send is
 * acknowledged (the strict proof that a reply or RECEIPT never precedes Kafka's acknowledgement). Two clients chat
 * through a Kafka topic.
 */
@ExtendWith(KafkaBroker.class)
class SinkTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String ORDERS_TOPIC = "sink-e2e.orders";
    private static final String CHAT_TOPIC = "sink-e2e.chat";
    /** The orders sink: key {user}, a JSON Schema, at most 1024 bytes. */
    private static final String ORDERS = "orders.place";
    /** A sink on the orders topic that no inbound rule permits. */
    private static final String ORDERS_ADMIN = "orders.admin";
    private static final String LOBBY = "chat.room.lobby";
    private static final String SEND_TO_LOBBY = "chat.send.lobby";
    private static final int MAX_BODY_BYTES = 1024;
    private static final String SECRET = Base64.getUrlEncoder().withoutPadding()
        .encodeToString("sink-test-secret-long-enough-for-hmac-sha256".getBytes(StandardCharsets.UTF_8));
    private static final String ISSUER = "sink-test";
    private static final String AUDIENCE = "gateway";

    private static Vertx vertx;
    private static EmbeddedKafka kafka;
    private static GatewayNode node;
    private static JWTAuth signer;
    private static KafkaConsumer<String, String> reader;

    @BeforeAll
    static void startNode(EmbeddedKafka broker) {
        kafka = broker;
        vertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(ORDERS_TOPIC, CHAT_TOPIC), 3);
        JsonObject orderSchema = new JsonObject()
            .put("type", "object")
            .put("required", new JsonArray().add("orderId").add("amount"))
            .put("properties", new JsonObject()
                .put("orderId", new JsonObject().put("type", "string"))
                .put("amount", new JsonObject().put("type", "number").put("minimum", 0)));
        JsonArray sinks = new JsonArray()
            .add(new JsonObject().put("address", ORDERS).put("topic", ORDERS_TOPIC).put("key", "{user}")
                .put("schema", orderSchema).put("maxBodyBytes", MAX_BODY_BYTES))
            .add(new JsonObject().put("addressRegex", "chat\\.send\\.([a-z0-9-]{1,32})").put("topic", CHAT_TOPIC).put("key", "{1}"))
            .add(new JsonObject().put("address", ORDERS_ADMIN).put("topic", ORDERS_TOPIC));
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", CHAT_TOPIC).put("address", "chat.room.{key}"));
        JsonObject bridge = new JsonObject()
            .put("inboundPermitteds", new JsonArray()
                .add(new JsonObject().put("address", ORDERS))
                .add(new JsonObject().put("addressRegex", "chat\\.send\\..+")))
            .put("outboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "chat\\.room\\..+")));
        JsonObject jwt = new JsonObject()
            .put("pubSecKeys", new JsonArray().add(new JsonObject().put("algorithm", "HS256").put("buffer", SECRET)))
            .put("jwtOptions", new JsonObject().put("issuer", ISSUER).put("audience", new JsonArray().add(AUDIENCE)));
        JsonObject config = GatewayNode.config(kafka, "sink-e2e", routes, bridge)
            .put("sinks", sinks)
            .put("auth", new JsonObject().put("jwt", jwt));
        node = GatewayNode.deploy(vertx, config);
        signer = JWTAuth.create(vertx, new JWTAuthOptions(new JsonObject().put("pubSecKeys", jwt.getJsonArray("pubSecKeys"))));
        reader = reader(kafka);
    }

    @AfterAll
    static void stopNode() {
        reader.close();
        node.undeploy();
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers

    private static String token(String user) {
        return signer.generateToken(new JsonObject().put("sub", user),
            new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)).setExpiresInSeconds(300));
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private static KafkaConsumer<String, String> reader(EmbeddedKafka broker) {
        return new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, String> consumer, String topic) {
        return consumer.partitionsFor(topic, TIMEOUT).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private static Map<TopicPartition, Long> endOffsets(String topic) {
        return reader.endOffsets(partitions(reader, topic), TIMEOUT);
    }

    private static long total(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Every record of the topic up to its current end offsets, read from the beginning.
     */
    private static List<ConsumerRecord<String, String>> readAll(KafkaConsumer<String, String> consumer, String topic) {
        List<TopicPartition> partitions = partitions(consumer, topic);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p, TIMEOUT) < end.get(p))) {
            assertThat(System.nanoTime()).as("read %s up to %s within %s", topic, end, TIMEOUT).isLessThan(deadline);
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    private static List<ConsumerRecord<String, String>> recordsHolding(String topic, String marker) {
        return readAll(reader, topic).stream().filter(r -> r.value() != null && r.value().contains(marker)).toList();
    }

    private static ConsumerRecord<String, String> theOnlyRecordHolding(String topic, String marker) {
        List<ConsumerRecord<String, String>> found = recordsHolding(topic, marker);
        assertThat(found).as("records of %s holding %s", topic, marker).hasSize(1);
        return found.get(0);
    }

    private static List<String> headerValues(ConsumerRecord<String, String> record, String name) {
        return StreamSupport.stream(record.headers().spliterator(), false)
            .filter(h -> h.key().equalsIgnoreCase(name))
            .map(h -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8))
            .toList();
    }

    private static Map<String, String> headers(ConsumerRecord<String, String> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    private static JsonObject order(String orderId, double amount) {
        return new JsonObject().put("orderId", orderId).put("amount", amount);
    }

    private static JsonObject sendStep(String id, String address, Object body, JsonObject headers, boolean reply) {
        JsonObject step = new JsonObject().put("op", "send").put("id", id).put("address", address).put("body", body)
            .put("headers", headers == null ? new JsonObject() : headers);
        return reply ? step.put("reply", true) : step;
    }

    private static JsonObject stompSendStep(String id, String destination, String body, JsonObject headers, String receipt) {
        JsonObject step = new JsonObject().put("op", "send").put("id", id).put("destination", destination).put("body", body)
            .put("headers", headers == null ? new JsonObject() : headers);
        return receipt == null ? step : step.put("receipt", receipt);
    }

    private static NodeClient eventBusClient(String user, JsonObject... steps) {
        return NodeClient.start("eventbus-send.js", node.httpBase(), user == null ? "-" : token(user),
            new JsonArray(List.of((Object[]) steps)).encode());
    }

    private static NodeClient stompJsClient(String user, JsonObject... steps) {
        return NodeClient.start("stomp-send.js", node.stompWebSocketUrl(), user == null ? "-" : token(user),
            new JsonArray(List.of((Object[]) steps)).encode());
    }

    private static Predicate<JsonObject> event(String type, String id) {
        return e -> type.equals(e.getString("event")) && id.equals(e.getString("id"));
    }

    /** A STOMP connection over TCP, CONNECTed as {@code user}. */
    private static RawStompClient stompConnected(Vertx on, int port, String passcode) {
        RawStompClient client = RawStompClient.connectTcp(on, port);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("accept-version", "1.2");
        headers.put("host", "localhost");
        headers.put("heart-beat", "0,0");
        if (passcode != null) {
            headers.put("login", "anyone");
            headers.put("passcode", passcode);
        }
        client.send("CONNECT", headers, null);
        Received connected = client.next(TIMEOUT);
        assertThat(connected.command()).as("answer to CONNECT: %s", connected).isEqualTo("CONNECTED");
        return client;
    }

    private static Received stompSend(RawStompClient client, String destination, String body, String receipt) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("destination", destination);
        headers.put("content-type", "application/json");
        headers.put("content-length", Integer.toString(body.getBytes(StandardCharsets.UTF_8).length));
        headers.put("receipt", receipt);
        client.send("SEND", headers, body);
        return client.next(TIMEOUT);
    }

    /**
     * Sends a valid order as {@code user} over STOMP and waits for its RECEIPT: once it is in Kafka, anything a refused
     * message had been given to the producer before would be there too (same producer, same key, same partition).
     *
     * @return the barrier's order id
     */
    private static String barrierOrder(String user) {
        String marker = unique("barrier");
        try (RawStompClient client = stompConnected(vertx, node.stompPort(), token(user))) {
            Received receipt = stompSend(client, ORDERS, order(marker, 1).encode(), "barrier");
            assertThat(receipt.command()).as("answer to the barrier SEND: %s", receipt).isEqualTo("RECEIPT");
        }
        return marker;
    }

    /**
     * Asserts that exactly one record was produced to the orders topic since {@code before}: the barrier.
     */
    private static void assertOnlyTheBarrierWasProduced(Map<TopicPartition, Long> before, String barrier, String refused) {
        assertThat(total(endOffsets(ORDERS_TOPIC)) - total(before)).as("records produced since the refused send").isEqualTo(1);
        theOnlyRecordHolding(ORDERS_TOPIC, barrier);
        assertThat(recordsHolding(ORDERS_TOPIC, refused)).as("records of the refused send").isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 1. acknowledged only once in Kafka

    @Test
    void aStompJsSendWithReceiptIsInKafkaExactlyOnceBeforeTheReceiptArrives() {
        String marker = unique("stomp-order");
        String body = order(marker, 12.5).encode();
        Map<TopicPartition, Long> before = endOffsets(ORDERS_TOPIC);
        long startedAt = System.currentTimeMillis();

        try (NodeClient client = stompJsClient("bob",
            stompSendStep("o1", ORDERS, body, new JsonObject().put("x-trace", "trace-" + marker).put("kafka.offset", "7")
                .put("Kafka.Topic", "forged").put("slow-client-policy", "drop-oldest"), "r-" + marker))) {
            JsonObject receipt = client.await(event("receipt", "o1"), TIMEOUT, "the RECEIPT");
            Map<TopicPartition, Long> atReceipt = endOffsets(ORDERS_TOPIC);

            assertThat(receipt.getString("receipt")).isEqualTo("r-" + marker);
            ConsumerRecord<String, String> record = theOnlyRecordHolding(ORDERS_TOPIC, marker);
            TopicPartition partition = new TopicPartition(ORDERS_TOPIC, record.partition());
            assertThat(record.offset()).as("offset of the record, against the end offset read when the RECEIPT arrived")
                .isLessThan(atReceipt.get(partition))
                .isGreaterThanOrEqualTo(before.get(partition));
            assertThat(total(atReceipt) - total(before)).as("records produced by one SEND").isEqualTo(1);
            assertThat(new JsonObject(record.value())).isEqualTo(new JsonObject(body));
            assertThat(record.key()).isEqualTo("bob");
            assertThat(headerValues(record, "user")).containsExactly("user=bob");
            assertThat(headers(record)).containsEntry("x-trace", "trace-" + marker)
                .doesNotContainKeys("passcode", "login", "receipt", "destination", "sink.index", "sink.key")
                // the router's headers are never a client's
                .doesNotContainKeys("kafka.offset", "Kafka.Topic", "slow-client-policy");
            assertThat(record.timestamp()).isBetween(startedAt, receipt.getLong("at"));
        }
    }

    @Test
    void anEventBusSendWithReplyIsInKafkaExactlyOnceAtTheOffsetTheReplyNames() {
        String marker = unique("sockjs-order");
        JsonObject body = order(marker, 7);
        Map<TopicPartition, Long> before = endOffsets(ORDERS_TOPIC);
        long startedAt = System.currentTimeMillis();

        try (NodeClient client = eventBusClient("alice",
            sendStep("o1", ORDERS, body, new JsonObject().put("x-trace", "trace-" + marker).put("kafka.partition", "9")
                .put("KAFKA.OFFSET", "7"), true))) {
            JsonObject reply = client.await(event("reply", "o1").or(event("failed", "o1")), TIMEOUT, "the reply");
            Map<TopicPartition, Long> atReply = endOffsets(ORDERS_TOPIC);

            assertThat(reply.getString("event")).as("outcome %s", reply).isEqualTo("reply");
            JsonObject ack = reply.getJsonObject("body");
            assertThat(ack.fieldNames()).contains("topic", "partition", "offset", "timestamp");
            assertThat(ack.getString("topic")).isEqualTo(ORDERS_TOPIC);
            TopicPartition partition = new TopicPartition(ORDERS_TOPIC, ack.getInteger("partition"));
            assertThat(ack.getLong("offset")).as("acknowledged offset, against the end offset read when the reply arrived")
                .isLessThan(atReply.get(partition))
                .isGreaterThanOrEqualTo(before.get(partition));
            assertThat(total(atReply) - total(before)).as("records produced by one send").isEqualTo(1);

            ConsumerRecord<String, String> record = theOnlyRecordHolding(ORDERS_TOPIC, marker);
            assertThat(record.partition()).isEqualTo(ack.getInteger("partition"));
            assertThat(record.offset()).isEqualTo(ack.getLong("offset"));
            assertThat(record.timestamp()).isEqualTo(ack.getLong("timestamp")).isBetween(startedAt, reply.getLong("at"));
            assertThat(new JsonObject(record.value())).isEqualTo(body);
            assertThat(record.key()).isEqualTo("alice");
            assertThat(headerValues(record, "user")).containsExactly("user=alice");
            assertThat(headers(record)).containsEntry("x-trace", "trace-" + marker)
                .doesNotContainKeys("Authorization", "sink.index", "sink.key", "kafka.partition", "KAFKA.OFFSET");
        }
    }

    @Test
    void anEventBusPublishAndASendWithoutReplyAreProducedToo() {
        String published = unique("published");
        String sent = unique("sent");
        String barrier = unique("barrier");
        try (NodeClient client = eventBusClient("alice",
            new JsonObject().put("op", "publish").put("id", "p1").put("address", ORDERS).put("body", order(published, 1)),
            sendStep("s1", ORDERS, order(sent, 2), null, false),
            sendStep("b1", ORDERS, order(barrier, 3), null, true))) {
            assertThat(client.await(event("reply", "b1").or(event("failed", "b1")), TIMEOUT, "the barrier's reply")
                .getString("event")).isEqualTo("reply");
            for (String marker : List.of(published, sent, barrier)) {
                ConsumerRecord<String, String> record = theOnlyRecordHolding(ORDERS_TOPIC, marker);
                assertThat(record.key()).isEqualTo("alice");
                assertThat(headerValues(record, "user")).containsExactly("user=alice");
            }
            assertThat(client.seen()).noneMatch(e -> "error".equals(e.getString("event")));
        }
    }

    @Test
    void aRefusedPublishIsReportedAsAnErrOnTheSinkAddressAndNothingIsProduced() {
        String refused = unique("refused-publish");
        String barrier = unique("barrier");
        Map<TopicPartition, Long> before = endOffsets(ORDERS_TOPIC);
        try (NodeClient client = eventBusClient("alice",
            new JsonObject().put("op", "publish").put("id", "p1").put("address", ORDERS).put("body", order(refused, -1)),
            sendStep("b1", ORDERS, order(barrier, 1), null, true))) {
            JsonObject error = client.awaitEvent("error", TIMEOUT).getJsonObject("error");
            assertThat(error.getString("type")).isEqualTo("err");
            assertThat(error.getString("address")).isEqualTo(ORDERS);
            assertThat(error.getString("body")).isEqualTo("schema_violation");
            assertThat(error.getString("failureType")).isEqualTo("schema_violation");
            assertThat(error.getString("message")).startsWith("Schema violation at /amount");
            assertThat(seenOrAwait(client, event("reply", "b1").or(event("failed", "b1")), "the barrier's reply")
                .getString("event")).isEqualTo("reply");
        }
        assertOnlyTheBarrierWasProduced(before, barrier, refused);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2. the user header is the server's

    @Test
    void aUserHeaderSentOverSockJsIsReplacedByTheAuthenticatedUser() {
        String marker = unique("spoof-sockjs");
        try (NodeClient client = eventBusClient("alice", sendStep("o1", ORDERS, order(marker, 1),
            new JsonObject().put("user", "mallory").put("USER", "eve").put("x-trace", "t-1"), true))) {
            assertThat(client.await(event("reply", "o1").or(event("failed", "o1")), TIMEOUT, "the reply").getString("event"))
                .isEqualTo("reply");
            ConsumerRecord<String, String> record = theOnlyRecordHolding(ORDERS_TOPIC, marker);
            assertThat(headerValues(record, "user")).as("user headers, any case").containsExactly("user=alice");
            assertThat(record.key()).isEqualTo("alice");
            assertThat(headers(record)).containsEntry("x-trace", "t-1");
        }
    }

    @Test
    void aUserHeaderSentOverStompIsReplacedByTheAuthenticatedUser() {
        String marker = unique("spoof-stompjs");
        try (NodeClient client = stompJsClient("bob", stompSendStep("o1", ORDERS, order(marker, 1).encode(),
            new JsonObject().put("user", "mallory").put("User", "eve").put("x-trace", "t-2"), "r1"))) {
            client.await(event("receipt", "o1"), TIMEOUT, "the RECEIPT");
            ConsumerRecord<String, String> record = theOnlyRecordHolding(ORDERS_TOPIC, marker);
            assertThat(headerValues(record, "user")).as("user headers, any case").containsExactly("user=bob");
            assertThat(record.key()).isEqualTo("bob");
            assertThat(headers(record)).containsEntry("x-trace", "t-2");
        }
        String raw = unique("spoof-raw-stomp");
        try (RawStompClient client = stompConnected(vertx, node.stompPort(), token("carol"))) {
            String body = order(raw, 1).encode();
            client.sendRaw("SEND\ndestination:" + ORDERS + "\nuser:mallory\nuser:eve\nUSER:trudy\nreceipt:r2\ncontent-length:"
                + body.length() + "\n\n" + body + "\u0000");
            assertThat(client.next(TIMEOUT).command()).isEqualTo("RECEIPT");
        }
        ConsumerRecord<String, String> record = theOnlyRecordHolding(ORDERS_TOPIC, raw);
        assertThat(headerValues(record, "user")).as("user headers of a raw SEND with three of them").containsExactly("user=carol");
    }

    @Test
    void theRecordsOfAnAnonymousClientCarryNoUserHeaderWhateverItSends() {
        String topic = "sink-e2e.anonymous";
        String address = "feedback.in";
        KafkaBroker.createTopics(kafka, List.of(topic), 1);
        Vertx anonymousVertx = Vertx.vertx();
        try {
            JsonObject config = GatewayNode.config(kafka, "sink-e2e-anonymous",
                    new JsonArray().add(new JsonObject().put("topic", topic).put("address", "feedback.out")),
                    new JsonObject().put("inboundPermitteds", new JsonArray().add(new JsonObject().put("address", address))))
                .put("sinks", new JsonArray().add(new JsonObject().put("address", address).put("topic", topic).put("key", "{user}")));
            GatewayNode anonymousNode = GatewayNode.deploy(anonymousVertx, config);
            String viaSockJs = unique("anonymous-sockjs");
            String viaStomp = unique("anonymous-stomp");
            try (RawSockJsClient sockJs = RawSockJsClient.connect(anonymousVertx, anonymousNode.httpPort(), null);
                 RawStompClient stomp = stompConnected(anonymousVertx, anonymousNode.stompPort(), null)) {
                String replyAddress = UUID.randomUUID().toString();
                sockJs.send(new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress)
                    .put("body", new JsonObject().put("id", viaSockJs))
                    .put("headers", new JsonObject().put("user", "mallory").put("User", "eve").put("x-trace", "t-s")));
                JsonObject answer = sockJs.await(f -> replyAddress.equals(f.getString("address")), TIMEOUT, "the reply");
                assertThat(answer.getString("type")).as("answer %s", answer).isEqualTo("rec");

                String body = new JsonObject().put("id", viaStomp).encode();
                stomp.sendRaw("SEND\ndestination:" + address + "\nuser:mallory\nUser:eve\nx-trace:t-t\nreceipt:r1\ncontent-length:"
                    + body.length() + "\n\n" + body + "\u0000");
                assertThat(stomp.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            } finally {
                anonymousNode.undeploy();
            }
            List<ConsumerRecord<String, String>> records = readAll(reader, topic);
            for (String id : List.of(viaSockJs, viaStomp)) {
                List<ConsumerRecord<String, String>> found = records.stream().filter(r -> r.value().contains(id)).toList();
                assertThat(found).as("records of %s", id).hasSize(1);
                assertThat(headerValues(found.get(0), "user")).as("user headers of %s, any case", id).isEmpty();
                assertThat(found.get(0).key()).as("key {user} of an anonymous client").isNull();
                assertThat(headers(found.get(0))).containsKey("x-trace");
            }
        } finally {
            GatewayNode.await(anonymousVertx.close(), TIMEOUT);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3. refusals: nothing produced

    /** Sends each sink or the bridge refuses, with the code and an excerpt of the reason. */
    enum Refusal {
        OVERSIZED("body_too_large", 413, "bytes"),
        NOT_JSON("invalid_json", 400, "JSON"),
        SCHEMA_VIOLATING("schema_violation", 400, "Schema violation at /amount"),
        NOT_PERMITTED("access_denied", 403, "Access denied");

        final String code;
        final int status;
        final String reason;

        Refusal(String code, int status, String reason) {
            this.code = code;
            this.status = status;
            this.reason = reason;
        }

        String address() {
            return this == NOT_PERMITTED ? ORDERS_ADMIN : ORDERS;
        }

        /** The body as SockJS sends it (a JSON value; a string is text to the sink). */
        Object body(String marker) {
            switch (this) {
                case OVERSIZED:
                    return order(marker + "-" + "x".repeat(MAX_BODY_BYTES), 1);
                case NOT_JSON:
                    return "{\"orderId\": \"" + marker + "\", amount: 1";
                case SCHEMA_VIOLATING:
                    return order(marker, -5);
                case NOT_PERMITTED:
                    return order(marker, 1);
                default:
                    throw new IllegalStateException(name());
            }
        }

        /** The body as STOMP sends it: text. */
        String text(String marker) {
            Object body = body(marker);
            return body instanceof JsonObject ? ((JsonObject) body).encode() : (String) body;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Refusal.class)
    void aRefusedEventBusSendGetsItsCodeAndNothingIsProduced(Refusal refusal) {
        String marker = unique("refused-" + refusal.name().toLowerCase());
        String barrier = unique("barrier");
        Map<TopicPartition, Long> before = endOffsets(ORDERS_TOPIC);
        // every refusal of a send with a reply handler fails that handler (access_denied included)
        try (NodeClient client = eventBusClient("alice",
            sendStep("refused", refusal.address(), refusal.body(marker), null, true),
            sendStep("barrier", ORDERS, order(barrier, 1), null, true))) {
            JsonObject failed = client.await(event("failed", "refused").or(event("reply", "refused")), TIMEOUT, "the refusal");
            assertThat(failed.getString("event")).as("outcome %s", failed).isEqualTo("failed");
            JsonObject error = failed.getJsonObject("error");
            assertThat(error.getString("failureType")).as("error %s", error).isEqualTo(refusal.code);
            assertThat(error.getInteger("failureCode")).as("error %s", error).isEqualTo(refusal.status);
            assertThat(error.getString("message")).as("error %s", error).contains(refusal.reason);

            JsonObject barrierReply = client.await(event("reply", "barrier").or(event("failed", "barrier")), TIMEOUT, "the barrier");
            assertThat(barrierReply.getString("event")).as("the connection still sends: %s", barrierReply).isEqualTo("reply");
        }
        assertOnlyTheBarrierWasProduced(before, barrier, marker);
    }

    @Test
    void aForbiddenEventBusSendWithoutAReplyHandlerIsReportedToOnerror() {
        String marker = unique("refused-unreplied");
        Map<TopicPartition, Long> before = endOffsets(ORDERS_TOPIC);
        String barrier = unique("barrier");
        try (NodeClient client = eventBusClient("alice",
            sendStep("refused", Refusal.NOT_PERMITTED.address(), Refusal.NOT_PERMITTED.body(marker), null, false),
            sendStep("barrier", ORDERS, order(barrier, 1), null, true))) {
            JsonObject error = client.awaitEvent("error", TIMEOUT).getJsonObject("error");
            assertThat(error.getString("body")).isEqualTo("access_denied");
            assertThat(error.getString("address")).isEqualTo(Refusal.NOT_PERMITTED.address());
            assertThat(client.await(event("reply", "barrier").or(event("failed", "barrier")), TIMEOUT, "the barrier")
                .getString("event")).isEqualTo("reply");
        }
        assertOnlyTheBarrierWasProduced(before, barrier, marker);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Refusal.class)
    void aRefusedStompSendGetsAnErrorFrameWithItsCodeAndNothingIsProduced(Refusal refusal) {
        String marker = unique("refused-" + refusal.name().toLowerCase());
        Map<TopicPartition, Long> before = endOffsets(ORDERS_TOPIC);
        try (NodeClient client = stompJsClient("bob",
            stompSendStep("refused", refusal.address(), refusal.text(marker), null, "r-refused"))) {
            JsonObject error = client.await(e -> "error".equals(e.getString("event")) || "receipt".equals(e.getString("event")),
                TIMEOUT, "the ERROR frame");
            assertThat(error.getString("event")).as("outcome %s", error).isEqualTo("error");
            JsonObject headers = error.getJsonObject("headers");
            assertThat(headers.getString("message")).as("ERROR %s", error).isEqualTo(refusal.code);
            assertThat(headers.getString("destination")).as("ERROR %s", error).isEqualTo(refusal.address());
            if (refusal != Refusal.NOT_PERMITTED) {
                assertThat(headers.getString("receipt-id")).as("ERROR %s", error).isEqualTo("r-refused");
            }
            assertThat(error.getString("body")).as("ERROR %s", error).contains(refusal.reason);
            client.awaitEvent("close", TIMEOUT);
            assertThat(client.seen()).noneMatch(e -> "receipt".equals(e.getString("event")));
        }
        assertOnlyTheBarrierWasProduced(before, barrierOrder("bob"), marker);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 4. Kafka down and back

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static void delete(Path dir) throws IOException {
        if (dir != null && Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A SockJS send with a reply address on a raw connection; returns the {@code rec} or {@code err} for it. */
    private static JsonObject sockJsSendWithReply(RawSockJsClient client, String address, JsonObject body) {
        String replyAddress = UUID.randomUUID().toString();
        client.send(new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress).put("body", body));
        return client.await(f -> replyAddress.equals(f.getString("address")), TIMEOUT, "the answer to the send");
    }

    @Test
    void whileKafkaIsDownSendsFailWithKafkaTimeoutTheNodeIsAliveButNotReadyAndOnceItIsBackAllRecover() throws Throwable {
        final String topic = "sink-outage.events";
        final String address = "outage.in";
        final long producerTimeoutMs = 2000;
        final long margin = 3000;
        Path dataDir = Files.createTempDirectory("kafka-outage-");
        int port = freePort();
        EmbeddedKafkaOptions brokerOptions = new EmbeddedKafkaOptions().setPort(port).setDataDir(dataDir.toString()).setPartitions(1);
        EmbeddedKafka broker = EmbeddedKafka.start(brokerOptions);
        boolean brokerRunning = true;
        Vertx outageVertx = Vertx.vertx();
        GatewayNode outageNode = null;
        List<String> acknowledged = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        Throwable failure = null;
        try {
            broker.createTopics(List.of(topic), 1);
            JsonObject config = GatewayNode.config(broker, "sink-outage",
                    new JsonArray().add(new JsonObject().put("topic", topic).put("address", "outage.out")),
                    new JsonObject().put("inboundPermitteds", new JsonArray().add(new JsonObject().put("address", address))))
                .put("sinks", new JsonArray().add(new JsonObject().put("address", address).put("topic", topic)));
            config.getJsonObject("kafka").put("producerTimeoutMs", producerTimeoutMs);
            outageNode = GatewayNode.deploy(outageVertx, config);

            try (RawSockJsClient sockJs = RawSockJsClient.connect(outageVertx, outageNode.httpPort(), null)) {
                // up
                String up = unique("up");
                JsonObject ack = sockJsSendWithReply(sockJs, address, new JsonObject().put("id", up));
                assertThat(ack.getString("type")).as("answer while Kafka is up: %s", ack).isEqualTo("rec");
                acknowledged.add(up);
                String upStomp = unique("up-stomp");
                try (RawStompClient stomp = stompConnected(outageVertx, outageNode.stompPort(), null)) {
                    Received receipt = stompSend(stomp, address, new JsonObject().put("id", upStomp).encode(), "r-up");
                    assertThat(receipt.command()).as("answer while Kafka is up: %s", receipt).isEqualTo("RECEIPT");
                    acknowledged.add(upStomp);
                }

                assertThat(BridgeProbes.status(outageNode.httpPort(), "/ready")).as("/ready while Kafka is up").isEqualTo(200);

                // down
                broker.close();
                brokerRunning = false;
                for (int i = 0; i < 3; i++) {
                    String down = unique("down-" + i);
                    refused.add(down);
                    long started = System.nanoTime();
                    JsonObject err = sockJsSendWithReply(sockJs, address, new JsonObject().put("id", down));
                    long tookMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
                    assertThat(err.getString("type")).as("answer while Kafka is down: %s", err).isEqualTo("err");
                    assertThat(err.getString("failureType")).as("answer while Kafka is down: %s", err).isEqualTo("kafka_timeout");
                    assertThat(err.getString("body")).isEqualTo("kafka_timeout");
                    assertThat(err.getInteger("failureCode")).isEqualTo(504);
                    assertThat(err.getString("message")).isNotBlank();
                    assertThat(tookMs).as("time to the kafka_timeout of send %d", i).isLessThan(producerTimeoutMs + margin);
                }
                String downStomp = unique("down-stomp");
                refused.add(downStomp);
                try (RawStompClient stomp = stompConnected(outageVertx, outageNode.stompPort(), null)) {
                    long started = System.nanoTime();
                    Received error = stompSend(stomp, address, new JsonObject().put("id", downStomp).encode(), "r-down");
                    long tookMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
                    assertThat(error.command()).as("answer while Kafka is down: %s", error).isEqualTo("ERROR");
                    assertThat(error.header("message")).isEqualTo("kafka_timeout");
                    assertThat(error.header("receipt-id")).isEqualTo("r-down");
                    assertThat(error.body()).isNotBlank();
                    assertThat(tookMs).as("time to the STOMP kafka_timeout").isLessThan(producerTimeoutMs + margin);
                    assertThat(stomp.next(TIMEOUT).command()).isEqualTo("CLOSED");
                }

                // liveness stays, readiness goes: a liveness probe must not restart nodes for a broker outage
                BridgeProbes.awaitStatus(outageVertx, outageNode.httpPort(), "/ready", 503, Duration.ofSeconds(15));
                assertThat(BridgeProbes.status(outageNode.httpPort(), "/health")).as("/health while Kafka is down").isEqualTo(200);

                // back
                broker = EmbeddedKafka.start(brokerOptions);
                brokerRunning = true;
                BridgeProbes.awaitStatus(outageVertx, outageNode.httpPort(), "/ready", 200, Duration.ofSeconds(60));
                assertThat(BridgeProbes.status(outageNode.httpPort(), "/health")).as("/health once Kafka is back").isEqualTo(200);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                JsonObject answer;
                do {
                    assertThat(System.nanoTime()).as("a send acknowledged within 60 s of Kafka's return").isLessThan(deadline);
                    String back = unique("back");
                    answer = sockJsSendWithReply(sockJs, address, new JsonObject().put("id", back));
                    if ("rec".equals(answer.getString("type"))) {
                        acknowledged.add(back);
                    } else {
                        assertThat(answer.getString("failureType")).as("answer while Kafka comes back: %s", answer)
                            .isIn("kafka_timeout", "kafka_error");
                        refused.add(back);
                    }
                } while (!"rec".equals(answer.getString("type")));
                assertThat(answer.getJsonObject("body").getString("topic")).isEqualTo(topic);
                String backStomp = unique("back-stomp");
                try (RawStompClient stomp = stompConnected(outageVertx, outageNode.stompPort(), null)) {
                    Received receipt = stompSend(stomp, address, new JsonObject().put("id", backStomp).encode(), "r-back");
                    assertThat(receipt.command()).as("answer once Kafka is back: %s", receipt).isEqualTo("RECEIPT");
                    acknowledged.add(backStomp);
                }
            }

            // what Kafka holds: every acknowledged message once, none of the refused
            try (KafkaConsumer<String, String> consumer = reader(broker)) {
                Map<String, Long> ids = readAll(consumer, topic).stream()
                    .collect(Collectors.groupingBy(r -> new JsonObject(r.value()).getString("id"), Collectors.counting()));
                for (String id : acknowledged) {
                    assertThat(ids.get(id)).as("copies of acknowledged %s", id).isEqualTo(1L);
                }
                assertThat(ids.keySet()).as("records of sends refused while Kafka was down").doesNotContainAnyElementsOf(
                    refused.stream().filter(id -> id.startsWith("down")).toList());
                assertThat(ids.keySet()).as("every record is an acknowledged send (or one that timed out while Kafka came back)")
                    .allMatch(id -> acknowledged.contains(id) || (refused.contains(id) && id.startsWith("back")));
            }
        } catch (Throwable e) {
            failure = e;
            throw e;
        } finally {
            GatewayNode stopping = outageNode;
            EmbeddedKafka running = brokerRunning ? broker : null;
            cleanUp(failure,
                () -> {
                    if (stopping != null) {
                        stopping.undeploy();
                    }
                },
                () -> GatewayNode.await(outageVertx.close(), TIMEOUT),
                () -> {
                    if (running != null) {
                        running.close();
                    }
                },
                () -> delete(dataDir));
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /**
     * Runs every step; a step's failure is added to the test's failure (never hiding it), or thrown when the test passed.
     */
    private static void cleanUp(Throwable failure, Step... steps) {
        RuntimeException first = null;
        for (Step step : steps) {
            try {
                step.run();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else if (first == null) {
                    first = new IllegalStateException("clean-up failed", e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 5. chat through Kafka

    private static boolean isProbe(JsonObject event) {
        return "message".equals(event.getString("event")) && String.valueOf(event.getValue("body")).contains("\"probe\"");
    }

    private static Predicate<JsonObject> chatMessage(String text) {
        return e -> "message".equals(e.getString("event")) && e.getJsonObject("headers") != null
            && e.getJsonObject("headers").getString("kafka.offset") != null
            && String.valueOf(e.getValue("body")).contains(text);
    }

    /**
     * An event that may already have been passed over while waiting for another (a message through Kafka can reach
     * its sender before the acknowledgement of its send does), or else the next that matches.
     */
    private static JsonObject seenOrAwait(NodeClient client, Predicate<JsonObject> condition, String what) {
        return client.seen().stream().filter(condition).findFirst().orElseGet(() -> client.await(condition, TIMEOUT, what));
    }

    private static JsonObject bodyOf(JsonObject event) {
        Object body = event.getValue("body");
        return body instanceof JsonObject ? (JsonObject) body : new JsonObject((String) body);
    }

    private static void assertChatMessage(JsonObject event, String text, String sender) {
        assertThat(bodyOf(event)).isEqualTo(new JsonObject().put("text", text));
        JsonObject headers = event.getJsonObject("headers");
        assertThat(headers.getString("kafka.topic")).isEqualTo(CHAT_TOPIC);
        assertThat(headers.getString("kafka.key")).isEqualTo("lobby");
        assertThat(headers.getString("kafka.format")).isEqualTo("json");
        assertThat(headers.getString("kafka.partition")).isNotNull();
        assertThat(headers.getString("kafka.timestamp")).isNotNull();
        assertThat(headers.getString("user")).as("the sender, as the server set it").isEqualTo(sender);
    }

    @Test
    void twoClientsChatThroughKafka() {
        String fromBob = unique("hello from bob");
        String fromAlice = unique("hello from alice");
        try (NodeClient alice = eventBusClient("alice",
                new JsonObject().put("op", "register").put("address", LOBBY),
                new JsonObject().put("op", "await").put("address", LOBBY).put("signal", "go-alice"),
                sendStep("a1", SEND_TO_LOBBY, new JsonObject().put("text", fromAlice), new JsonObject().put("user", "bob"), true));
             NodeClient bob = stompJsClient("bob",
                 new JsonObject().put("op", "subscribe").put("destination", LOBBY),
                 new JsonObject().put("op", "await").put("destination", LOBBY).put("signal", "go-bob"),
                 stompSendStep("b1", SEND_TO_LOBBY, new JsonObject().put("text", fromBob).encode(), null, "r-b1"))) {
            alice.awaitEvent("open", TIMEOUT);
            bob.awaitEvent("connected", TIMEOUT);
            long probes = vertx.setPeriodic(100, id -> vertx.eventBus().publish(LOBBY, new JsonObject().put("probe", id)));
            try {
                alice.await(SinkTest::isProbe, TIMEOUT, "a probe on " + LOBBY);
                bob.await(SinkTest::isProbe, TIMEOUT, "a probe on " + LOBBY);
            } finally {
                vertx.cancelTimer(probes);
            }

            vertx.eventBus().publish(LOBBY, new JsonObject().put("signal", "go-bob"));
            seenOrAwait(bob, event("receipt", "b1"), "the RECEIPT of bob's message");
            assertChatMessage(seenOrAwait(bob, chatMessage(fromBob), "bob's message, through Kafka"), fromBob, "bob");
            assertChatMessage(seenOrAwait(alice, chatMessage(fromBob), "bob's message, through Kafka"), fromBob, "bob");

            vertx.eventBus().publish(LOBBY, new JsonObject().put("signal", "go-alice"));
            JsonObject reply = seenOrAwait(alice, event("reply", "a1").or(event("failed", "a1")), "the reply to alice's message");
            assertThat(reply.getString("event")).as("outcome %s", reply).isEqualTo("reply");
            JsonObject aliceAtBob = seenOrAwait(bob, chatMessage(fromAlice), "alice's message, through Kafka");
            JsonObject aliceAtAlice = seenOrAwait(alice, chatMessage(fromAlice), "alice's message, through Kafka");
            assertChatMessage(aliceAtBob, fromAlice, "alice");
            assertChatMessage(aliceAtAlice, fromAlice, "alice");
            JsonObject ack = reply.getJsonObject("body");
            for (JsonObject message : List.of(aliceAtBob, aliceAtAlice)) {
                assertThat(message.getJsonObject("headers").getString("kafka.partition")).isEqualTo(String.valueOf(ack.getInteger("partition")));
                assertThat(message.getJsonObject("headers").getString("kafka.offset")).isEqualTo(String.valueOf(ack.getLong("offset")));
            }
            assertThat(alice.seen()).noneMatch(e -> "error".equals(e.getString("event")));
            assertThat(bob.seen()).noneMatch(e -> "error".equals(e.getString("event")));
        }
        assertThat(theOnlyRecordHolding(CHAT_TOPIC, fromBob).key()).isEqualTo("lobby");
        assertThat(theOnlyRecordHolding(CHAT_TOPIC, fromAlice).key()).isEqualTo("lobby");
    }
}
