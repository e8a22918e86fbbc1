package io.kafkabridge.kafka;

import io.kafkabridge.cluster.ClusterMonitor;
import io.kafkabridge.config.KafkaOptions;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.routing.Route;
import io.kafkabridge.routing.RoutedMessage;
import io.kafkabridge.routing.RoutingResult;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Consumes the routed topics with one consumer group for the whole cluster, routes each record and publishes the
 * messages on the (clustered) event bus.
 * <p>
 * Records are handled one at a time on this verticle's event loop, so per-partition order is kept. The offset of a
 * record is committed only after all its messages were published: every {@code kafka.commitIntervalMs}, at stop, and
 * synchronously when partitions are revoked, before another member takes them ({@link RebalanceCommitter}).
 * Assignment is cooperative-sticky, so a node joining does not stop the others.
 * <p>
 * While the cluster is unsettled ({@link ClusterMonitor#STABILITY_ADDRESS}) nothing is published: the partitions are
 * paused in Kafka (the consumer keeps polling, so it stays in the group) and the records already fetched are held, in
 * order, until the cluster is stable again.
 */
public class KafkaSourceVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSourceVerticle.class);

    private final KafkaOptions options;
    private final String bootstrapServers;
    private final RecordRouter router;
    private final SourceStats stats;
    private final ClusterMonitor cluster;
    private final Set<Integer> warnedRoutes = new HashSet<>();
    private final Set<String> warnedTopics = new HashSet<>();
    /** Next offset to commit per owned partition: one past the last record published. */
    private final Map<org.apache.kafka.common.TopicPartition, Long> publishedOffsets = new HashMap<>();
    /** The offsets of the last periodic commit requested per partition. */
    private final Map<org.apache.kafka.common.TopicPartition, Long> commitRequested = new HashMap<>();
    private final Set<org.apache.kafka.common.TopicPartition> assigned = new HashSet<>();
    /** Records fetched while the cluster was unsettled, in arrival order. */
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> held = new ArrayDeque<>();
    private boolean stable = true;

    private KafkaConsumer<byte[], byte[]> consumer;
    private EventBus eventBus;
    private long commitTimer = -1;

    /**
     * @param bootstrapServers the resolved bootstrap servers (the embedded broker's address in dev mode)
     */
    public KafkaSourceVerticle(KafkaOptions options, String bootstrapServers, RecordRouter router, SourceStats stats,
                               ClusterMonitor cluster) {
        this.options = options;
        this.bootstrapServers = bootstrapServers;
        this.router = router;
        this.stats = stats;
        this.cluster = cluster;
    }

    @Override
    public Future<?> start() {
        eventBus = vertx.eventBus();
        Map<String, String> config = new HashMap<>(options.getConsumer());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, options.getGroupId());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, options.getAutoOffsetReset());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "kafka-eventbus-bridge-" + deploymentID());
        config.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        config.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        config.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");

        Map<String, Object> nativeConfig = new HashMap<>(config);
        org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> nativeConsumer =
            RebalanceCommitter.wrap(new org.apache.kafka.clients.consumer.KafkaConsumer<>(nativeConfig), context, new Partitions());
        consumer = KafkaConsumer.create(vertx, nativeConsumer);
        consumer.exceptionHandler(e -> LOG.warn("Kafka consumer of group {} on {}: {}", options.getGroupId(), bootstrapServers, e.toString()));
        consumer.handler(this::receiveRecord);
        commitTimer = vertx.setPeriodic(options.getCommitIntervalMs(), id -> commitPublished());
        Future<Void> watching = eventBus.<Boolean>localConsumer(ClusterMonitor.STABILITY_ADDRESS,
            message -> changeStability(Boolean.TRUE.equals(message.body()))).completion();

        Future<Void> subscribed = watching.compose(v -> router.needsPatternSubscription()
            ? consumer.subscribe(router.subscriptionPattern())
            : consumer.subscribe(router.topics()));
        return subscribed.onSuccess(v -> LOG.info("Kafka source subscribed to {} on {} as group {}",
            router.needsPatternSubscription() ? "pattern " + router.subscriptionPattern() : router.topics(),
            bootstrapServers, options.getGroupId()));
    }

    /**
     * Partition hand-offs, run on this verticle's event loop while the consumer waits inside {@code poll}.
     */
    private final class Partitions implements RebalanceCommitter.Partitions {
        @Override
        public Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> revoke(
            Collection<org.apache.kafka.common.TopicPartition> partitions) {
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets = new HashMap<>();
            for (org.apache.kafka.common.TopicPartition partition : partitions) {
                assigned.remove(partition);
                commitRequested.remove(partition);
                // committed again even when a periodic commit asked for it: that one may still be in flight
                Long next = publishedOffsets.remove(partition);
                if (next != null) {
                    offsets.put(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(next));
                }
            }
            held.removeIf(record -> partitions.contains(new org.apache.kafka.common.TopicPartition(record.topic(), record.partition())));
            LOG.info("Kafka partitions revoked from this node: {}", partitions);
            return offsets;
        }

        @Override
        public boolean assign(Collection<org.apache.kafka.common.TopicPartition> partitions) {
            assigned.addAll(partitions);
            LOG.info("Kafka partitions assigned to this node: {}{}", partitions, stable ? "" : " (paused while the cluster settles)");
            return !stable;
        }

        @Override
        public void lose(Collection<org.apache.kafka.common.TopicPartition> partitions) {
            for (org.apache.kafka.common.TopicPartition partition : partitions) {
                assigned.remove(partition);
                publishedOffsets.remove(partition);
                commitRequested.remove(partition);
            }
            held.removeIf(record -> partitions.contains(new org.apache.kafka.common.TopicPartition(record.topic(), record.partition())));
            cluster.recordPartitionsLost();
        }
    }

    private void changeStability(boolean nowStable) {
        if (nowStable == stable || consumer == null) {
            return;
        }
        stable = nowStable;
        Set<TopicPartition> partitions = assigned.stream().map(p -> new TopicPartition(p.topic(), p.partition())).collect(Collectors.toSet());
        if (!stable) {
            consumer.pause(partitions);
            return;
        }
        LOG.info("Publishing again: {} record(s) held while the cluster settled", held.size());
        while (!held.isEmpty() && stable) {
            publishRecord(held.poll());
        }
        consumer.resume(partitions);
    }

    private void receiveRecord(KafkaConsumerRecord<byte[], byte[]> consumed) {
        ConsumerRecord<byte[], byte[]> record = consumed.record();
        if (!stable || !held.isEmpty()) {
            held.add(record);
            return;
        }
        publishRecord(record);
    }

    private void publishRecord(ConsumerRecord<byte[], byte[]> record) {
        org.apache.kafka.common.TopicPartition partition = new org.apache.kafka.common.TopicPartition(record.topic(), record.partition());
        if (!assigned.contains(partition)) {
            // fetched before the partition was revoked: its new owner publishes it
            return;
        }
        stats.recordConsumed(record.topic());
        RoutingResult result = router.route(record);
        for (RoutedMessage message : result.messages()) {
            eventBus.publish(message.address(), message.body(), new DeliveryOptions().setHeaders(message.headers()));
        }
        stats.recordPublished(record.topic(), result.messages().size());
        if (result.invalidJson()) {
            stats.recordInvalidJson(record.topic());
        }
        for (Integer routeIndex : result.unfilledRoutes()) {
            if (warnedRoutes.add(routeIndex)) {
                Route route = router.routes().get(routeIndex);
                LOG.warn("Record {}-{}@{} has no value for a placeholder of {}; such records are counted as unroutable "
                    + "(this is logged once per route)", record.topic(), record.partition(), record.offset(), route);
            }
        }
        if (result.isUnroutable()) {
            stats.recordUnroutable(record.topic());
            if (result.unfilledRoutes().isEmpty() && warnedTopics.add(record.topic())) {
                LOG.warn("Topic {} matches no route; its records are counted as unroutable (logged once per topic)", record.topic());
            }
        }
        publishedOffsets.put(partition, record.offset() + 1);
    }

    private Future<Void> commitPublished() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        publishedOffsets.forEach((partition, next) -> {
            if (!next.equals(commitRequested.get(partition))) {
                commitRequested.put(partition, next);
                offsets.put(new TopicPartition(partition.topic(), partition.partition()), new OffsetAndMetadata(next, ""));
            }
        });
        return commit(offsets);
    }

    private Future<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return Future.succeededFuture();
        }
        return consumer.commit(offsets).<Void>mapEmpty().onFailure(e ->
            LOG.warn("Commit of offsets {} for group {} failed (the records will be delivered again after a restart): {}",
                offsets.keySet(), options.getGroupId(), e.toString()));
    }

    @Override
    public Future<?> stop() {
        if (commitTimer >= 0) {
            vertx.cancelTimer(commitTimer);
        }
        if (consumer == null) {
            return Future.succeededFuture();
        }
        consumer.pause();
        held.clear();
        return commitPublished()
            .transform(ignored -> consumer.close())
            .onComplete(ignored -> LOG.info("Kafka source of group {} stopped", options.getGroupId()));
    }
}
