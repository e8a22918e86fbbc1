package io.kafkabridge.kafka;

import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The position of every partition this node owns: the next offset to commit (one past the last record published, or
 * where the partition started when nothing was published yet), the offset Kafka confirmed as committed, and the
 * offset of a commit under way.
 * <p>
 * A partition's position is known from the moment it is assigned, so a partition that never had a record is handed
 * over at the position where its owner started, never left to {@code auto.offset.reset}. A commit counts only once
 * Kafka confirmed it: a failed one leaves the partition uncommitted, so the next commit tries it again.
 * <p>
 * Confined to the Kafka source's event loop.
 */
final class OffsetLedger {

    /** An offset not known (yet): no commit confirmed, or no starting position found. */
    static final long UNKNOWN = -1;

    private static final class Position {
        long next;
        long committed;
        long committing = UNKNOWN;

        Position(long next, long committed) {
            this.next = next;
            this.committed = committed;
        }
    }

    private final Map<TopicPartition, Position> positions = new HashMap<>();

    /**
     * Takes ownership of a partition.
     *
     * @param start     the offset of the first record this node will read, or {@link #UNKNOWN} (then the first record
     *                  published sets it)
     * @param committed the offset Kafka has committed for the group, or {@link #UNKNOWN}
     */
    void assign(TopicPartition partition, long start, long committed) {
        positions.put(partition, new Position(start, committed));
    }

    /**
     * @return {@code true} when this node owns the partition and has not published the record at {@code offset} yet;
     * records of a partition arrive in order, so one below the position was published already (fetched before the
     * partition was revoked and again after it came back)
     */
    boolean isNext(TopicPartition partition, long offset) {
        Position position = positions.get(partition);
        return position != null && offset >= position.next;
    }

    /**
     * @return the partitions this node owns
     */
    Set<TopicPartition> owned() {
        return Set.copyOf(positions.keySet());
    }

    /**
     * Records that everything before {@code next} was published.
     */
    void advance(TopicPartition partition, long next) {
        Position position = positions.get(partition);
        if (position != null && next > position.next) {
            position.next = next;
        }
    }

    /**
     * Marks as being committed, and returns, the positions Kafka does not have yet and that no commit is carrying.
     */
    Map<TopicPartition, Long> takeUncommitted() {
        return take(false);
    }

    /**
     * Like {@link #takeUncommitted()}, including positions a commit is still carrying (at stop: that commit may fail).
     */
    Map<TopicPartition, Long> takeUnconfirmed() {
        return take(true);
    }

    private Map<TopicPartition, Long> take(boolean includeInFlight) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        positions.forEach((partition, position) -> {
            boolean inFlight = position.committing == position.next;
            if (position.next != UNKNOWN && position.next != position.committed && (includeInFlight || !inFlight)) {
                position.committing = position.next;
                offsets.put(partition, position.next);
            }
        });
        return offsets;
    }

    /**
     * Kafka confirmed the commit of these offsets.
     */
    void confirm(Map<TopicPartition, Long> offsets) {
        offsets.forEach((partition, offset) -> {
            Position position = positions.get(partition);
            if (position != null) {
                position.committed = Math.max(position.committed, offset);
                if (position.committing == offset) {
                    position.committing = UNKNOWN;
                }
            }
        });
    }

    /**
     * The commit of these offsets failed: the next commit carries them again.
     */
    void release(Map<TopicPartition, Long> offsets) {
        offsets.forEach((partition, offset) -> {
            Position position = positions.get(partition);
            if (position != null && position.committing == offset) {
                position.committing = UNKNOWN;
            }
        });
    }

    /**
     * Gives up the partitions.
     *
     * @return the position to commit for each of them before another member takes it, whether or not it had records
     */
    Map<TopicPartition, Long> revoke(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            Position position = positions.remove(partition);
            if (position != null && position.next != UNKNOWN) {
                offsets.put(partition, position.next);
            }
        }
        return offsets;
    }

    /**
     * Forgets the partitions without a commit: another member owns them already.
     */
    void lose(Collection<TopicPartition> partitions) {
        partitions.forEach(positions::remove);
    }

    /**
     * Forgets every partition.
     */
    void clear() {
        positions.clear();
    }
}
