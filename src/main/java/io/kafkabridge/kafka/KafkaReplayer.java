package io.kafkabridge.kafka;

import io.kafkabridge.config.KafkaOptions;
import io.kafkabridge.config.ResumeOptions;
import io.kafkabridge.delivery.Replay;
import io.kafkabridge.delivery.ReplayCollector;
import io.kafkabridge.delivery.ReplaySource;
import io.kafkabridge.delivery.Since;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.routing.RoutedMessage;
import io.vertx.core.Future;
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

    private final Vertx vertx;
    private final RecordRouter router;
    private final ResumeOptions options;
    private final int maxValueBytes;
    private final Map<String, Object> consumerConfig;
    private final WorkerExecutor workers;
    private final ThreadLocal<KafkaConsumer<byte[], byte[]>> consumers = new ThreadLocal<>();
    private final ConcurrentLinkedQueue<KafkaConsumer<byte[], byte[]>> opened = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
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
        this.workers = vertx.createSharedWorkerExecutor("kafka-eventbus-bridge-replay", options.getMaxConcurrent(),
            options.getTimeoutMs() * 4, TimeUnit.MILLISECONDS);
    }

    @Override
    public Future<Replay> replay(String address, Since since) {
        if (pending.incrementAndGet() > options.getMaxConcurrent() + options.getMaxPending()) {
            pending.decrementAndGet();
            refused.increment();
            return Future.failedFuture(new IllegalStateException("the node runs " + options.getMaxConcurrent()
                + " replays and has " + options.getMaxPending() + " waiting (resume.maxConcurrent, resume.maxPending)"));
        }
        long requested = System.currentTimeMillis();
        return workers.<Replay>executeBlocking(() -> read(address, since, requested), false)
            .onComplete(done -> pending.decrementAndGet())
            .onFailure(e -> {
                failures.increment();
                LOG.warn("Replay of {} failed: {}", address, e.toString());
            });
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
     * Runs on a worker thread: the whole replay, with this thread's consumer.
     */
    private Replay read(String address, Since since, long requested) {
        // the bound is on the reading: the wait for a reader is bounded by resume.maxPending
        long deadline = System.currentTimeMillis() + options.getTimeoutMs();
        Duration timeout = Duration.ofMillis(Math.max(100, deadline - System.currentTimeMillis()));
        KafkaConsumer<byte[], byte[]> consumer = consumer();
        replays.increment();
        Set<String> topics = router.topicsFeeding(address, router.needsPatternSubscription()
            ? consumer.listTopics(timeout).keySet() : router.topics());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos != null) {
                infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
            }
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
        long baseline = since.token() != null ? since.token().baselineMs() : since.timeMs();

        // where each partition starts: the token's position, else the first offset at or after the time
        Map<TopicPartition, Long> start = new HashMap<>();
        Map<TopicPartition, Long> byTime = new HashMap<>();
        for (TopicPartition partition : partitions) {
            Long position = since.token() == null ? null : since.token().position(partition);
            if (position != null) {
                start.put(partition, position);
            } else {
                byTime.put(partition, baseline);
            }
        }
        if (!byTime.isEmpty()) {
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(byTime, timeout);
            byTime.keySet().forEach(partition -> {
                OffsetAndTimestamp offset = found.get(partition);
                start.put(partition, offset == null ? end.get(partition) : offset.offset());
            });
        }

        // what Kafka no longer holds, and what the scan bound leaves out
        long deleted = 0;
        long toScan = 0;
        for (TopicPartition partition : partitions) {
            long from = Math.min(start.get(partition), end.get(partition));
            if (from < begin.get(partition)) {
                deleted += begin.get(partition) - from;
                from = begin.get(partition);
            }
            start.put(partition, from);
            toScan += end.get(partition) - from;
        }
        long skipped = 0;
        if (toScan > options.getMaxScanRecords()) {
            // the newest of every partition, in proportion
            for (TopicPartition partition : partitions) {
                long length = end.get(partition) - start.get(partition);
                long kept = length * options.getMaxScanRecords() / toScan;
                skipped += length - kept;
                start.put(partition, end.get(partition) - kept);
            }
        }

        ReplayCollector collector = new ReplayCollector(options.getMaxRecords(), since.snapshot());
        Map<TopicPartition, Long> position = new HashMap<>(start);
        Set<TopicPartition> reading = new HashSet<>();
        for (TopicPartition partition : partitions) {
            if (start.get(partition) < end.get(partition)) {
                reading.add(partition);
            }
        }
        consumer.assign(reading);
        reading.forEach(partition -> consumer.seek(partition, start.get(partition)));
        long read = 0;
        boolean timedOut = false;
        while (!reading.isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                timedOut = true;
                break;
            }
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
            for (ConsumerRecord<byte[], byte[]> record : records) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                long last = end.get(partition);
                if (!reading.contains(partition) || record.offset() >= last) {
                    continue;
                }
                read++;
                position.put(partition, record.offset() + 1);
                if (record.value() == null || record.value().length <= maxValueBytes) {
                    for (RoutedMessage message : router.routeTo(record, address)) {
                        collector.accept(message, partition, record.offset(), record.timestamp());
                    }
                }
                if (record.offset() + 1 >= last) {
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
        long unread = 0;
        for (TopicPartition partition : reading) {
            unread += end.get(partition) - position.get(partition);
        }
        consumer.assign(List.of());
        scanned.add(read);

        List<RoutedMessage> messages = collector.messages();
        replayed.add(messages.size());
        JsonObject gap = gap(address, deleted, skipped, collector.dropped(), timedOut, unread, since.snapshot());
        if (gap != null) {
            gaps.increment();
        }
        LOG.info("Replay of {} from {}: {} partition(s), {} record(s) read, {} delivered{} in {} ms", address,
            since.token() != null ? "a resume token" : "time " + since.timeMs(), partitions.size(), read, messages.size(),
            gap == null ? "" : " (gap: " + gap.getString("reason") + ", " + gap.getLong("missing") + " missing)",
            System.currentTimeMillis() - requested);
        return new Replay(messages, gap, Map.copyOf(start), Map.copyOf(end), baseline);
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
