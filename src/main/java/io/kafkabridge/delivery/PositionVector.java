package io.kafkabridge.delivery;

import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;

/**
 * Where the stream of one address stands on this node: for every partition that fed it since {@link #baselineMs()}, the
 * offset after the last record that reached it. Every message delivered on the address carries the vector as it is
 * after that message, encoded once for all its subscribers ({@link ResumeToken}); a partition that has not fed the
 * address since the baseline is resumed from the baseline time.
 * <p>
 * Confined to the event loop of the server verticle that owns the address's subscriptions.
 */
public final class PositionVector {

    private final long baselineMs;
    private final Map<TopicPartition, Long> positions = new HashMap<>();

    /**
     * @param baselineMs when this node began to follow the address (epoch ms)
     */
    public PositionVector(long baselineMs) {
        this.baselineMs = baselineMs;
    }

    public long baselineMs() {
        return baselineMs;
    }

    /**
     * A record of the partition at {@code offset} reached the address: the address's position there is after it.
     * Records of a partition arrive in order; an older one (a duplicate after a partition moved) does not move it back.
     */
    public void advance(TopicPartition partition, long offset) {
        long next = offset + 1;
        Long current = positions.get(partition);
        if (current == null || next > current) {
            positions.put(partition, next);
        }
    }

    /**
     * @return a copy of the positions (the vector as one message leaves it)
     */
    public Map<TopicPartition, Long> snapshot() {
        return Map.copyOf(positions);
    }
}
