package io.kafkabridge.delivery;

import org.apache.kafka.common.TopicPartition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Keeps what a replay delivers of the records it reads: at most {@code maxRecords}, the newest (dropping the oldest
 * head among the partitions, so that each partition's order holds), or with {@code snapshot} only the newest record
 * of each Kafka key (records without a key count as one key; over {@code maxRecords} keys, those last updated earliest
 * in the read are left out). {@link #messages()} merges the partitions by timestamp,
 * each partition in offset order.
 * <p>
 * Records of one partition must be offered in offset order.
 *
 * @param <T> what is kept of a record (the routed message, or its bytes)
 */
public final class ReplayCollector<T> {

    private record Kept<T>(T message, TopicPartition partition, long offset, long timestamp) {
    }

    private static final Object NO_KEY = new Object();

    private final int maxRecords;
    private final boolean snapshot;
    private final Map<TopicPartition, ArrayDeque<Kept<T>>> byPartition = new LinkedHashMap<>();
    /** With {@link #snapshot}: the newest record of each key, the key updated longest ago first. */
    private final LinkedHashMap<Object, Kept<T>> byKey = new LinkedHashMap<>();
    private int kept;
    private long matched;
    private long dropped;

    public ReplayCollector(int maxRecords, boolean snapshot) {
        this.maxRecords = maxRecords;
        this.snapshot = snapshot;
    }

    /**
     * A record routed to the address.
     *
     * @param key its Kafka key as the address's messages show it ({@code kafka.key}), or {@code null}
     */
    public void accept(T message, Object key, TopicPartition partition, long offset, long timestamp) {
        matched++;
        Kept<T> record = new Kept<>(message, partition, offset, timestamp);
        if (snapshot) {
            // removed first: the key moves to the end of the order
            byKey.remove(key == null ? NO_KEY : key);
            byKey.put(key == null ? NO_KEY : key, record);
            if (byKey.size() > maxRecords) {
                byKey.remove(byKey.keySet().iterator().next());
                dropped++;
            }
            return;
        }
        byPartition.computeIfAbsent(partition, p -> new ArrayDeque<>()).add(record);
        kept++;
        if (kept > maxRecords) {
            dropOldest();
        }
    }

    private void dropOldest() {
        ArrayDeque<Kept<T>> oldest = null;
        for (ArrayDeque<Kept<T>> records : byPartition.values()) {
            if (!records.isEmpty() && (oldest == null || records.peekFirst().timestamp() < oldest.peekFirst().timestamp())) {
                oldest = records;
            }
        }
        oldest.pollFirst();
        kept--;
        dropped++;
    }

    /**
     * @return the records routed to the address that were read (before collapsing or dropping)
     */
    public long matched() {
        return matched;
    }

    /**
     * @return the records (with {@code snapshot}: keys) left out because there were more than {@code maxRecords}
     */
    public long dropped() {
        return dropped;
    }

    /**
     * @return the kept messages, the partitions merged by timestamp, each in offset order
     */
    public List<T> messages() {
        if (snapshot) {
            byPartition.clear();
            byKey.values().stream().sorted(Comparator.comparingLong(Kept::offset))
                .forEach(k -> byPartition.computeIfAbsent(k.partition(), p -> new ArrayDeque<>()).add(k));
            kept = byKey.size();
        }
        List<T> merged = new ArrayList<>(kept);
        PriorityQueue<ArrayDeque<Kept<T>>> heads = new PriorityQueue<>(Comparator
            .comparingLong((ArrayDeque<Kept<T>> q) -> q.peekFirst().timestamp())
            .thenComparing(q -> q.peekFirst().partition().topic())
            .thenComparingInt(q -> q.peekFirst().partition().partition()));
        for (ArrayDeque<Kept<T>> records : byPartition.values()) {
            if (!records.isEmpty()) {
                heads.add(new ArrayDeque<>(records));
            }
        }
        while (!heads.isEmpty()) {
            ArrayDeque<Kept<T>> next = heads.poll();
            merged.add(next.pollFirst().message());
            if (!next.isEmpty()) {
                heads.add(next);
            }
        }
        return merged;
    }
}
