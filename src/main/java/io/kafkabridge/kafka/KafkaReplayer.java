package io.kafkabridge.kafka;

import io.kafkabridge.config.KafkaOptions;
import io.kafkabridge.config.ResumeOptions;
import io.kafkabridge.delivery.Replay;
import io.kafkabridge.delivery.ReplayCollector;
import io.kafkabridge.delivery.ReplaySource;
import io.kafkabridge.delivery.Since;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.routing.RoutedMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Replays an address from Kafka for the subscriptions that ask for it ({@code since}): a pool of
 * {@code resume.maxConcurrent} worker threads, each with its own consumer that belongs to no group ({@code assign} and
 * {@code seek}), reads every partition that feeds the address from the subscription's position (or the offset of a
 * time, {@code offsetsForTimes}) up to the end the partition had when the replay began, and keeps the records routed to
 * the address ({@link ReplayCollector}). Bounded by {@code resume.maxRecords} delivered, {@code resume.maxScanRecords}
 * read and {@code resume.timeoutMs}; what it cannot read whole is said in the replay's gap.
 */
public final class KafkaReplayer implements ReplaySource {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaReplayer.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** The most replays one pass reads. */
    static final int MAX_BATCH = 500;
    /** Records a pass reads between two yields to the event loops. */
    static final int YIELD_EVERY = 256;

    private final Vertx vertx;
    private final RecordRouter router;
    private final ResumeOptions options;
    private final int maxValueBytes;
    private final Map<String, Object> consumerConfig;
    private final WorkerExecutor workers;
    private final EventLoopBarrier loops;
    private final ThreadLocal<KafkaConsumer<byte[], byte[]>> consumers = new ThreadLocal<>();
    private final ConcurrentLinkedQueue<KafkaConsumer<byte[], byte[]>> opened = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final ConcurrentLinkedQueue<Request> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger readers = new AtomicInteger();
    private final AtomicInteger clientIds = new AtomicInteger();
    private final LongAdder replays = new LongAdder();
    private final LongAdder replayed = new LongAdder();
    private final LongAdder scanned = new LongAdder();
    private final LongAdder gaps = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder refused = new LongAdder();

    public KafkaReplayer(Vertx vertx, KafkaOptions kafka, String bootstrapServers, RecordRouter router, ResumeOptions options,
                         int maxValueBytes) {
        this.vertx = vertx;
        this.router = router;
        this.options = options;
        this.maxValueBytes = maxValueBytes;
        Map<String, Object> config = new HashMap<>(kafka.getConsumer());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        // a replay reads what exists: asking for a routed topic that does not exist must not create it
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        this.consumerConfig = config;
        this.loops = new EventLoopBarrier(vertx);
        this.workers = vertx.createSharedWorkerExecutor("kafka-eventbus-bridge-replay", options.getMaxConcurrent(),
            options.getTimeoutMs() * 4, TimeUnit.MILLISECONDS);
    }

    /** A replay asked for, waiting for a reader. */
    private record Request(String address, Since since, Context context, Promise<Replay> promise) {
    }

    /** What one request of a batch reads, and what it has read so far. */
    private static final class Plan {
        final Request request;
        final List<TopicPartition> partitions = new ArrayList<>();
        final Map<TopicPartition, Long> start = new HashMap<>();
        final ReplayCollector<byte[]> collector;
        long baseline;
        long deleted;
        long skipped;

        Plan(Request request, int maxRecords) {
            this.request = request;
            this.collector = new ReplayCollector<>(maxRecords, request.since().snapshot());
        }
    }

    @Override
    public Future<Replay> replay(String address, Since since) {
        if (pending.incrementAndGet() > options.getMaxConcurrent() + options.getMaxPending()) {
            pending.decrementAndGet();
            refused.increment();
            return Future.failedFuture(new IllegalStateException("the node runs " + options.getMaxConcurrent()
                + " replays and has " + options.getMaxPending() + " waiting (resume.maxConcurrent, resume.maxPending)"));
        }
        Promise<Replay> promise = Promise.promise();
        queue.add(new Request(address, since, vertx.getOrCreateContext(), promise));
        startReader();
        return promise.future()
            .onComplete(done -> pending.decrementAndGet())
            .onFailure(e -> {
                failures.increment();
                LOG.warn("Replay of {} failed: {}", address, e.toString());
            });
    }

    /**
     * Starts a reader unless {@code resume.maxConcurrent} run already: a reader takes every request waiting (up to
     * {@link #MAX_BATCH}) and reads them in one pass, then the next ones, until none waits.
     */
    private void startReader() {
        while (true) {
            int running = readers.get();
            if (running >= options.getMaxConcurrent() || queue.isEmpty()) {
                return;
            }
            if (readers.compareAndSet(running, running + 1)) {
                workers.executeBlocking(() -> {
                    drain();
                    return null;
                }, false);
                return;
            }
        }
    }

    /**
     * Runs on a worker thread: reads batches of waiting requests until none waits.
     */
    private void drain() {
        try {
            while (true) {
                List<Request> batch = new ArrayList<>();
                Request next;
                while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
                    batch.add(next);
                }
                if (batch.isEmpty()) {
                    return;
                }
                try {
                    readBatch(batch);
                } catch (RuntimeException e) {
                    batch.forEach(request -> request.context().runOnContext(v -> request.promise().tryFail(e)));
                }
            }
        } finally {
            readers.decrementAndGet();
            // a request that came while this reader was finishing
            startReader();
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        KafkaConsumer<byte[], byte[]> consumer = consumers.get();
        if (consumer == null) {
            Map<String, Object> config = new HashMap<>(consumerConfig);
            config.put(ConsumerConfig.CLIENT_ID_CONFIG, "kafka-eventbus-bridge-replay-" + clientIds.incrementAndGet());
            consumer = new KafkaConsumer<>(config);
            consumers.set(consumer);
            opened.add(consumer);
        }
        return consumer;
    }

    /**
     * Reads the replays of a batch in one pass over the partitions they need, from the first position any of them needs
     * up to the end every partition had when the pass began: each record is routed once and handed to the replays of
     * the addresses it goes to whose range holds it.
     */
    private void readBatch(List<Request> batch) {
        // the bound is on the reading: the wait for a reader is bounded by resume.maxPending
        long deadline = System.currentTimeMillis() + options.getTimeoutMs();
        Duration timeout = Duration.ofMillis(options.getTimeoutMs());
        KafkaConsumer<byte[], byte[]> consumer = consumer();
        replays.add(batch.size());
        Collection<String> topicNames = router.needsPatternSubscription() ? consumer.listTopics(timeout).keySet() : router.topics();
        Map<String, List<TopicPartition>> partitionsOf = new HashMap<>();
        List<Plan> plans = new ArrayList<>();
        Set<TopicPartition> all = new HashSet<>();
        for (Request request : batch) {
            Plan plan = new Plan(request, options.getMaxRecords());
            for (String topic : router.topicsFeeding(request.address(), topicNames)) {
                plan.partitions.addAll(partitionsOf.computeIfAbsent(topic, t -> {
                    List<PartitionInfo> infos = consumer.partitionsFor(t, timeout);
                    return infos == null ? List.of()
                        : infos.stream().map(info -> new TopicPartition(info.topic(), info.partition())).toList();
                }));
            }
            all.addAll(plan.partitions);
            plans.add(plan);
        }
        // one end for the whole batch, taken after every request's subscription was registered for live messages
        Map<TopicPartition, Long> end = consumer.endOffsets(all, timeout);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(all, timeout);
        for (Plan plan : plans) {
            place(consumer, plan, begin, end, timeout);
        }

        // where the pass starts: the first position any replay needs
        Map<TopicPartition, Long> from = new HashMap<>();
        Map<String, List<Plan>> byAddress = new HashMap<>();
        for (Plan plan : plans) {
            byAddress.computeIfAbsent(plan.request.address(), a -> new ArrayList<>()).add(plan);
            plan.start.forEach((partition, offset) -> {
                if (offset < end.get(partition)) {
                    from.merge(partition, offset, Math::min);
                }
            });
        }
        Set<TopicPartition> reading = new HashSet<>(from.keySet());
        Map<TopicPartition, Long> position = new HashMap<>(from);
        consumer.assign(reading);
        reading.forEach(partition -> consumer.seek(partition, from.get(partition)));
        long read = 0;
        int sinceYield = 0;
        boolean timedOut = false;
        while (!reading.isEmpty()) {
            if (System.currentTimeMillis() > deadline || !yieldToLoops(deadline)) {
                timedOut = true;
                break;
            }
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
            for (ConsumerRecord<byte[], byte[]> record : records) {
                if (++sinceYield == YIELD_EVERY) {
                    sinceYield = 0;
                    if (!yieldToLoops(deadline)) {
                        timedOut = true;
                        break;
                    }
                }
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (!reading.contains(partition) || record.offset() >= end.get(partition)) {
                    continue;
                }
                read++;
                position.put(partition, record.offset() + 1);
                if (record.value() == null || record.value().length <= maxValueBytes) {
                    List<RoutedMessage> routed = router.routeTo(record, byAddress::containsKey);
                    Map<String, Integer> perAddress = routed.size() > 1 ? new HashMap<>() : null;
                    for (RoutedMessage message : routed) {
                        // which of the record's messages to its address (several routes may give it one address)
                        int index = perAddress == null ? 0 : perAddress.merge(message.address(), 1, Integer::sum) - 1;
                        Object key = message.headers().get(RecordRouter.HEADER_KEY);
                        byte[] kept = null;
                        for (Plan plan : byAddress.get(message.address())) {
                            Long start = plan.start.get(partition);
                            if (start != null && record.offset() >= start) {
                                if (kept == null) {
                                    kept = ReplayedRecords.encode(record, index);
                                }
                                plan.collector.accept(kept, key, partition, record.offset(), record.timestamp());
                            }
                        }
                    }
                }
                if (record.offset() + 1 >= end.get(partition)) {
                    reading.remove(partition);
                }
            }
            // a partition whose last records were deleted or compacted away ends before its end offset
            for (TopicPartition partition : new ArrayList<>(reading)) {
                if (consumer.position(partition, timeout) >= end.get(partition)) {
                    reading.remove(partition);
                }
            }
            consumer.pause(consumer.assignment().stream().filter(p -> !reading.contains(p)).toList());
        }
        consumer.assign(List.of());
        scanned.add(read);

        for (Plan plan : plans) {
            long unread = 0;
            for (TopicPartition partition : plan.partitions) {
                if (reading.contains(partition)) {
                    unread += end.get(partition) - Math.max(position.get(partition), plan.start.get(partition));
                }
            }
            List<RoutedMessage> messages = new ReplayedRecords(plan.collector.messages(), router, plan.request.address());
            replayed.add(messages.size());
            JsonObject gap = gap(plan.request.address(), plan.deleted, plan.skipped, plan.collector.dropped(), timedOut,
                Math.max(0, unread), plan.request.since().snapshot());
            if (gap != null) {
                gaps.increment();
            }
            Map<TopicPartition, Long> planEnd = new HashMap<>();
            plan.partitions.forEach(partition -> planEnd.put(partition, end.get(partition)));
            LOG.info("Replay of {} from {}: {} partition(s), {} record(s) read in a pass for {} replay(s), {} delivered{}",
                plan.request.address(), plan.request.since().token() != null ? "a resume token" : "time " + plan.request.since().timeMs(),
                plan.partitions.size(), read, batch.size(), messages.size(),
                gap == null ? "" : " (gap: " + gap.getString("reason") + ", " + gap.getLong("missing") + " missing)");
            Replay replay = new Replay(messages, gap, Map.copyOf(plan.start), Map.copyOf(planEnd), plan.baseline);
            plan.request.context().runOnContext(v -> plan.request.promise().tryComplete(replay));
        }
    }

    /**
     * Waits until the event loops ran what they had queued: a pass reads in chunks between the live messages, never
     * taking the core from them for longer than a chunk.
     *
     * @return {@code false} when the deadline passed first
     */
    private boolean yieldToLoops(long deadline) {
        try {
            return loops.awaitDrained(Math.max(0, deadline - System.currentTimeMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Where a replay starts in each of its partitions: the token's position, else the first offset at or after its
     * time (or baseline); what Kafka no longer holds and what the scan bound leaves out are counted for its gap.
     */
    private void place(KafkaConsumer<byte[], byte[]> consumer, Plan plan, Map<TopicPartition, Long> begin,
                       Map<TopicPartition, Long> end, Duration timeout) {
        Since since = plan.request.since();
        plan.baseline = since.token() != null ? since.token().baselineMs() : since.timeMs();
        Map<TopicPartition, Long> byTime = new HashMap<>();
        for (TopicPartition partition : plan.partitions) {
            Long position = since.token() == null ? null : since.token().position(partition);
            if (position != null) {
                plan.start.put(partition, position);
            } else {
                byTime.put(partition, plan.baseline);
            }
        }
        if (!byTime.isEmpty()) {
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(byTime, timeout);
            byTime.keySet().forEach(partition -> {
                OffsetAndTimestamp offset = found.get(partition);
                plan.start.put(partition, offset == null ? end.get(partition) : offset.offset());
            });
        }
        long toScan = 0;
        for (TopicPartition partition : plan.partitions) {
            long from = Math.min(plan.start.get(partition), end.get(partition));
            if (from < begin.get(partition)) {
                plan.deleted += begin.get(partition) - from;
                from = begin.get(partition);
            }
            plan.start.put(partition, from);
            toScan += end.get(partition) - from;
        }
        if (toScan > options.getMaxScanRecords()) {
            // the newest of every partition, in proportion
            for (TopicPartition partition : plan.partitions) {
                long length = end.get(partition) - plan.start.get(partition);
                long kept = length * options.getMaxScanRecords() / toScan;
                plan.skipped += length - kept;
                plan.start.put(partition, end.get(partition) - kept);
            }
        }
    }

    private static JsonObject gap(String address, long deleted, long skipped, long dropped, boolean timedOut, long unread,
                                  boolean snapshot) {
        String reason;
        long missing;
        String message;
        if (deleted > 0) {
            reason = Replay.RETENTION;
            missing = deleted + skipped + dropped + unread;
            message = deleted + " record(s) of the partitions feeding " + address + " are no longer in Kafka (retention or "
                + "deletion)";
        } else if (timedOut) {
            reason = Replay.TIMEOUT;
            missing = unread + skipped + dropped;
            message = "the replay of " + address + " ran out of time (resume.timeoutMs) with " + unread + " record(s) unread";
        } else if (skipped > 0) {
            reason = Replay.MAX_SCAN;
            missing = -1;
            message = skipped + " older record(s) of the partitions feeding " + address + " were not read "
                + "(resume.maxScanRecords); how many were for this address is unknown";
        } else if (dropped > 0) {
            reason = Replay.MAX_RECORDS;
            missing = dropped;
            message = dropped + (snapshot ? " key(s)" : " record(s)") + " of " + address + " over resume.maxRecords were left out; "
                + "the newest follow";
        } else {
            return null;
        }
        return new JsonObject().put("reason", reason).put("missing", missing).put("message", message);
    }

    /** The replayer's counts so far, for the metrics. */
    public record Counts(long replays, long replayed, long gaps, long failures, long refused) {
    }

    public Counts counts() {
        return new Counts(replays.sum(), replayed.sum(), gaps.sum(), failures.sum(), refused.sum());
    }

    /**
     * @return {@code {replays, replayed, scanned, gaps, failures, refused, running}} for {@code /health}
     */
    public JsonObject toJson() {
        return new JsonObject().put("replays", replays.sum()).put("replayed", replayed.sum()).put("scanned", scanned.sum())
            .put("gaps", gaps.sum()).put("failures", failures.sum()).put("refused", refused.sum()).put("pending", pending.get());
    }

    /**
     * Closes the pool's consumers.
     */
    public Future<Void> close() {
        return workers.close().eventually(() -> vertx.executeBlocking(() -> {
            KafkaConsumer<byte[], byte[]> consumer;
            while ((consumer = opened.poll()) != null) {
                try {
                    consumer.close(Duration.ofSeconds(2));
                } catch (RuntimeException e) {
                    LOG.debug("Closing a replay consumer: {}", e.toString());
                }
            }
            return null;
        })).mapEmpty();
    }
}
