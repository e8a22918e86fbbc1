package io.kafkabridge.delivery;

import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The records a node's Kafka source published but its server has not yet handed to every local connection's queue
 * ({@code limits.maxInFlightRecords}, {@code limits.maxInFlightBytes}): above the bound the source pauses its partitions
 * in Kafka (it stays in its group), and resumes them once the server caught up to half of it. What the node cannot
 * deliver yet waits in Kafka as consumer lag, not in the heap.
 * <p>
 * The servers learn what was published from a marker the source publishes on {@link #ADDRESS} after its messages; each
 * server instance's event loop handles both in order, so a marker it handles means every message published before it
 * was handed to that loop's queues, and the node has delivered what the slowest loop acknowledged. Counters have one
 * writer each (the source's loop; each server loop its own slot).
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
    /** Per server loop: the totals its last marker named. */
    private final AtomicLongArray deliveredRecords;
    private final AtomicLongArray deliveredBytes;
    private final AtomicInteger attachedLoops = new AtomicInteger();
    private volatile boolean paused;
    private final LongAdder pauses = new LongAdder();

    public InFlightRecords(int maxRecords, long maxBytes) {
        this(maxRecords, maxBytes, 1);
    }

    /**
     * @param loops the server instances whose markers count (each {@link #attach}es its slot)
     */
    public InFlightRecords(int maxRecords, long maxBytes, int loops) {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.deliveredRecords = new AtomicLongArray(loops);
        this.deliveredBytes = new AtomicLongArray(loops);
    }

    /**
     * Server loop {@code loop} handles the markers from now on; once every loop did, the bound applies. Call on that
     * loop.
     */
    public void attach(int loop) {
        deliveredRecords.set(loop, publishedRecords);
        deliveredBytes.set(loop, publishedBytes);
        attachedLoops.incrementAndGet();
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
     * Server loop {@code loop} handled a marker. Call on that loop.
     */
    public void acknowledge(int loop, JsonObject marker) {
        deliveredRecords.set(loop, Math.max(deliveredRecords.get(loop), marker.getLong("records", 0L)));
        deliveredBytes.set(loop, Math.max(deliveredBytes.get(loop), marker.getLong("bytes", 0L)));
    }

    public long records() {
        return attachedLoops.get() < deliveredRecords.length() ? 0 : Math.max(0, publishedRecords - slowest(deliveredRecords));
    }

    public long bytes() {
        return attachedLoops.get() < deliveredBytes.length() ? 0 : Math.max(0, publishedBytes - slowest(deliveredBytes));
    }

    private static long slowest(AtomicLongArray perLoop) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < perLoop.length(); i++) {
            min = Math.min(min, perLoop.get(i));
        }
        return min;
    }

    /**
     * @return whether the source is paused by this bound now
     */
    public boolean isPaused() {
        return paused;
    }

    /**
     * @return {@code true} when the node holds more than the bound
     */
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
