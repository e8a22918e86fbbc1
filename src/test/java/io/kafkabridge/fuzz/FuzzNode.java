package io.kafkabridge.fuzz;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.kafkabridge.fuzz.BridgeRules.ECHO;
import static io.kafkabridge.fuzz.BridgeRules.MATCH;
import static io.kafkabridge.fuzz.FuzzSettings.TIMEOUT;

/**
 * The ONE live gateway node every protocol's fuzz class fuzzes, deployed with {@link GatewayNode} on the shared real
 * broker (see {@link SharedFuzzNode}): topic {@value #TOPIC} ({@value #PARTITIONS} partitions) routed to
 * {@code user.{key}.orders}, the bridge rules of {@link BridgeRules}, a consumer answering every message sent with a
 * reply address to {@link BridgeRules#ECHO} and {@link BridgeRules#MATCH}, a Kafka producer, and a second Vert.x
 * instance for the clients.
 */
final class FuzzNode implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    static final String TOPIC = "fuzz.orders.status";
    static final int PARTITIONS = 3;

    private final Vertx vertx;
    private final Vertx clientVertx;
    private final List<MessageConsumer<?>> echoConsumers = new ArrayList<>();
    private GatewayNode node;
    private KafkaProducer<String, String> producer;
    /** The used heap after GC before the node's first fuzz run: the bound of every later run is counted from it. */
    private Long firstHeapBaseline;

    FuzzNode(EmbeddedKafka kafka) {
        vertx = Vertx.vertx();
        clientVertx = Vertx.vertx();
        try {
            KafkaBroker.createTopics(kafka, List.of(TOPIC), PARTITIONS);
            JsonArray routes = new JsonArray().add(new JsonObject().put("topic", TOPIC).put("address", "user.{key}.orders"));
            // every fuzzing client comes from 127.0.0.1: the per-address cap would refuse them all beyond 1,000
            node = GatewayNode.deploy(vertx, GatewayNode.config(kafka, "fuzz-clients", routes, BridgeRules.bridgeConfig())
                .put("limits", new JsonObject().put("maxConnectionsPerAddress", 100_000)));
            for (String address : List.of(ECHO, MATCH)) {
                echoConsumers.add(vertx.eventBus().consumer(address, m -> {
                    if (m.replyAddress() != null) {
                        m.reply(m.body());
                    }
                }));
            }
            producer = KafkaBroker.createProducer(kafka);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** The node's Vert.x instance (event bus, timers). */
    Vertx vertx() {
        return vertx;
    }

    /** The Vert.x instance of the fuzzing and well-behaved clients. */
    Vertx clientVertx() {
        return clientVertx;
    }

    int httpPort() {
        return node.httpPort();
    }

    int stompPort() {
        return node.stompPort();
    }

    String httpBase() {
        return node.httpBase();
    }

    KafkaProducer<String, String> producer() {
        return producer;
    }

    /**
     * The used heap after GC before the node's first fuzz run; the first call records {@code baseline} as that.
     */
    synchronized long recordFirstHeapBaseline(long baseline) {
        if (firstHeapBaseline == null) {
            firstHeapBaseline = baseline;
        }
        return firstHeapBaseline;
    }

    /** Publishes probe messages on the event bus until every client has shown one: their subscriptions are live. */
    void awaitProbes(String address, List<Subscriber> subscribers) throws Exception {
        long timer = vertx.setPeriodic(100, id -> vertx.eventBus().publish(address, new JsonObject().put("probe", true).put("seq", -1)));
        try {
            CompletableFuture.allOf(subscribers.stream().map(s -> s.probe).toArray(CompletableFuture[]::new))
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close();
        }
        echoConsumers.forEach(MessageConsumer::unregister);
        if (node != null) {
            node.undeploy();
        }
        GatewayNode.await(clientVertx.close(), TIMEOUT);
        GatewayNode.await(vertx.close(), TIMEOUT);
    }
}
