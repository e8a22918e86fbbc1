package io.kafkabridge.bench.measure;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The latencies of one measured window (ns), added from any thread without locks: kept up to a fixed capacity (the rest
 * only counts toward the largest), sorted afterwards for percentiles.
 */
public final class LatencySamples {

    private final long[] samples;
    private final AtomicInteger added = new AtomicInteger();
    private final AtomicLong max = new AtomicLong();

    public LatencySamples(int capacity) {
        this.samples = new long[capacity];
    }

    /** Forgets everything: a new window. */
    public void reset() {
        added.set(0);
        max.set(0);
    }

    /** Keeps the latency while there is room, and the largest. */
    public void add(long latencyNs) {
        int index = added.getAndIncrement();
        if (index < samples.length) {
            samples[index] = latencyNs;
        }
        updateMax(latencyNs);
    }

    /** Only the largest: a latency not sampled. */
    public void updateMax(long latencyNs) {
        long seen;
        while (latencyNs > (seen = max.get()) && !max.compareAndSet(seen, latencyNs)) {
            // another thread raised it meanwhile: compare again
        }
    }

    /** How many were kept. */
    public int count() {
        return Math.min(added.get(), samples.length);
    }

    /** The largest latency in ms, NaN when none was kept. */
    public double maxMs() {
        return count() == 0 ? Double.NaN : max.get() / 1e6;
    }

    /** The kept latencies, sorted. */
    public long[] sorted() {
        long[] sorted = Arrays.copyOf(samples, count());
        Arrays.sort(sorted);
        return sorted;
    }

    /** The {@code q} quantile (0..1) of sorted latencies in ms, NaN when there are none. */
    public static double percentileMs(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
    }
}
