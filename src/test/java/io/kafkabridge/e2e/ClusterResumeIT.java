package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.GatewayCluster;
import io.kafkabridge.testing.GatewayCluster.Node;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.ResumingSubscriber;
import io.kafkabridge.testing.ResumingSubscriber.Got;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.kafkabridge.testing.ResumingSubscriber.assertOnceInPartitionOrder;
import static io.kafkabridge.testing.ResumingSubscriber.positions;
import static io.kafkabridge.testing.ResumingSubscriber.read;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resume across the nodes of one cluster: a SockJS client and a STOMP-over-WebSocket client of an address fed by 3
 * partitions leave node 1 (they disconnect; later, node 1 is SIGKILLed under two others); 500 records of the address
 * and 5,000 of others are produced; they subscribe on node 2 with their last {@code resume} token and get exactly the
 * 500 (and what the other resumed client made them miss), in partition order, then live records (those produced during
 * the replay included) with none lost or repeated at the switch.
 */
@ExtendWith(KafkaBroker.class)
class ClusterResumeIT {

    private static EmbeddedKafka kafka;
    private static Vertx vertx;
    private static KafkaProducer<String, String> producer;
    private GatewayCluster cluster;
    private final List<ResumingSubscriber> clients = new ArrayList<>();
    /** Every record of the room produced after the clients left node 1. */
    private final List<String> sinceLeaving = new ArrayList<>();

    @BeforeAll
    static void start(EmbeddedKafka broker) {
        kafka = broker;
        vertx = Vertx.vertx();
        producer = KafkaBroker.createProducer(kafka);
    }

    @AfterAll
    static void stop() {
        producer.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @AfterEach
    void stopNodes() throws InterruptedException {
        clients.forEach(ResumingSubscriber::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    private ProducerRecord<String, String> record(String topic, String room, int partition, int seq) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, partition, "k" + seq % 7,
            new JsonObject().put("seq", seq).put("room", room).encode());
        record.headers().add(new RecordHeader("room", room.getBytes(StandardCharsets.UTF_8)));
        return record;
    }

    private static String position(Future<RecordMetadata> sent) {
        try {
            RecordMetadata metadata = sent.get(30, TimeUnit.SECONDS);
            return metadata.partition() + "@" + metadata.offset();
        } catch (Exception e) {
            throw new IllegalStateException("a record was not acknowledged", e);
        }
    }

    private List<Node> startCluster(Path dir, String topic) throws java.io.IOException {
        cluster = new GatewayCluster(dir, kafka, vertx);
        KafkaBroker.createTopics(kafka, List.of(topic), 3);
        Path config = cluster.writeConfig(cluster.config(new JsonObject()
            .put("routes", new JsonArray().add(new JsonObject().put("topic", topic).put("address", "room.{header:room}")))
            .put("bridge", new JsonObject().put("outboundPermitteds", new JsonArray()
                .add(new JsonObject().put("addressRegex", "room\\..+"))))));
        List<Node> nodes = cluster.start(config, 2);
        cluster.awaitAssignment("the 3 partitions shared out", () -> nodes.get(0).owned(topic).size() + nodes.get(1).owned(topic).size() == 3,
            GatewayCluster.STARTUP);
        return nodes;
    }

    private ResumingSubscriber track(ResumingSubscriber client) {
        clients.add(client);
        return client;
    }

    /**
     * The clients on node 1 subscribe to the room from now on ({@code since: time:}, so that no record produced after
     * the subscription can be missed however long its registration takes to reach the other node) and read 100
     * records; returns each one's last resume token.
     */
    private List<String> readFirstRecords(String topic, String room, List<ResumingSubscriber> onFirstNode) {
        List<String> tokens = new ArrayList<>();
        String now = "time:" + System.currentTimeMillis();
        onFirstNode.forEach(client -> client.subscribe("room." + room, Map.of("since", now)));
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            before.add(position(producer.send(record(topic, room, i % 3, i))));
        }
        for (ResumingSubscriber client : onFirstNode) {
            List<Got> seen = read(client, 100, "the first 100 records on node 1");
            assertThat(positions(seen)).containsExactlyInAnyOrderElementsOf(before);
            tokens.add(seen.get(seen.size() - 1).resume());
        }
        return tokens;
    }

    /** 500 records of the room among 5,000 of other rooms. */
    private void produceWhileAway(String topic, String room) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < 5_500; i++) {
            if (i % 11 == 0) {
                sent.add(producer.send(record(topic, room, i % 3, 1000 + i)));
            } else {
                producer.send(record(topic, "other" + i % 5, i % 3, 1000 + i));
            }
        }
        producer.flush();
        sent.stream().map(ClusterResumeIT::position).forEach(sinceLeaving::add);
        assertThat(sinceLeaving).hasSize(500);
    }

    /**
     * Resumes on node 2 with the token while 50 more are produced: exactly every record of the room since the clients
     * left node 1, then live.
     */
    private void assertResumesWithExactlyWhatItMissed(String topic, String room, ResumingSubscriber client, String token) {
        List<String> missed = List.copyOf(sinceLeaving);
        client.subscribe("room." + room, Map.of("since", token));
        CompletableFuture<List<String>> during = CompletableFuture.supplyAsync(() -> {
            List<String> live = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                live.add(position(producer.send(record(topic, room, i % 3, 10_000 + i))));
            }
            return live;
        });
        List<Got> got = read(client, missed.size() + 50, "the missed and new records on node 2");
        List<String> expected = new ArrayList<>(missed);
        expected.addAll(during.join());
        sinceLeaving.addAll(during.join());
        assertThat(got).noneMatch(Got::isGap);
        assertThat(positions(got)).containsExactlyInAnyOrderElementsOf(expected);
        assertOnceInPartitionOrder(got);
        String sentinel = position(producer.send(record(topic, room, 1, 99_999)));
        sinceLeaving.add(sentinel);
        assertThat(client.next("the sentinel record").position()).isEqualTo(sentinel);
    }

    @Test
    void clientsThatLeftANodeOrWhoseNodeWasKilledResumeOnTheOtherNodeWithExactlyWhatTheyMissed(@TempDir Path dir) throws Exception {
        String topic = "resume." + System.nanoTime();
        List<Node> nodes = startCluster(dir, topic);

        // the clients disconnect from node 1
        ResumingSubscriber sockJs = track(ResumingSubscriber.sockJs(vertx, nodes.get(0).httpPort()));
        ResumingSubscriber stomp = track(ResumingSubscriber.stompOverWebSocket(vertx, nodes.get(0).httpPort()));
        List<String> tokens = readFirstRecords(topic, "left", List.of(sockJs, stomp));
        sockJs.close();
        stomp.close();
        produceWhileAway(topic, "left");
        assertResumesWithExactlyWhatItMissed(topic, "left", track(ResumingSubscriber.sockJs(vertx, nodes.get(1).httpPort())), tokens.get(0));
        // the STOMP client missed the SockJS client's records too
        assertResumesWithExactlyWhatItMissed(topic, "left", track(ResumingSubscriber.stompOverWebSocket(vertx, nodes.get(1).httpPort())),
            tokens.get(1));

        // node 1 is killed under its clients; its partitions move to node 2 after Kafka's session timeout
        sinceLeaving.clear();
        sockJs = track(ResumingSubscriber.sockJs(vertx, nodes.get(0).httpPort()));
        stomp = track(ResumingSubscriber.stompOverWebSocket(vertx, nodes.get(0).httpPort()));
        tokens = readFirstRecords(topic, "killed", List.of(sockJs, stomp));
        nodes.get(0).signal("KILL");
        produceWhileAway(topic, "killed");
        assertResumesWithExactlyWhatItMissed(topic, "killed", track(ResumingSubscriber.sockJs(vertx, nodes.get(1).httpPort())),
            tokens.get(0));
        assertResumesWithExactlyWhatItMissed(topic, "killed", track(ResumingSubscriber.stompOverWebSocket(vertx, nodes.get(1).httpPort())),
            tokens.get(1));
    }
}
