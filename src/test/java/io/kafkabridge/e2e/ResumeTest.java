package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.kafkabridge.testing.ResumingSubscriber;
import io.kafkabridge.testing.ResumingSubscriber.Got;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.kafkabridge.testing.ResumingSubscriber.assertOnceInPartitionOrder;
import static io.kafkabridge.testing.ResumingSubscriber.positions;
import static io.kafkabridge.testing.ResumingSubscriber.read;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resume and history from Kafka ({@code since}, {@code snapshot}, {@code resume}, {@code gap}) over SockJS and STOMP
 * over WebSocket, between two in-process nodes that read the topic in groups of their own: a token taken on one node
 * resumes on the other. (Nodes of one cluster: {@code ClusterResumeIT}.)
 */
@ExtendWith(KafkaBroker.class)
class ResumeTest {

    private static final Duration DELIVERY = Duration.ofSeconds(60);

    private final List<AutoCloseable> closing = new ArrayList<>();
    private Vertx vertxA;
    private Vertx vertxB;
    private Vertx clients;
    private GatewayNode nodeA;
    private GatewayNode nodeB;
    private String topic;
    private KafkaProducer<String, String> producer;
    private EmbeddedKafka kafka;

    @BeforeEach
    void start(EmbeddedKafka broker) {
        kafka = broker;
        vertxA = Vertx.vertx();
        vertxB = Vertx.vertx();
        clients = Vertx.vertx();
        producer = KafkaBroker.createProducer(kafka);
        topic = "resume." + UUID.randomUUID().toString().substring(0, 8);
        KafkaBroker.createTopics(kafka, List.of(topic), 3);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable client : closing) {
            client.close();
        }
        producer.close();
        for (Vertx vertx : List.of(clients, vertxA, vertxB)) {
            GatewayNode.await(vertx.close(), Duration.ofSeconds(30));
        }
    }

    /** Both nodes: records of the topic go to {@code room.<header room>}; resume bounds as given. */
    private void deployNodes(JsonObject resume) {
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", topic).put("address", "room.{header:room}"));
        JsonObject bridge = new JsonObject().put("outboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "room\\..+")));
        nodeA = GatewayNode.deploy(vertxA, GatewayNode.config(kafka, "a-" + topic, routes, bridge).put("resume", resume));
        nodeB = GatewayNode.deploy(vertxB, GatewayNode.config(kafka, "b-" + topic, routes, bridge).put("resume", resume));
    }

    /** A record of {@code room} on the partition, keyed. */
    private RecordMetadata produce(String room, int partition, String key, int seq) {
        return produce(room, partition, key, seq, null);
    }

    private RecordMetadata produce(String room, int partition, String key, int seq, Long timestamp) {
        return KafkaBroker.produce(producer, record(room, partition, key, seq, timestamp));
    }

    private ProducerRecord<String, String> record(String room, int partition, String key, int seq, Long timestamp) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, partition, timestamp, key,
            new JsonObject().put("seq", seq).put("room", room).encode());
        record.headers().add(new RecordHeader("room", room.getBytes(StandardCharsets.UTF_8)));
        return record;
    }

    private static String position(java.util.concurrent.Future<RecordMetadata> sent) {
        try {
            return position(sent.get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("a record was not acknowledged", e);
        }
    }

    private static String position(RecordMetadata metadata) {
        return metadata.partition() + "@" + metadata.offset();
    }

    /**
     * Subscription headers for the records from now on: none produced after the subscription is missed however long
     * its registration takes (replayed or live, once).
     */
    private static Map<String, String> fromNow() {
        return Map.of("since", "time:" + System.currentTimeMillis());
    }

    private ResumingSubscriber sockJs(GatewayNode node) {
        ResumingSubscriber subscriber = ResumingSubscriber.sockJs(clients, node.httpPort());
        closing.add(subscriber);
        return subscriber;
    }

    private ResumingSubscriber stompOverWebSocket(GatewayNode node) {
        ResumingSubscriber subscriber = ResumingSubscriber.stompOverWebSocket(clients, node.httpPort());
        closing.add(subscriber);
        return subscriber;
    }

    @Test
    void aSockJsClientResumesOnTheOtherNodeWithExactlyWhatItMissedThenLive() {
        resumesOnTheOtherNodeWithExactlyWhatItMissed(this::sockJs);
    }

    @Test
    void aStompClientResumesOnTheOtherNodeWithExactlyWhatItMissedThenLive() {
        resumesOnTheOtherNodeWithExactlyWhatItMissed(this::stompOverWebSocket);
    }

    private void resumesOnTheOtherNodeWithExactlyWhatItMissed(java.util.function.Function<GatewayNode, ResumingSubscriber> connect) {
        deployNodes(new JsonObject());
        ResumingSubscriber first = connect.apply(nodeA);
        first.subscribe("room.r1", fromNow());
        // subscribed: a probe record reaches it (node A reads the topic from the start)
        produce("r1", 0, "probe", -1);
        first.next("the probe record");
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            before.add(position(produce("r1", i % 3, "k" + i % 7, i)));
        }
        List<Got> seen = read(first, 100, "the first 100 records on node A");
        assertThat(positions(seen)).containsExactlyInAnyOrderElementsOf(before);
        assertThat(seen).allSatisfy(got -> assertThat(got.resume()).isNotBlank());
        String token = seen.get(seen.size() - 1).resume();
        first.close();

        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < 5_500; i++) {
            if (i % 11 == 0) {
                sent.add(producer.send(record("r1", i % 3, "k" + i % 7, 1000 + i, null)));
            } else {
                producer.send(record("r" + (2 + i % 5), i % 3, "other", 1000 + i, null));
            }
        }
        producer.flush();
        List<String> missed = sent.stream().map(ResumeTest::position).toList();
        assertThat(missed).hasSize(500);

        ResumingSubscriber resumed = connect.apply(nodeB);
        resumed.subscribe("room.r1", Map.of("since", token));
        // records produced while the replay is read reach it too, once
        CompletableFuture<List<String>> during = CompletableFuture.supplyAsync(() -> {
            List<String> live = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                live.add(position(produce("r1", i % 3, "k" + i % 7, 10_000 + i)));
            }
            return live;
        });
        List<Got> replayed = read(resumed, 550, "the 500 missed and 50 new records on node B");
        List<String> expected = new ArrayList<>(missed);
        expected.addAll(during.join());
        assertThat(replayed).noneMatch(Got::isGap);
        assertThat(positions(replayed)).containsExactlyInAnyOrderElementsOf(expected);
        assertOnceInPartitionOrder(replayed);
        // none of the first 100 came again
        assertThat(positions(replayed)).doesNotContainAnyElementsOf(before);

        // nothing more than those: the next message is a record produced now
        String sentinel = position(produce("r1", 1, "k", 99_999));
        assertThat(resumed.next("the sentinel record").position()).isEqualTo(sentinel);
    }

    @Test
    void aReplayOverMaxRecordsStartsWithAGapThenTheNewest() {
        deployNodes(new JsonObject().put("maxRecords", 40));
        List<String> produced = new ArrayList<>();
        long before = System.currentTimeMillis();
        for (int i = 0; i < 100; i++) {
            // a timestamp of its own per record: which are the newest is not left to the clock's resolution
            produced.add(position(produce("r1", i % 3, "k" + i, i, before + i)));
        }
        ResumingSubscriber client = sockJs(nodeB);
        client.subscribe("room.r1", Map.of("since", "time:" + before));

        Got gap = client.next("the gap message");
        assertThat(gap.isGap()).as("first message %s", gap).isTrue();
        assertThat(((JsonObject) gap.body()).getString("reason")).isEqualTo("max_records");
        assertThat(((JsonObject) gap.body()).getLong("missing")).isEqualTo(60L);
        List<Got> newest = read(client, 40, "the 40 newest records");
        assertOnceInPartitionOrder(newest);
        // the newest 40 by timestamp
        assertThat(positions(newest)).containsExactlyInAnyOrderElementsOf(produced.subList(60, 100));
    }

    @Test
    void aSnapshotFromATimeGivesTheNewestRecordOfEveryKeyThenLive() {
        deployNodes(new JsonObject());
        long before = System.currentTimeMillis();
        Map<String, String> newest = new HashMap<>();
        for (int i = 0; i < 90; i++) {
            String key = "order-" + i % 9;
            // a key stays in one partition, as Kafka's partitioner would keep it
            newest.put(key, position(produce("r1", (i % 9) % 3, key, i)));
        }
        produce("r2", 0, "order-0", 1000);

        ResumingSubscriber client = stompOverWebSocket(nodeA);
        client.subscribe("room.r1", Map.of("since", "time:" + before, "snapshot", "latest-per-key"));
        List<Got> snapshot = read(client, 9, "the newest record of each of 9 keys");
        assertThat(positions(snapshot)).containsExactlyInAnyOrderElementsOf(newest.values());
        assertOnceInPartitionOrder(snapshot);

        String live = position(produce("r1", 2, "order-2", 5000));
        assertThat(client.next("a live record").position()).isEqualTo(live);
    }

    @Test
    void aTokenPastWhatKafkaStillHoldsStartsWithAGap() throws Exception {
        deployNodes(new JsonObject());
        ResumingSubscriber first = sockJs(nodeA);
        first.subscribe("room.r1", fromNow());
        produce("r1", 0, "probe", -1);
        String token = first.next("the probe record").resume();
        first.close();
        List<String> produced = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            produced.add(position(produce("r1", 0, "k", i)));
        }
        // the first 10 records after the token are deleted
        long deleteBefore = Long.parseLong(produced.get(10).split("@")[1]);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(deleteBefore)))
                .all().get(30, TimeUnit.SECONDS);
        }

        ResumingSubscriber resumed = sockJs(nodeB);
        resumed.subscribe("room.r1", Map.of("since", token));
        Got gap = resumed.next("the gap message");
        assertThat(gap.isGap()).as("first message %s", gap).isTrue();
        assertThat(((JsonObject) gap.body()).getString("reason")).isEqualTo("retention");
        assertThat(((JsonObject) gap.body()).getLong("missing")).isEqualTo(10L);
        List<Got> rest = read(resumed, 20, "the 20 records Kafka still holds");
        assertThat(positions(rest)).containsExactlyElementsOf(produced.subList(10, 30));
    }

    @Test
    void aMalformedSinceIsRefusedAndTheNodeKeepsServing() {
        deployNodes(new JsonObject());
        RawSockJsClient client = RawSockJsClient.connect(clients, nodeA.httpPort(), null);
        closing.add(client);
        for (String since : List.of("garbage", "time:soon", "AAAAAAAAAAAA", "x".repeat(20_000))) {
            client.send(new JsonObject().put("type", "register").put("address", "room.r1")
                .put("headers", new JsonObject().put("since", since)));
            JsonObject error = client.awaitError("room.r1", BridgeProbes.TIMEOUT);
            assertThat(error.getString("failureType")).as("since %s", since.length() > 20 ? since.substring(0, 20) : since)
                .isEqualTo("bad_since");
            assertThat(error.getString("message")).startsWith("header since:");
        }
        client.send(new JsonObject().put("type", "register").put("address", "room.r1")
            .put("headers", new JsonObject().put("since", "time:0").put("snapshot", "everything")));
        assertThat(client.awaitError("room.r1", BridgeProbes.TIMEOUT).getString("message")).startsWith("header snapshot:");

        RawStompClient stomp = RawStompClient.connectWebSocket(clients, nodeA.httpPort(), "/stomp", new WebSocketClientOptions());
        closing.add(stomp);
        BridgeProbes.stompConnect(stomp, "0,0");
        stomp.send("SUBSCRIBE", "id", "s1", "destination", "room.r1", "since", "time:-1");
        RawStompClient.Received refusal = BridgeProbes.awaitStompRefusal(stomp, BridgeProbes.TIMEOUT);
        assertThat(refusal.header("message")).isEqualTo("bad_since");

        // no subscription was made; the same connection registers without since and gets records
        client.register("room.r1");
        String live = position(produce("r1", 0, "k", 1));
        assertThat(BridgeProbes.nextSockJsMessage(client, f -> true, "a live record").getJsonObject("headers")
            .getString("kafka.offset")).isEqualTo(live.split("@")[1]);
    }

    @Test
    void aTokenOfAnotherAddressReadsNothingOfIt() {
        deployNodes(new JsonObject());
        ResumingSubscriber other = sockJs(nodeA);
        other.subscribe("room.r2", fromNow());
        produce("r2", 0, "probe", -1);
        String tokenOfR2 = other.next("a record of room.r2").resume();
        for (int i = 0; i < 20; i++) {
            produce("r2", i % 3, "k", i);
        }
        String ofR1 = position(produce("r1", 1, "k", 100));

        ResumingSubscriber client = sockJs(nodeB);
        client.subscribe("room.r1", Map.of("since", tokenOfR2));
        Got first = client.next("the first message");
        assertThat(first.position()).isEqualTo(ofR1);
        assertThat(((JsonObject) first.body()).getString("room")).isEqualTo("r1");
    }

    @Test
    void aNodeShuttingDownTellsEveryClientWhereEachSubscriptionResumes() {
        deployNodes(new JsonObject());
        RawSockJsClient sockJs = RawSockJsClient.connect(clients, nodeA.httpPort(), null);
        closing.add(sockJs);
        sockJs.send(new JsonObject().put("type", "register").put("address", "room.r1")
            .put("headers", new JsonObject(new HashMap<>(fromNow()))));
        RawStompClient stomp = RawStompClient.connectWebSocket(clients, nodeA.httpPort(), "/stomp", new WebSocketClientOptions());
        closing.add(stomp);
        BridgeProbes.stompConnect(stomp, "0,0");
        stomp.send("SUBSCRIBE", "id", "s7", "destination", "room.r1", "since", fromNow().get("since"));
        produce("r1", 1, "k", 1);
        String sockJsToken = BridgeProbes.nextSockJsMessage(sockJs, f -> true, "a record over SockJS").getJsonObject("headers")
            .getString("resume");
        String stompToken = BridgeProbes.nextStompMessage(stomp, f -> true, DELIVERY, "a record over STOMP").header("resume");

        GatewayNode.await(nodeA.shutdownGracefully(), DELIVERY);

        JsonObject notice = sockJs.awaitError(null, BridgeProbes.TIMEOUT);
        assertThat(notice.getString("failureType")).isEqualTo("node_shutdown");
        assertThat(notice.getJsonObject("resume").getString("room.r1")).isEqualTo(sockJsToken);
        RawStompClient.Received error = BridgeProbes.awaitStompRefusal(stomp, BridgeProbes.TIMEOUT);
        assertThat(error.header("message")).isEqualTo("node_shutdown");
        assertThat(error.header("resume.s7")).isEqualTo(stompToken);
    }
}
