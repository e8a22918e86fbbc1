package io.kafkabridge.delivery;

import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.LongAdder;

/**
 * The records a node's Kafka source published but its server has not yet handed to every local connection's queue
 * ({@code limits.maxInFlightRecords}, {@code limits.maxInFlightBytes}): above the bound the source pauses its partitions
 * in Kafka (it stays in its group), and resumes them once the server caught up to half of it. What the node cannot
 * deliver yet waits in Kafka as consumer lag, not in the heap.
 * <p>
 * The server learns what was published from a marker the source sends on {@link #ADDRESS} after its messages; the
 * server's event loop handles both in order, so a marker it handles means every message published before it was handed
 * to the queues. Counters have one writer each (the source's loop, the server's loop).
 */
public final class InFlightRecords {

    /** Local address of the markers: {@code {"records": n, "bytes": n}}, totals published so far. */
    public static final String ADDRESS = "kafka-eventbus-bridge.node.in-flight";
    /** The source sends a marker after this many records (and whenever it pauses). */
    public static final int MARKER_EVERY = 32;

    private final int maxRecords;
    private final long maxBytes;
    private volatile long publishedRecords;
    private volatile long publishedBytes;
    private volatile long deliveredRecords;
    private volatile long deliveredBytes;
    private volatile boolean attached;
    private volatile boolean paused;
    private final LongAdder pauses = new LongAdder();

    public InFlightRecords(int maxRecords, long maxBytes) {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
    }

    /**
     * The server handles the markers from now on: the bound applies. Call on the server's event loop.
     */
    public void attach() {
        deliveredRecords = publishedRecords;
        deliveredBytes = publishedBytes;
        attached = true;
    }

    /**
     * The source published a record. Call on the source's event loop.
     */
    public void recordPublished(long bytes) {
        publishedRecords = publishedRecords + 1;
        publishedBytes = publishedBytes + bytes;
    }

    /**
     * @return the marker to send now: the totals published so far
     */
    public JsonObject marker() {
        return new JsonObject().put("records", publishedRecords).put("bytes", publishedBytes);
    }

    /**
     * The server handled a marker. Call on the server's event loop.
     */
    public void acknowledge(JsonObject marker) {
        deliveredRecords = Math.max(deliveredRecords, marker.getLong("records", 0L));
        deliveredBytes = Math.max(deliveredBytes, marker.getLong("bytes", 0L));
    }

    public long records() {
        return attached ? Math.max(0, publishedRecords - deliveredRecords) : 0;
    }

    public long bytes() {
        return attached ? Math.max(0, publishedBytes - deliveredBytes) : 0;
    }

    /**
     * @return {@code true} when the node holds more than the bound
     */
    /**
     * @return whether the source is paused by this bound now
     */
    public boolean isPaused() {
        return paused;
    }

    public boolean isFull() {
        return records() > maxRecords || bytes() > maxBytes;
    }

    /**
     * @return {@code true} when the node is down to half the bound
     */
    public boolean hasDrained() {
        return records() <= maxRecords / 2 && bytes() <= maxBytes / 2;
    }

    /**
     * The source paused ({@code true}) or resumed its partitions because of the bound.
     */
    public void recordPaused(boolean paused) {
        if (paused && !this.paused) {
            pauses.increment();
        }
        this.paused = paused;
    }

    /**
     * @return {@code {"paused": bool, "pauses": n, "records": n, "bytes": n, "maxRecords": n, "maxBytes": n}}
     */
    public JsonObject toJson() {
        return new JsonObject().put("paused", paused).put("pauses", pauses.sum()).put("records", records())
            .put("bytes", bytes()).put("maxRecords", maxRecords).put("maxBytes", maxBytes);
    }
}
