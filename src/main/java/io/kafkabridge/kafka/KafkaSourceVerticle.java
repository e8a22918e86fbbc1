package io.kafkabridge.kafka;

import io.kafkabridge.cluster.ClusterMonitor;
import io.kafkabridge.config.KafkaOptions;
import io.kafkabridge.delivery.InFlightRecords;
import io.kafkabridge.routing.JsonBytesCodec;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.routing.ReservedAddresses;
import io.kafkabridge.routing.Route;
import io.kafkabridge.routing.RoutedMessage;
import io.kafkabridge.routing.RoutingResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Consumes the routed topics with one consumer group for the whole cluster, routes each record and publishes the
 * messages on the (clustered) event bus.
 * <p>
 * Records are handled one at a time on this verticle's event loop, so per-partition order is kept. A partition's
 * position is committed from the moment it is assigned ({@link RebalanceCommitter}), then one past the last record
 * published: every {@code kafka.commitIntervalMs} (a failed commit is tried again at the next), at stop, and
 * synchronously when partitions are revoked, before another member takes them ({@link OffsetLedger}). Assignment is
 * cooperative-sticky, so a node joining does not stop the others.
 * <p>
 * While the cluster is unsettled ({@link ClusterMonitor#STABILITY_ADDRESS}), or while the node holds more records than
 * {@link InFlightRecords} allows, nothing is published: the partitions are paused in Kafka (the consumer keeps polling,
 * so it stays in the group) and the records already fetched are held, in order, until the pause ends. A pause or
 * resume that fails is applied again until it holds. A record whose value is over {@code limits.maxOutboundMessageBytes}
 * is counted and not delivered.
 */
public class KafkaSourceVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSourceVerticle.class);
    /** Delay before a failed pause or resume of the partitions is applied again. */
    private static final long RETRY_PAUSE_MS = 1000;
    /** How long a stopping source tries to commit (a rebalance under way refuses commits until it completes). */
    private static final long STOP_COMMIT_TIMEOUT_MS = 15_000;
    private static final long STOP_COMMIT_RETRY_MS = 200;
    /** How often a source paused by the in-flight bound checks whether the node caught up. */
    private static final long DRAIN_CHECK_MS = 10;
    /**
     * Longest poll of the consumer's thread. A pause or resume is a task that thread runs after its current poll, and a
     * poll of partitions that are all paused lasts its whole timeout: with Vert.x's default of 1 s, a source resumed by
     * the in-flight bound got records again only ~1 s later, and a node overloaded from a cold start delivered 12,000
     * records/s in pauses and bursts where its knee is 37,500 (bench/results/peruser-stomp-10000-2026-12-08-6f7f167.md).
     */
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(50);

    private final KafkaOptions options;
    private final String bootstrapServers;
    private final RecordRouter router;
    private final SourceStats stats;
    private final ClusterMonitor cluster;
    private final InFlightRecords inFlight;
    private final int maxValueBytes;
    private final Set<Integer> warnedRoutes = new HashSet<>();
    private final Set<String> warnedTopics = new HashSet<>();
    private final OffsetLedger ledger = new OffsetLedger();
    /** Records fetched while the cluster was unsettled, in arrival order. */
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> held = new ArrayDeque<>();
    private boolean stable = true;
    private boolean stopping;
    /** Paused because the node holds more than {@code limits.maxInFlight*}. */
    private boolean congested;
    private int sinceMarker;
    private boolean markerScheduled;
    private long drainTimer = -1;
    private final Set<Integer> warnedTooLarge = new HashSet<>();
    /** The metadata committed with every offset: when the group was placed ({@link RebalanceCommitter}). */
    private String commitMetadata = "";

    private KafkaConsumer<byte[], byte[]> consumer;
    private volatile org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> kafkaClient;
    private EventBus eventBus;
    private long commitTimer = -1;
    private long pauseRetryTimer = -1;

    /**
     * @param bootstrapServers the resolved bootstrap servers (the embedded broker's address in dev mode)
     * @param inFlight         the node's bound on records published but not yet handed to the connections' queues, or
     *                         {@code null} for none
     * @param maxValueBytes    records with a larger value are not delivered ({@code limits.maxOutboundMessageBytes})
     */
    public KafkaSourceVerticle(KafkaOptions options, String bootstrapServers, RecordRouter router, SourceStats stats,
                               ClusterMonitor cluster, InFlightRecords inFlight, int maxValueBytes) {
        this.options = options;
        this.bootstrapServers = bootstrapServers;
        this.router = router;
        this.stats = stats;
        this.cluster = cluster;
        this.inFlight = inFlight;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public Future<?> start() {
        // JSON record values travel as their bytes, to the loops of this node and to the other nodes
        JsonBytesCodec.register(vertx);
        eventBus = vertx.eventBus();
        Map<String, Object> config = new HashMap<>(options.getConsumer());
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

        // the native client resolves its bootstrap addresses when created: not on the event loop
        return vertx.executeBlocking(() -> RebalanceCommitter.wrap(
                new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(config), context, new Partitions()), false)
            .compose(this::subscribe);
    }

    /**
     * @return the Kafka client under the source, for its metrics; {@code null} before the source started
     */
    public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> kafkaClient() {
        return kafkaClient;
    }

    private Future<Void> subscribe(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> nativeConsumer) {
        kafkaClient = nativeConsumer;
        consumer = KafkaConsumer.create(vertx, nativeConsumer);
        consumer.pollTimeout(POLL_TIMEOUT);
        consumer.exceptionHandler(e -> LOG.warn("Kafka consumer of group {} on {}: {}", options.getGroupId(), bootstrapServers, e.toString()));
        consumer.handler(this::receiveRecord);
        commitTimer = vertx.setPeriodic(options.getCommitIntervalMs(), id -> commitUncommitted());
        Future<Void> watching = eventBus.<Boolean>localConsumer(ClusterMonitor.STABILITY_ADDRESS,
            message -> changeStability(Boolean.TRUE.equals(message.body()))).completion();
        return watching.compose(v -> {
            // the monitor may have seen a member leave before this verticle listened
            stable = cluster.isStable();
            if (!stable) {
                LOG.warn("Kafka source of group {} starts paused: the cluster is settling", options.getGroupId());
            }
            return router.needsPatternSubscription()
                ? consumer.subscribe(router.subscriptionPattern())
                : consumer.subscribe(router.topics());
        }).onSuccess(v -> LOG.info("Kafka source subscribed to {} on {} as group {}",
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
            // committed again even when a periodic commit carries it: that one may still fail
            ledger.revoke(partitions).forEach((partition, next) ->
                offsets.put(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(next, commitMetadata)));
            held.removeIf(record -> partitions.contains(new org.apache.kafka.common.TopicPartition(record.topic(), record.partition())));
            stats.recordReleased(partitions);
            LOG.info("Kafka partitions revoked from this node: {}", partitions);
            return offsets;
        }

        @Override
        public boolean assign(Map<org.apache.kafka.common.TopicPartition, Long> starts,
                              Map<org.apache.kafka.common.TopicPartition, Long> committed, String metadata) {
            if (metadata != null) {
                commitMetadata = metadata;
            }
            Set<org.apache.kafka.common.TopicPartition> partitions = new HashSet<>(starts.keySet());
            partitions.addAll(committed.keySet());
            for (org.apache.kafka.common.TopicPartition partition : partitions) {
                ledger.assign(partition, starts.getOrDefault(partition, OffsetLedger.UNKNOWN),
                    committed.getOrDefault(partition, OffsetLedger.UNKNOWN));
            }
            stats.recordAssigned(partitions);
            LOG.info("Kafka partitions assigned to this node: {} (first offsets {}){}", partitions, starts,
                stopping ? " (paused: stopping)" : !stable ? " (paused while the cluster settles)"
                    : congested ? " (paused: the node holds limits.maxInFlightRecords)" : "");
            return isPausing();
        }

        @Override
        public void lose(Collection<org.apache.kafka.common.TopicPartition> partitions) {
            ledger.lose(partitions);
            stats.recordReleased(partitions);
            held.removeIf(record -> partitions.contains(new org.apache.kafka.common.TopicPartition(record.topic(), record.partition())));
            if (!stopping) {
                // closing in the middle of a rebalance reports the partitions lost too: that is no fencing
                cluster.recordPartitionsLost();
            }
        }
    }

    private void changeStability(boolean nowStable) {
        if (nowStable == stable || consumer == null) {
            return;
        }
        stable = nowStable;
        if (stable) {
            LOG.info("Publishing again: {} record(s) held while the cluster settled", held.size());
            publishHeld();
        }
        applyPause();
    }

    /**
     * @return {@code true} while the partitions must stay paused: the cluster settles, the node holds too many records
     * in flight, or the source stops
     */
    private boolean isPausing() {
        return !stable || congested || stopping;
    }

    private void publishHeld() {
        while (!held.isEmpty() && !isPausing()) {
            publishRecord(held.poll());
        }
    }

    /**
     * Pauses or resumes every owned partition as {@link #isPausing()} requires; the consumer leaves out partitions it no
     * longer owns when the request runs, and a request that fails is applied again.
     */
    private void applyPause() {
        if (pauseRetryTimer >= 0) {
            vertx.cancelTimer(pauseRetryTimer);
            pauseRetryTimer = -1;
        }
        Set<TopicPartition> partitions = ownedPartitions();
        if (partitions.isEmpty()) {
            return;
        }
        boolean pausing = isPausing();
        (pausing ? consumer.pause(partitions) : consumer.resume(partitions)).onFailure(e -> {
            LOG.warn("{} Kafka partitions {} of group {} failed ({}); trying again in {} ms", pausing ? "Pausing" : "Resuming",
                partitions, options.getGroupId(), e.toString(), RETRY_PAUSE_MS);
            if (pauseRetryTimer < 0) {
                pauseRetryTimer = vertx.setTimer(RETRY_PAUSE_MS, id -> {
                    pauseRetryTimer = -1;
                    applyPause();
                });
            }
        });
    }

    /**
     * @return the partitions this node owns, as the Vert.x consumer names them
     */
    private Set<TopicPartition> ownedPartitions() {
        return ledger.owned().stream().map(p -> new TopicPartition(p.topic(), p.partition())).collect(Collectors.toSet());
    }

    /**
     * Counts a published record against the node's in-flight bound; above it, pauses the partitions until the server
     * has caught up.
     */
    private void recordInFlight(ConsumerRecord<byte[], byte[]> record) {
        if (inFlight == null) {
            return;
        }
        inFlight.recordPublished((record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length));
        if (++sinceMarker >= InFlightRecords.MARKER_EVERY) {
            sendMarker();
        } else if (!markerScheduled) {
            // the rest of a fetched batch is handed over in this task: one marker after it, so that an idle source
            // leaves nothing counted in flight
            markerScheduled = true;
            context.runOnContext(v -> {
                markerScheduled = false;
                if (sinceMarker > 0) {
                    sendMarker();
                }
            });
        }
        if (!congested && inFlight.isFull()) {
            congested = true;
            inFlight.recordPaused(true);
            sendMarker();
            LOG.info("Kafka source of group {} paused: {} record(s) / {} byte(s) published and not yet handed to the "
                    + "clients' queues (limits.maxInFlightRecords / limits.maxInFlightBytes)", options.getGroupId(),
                inFlight.records(), inFlight.bytes());
            applyPause();
            drainTimer = vertx.setPeriodic(DRAIN_CHECK_MS, id -> resumeWhenDrained());
        }
    }

    private void sendMarker() {
        sinceMarker = 0;
        eventBus.publish(InFlightRecords.ADDRESS, inFlight.marker(), new DeliveryOptions().setLocalOnly(true));
    }

    private void resumeWhenDrained() {
        if (!inFlight.hasDrained()) {
            return;
        }
        vertx.cancelTimer(drainTimer);
        drainTimer = -1;
        congested = false;
        inFlight.recordPaused(false);
        LOG.info("Kafka source of group {} resumed: the node caught up", options.getGroupId());
        publishHeld();
        applyPause();
    }

    private void receiveRecord(KafkaConsumerRecord<byte[], byte[]> consumed) {
        if (stopping) {
            return;
        }
        ConsumerRecord<byte[], byte[]> record = consumed.record();
        if (isPausing() || !held.isEmpty()) {
            held.add(record);
            return;
        }
        publishRecord(record);
    }

    private void publishRecord(ConsumerRecord<byte[], byte[]> record) {
        org.apache.kafka.common.TopicPartition partition = new org.apache.kafka.common.TopicPartition(record.topic(), record.partition());
        if (!ledger.isNext(partition, record.offset())) {
            // fetched before the partition was revoked (its new owner publishes it), or fetched again after it came back
            return;
        }
        stats.recordConsumed(record.topic());
        if (record.value() != null && record.value().length > maxValueBytes) {
            List<Route> routes = router.routesOf(record.topic());
            stats.recordTooLarge(record.topic(), routes);
            for (Route route : routes) {
                if (warnedTooLarge.add(route.index())) {
                    LOG.warn("Record {}-{}@{} holds {} bytes, over limits.maxOutboundMessageBytes ({}): {} does not deliver "
                        + "it; such records are counted in /health (routes, too_large) and logged once per route",
                        record.topic(), record.partition(), record.offset(), record.value().length, maxValueBytes, route);
                }
            }
            ledger.advance(partition, record.offset() + 1);
            return;
        }
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
                LOG.warn("Record {}-{}@{} has no value for a placeholder of {}, or its address would be one reserved to "
                    + "the gateway ({}); such records are counted as unroutable (this is logged once per route)", record.topic(),
                    record.partition(), record.offset(), route, ReservedAddresses.PREFIXES);
            }
        }
        if (result.isUnroutable()) {
            stats.recordUnroutable(record.topic());
            if (result.unfilledRoutes().isEmpty() && warnedTopics.add(record.topic())) {
                LOG.warn("Topic {} matches no route; its records are counted as unroutable (logged once per topic)", record.topic());
            }
        }
        ledger.advance(partition, record.offset() + 1);
        recordInFlight(record);
    }

    /**
     * Commits the positions Kafka does not have yet; a failed commit is carried by the next one.
     */
    private Future<Void> commitUncommitted() {
        return commit(ledger.takeUncommitted());
    }

    private Future<Void> commit(Map<org.apache.kafka.common.TopicPartition, Long> positions) {
        if (positions.isEmpty()) {
            return Future.succeededFuture();
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        positions.forEach((partition, next) ->
            offsets.put(new TopicPartition(partition.topic(), partition.partition()), new OffsetAndMetadata(next, commitMetadata)));
        return consumer.commit(offsets).<Void>mapEmpty()
            .onSuccess(v -> ledger.confirm(positions))
            .onFailure(e -> {
                ledger.release(positions);
                if (isRebalancing(e)) {
                    LOG.info("Commit of offsets {} for group {} waits for the rebalance under way; the next commit tries again",
                        positions, options.getGroupId());
                } else {
                    LOG.warn("Commit of offsets {} for group {} failed; the next commit tries again: {}", positions,
                        options.getGroupId(), e.toString());
                }
            });
    }

    private static boolean isRebalancing(Throwable e) {
        return e instanceof RebalanceInProgressException || e.getCause() instanceof RebalanceInProgressException;
    }

    /**
     * Stops publishing, commits what was published and leaves the group. The partitions are paused in Kafka, not the
     * stream: the consumer keeps polling, so a rebalance under way completes and the final commit, refused until then,
     * is accepted (a member that left mid-rebalance would lose its partitions uncommitted).
     */
    @Override
    public Future<?> stop() {
        if (commitTimer >= 0) {
            vertx.cancelTimer(commitTimer);
        }
        if (consumer == null) {
            return Future.succeededFuture();
        }
        if (pauseRetryTimer >= 0) {
            vertx.cancelTimer(pauseRetryTimer);
        }
        if (drainTimer >= 0) {
            vertx.cancelTimer(drainTimer);
        }
        stopping = true;
        held.clear();
        Set<TopicPartition> owned = ownedPartitions();
        Promise<Void> committed = Promise.promise();
        consumer.pause(owned).onComplete(paused ->
            commitBeforeLeaving(System.currentTimeMillis() + STOP_COMMIT_TIMEOUT_MS, committed));
        return committed.future()
            .transform(ignored -> consumer.close())
            .onComplete(ignored -> LOG.info("Kafka source of group {} stopped", options.getGroupId()));
    }

    private void commitBeforeLeaving(long deadline, Promise<Void> done) {
        Map<org.apache.kafka.common.TopicPartition, Long> positions = ledger.takeUnconfirmed();
        if (positions.isEmpty()) {
            done.complete();
            return;
        }
        commit(positions).onComplete(result -> {
            if (result.succeeded()) {
                done.complete();
            } else if (System.currentTimeMillis() < deadline) {
                vertx.setTimer(STOP_COMMIT_RETRY_MS, id -> commitBeforeLeaving(deadline, done));
            } else {
                LOG.warn("Kafka source of group {} leaves without committing {}: the records published since the last "
                    + "commit will be delivered again", options.getGroupId(), positions);
                done.complete();
            }
        });
    }
}
