package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayCluster;
import io.kafkabridge.testing.GatewayCluster.Client;
import io.kafkabridge.testing.GatewayCluster.Node;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.NodeClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import static io.kafkabridge.testing.GatewayCluster.DELIVERY;
import static io.kafkabridge.testing.GatewayCluster.STARTUP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator page in headless Chromium, opened on one node of a two-node cluster: it shows both nodes (as their
 * {@code /health} names them) with exactly the partitions each owns (as their logs say), the delivery rate and lag of
 * the node whose client receives records, and a delivery chart that keeps moving. Every record produced meanwhile
 * reaches that client.
 */
@ExtendWith(KafkaBroker.class)
class AdminPageIT {

    private static final int PARTITIONS = 4;
    private static final String ADDRESS = "user.alice.orders";

    @Test
    void theOperatorPageShowsBothNodesWithTheirPartitionsAndAMovingDeliveryChart(EmbeddedKafka kafka, @TempDir Path dir)
        throws Exception {
        Vertx vertx = Vertx.vertx();
        Set<String> produced = ConcurrentHashMap.newKeySet();
        AtomicReference<Exception> producerFailure = new AtomicReference<>();
        long producing = -1;
        try (GatewayCluster cluster = new GatewayCluster(dir, kafka, vertx);
             KafkaProducer<String, String> producer = KafkaBroker.createProducer(kafka)) {
            String topic = "admin." + cluster.id();
            KafkaBroker.createTopics(kafka, List.of(topic), PARTITIONS);
            Path config = cluster.writeConfig(cluster.config(new JsonObject()
                .put("routes", new JsonArray().add(new JsonObject().put("topic", topic).put("address", "user.{key}.orders")))
                .put("bridge", new JsonObject().put("outboundPermitteds", new JsonArray()
                    .add(new JsonObject().put("addressRegex", "user\\.[a-z]+\\.orders"))
                    .add(new JsonObject().put("address", "gateway.stats"))))));
            List<Node> nodes = cluster.start(config, 2);
            cluster.awaitAssignment("assignment of the " + PARTITIONS + " partitions to both nodes",
                () -> nodes.stream().allMatch(n -> !n.owned(topic).isEmpty())
                    && nodes.stream().mapToInt(n -> n.owned(topic).size()).sum() == PARTITIONS, STARTUP);
            Map<String, Node> byId = new HashMap<>();
            for (Node node : nodes) {
                byId.put(BridgeProbes.health(node.httpPort()).getJsonObject("cluster").getString("nodeId"), node);
            }
            assertThat(byId).hasSize(2);
            Node receiving = nodes.get(1);
            String receivingId = byId.entrySet().stream().filter(e -> e.getValue() == receiving).findFirst().orElseThrow().getKey();

            Client subscriber = cluster.subscribe(receiving, List.of(ADDRESS));
            // 20 records a second while the page is watched, each acknowledged position kept
            producing = vertx.setPeriodic(50, id -> producer.send(new ProducerRecord<>(topic, "alice", "{\"n\":" + id + "}"),
                (metadata, e) -> {
                    if (e != null) {
                        producerFailure.set(e);
                    } else {
                        produced.add(GatewayCluster.position(metadata));
                    }
                }));

            try (NodeClient page = NodeClient.start("browser-admin.js", "http://127.0.0.1:" + nodes.get(0).httpPort())) {
                JsonObject first = page.await(event -> {
                    failOnPageFailure(event);
                    return "page".equals(event.getString("event")) && showsBothNodesAsTheyAre(event, byId, topic)
                        && showsDeliveriesWithLag(event, receivingId) && chart(event).getInteger("points") >= 2
                        && chart(event).getBoolean("drawn");
                }, DELIVERY, "both nodes with their partitions, the receiving node's delivery rate and lag, a drawn chart");
                int points = chart(first).getInteger("points");
                page.await(event -> {
                    failOnPageFailure(event);
                    return "page".equals(event.getString("event")) && chart(event).getInteger("points") >= points + 3
                        && Double.parseDouble(chart(event).getString("latest")) > 0 && showsBothNodesAsTheyAre(event, byId, topic);
                }, DELIVERY, "the delivery chart moving on by 3 more seconds, both nodes still shown");
                assertThat(page.seen()).noneMatch(e -> "pageerror".equals(e.getString("event")));
            }

            vertx.cancelTimer(producing);
            producer.flush();
            assertThat(producerFailure.get()).as("producer failure").isNull();
            assertThat(produced).as("records produced while the page was watched").isNotEmpty();
            assertThat(GatewayCluster.duplicates(subscriber.collect(Set.copyOf(produced), DELIVERY))).as("duplicates").isEmpty();
        } finally {
            if (producing >= 0) {
                vertx.cancelTimer(producing);
            }
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    private static void failOnPageFailure(JsonObject event) {
        if ("failure".equals(event.getString("event")) || "pageerror".equals(event.getString("event"))) {
            throw new AssertionError("the page failed: " + event.encode());
        }
    }

    private static JsonObject chart(JsonObject event) {
        return event.getJsonObject("charts").getJsonObject("delivery-chart");
    }

    /**
     * @return whether the page shows exactly the two nodes, live, each with the partitions of the topic its log says it
     * owns now
     */
    private static boolean showsBothNodesAsTheyAre(JsonObject event, Map<String, Node> byId, String topic) {
        JsonArray rows = event.getJsonArray("nodes");
        if (rows.size() != byId.size()) {
            return false;
        }
        for (Object o : rows) {
            JsonObject row = (JsonObject) o;
            Node node = byId.get(row.getString("id"));
            if (node == null || row.getBoolean("gone") || !shownPartitions(row.getString("partitions"), topic).equals(node.owned(topic))) {
                return false;
            }
        }
        return true;
    }

    /** "topic: 0, 2 · other: 1" → the partitions shown for {@code topic}. */
    private static Set<Integer> shownPartitions(String text, String topic) {
        Set<Integer> partitions = new TreeSet<>();
        for (String group : text.split(" · ")) {
            if (group.startsWith(topic + ": ")) {
                for (String number : group.substring(topic.length() + 2).split(", ")) {
                    partitions.add(Integer.parseInt(number));
                }
            }
        }
        return partitions;
    }

    private static boolean showsDeliveriesWithLag(JsonObject event, String nodeId) {
        return event.getJsonArray("nodes").stream().map(JsonObject.class::cast).filter(row -> nodeId.equals(row.getString("id")))
            .anyMatch(row -> row.getString("delivered").matches("[0-9.]+") && Double.parseDouble(row.getString("delivered")) > 0
                && row.getString("lag").startsWith("≤ "));
    }
}
