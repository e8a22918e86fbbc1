package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.GatewayCluster;
import io.kafkabridge.testing.GatewayCluster.Client;
import io.kafkabridge.testing.GatewayCluster.Node;
import io.kafkabridge.testing.GatewayCluster.Seen;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawStompClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kafkabridge.testing.GatewayCluster.DELIVERY;
import static io.kafkabridge.testing.GatewayCluster.assertInPartitionOrderPerAddress;
import static io.kafkabridge.testing.GatewayCluster.position;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several gateway nodes, each its own JVM started from the fat jar with {@code -cluster}, on one real broker: they
 * share the partitions of one consumer group over Hazelcast (TCP-IP join on loopback) and every client receives every
 * record routed to its addresses whichever node consumed it, and a node paused past the failure timeout serves its
 * clients again or makes them reconnect. Nodes killed, stopped, joining and leaving: {@link ClusterHandoverIT}.
 */
@ExtendWith(KafkaBroker.class)
class ClusterIT {

    private static final List<String> USERS = List.of("alice", "bob", "carol", "dave", "erin", "frank");
    private static final List<String> ADDRESSES = USERS.stream().map(user -> "user." + user + ".orders").toList();
    private static final int PARTITIONS = 6;

    private static EmbeddedKafka kafka;
    private static KafkaProducer<String, String> producer;
    private static Vertx vertx;

    private GatewayCluster cluster;
    private String topic;
    private Path config;

    @BeforeAll
    static void startClients(EmbeddedKafka broker) {
        kafka = broker;
        producer = KafkaBroker.createProducer(kafka);
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopClients() {
        producer.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @AfterEach
    void stopNodes() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void prepare(Path dir) throws IOException {
        cluster = new GatewayCluster(dir, kafka, vertx);
        topic = "cluster." + cluster.id();
        KafkaBroker.createTopics(kafka, List.of(topic), PARTITIONS);
        config = cluster.writeConfig(cluster.config(new JsonObject()
            .put("routes", new JsonArray().add(new JsonObject().put("topic", topic).put("address", "user.{key}.orders")))
            .put("bridge", new JsonObject().put("outboundPermitteds", new JsonArray()
                .add(new JsonObject().put("addressRegex", "user\\.[a-z]+\\.orders"))))));
    }

    /**
     * A client subscribed to every user's address, once the subscriptions are live cluster-wide.
     */
    private Client subscribeAll(Node node) {
        return cluster.subscribe(node, ADDRESSES);
    }

    private RecordMetadata produce(int i) {
        return KafkaBroker.produce(producer, new ProducerRecord<>(topic, USERS.get(i % USERS.size()), value(i)));
    }

    /** The record value of record {@code i}: JSON with a big number and an escape, which a re-encoding would alter. */
    private static String value(int i) {
        String user = USERS.get(i % USERS.size());
        return "{\"n\":" + i + ", \"user\":\"" + user + "\", \"big\":123456789012345678901234567890, \"esc\":\"\\u00e9\"}";
    }

    @Test
    void everyRecordReachesAClientOnEachOfThreeNodesExactlyOnceInPartitionOrder(@TempDir Path dir) throws Exception {
        prepare(dir);
        List<Node> started = cluster.start(config, 3);
        List<Client> subscribers = started.stream().map(this::subscribeAll).toList();

        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < 240; i++) {
            values.put(position(produce(i)), value(i));
        }
        Set<String> expected = values.keySet();

        for (Client subscriber : subscribers) {
            List<Seen> seen = subscriber.collect(expected, DELIVERY);
            assertThat(seen).hasSize(expected.size());
            assertInPartitionOrderPerAddress(seen);
            assertThat(seen).allMatch(s -> USERS.contains(s.key()));
            // most came from another node's source: the JSON value, as its bytes, crossed the cluster intact
            assertThat(seen).allSatisfy(s -> assertThat(s.body()).as("body of %s", s.position()).isEqualTo(values.get(s.position())));
        }
    }

    /**
     * A client of one node: reconnects (to the same node) when the node tells it to, and remembers what it saw and
     * whether it was ever disconnected.
     */
    private final class ReconnectingClient {
        final Node node;
        Client client;
        final Set<String> seen = new HashSet<>();
        boolean disconnected;

        ReconnectingClient(Node node) {
            this.node = node;
            this.client = subscribeAll(node);
        }

        /**
         * Reads what arrives within {@code wait}; reconnects after an ERROR or a close.
         */
        void read(Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline) {
                RawStompClient.Received frame;
                try {
                    frame = client.read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                } catch (AssertionError quiet) {
                    return;
                }
                if ("ERROR".equals(frame.command()) || "CLOSED".equals(frame.command())) {
                    System.out.println("SIGSTOP/SIGCONT: a client of node " + node.httpPort() + " was told to reconnect ("
                        + frame.header("message") + ")");
                    disconnected = true;
                    client = subscribeAll(node);
                } else if ("MESSAGE".equals(frame.command())) {
                    seen.add(frame.header("kafka.topic") + "-" + frame.header("kafka.partition") + "@" + frame.header("kafka.offset"));
                }
            }
        }
    }

    @Test
    void aNodePausedPastTheFailureTimeoutServesItsClientsAgainOrMakesThemReconnect(@TempDir Path dir) throws Exception {
        prepare(dir);
        List<Node> started = cluster.start(config, 2);
        ReconnectingClient onSteady = new ReconnectingClient(started.get(0));
        ReconnectingClient onPaused = new ReconnectingClient(started.get(1));

        started.get(1).signal("STOP");
        // Hazelcast drops a member silent for 8 s and Kafka one silent for 10 s: produce for 15 s while it is stopped
        Set<String> duringPause = new HashSet<>();
        long pauseEnds = System.currentTimeMillis() + 15_000;
        int n = 0;
        while (System.currentTimeMillis() < pauseEnds) {
            duringPause.add(position(produce(n++)));
        }
        started.get(1).signal("CONT");
        long resumedAt = System.currentTimeMillis();

        // within 60 s of SIGCONT both nodes' clients receive new records again (reconnecting when told to)
        String probe = null;
        while (System.currentTimeMillis() < resumedAt + 60_000) {
            probe = position(produce(n++));
            onSteady.read(Duration.ofMillis(500));
            onPaused.read(Duration.ofMillis(500));
            if (onSteady.seen.contains(probe) && onPaused.seen.contains(probe)) {
                break;
            }
        }
        assertThat(onSteady.seen).as("the steady node's client receives again within 60 s of SIGCONT").contains(probe);
        assertThat(onPaused.seen).as("the paused node's client receives again within 60 s of SIGCONT").contains(probe);
        // it stood still past ClusterMonitor.PAUSE_MS: whichever side the merge kept, its clients were told
        assertThat(onPaused.disconnected).as("the paused node's client was told to reconnect").isTrue();
        System.out.printf("SIGSTOP/SIGCONT: both clients receive again %d ms after SIGCONT%n", System.currentTimeMillis() - resumedAt);

        // and from then on every record
        Set<String> after = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            after.add(position(produce(n++)));
        }
        for (ReconnectingClient client : List.of(onSteady, onPaused)) {
            long deadline = System.currentTimeMillis() + DELIVERY.toMillis();
            while (!client.seen.containsAll(after) && System.currentTimeMillis() < deadline) {
                client.read(Duration.ofSeconds(1));
            }
            Set<String> missing = new HashSet<>(after);
            missing.removeAll(client.seen);
            assertThat(missing).as("records after recovery never delivered to a client of node " + client.node.httpPort()).isEmpty();
            // a client that was never disconnected also got every record produced during the pause
            if (!client.disconnected) {
                Set<String> missed = new HashSet<>(duringPause);
                missed.removeAll(client.seen);
                assertThat(missed).as("records produced during the pause, for a client that stayed connected").isEmpty();
            }
        }
    }

}
