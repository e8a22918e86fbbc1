package io.kafkabridge.e2e;

import io.kafkabridge.bridge.ErrorCodes;
import io.kafkabridge.cluster.ClusterMonitor;
import io.kafkabridge.delivery.InFlightRecords;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.kafka.KafkaSinkVerticle;
import io.kafkabridge.routing.ReservedAddresses;
import io.kafkabridge.testing.ClosedAfterEach;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.kafkabridge.testing.StompTransport;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.kafkabridge.testing.BridgeProbes.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks observed on a running node, each replayed as the attacker did it against a node whose rules are as broad as
 * an operator might write ({@code .+} inbound and outbound): the attack is refused, and the well-behaved clients on the
 * same node keep receiving, with nothing forged reaching them.
 */
@ExtendWith(KafkaBroker.class)
class HostileClientsTest {

    private static final String CHAT_TOPIC = "hostile.chat";
    /** Routed to the address its records' keys name. */
    private static final String RAW_TOPIC = "hostile.raw";
    private static final String LOBBY = "chat.room.lobby";
    private static final String SEND_TO_LOBBY = "chat.send.lobby";

    private static Vertx vertx;
    private static EmbeddedKafka kafka;
    private static GatewayNode node;
    private static KafkaProducer<String, String> producer;

    @RegisterExtension
    final ClosedAfterEach closed = new ClosedAfterEach();

    @BeforeAll
    static void startNode(EmbeddedKafka broker) {
        kafka = broker;
        vertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(CHAT_TOPIC, RAW_TOPIC), 1);
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", CHAT_TOPIC).put("address", "chat.room.{key}"))
            .add(new JsonObject().put("topic", RAW_TOPIC).put("address", "{key}"));
        JsonObject everything = new JsonObject().put("addressRegex", ".+");
        JsonObject bridge = new JsonObject()
            .put("inboundPermitteds", new JsonArray().add(everything))
            .put("outboundPermitteds", new JsonArray().add(everything.copy()));
        JsonObject config = GatewayNode.config(kafka, "hostile", routes, bridge)
            .put("sinks", new JsonArray().add(new JsonObject().put("addressRegex", "chat\\.send\\.([a-z0-9-]{1,32})")
                .put("topic", CHAT_TOPIC).put("key", "{1}")));
        node = GatewayNode.deploy(vertx, config);
        producer = KafkaBroker.createProducer(kafka);
    }

    @AfterAll
    static void stopNode() {
        producer.close();
        node.undeploy();
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    private RawSockJsClient sockJs() {
        return closed.add(RawSockJsClient.connect(vertx, node.httpPort(), null));
    }

    private RawStompClient stomp(StompTransport transport) {
        RawStompClient client = closed.add(transport.connect(vertx, node));
        BridgeProbes.stompConnect(client, "0,0");
        return client;
    }

    /** A SockJS and a STOMP client subscribed to the lobby. */
    private record Bystanders(RawSockJsClient sockJs, RawStompClient stomp) {
    }

    private Bystanders bystanders() {
        RawSockJsClient sockJs = sockJs();
        sockJs.register(LOBBY);
        BridgeProbes.awaitSockJsProbe(vertx, sockJs, LOBBY);
        RawStompClient stomp = stomp(StompTransport.TCP);
        BridgeProbes.stompSubscribe(stomp, "lobby", LOBBY);
        BridgeProbes.awaitStompProbe(vertx, stomp, LOBBY);
        return new Bystanders(sockJs, stomp);
    }

    /**
     * A chat line sent through the sink comes back from Kafka to both bystanders and its sender gets the receipt; what
     * reached the bystanders before it holds nothing forged (the attacks' bodies and headers say "forged", and a
     * bystander that sent no receipt request must get no RECEIPT).
     */
    private void assertChatStillWorks(Bystanders bystanders) {
        RawSockJsClient sender = sockJs();
        String line = "hello-" + UUID.randomUUID();
        sender.send(new JsonObject().put("type", "send").put("address", SEND_TO_LOBBY).put("replyAddress", "r1")
            .put("body", new JsonObject().put("text", line)));
        JsonObject receipt = sender.await(f -> "r1".equals(f.getString("address")), TIMEOUT, "the sink's receipt");
        assertThat(receipt.getString("type")).as("receipt %s", receipt).isEqualTo("rec");
        while (true) {
            JsonObject frame = bystanders.sockJs().await(f -> true, TIMEOUT, "the chat line over SockJS");
            assertThat(frame.getString("type")).as("frame %s", frame).isEqualTo("rec");
            assertThat(frame.encode()).doesNotContain("forged");
            if (frame.encode().contains(line)) {
                break;
            }
        }
        while (true) {
            RawStompClient.Received frame = bystanders.stomp().next(TIMEOUT);
            assertThat(frame.command()).as("frame %s", frame).isEqualTo("MESSAGE");
            assertThat(frame.toString()).doesNotContain("forged");
            if (frame.body().contains(line)) {
                break;
            }
        }
    }

    // ---- internal addresses (observed: the sink's requests read by a client; a reconnect order and a paused source
    // sent by one) ----

    static List<String> internalAddresses() {
        return List.of(KafkaSinkVerticle.ADDRESS, ClusterMonitor.RECONNECT_CLIENTS_ADDRESS, ClusterMonitor.STABILITY_ADDRESS,
            InFlightRecords.ADDRESS, "__vertx.reply.1");
    }

    @Test
    void theGatewaysOwnAddressesAreReservedNamesWhateverTheRules() {
        assertThat(internalAddresses()).allSatisfy(address -> assertThat(ReservedAddresses.isReserved(address)).isTrue());
    }

    @Test
    void noClientCanRegisterOnSendToOrPublishOnAnInternalAddressAndTheOthersNeverNotice() {
        Bystanders bystanders = bystanders();
        RawSockJsClient attacker = sockJs();
        for (String address : internalAddresses()) {
            attacker.register(address);
            assertThat(attacker.awaitError(address, TIMEOUT).getString("body")).as("register %s", address)
                .isEqualTo(ErrorCodes.ACCESS_DENIED);
            for (String type : List.of("send", "publish")) {
                attacker.send(new JsonObject().put("type", type).put("address", address).put("body", false));
                assertThat(attacker.awaitError(address, TIMEOUT).getString("body")).as("%s to %s", type, address)
                    .isEqualTo(ErrorCodes.ACCESS_DENIED);
            }
        }
        // the reconnect order and the stability flag never went out: the bystanders are connected and Kafka flows
        assertChatStillWorks(bystanders);
        assertThat(BridgeProbes.health(node.httpPort()).getJsonObject("source").getBoolean("paused")).isFalse();
    }

    @ParameterizedTest
    @EnumSource(StompTransport.class)
    void noStompClientCanSubscribeToOrSendToAnInternalAddress(StompTransport transport) {
        Bystanders bystanders = bystanders();
        for (String address : internalAddresses()) {
            RawStompClient subscriber = stomp(transport);
            subscriber.send("SUBSCRIBE", "id", "s", "destination", address);
            RawStompClient.Received refusal = BridgeProbes.awaitStompRefusal(subscriber, TIMEOUT);
            assertThat(refusal.header("message")).as("SUBSCRIBE %s", address).isEqualTo(ErrorCodes.ACCESS_DENIED);
            RawStompClient sender = stomp(transport);
            sender.send("SEND", Map.of("destination", address, "content-type", "application/json"), "false");
            assertThat(BridgeProbes.awaitStompRefusal(sender, TIMEOUT).header("message")).as("SEND %s", address)
                .isEqualTo(ErrorCodes.ACCESS_DENIED);
        }
        assertChatStillWorks(bystanders);
    }

    @Test
    void aMessageSentWithAReplyAddressReachesSubscribersWithoutVertxsReplyAddress() {
        RawSockJsClient subscriber = sockJs();
        String address = "room." + UUID.randomUUID().toString().substring(0, 8);
        subscriber.register(address);
        BridgeProbes.awaitSockJsProbe(vertx, subscriber, address);
        RawSockJsClient requester = sockJs();

        requester.send(new JsonObject().put("type", "send").put("address", address).put("replyAddress", "mine")
            .put("body", new JsonObject().put("question", 42)));

        JsonObject rec = BridgeProbes.nextSockJsMessage(subscriber, f -> f.getValue("body") instanceof JsonObject body
            && body.containsKey("question"), "the request");
        assertThat(rec.containsKey("replyAddress")).as("rec %s", rec).isFalse();
    }

    @Test
    void aRecordKeyedWithAnInternalAddressIsNotPublishedThere() {
        Bystanders bystanders = bystanders();
        long unroutable = unroutable(RAW_TOPIC);

        // the raw route's address is the record's key: the key names the node's reconnect order
        KafkaBroker.produce(producer, new ProducerRecord<>(RAW_TOPIC, ClusterMonitor.RECONNECT_CLIENTS_ADDRESS, "\"forged\""));

        assertChatStillWorks(bystanders);
        assertThat(unroutable(RAW_TOPIC)).isEqualTo(unroutable + 1);
    }

    private static long unroutable(String topic) {
        JsonObject counters = BridgeProbes.health(node.httpPort()).getJsonObject("topics").getJsonObject(topic);
        return counters == null ? 0 : counters.getLong("unroutable");
    }

    // ---- frame injection through headers (observed: a NUL in a header value forged a RECEIPT or an ERROR for every
    // STOMP subscriber; reserved names in another case passed through) ----

    @Test
    void aSockJsHeaderWithANulIsRefusedAndNothingReachesTheSubscribers() {
        Bystanders bystanders = bystanders();
        RawSockJsClient attacker = sockJs();

        attacker.send(new JsonObject().put("type", "publish").put("address", LOBBY)
            .put("headers", new JsonObject().put("x", "a\u0000RECEIPT\nreceipt-id:r-victim\n\n")).put("body", "forged"));

        JsonObject err = attacker.awaitError(LOBBY, TIMEOUT);
        assertThat(err.getString("body")).isEqualTo(ErrorCodes.INVALID_FRAME);
        assertChatStillWorks(bystanders);
    }

    @Test
    void aKafkaHeaderWithANulReachesStompSubscribersWithoutIt() {
        Bystanders bystanders = bystanders();
        ProducerRecord<String, String> record = new ProducerRecord<>(CHAT_TOPIC, "lobby", "{\"text\":\"nul-header\"}");
        record.headers().add("x", "a\u0000RECEIPT\nreceipt-id:r-victim\n\n".getBytes(StandardCharsets.UTF_8));
        record.headers().add("Content-Length", "1".getBytes(StandardCharsets.UTF_8));
        record.headers().add("Subscription", "forged".getBytes(StandardCharsets.UTF_8));
        record.headers().add("y\u0000ERROR", "forged".getBytes(StandardCharsets.UTF_8));

        KafkaBroker.produce(producer, record);

        RawStompClient.Received message = BridgeProbes.nextStompMessage(bystanders.stomp(),
            f -> f.body().contains("nul-header"), TIMEOUT, "the record over STOMP");
        assertThat(message.header("x")).isNull();
        assertThat(message.header("subscription")).isEqualTo("lobby");
        assertThat(message.headers().keySet()).doesNotContain("Content-Length", "Subscription");
        // the frame after it is a probe, not a forged RECEIPT
        RawStompClient.Received next = BridgeProbes.awaitStompProbe(vertx, bystanders.stomp(), LOBBY);
        assertThat(next.command()).isEqualTo("MESSAGE");
    }

    @ParameterizedTest
    @EnumSource(StompTransport.class)
    void aStompSendWithReservedHeadersInAnotherCaseDoesNotPassThem(StompTransport transport) {
        Bystanders bystanders = bystanders();
        RawStompClient sender = stomp(transport);
        String line = "case-" + UUID.randomUUID();

        sender.send("SEND", Map.of("destination", LOBBY, "Subscription", "forged", "Message-Id", "forged",
            "Content-Length", String.valueOf(line.length()), "User", "mallory"), line);

        RawStompClient.Received message = BridgeProbes.nextStompMessage(bystanders.stomp(), f -> f.body().contains(line),
            TIMEOUT, "the message over STOMP");
        assertThat(message.header("subscription")).isEqualTo("lobby");
        assertThat(message.headers().values()).doesNotContain("forged", "mallory");
        JsonObject overSockJs = BridgeProbes.nextSockJsMessage(bystanders.sockJs(), f -> String.valueOf(f.getValue("body"))
            .contains(line), "the message over SockJS");
        assertThat(overSockJs.getJsonObject("headers").encode()).doesNotContain("mallory");
    }

    // ---- header amplification (observed: a 28-byte SEND with 60 headers of 10,000 bytes went to every subscriber) ----

    @Test
    void aStompSendWithHugeHeadersIsRefusedAsTooLargeAndReachesNobody() {
        Bystanders bystanders = bystanders();
        RawStompClient attacker = stomp(StompTransport.TCP);
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("destination", SEND_TO_LOBBY);
        for (int i = 0; i < 60; i++) {
            headers.put("h" + i, "forged".repeat(10_000 / 6));
        }

        attacker.send("SEND", headers, "{\"text\":\"amplified-forged\"}");

        assertThat(BridgeProbes.awaitStompRefusal(attacker, TIMEOUT).header("message")).isEqualTo(ErrorCodes.FRAME_TOO_LARGE);
        assertChatStillWorks(bystanders);
    }

    @Test
    void aSockJsFrameWithMoreThan32HeadersIsRefused() {
        Bystanders bystanders = bystanders();
        RawSockJsClient attacker = sockJs();
        JsonObject headers = new JsonObject();
        for (int i = 0; i < 33; i++) {
            headers.put("h" + i, "forged");
        }

        attacker.send(new JsonObject().put("type", "publish").put("address", LOBBY).put("headers", headers).put("body", "forged"));

        assertThat(attacker.awaitError(LOBBY, TIMEOUT).getString("body")).isEqualTo(ErrorCodes.INVALID_FRAME);
        assertChatStillWorks(bystanders);
    }

    // ---- sink.* headers (observed: a client picked the sink index and the record key) ----

    @Test
    void sinkHeadersInAnyCaseFromAClientDoNotReachTheSink() {
        String line = "sink-" + UUID.randomUUID();
        RawSockJsClient sockJsSender = sockJs();
        sockJsSender.send(new JsonObject().put("type", "send").put("address", SEND_TO_LOBBY).put("replyAddress", "r")
            .put("headers", new JsonObject().put("Sink.Key", "forged-key").put("SINK.INDEX", "7").put("sink.key", "forged"))
            .put("body", new JsonObject().put("text", line + "-sockjs")));
        assertThat(sockJsSender.await(f -> "r".equals(f.getString("address")), TIMEOUT, "receipt").getString("type"))
            .isEqualTo("rec");
        RawStompClient stompSender = stomp(StompTransport.TCP);
        stompSender.send("SEND", Map.of("destination", SEND_TO_LOBBY, "Sink.Key", "forged-key", "sink.index", "7",
            "receipt", "r2"), "{\"text\":\"" + line + "-stomp\"}");
        assertThat(stompSender.next("RECEIPT", TIMEOUT).header("receipt-id")).isEqualTo("r2");

        List<ConsumerRecord<String, String>> records = readChat(line, 2);
        assertThat(records).allSatisfy(record -> {
            assertThat(record.key()).as("the key the sink's template gives").isEqualTo("lobby");
            List<String> names = new ArrayList<>();
            for (Header header : record.headers()) {
                names.add(header.key().toLowerCase());
            }
            assertThat(names).noneMatch(name -> name.startsWith("sink."));
        });
    }

    private static List<ConsumerRecord<String, String>> readChat(String marker, int count) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG, "hostile-reader-" + UUID.randomUUID(),
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
            TopicPartition partition = new TopicPartition(CHAT_TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<String, String>> found = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (found.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() != null && record.value().contains(marker)) {
                        found.add(record);
                    }
                }
            }
            assertThat(found).as("records holding %s", marker).hasSize(count);
            return found;
        }
    }
}
