package io.kafkabridge.kafka;

import io.kafkabridge.cluster.ClusterMonitor;
import io.kafkabridge.config.KafkaOptions;
import io.kafkabridge.config.RouteOptions;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.testing.ClusteredVertx;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka source on the test broker, with the cluster's stability driven as the {@link ClusterMonitor} drives it:
 * pausing and resuming while partitions move never leaves one paused, and a source started while the cluster settles
 * publishes nothing until it is stable.
 */
@ExtendWith(KafkaBroker.class)
class KafkaSourceVerticleTest {

    private static final Duration DELIVERY = Duration.ofSeconds(60);

    private static EmbeddedKafka kafka;
    private static KafkaProducer<String, String> producer;
    private final List<Vertx> instances = new ArrayList<>();

    @BeforeAll
    static void startProducer(EmbeddedKafka broker) {
        kafka = broker;
        producer = KafkaBroker.createProducer(kafka);
    }

    @AfterAll
    static void stopProducer() {
        producer.close();
    }

    @AfterEach
    void closeInstances() {
        for (Vertx vertx : instances) {
            GatewayNode.await(vertx.close(), Duration.ofSeconds(30));
        }
    }

    private Vertx track(Vertx vertx) {
        instances.add(vertx);
        return vertx;
    }

    private static KafkaSourceVerticle createSource(Vertx vertx, String topic, String group, String address) {
        KafkaOptions options = new KafkaOptions().setGroupId(group).setAutoOffsetReset("earliest").setCommitIntervalMs(200);
        RecordRouter router = new RecordRouter(List.of(new RouteOptions().setTopic(topic).setAddress(address)));
        return new KafkaSourceVerticle(options, kafka.bootstrapServers(), router, new SourceStats(), ClusterMonitor.start(vertx), null,
            Integer.MAX_VALUE);
    }

    /** Collects "partition@offset" of every message published on {@code address} of this instance. */
    private static void collect(Vertx vertx, String address, Set<String> seen) {
        GatewayNode.await(vertx.eventBus().<Object>localConsumer(address, message ->
                seen.add(message.headers().get("kafka.partition") + "@" + message.headers().get("kafka.offset")))
            .completion(), Duration.ofSeconds(10));
    }

    private static void announceStability(Vertx vertx, boolean stable) {
        vertx.eventBus().publish(ClusterMonitor.STABILITY_ADDRESS, stable, new DeliveryOptions().setLocalOnly(true));
    }

    private static void awaitAll(Set<String> seen, Set<String> expected) {
        long deadline = System.nanoTime() + DELIVERY.toNanos();
        while (!seen.containsAll(expected) && System.nanoTime() < deadline) {
            pace(Duration.ofMillis(50));
        }
        Set<String> missing = new HashSet<>(expected);
        missing.removeAll(seen);
        assertThat(missing).as("records never published").isEmpty();
    }

    @Test
    void stabilityChangesRacingRebalancesLeaveNoPartitionPaused() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String topic = "source.race." + id;
        String group = "source-race-" + id;
        String address = "race." + id;
        int partitions = 6;
        KafkaBroker.createTopics(kafka, List.of(topic), partitions);
        Vertx a = track(Vertx.vertx());
        Vertx b = track(Vertx.vertx());
        Set<String> seen = ConcurrentHashMap.newKeySet();
        collect(a, address, seen);
        collect(b, address, seen);
        GatewayNode.await(a.deployVerticle(createSource(a, topic, group, address)), Duration.ofSeconds(30));

        // while a second member joins and leaves (each time partitions move), the cluster turns unstable and stable
        // again many times on both members
        Random random = new Random(7);
        long flips = a.setPeriodic(25, t -> announceStability(a, random.nextBoolean()));
        long flipsB = b.setPeriodic(25, t -> announceStability(b, random.nextBoolean()));
        for (int round = 0; round < 3; round++) {
            String deployment = GatewayNode.await(b.deployVerticle(createSource(b, topic, group, address)), Duration.ofSeconds(30));
            pace(Duration.ofMillis(2500));
            GatewayNode.await(b.undeploy(deployment), Duration.ofSeconds(30));
        }
        GatewayNode.await(b.deployVerticle(createSource(b, topic, group, address)), Duration.ofSeconds(30));
        a.cancelTimer(flips);
        b.cancelTimer(flipsB);
        announceStability(a, true);
        announceStability(b, true);

        // one record into every partition: each is published by whichever member owns it now
        Set<String> expected = new HashSet<>();
        for (int p = 0; p < partitions; p++) {
            RecordMetadata metadata = KafkaBroker.produce(producer, new ProducerRecord<>(topic, p, "k" + p, "{\"p\":" + p + "}"));
            expected.add(metadata.partition() + "@" + metadata.offset());
        }
        awaitAll(seen, expected);
    }

    /** Waits without blocking a Vert.x thread: pacing, never a wait for an event that could be observed. */
    private static void pace(Duration pace) {
        CompletableFuture<Void> later = new CompletableFuture<>();
        later.completeOnTimeout(null, pace.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    @Test
    void aSourceStartedWhileTheClusterSettlesPublishesOnlyOnceItIsStable() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String topic = "source.settle." + id;
        String address = "settle." + id;
        KafkaBroker.createTopics(kafka, List.of(topic), 1);
        Vertx a = track(ClusteredVertx.start("source-settle-" + id));
        Vertx b = ClusteredVertx.start("source-settle-" + id);
        ClusterMonitor monitor = ClusterMonitor.start(a);
        CompletableFuture<Boolean> unsettled = new CompletableFuture<>();
        GatewayNode.await(a.eventBus().<Boolean>localConsumer(ClusterMonitor.STABILITY_ADDRESS, m -> {
            if (!m.body()) {
                unsettled.complete(true);
            }
        }).completion(), Duration.ofSeconds(10));
        try {
            GatewayNode.await(b.close(), Duration.ofSeconds(30));
            assertThat(unsettled).succeedsWithin(Duration.ofSeconds(30));

            Map<String, Boolean> stableAtDelivery = new ConcurrentHashMap<>();
            CompletableFuture<Void> delivered = new CompletableFuture<>();
            GatewayNode.await(a.eventBus().<Object>localConsumer(address, message -> {
                stableAtDelivery.put(message.headers().get("kafka.offset"), monitor.isStable());
                delivered.complete(null);
            }).completion(), Duration.ofSeconds(10));
            KafkaSourceVerticle source = new KafkaSourceVerticle(new KafkaOptions().setGroupId("source-settle-" + id)
                .setAutoOffsetReset("earliest"), kafka.bootstrapServers(),
                new RecordRouter(List.of(new RouteOptions().setTopic(topic).setAddress(address))), new SourceStats(), monitor, null,
                Integer.MAX_VALUE);
            GatewayNode.await(a.deployVerticle(source), Duration.ofSeconds(30));
            RecordMetadata metadata = KafkaBroker.produce(producer, new ProducerRecord<>(topic, "k", "{}"));
            assertThat(monitor.isStable()).as("still settling when the record was produced").isFalse();

            assertThat(delivered).succeedsWithin(DELIVERY);
            assertThat(stableAtDelivery).as("published once, and only after the cluster settled")
                .containsExactly(Map.entry(String.valueOf(metadata.offset()), true));
        } finally {
            monitor.close();
        }
    }
}
