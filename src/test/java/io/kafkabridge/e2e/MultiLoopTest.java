package io.kafkabridge.e2e;

import io.kafkabridge.bridge.ErrorCodes;
import io.kafkabridge.cluster.ClusterMonitor;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node with 4 server instances ({@code http.instances}), each on its own event loop with its own connections: 40
 * clients of each protocol are spread over the loops, every record reaches every subscriber exactly once in partition
 * order, the node's limits hold across the instances, and the node's notices (rejoined, shutting down) reach the
 * clients of every loop.
 */
@ExtendWith(KafkaBroker.class)
class MultiLoopTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int LOOPS = 4;
    private static final int PER_PROTOCOL = 40;
    private static final int RECORDS = 30;
    private static final String ADDRESS = "multi.orders";

    private enum Protocol { SOCKJS, STOMP_TCP, STOMP_WEBSOCKET, STOMP_SOCKJS }

    private Vertx vertx;
    private final List<Client> clients = new ArrayList<>();

    @BeforeEach
    void createVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void closeVertx() {
        clients.forEach(Client::close);
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    private static GatewayNode deploy(Vertx vertx, EmbeddedKafka kafka, String topic, JsonObject limits) {
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", topic).put("address", ADDRESS));
        JsonObject bridge = new JsonObject().put("outboundPermitteds", new JsonArray()
            .add(new JsonObject().put("addressRegex", "multi\\..+")));
        JsonObject config = GatewayNode.config(kafka, "multi-" + topic, routes, bridge);
        config.getJsonObject("http").put("instances", LOOPS);
        config.put("limits", config.getJsonObject("limits", new JsonObject()).mergeIn(limits));
        return GatewayNode.deploy(vertx, config);
    }

    /**
     * A client of one protocol: connected, subscribed to {@link #ADDRESS} and receiving (a probe arrived).
     */
    private final class Client implements AutoCloseable {
        final Protocol protocol;
        final RawStompClient stomp;
        final RawSockJsClient sockJs;

        Client(Protocol protocol, GatewayNode node) {
            this.protocol = protocol;
            if (protocol == Protocol.SOCKJS) {
                stomp = null;
                sockJs = RawSockJsClient.connect(vertx, node.httpPort(), null);
            } else {
                sockJs = null;
                stomp = switch (protocol) {
                    case STOMP_TCP -> RawStompClient.connectTcp(vertx, node.stompPort());
                    case STOMP_WEBSOCKET -> RawStompClient.connectWebSocket(vertx, node.httpPort());
                    default -> RawStompClient.connectSockJs(vertx, node.httpPort(), "/stomp");
                };
            }
            clients.add(this);
        }

        Client subscribe() {
            if (sockJs != null) {
                sockJs.register(ADDRESS);
                BridgeProbes.awaitSockJsProbe(vertx, sockJs, ADDRESS);
            } else {
                BridgeProbes.stompConnect(stomp, "0,0");
                BridgeProbes.stompSubscribe(stomp, "s", ADDRESS);
                BridgeProbes.awaitStompProbe(vertx, stomp, ADDRESS);
            }
            return this;
        }

        /**
         * @return "partition@offset" of the next message of a Kafka record (probes skipped)
         */
        String nextRecord() {
            if (sockJs != null) {
                JsonObject headers = BridgeProbes.nextSockJsMessage(sockJs, f -> f.getJsonObject("headers", new JsonObject())
                    .containsKey("kafka.offset"), "a record over " + protocol).getJsonObject("headers");
                return headers.getString("kafka.partition") + "@" + headers.getString("kafka.offset");
            }
            RawStompClient.Received message = BridgeProbes.nextStompMessage(stomp, f -> f.header("kafka.offset") != null, TIMEOUT,
                "a record over " + protocol);
            return message.header("kafka.partition") + "@" + message.header("kafka.offset");
        }

        /**
         * @return the code of the error that ends the connection
         */
        String awaitRefusal() {
            if (sockJs != null) {
                return sockJs.awaitError(null, TIMEOUT).getString("body");
            }
            return BridgeProbes.awaitStompRefusal(stomp, TIMEOUT).header("message");
        }

        @Override
        public void close() {
            if (sockJs != null) {
                sockJs.close();
            } else {
                stomp.close();
            }
        }
    }

    /**
     * Checks from {@code /health} that the node runs {@link #LOOPS} instances holding {@code total} connections, at
     * least {@code least} each.
     */
    private static JsonObject assertSpread(GatewayNode node, int total, int least) {
        JsonObject health = BridgeProbes.health(node.httpPort());
        assertThat(health.getJsonObject("http").getInteger("instances")).isEqualTo(LOOPS);
        JsonArray loops = health.getJsonArray("loops");
        assertThat(loops).hasSize(LOOPS);
        int sum = 0;
        for (Object o : loops) {
            JsonObject loop = (JsonObject) o;
            int connections = loop.getJsonObject("connections").stream().mapToInt(e -> (Integer) e.getValue()).sum();
            assertThat(connections).as("connections of loop %s (of %s): spread over the loops", loop, loops).isGreaterThanOrEqualTo(least);
            sum += connections;
        }
        assertThat(sum).as("connections over the loops").isEqualTo(total);
        return health;
    }

    private List<Client> subscribeAll(GatewayNode node) {
        List<Client> subscribed = new ArrayList<>();
        for (int i = 0; i < PER_PROTOCOL; i++) {
            for (Protocol protocol : Protocol.values()) {
                subscribed.add(new Client(protocol, node).subscribe());
            }
        }
        return subscribed;
    }

    @Test
    void everyRecordReachesEverySubscriberOnEveryLoopExactlyOnceInPartitionOrder(EmbeddedKafka kafka) {
        String topic = "multi." + UUID.randomUUID().toString().substring(0, 8);
        KafkaBroker.createTopics(kafka, List.of(topic), 3);
        GatewayNode node = deploy(vertx, kafka, topic, new JsonObject());
        List<Client> subscribed = subscribeAll(node);

        int total = PER_PROTOCOL * Protocol.values().length;
        JsonObject health = assertSpread(node, total, total / LOOPS / 2);
        assertThat(health.getJsonObject("subscriptions").getInteger("total")).isEqualTo(total);

        Map<Integer, List<Long>> produced = new HashMap<>();
        try (KafkaProducer<String, String> producer = KafkaBroker.createProducer(kafka)) {
            for (int i = 0; i < RECORDS; i++) {
                var metadata = KafkaBroker.produce(producer, new ProducerRecord<>(topic, "k" + i, "{\"n\":" + i + "}"));
                produced.computeIfAbsent(metadata.partition(), p -> new ArrayList<>()).add(metadata.offset());
            }
        }
        for (Client client : subscribed) {
            Map<Integer, List<Long>> seen = new HashMap<>();
            for (int i = 0; i < RECORDS; i++) {
                String[] position = client.nextRecord().split("@");
                seen.computeIfAbsent(Integer.parseInt(position[0]), p -> new ArrayList<>()).add(Long.parseLong(position[1]));
            }
            assertThat(seen).as("records per partition, in order, once each, over %s", client.protocol).isEqualTo(produced);
        }
    }

    @Test
    void theNodesLimitsHoldAcrossTheInstances(EmbeddedKafka kafka) {
        String topic = "multi." + UUID.randomUUID().toString().substring(0, 8);
        KafkaBroker.createTopics(kafka, List.of(topic), 1);
        int max = 10;
        GatewayNode node = deploy(vertx, kafka, topic, new JsonObject().put("maxConnectionsPerNode", max)
            .put("maxSubscriptionsPerConnection", 2));
        for (int i = 0; i < max; i++) {
            new Client(Protocol.values()[i % Protocol.values().length], node).subscribe();
        }
        assertThat(BridgeProbes.health(node.httpPort()).getJsonObject("connections").getInteger("open")).isEqualTo(max);
        // whichever loop takes them, the node is full
        for (Protocol protocol : Protocol.values()) {
            // refused as it is accepted: nothing is sent to it (a write to the closing socket would reset it and lose the ERROR)
            Client refused = new Client(protocol, node);
            assertThat(refused.awaitRefusal()).as("a connection over %s beyond %s", protocol, max)
                .isEqualTo(ErrorCodes.TOO_MANY_CONNECTIONS);
        }
        // a connection's subscriptions are bounded on whichever loop it lives
        Client first = clients.get(0);
        Client stomp = clients.stream().filter(c -> c.stomp != null).findFirst().orElseThrow();
        stomp.stomp.send("SUBSCRIBE", "id", "s2", "destination", "multi.other");
        stomp.stomp.send("SUBSCRIBE", "id", "s3", "destination", "multi.third");
        assertThat(stomp.awaitRefusal()).isEqualTo(ErrorCodes.TOO_MANY_SUBSCRIPTIONS);
        assertThat(first.protocol).isEqualTo(Protocol.SOCKJS);
        first.sockJs.register("multi.other");
        first.sockJs.register("multi.third");
        assertThat(first.sockJs.awaitError("multi.third", TIMEOUT).getString("body")).isEqualTo(ErrorCodes.TOO_MANY_SUBSCRIPTIONS);
    }

    @Test
    void rejoinedAndShutdownNoticesReachTheClientsOfEveryLoop(EmbeddedKafka kafka) {
        String topic = "multi." + UUID.randomUUID().toString().substring(0, 8);
        KafkaBroker.createTopics(kafka, List.of(topic), 1);
        GatewayNode node = deploy(vertx, kafka, topic, new JsonObject());
        int perProtocol = LOOPS * 2;
        List<Client> told = new ArrayList<>();
        for (int i = 0; i < perProtocol; i++) {
            for (Protocol protocol : Protocol.values()) {
                told.add(new Client(protocol, node).subscribe());
            }
        }
        assertSpread(node, told.size(), 1);
        // what the cluster monitor publishes when the node merged back after a split
        vertx.eventBus().publish(ClusterMonitor.RECONNECT_CLIENTS_ADDRESS, "the node rejoined its cluster");
        for (Client client : told) {
            assertThat(client.awaitRefusal()).as("notice to a client over %s", client.protocol).isEqualTo(ErrorCodes.NODE_REJOINED);
        }

        List<Client> again = new ArrayList<>();
        for (int i = 0; i < perProtocol; i++) {
            for (Protocol protocol : Protocol.values()) {
                again.add(new Client(protocol, node).subscribe());
            }
        }
        assertSpread(node, again.size(), 1);
        GatewayNode.await(node.shutdownGracefully(), TIMEOUT);
        for (Client client : again) {
            assertThat(client.awaitRefusal()).as("notice to a client over %s", client.protocol).isEqualTo(ErrorCodes.NODE_SHUTDOWN);
        }
    }
}
