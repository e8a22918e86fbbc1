package io.kafkabridge.bench.measure;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** Waits for what a step sent to arrive, so that the next step does not start on its backlog. */
public final class Backlog {

    private Backlog() {
    }

    /**
     * Waits until {@code delivered} reaches {@code expected}, or nothing arrived for 3 s (what is missing then is lost,
     * not queued), at most {@code maxSeconds}.
     *
     * @return the seconds waited
     */
    public static double drain(LongSupplier delivered, long expected, long maxSeconds) throws InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + TimeUnit.SECONDS.toNanos(maxSeconds);
        long last = delivered.getAsLong();
        long lastProgress = begin;
        while (last < expected) {
            long now = System.nanoTime();
            if (now > deadline || now - lastProgress > TimeUnit.SECONDS.toNanos(3)) {
                break;
            }
            Thread.sleep(20);
            long current = delivered.getAsLong();
            if (current > last) {
                last = current;
                lastProgress = System.nanoTime();
            }
        }
        return (System.nanoTime() - begin) / 1e9;
    }
}
