package io.kafkabridge.bench.measure;

import java.util.concurrent.TimeUnit;

/**
 * The measured window of the step being run, in {@link System#nanoTime()} units: the receiving threads check whether a
 * message arrived (or was sent) inside it. Closed (nothing inside) until the first step opens it.
 */
public final class StepWindow {

    private volatile long begin = Long.MAX_VALUE;
    private volatile long start = Long.MAX_VALUE;
    private volatile long end = Long.MAX_VALUE;

    /** A step that begins now: {@code warmupSec} of warm-up, then {@code seconds} measured. */
    public void open(int warmupSec, int seconds) {
        long now = System.nanoTime();
        start = now + TimeUnit.SECONDS.toNanos(warmupSec);
        end = start + TimeUnit.SECONDS.toNanos(seconds);
        begin = now;
    }

    public boolean contains(long nanoTime) {
        return nanoTime >= start && nanoTime < end;
    }

    public long begin() {
        return begin;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }
}
