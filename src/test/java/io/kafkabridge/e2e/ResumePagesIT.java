package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.GatewayProcess;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.NodeClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The order tracker in Chromium, with history from Kafka: it opens with every current order of its user, each with its
 * newest status, while nothing new is produced; and after its node is stopped and started again while statuses are
 * produced, it shows every status it missed (it resumes where it stood).
 */
@ExtendWith(KafkaBroker.class)
class ResumePagesIT {

    private static final Path JAR = Path.of(System.getProperty("kebb.test.jar", "target/kafka-eventbus-bridge.jar"));
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final List<String> STATUSES = List.of("PLACED", "PAID", "PACKED", "SHIPPED", "DELIVERED");

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** An order status of the user, as the demo feed writes them (keyed by user). */
    private static RecordMetadata produce(KafkaProducer<String, String> producer, String topic, String user, String orderId,
                                          String status) {
        return KafkaBroker.produce(producer, new ProducerRecord<>(topic, user, new JsonObject().put("orderId", orderId)
            .put("user", user).put("item", "Espresso beans 1 kg").put("amount", 12.5).put("status", status).encode()));
    }

    private static GatewayProcess startNode(Path dir, int httpPort) {
        GatewayProcess node = GatewayProcess.start(JAR, dir, Map.of(), "-conf", "conf.json");
        node.awaitLine(line -> line.contains("Gateway node started: HTTP on port " + httpPort), STARTUP);
        return node;
    }

    /** Waits until the page shows exactly these orders (id → status and position), live. */
    private static JsonObject awaitRows(NodeClient page, Map<String, String> statuses, Map<String, String> positions, String what) {
        return page.await(event -> {
            if ("failure".equals(event.getString("event"))) {
                throw new AssertionError("the page failed: " + event.encode());
            }
            if (!"page".equals(event.getString("event")) || !event.getString("state").contains("live")) {
                return false;
            }
            Map<String, String> shown = new TreeMap<>();
            Map<String, String> shownAt = new TreeMap<>();
            event.getJsonArray("orders").forEach(o -> {
                JsonObject order = (JsonObject) o;
                shown.put(order.getString("orderId"), order.getString("status"));
                shownAt.put(order.getString("orderId"), order.getString("position"));
            });
            return shown.equals(statuses) && shownAt.equals(positions);
        }, STARTUP, what);
    }

    private static String shownPosition(String topic, RecordMetadata metadata) {
        return topic + " · p" + metadata.partition() + " · offset " + metadata.offset();
    }

    @Test
    void theOrderTrackerOpensWithTheCurrentOrdersAndCatchesUpAfterTheNodeRestarts(EmbeddedKafka kafka, @TempDir Path dir)
        throws Exception {
        String topic = "orders." + UUID.randomUUID().toString().substring(0, 8);
        KafkaBroker.createTopics(kafka, List.of(topic), 3);
        int httpPort = freePort();
        Files.writeString(dir.resolve("conf.json"), new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", httpPort))
            .put("stomp", new JsonObject().put("host", "127.0.0.1").put("port", 0))
            .put("kafka", new JsonObject().put("bootstrapServers", kafka.bootstrapServers()).put("groupId", "pages-" + topic))
            .put("routes", new JsonArray().add(new JsonObject().put("topic", topic).put("address", "user.{key}.orders")))
            .put("bridge", new JsonObject().put("outboundPermitteds", new JsonArray()
                .add(new JsonObject().put("addressRegex", "user\\.[a-z]+\\.orders"))))
            .put("demo", new JsonObject().put("enabled", false))
            .encodePrettily());

        Map<String, String> statuses = new TreeMap<>();
        Map<String, String> positions = new TreeMap<>();
        try (KafkaProducer<String, String> producer = KafkaBroker.createProducer(kafka)) {
            // alice's orders, each through some of its statuses, and bob's, before any node runs
            for (int order = 1; order <= 6; order++) {
                for (int s = 0; s < 1 + order % STATUSES.size(); s++) {
                    RecordMetadata at = produce(producer, topic, "alice", "A-" + order, STATUSES.get(s));
                    statuses.put("A-" + order, STATUSES.get(s));
                    positions.put("A-" + order, shownPosition(topic, at));
                    produce(producer, topic, "bob", "B-" + order, STATUSES.get(s));
                }
            }

            GatewayProcess node = startNode(dir, httpPort);
            try (NodeClient page = NodeClient.start("browser-resume.js", "http://127.0.0.1:" + httpPort, "alice")) {
                awaitRows(page, statuses, positions, "alice's 6 orders with their newest statuses, right after opening");

                // the node stops (the page is told to reconnect) while alice's orders move on and a new one comes
                node.signal("TERM");
                assertThat(node.awaitExit(STARTUP)).as("exit after SIGTERM").isIn(0, 143);
                page.await(e -> "page".equals(e.getString("event")) && !e.getString("state").contains("live"), STARTUP,
                    "the page noticing the node is gone");
                for (int order = 1; order <= 7; order++) {
                    for (String status : STATUSES.subList(order == 7 ? 0 : 3, STATUSES.size())) {
                        RecordMetadata at = produce(producer, topic, "alice", "A-" + order, status);
                        statuses.put("A-" + order, status);
                        positions.put("A-" + order, shownPosition(topic, at));
                    }
                }
                node = startNode(dir, httpPort);
                awaitRows(page, statuses, positions, "every status produced while the node was down, after it restarted");
                assertThat(page.seen()).noneMatch(e -> "pageerror".equals(e.getString("event")));
            } finally {
                node.close();
            }
        }
    }
}
