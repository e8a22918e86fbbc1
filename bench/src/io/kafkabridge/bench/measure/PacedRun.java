package io.kafkabridge.bench.measure;

import java.util.concurrent.locks.LockSupport;

/**
 * Produces records at a fixed rate from the beginning of a {@link StepWindow} to its end, on the calling thread, and
 * measures the CPU used over its measured part. The schedule is absolute (begin + k / rate): a thread that was late
 * catches up instead of drifting.
 */
public final class PacedRun {

    /** Sends one record; {@code sentNs} is {@link System#nanoTime()} just before, for the record's value. */
    @FunctionalInterface
    public interface Sender {
        void send(long sentNs);
    }

    /**
     * @param sent    records sent over the whole step
     * @param offered those sent inside the measured window
     * @param cpu     the CPU used over the measured window
     */
    public record Result(long sent, long offered, CpuMeter.Usage cpu) {
    }

    private PacedRun() {
    }

    public static Result run(int rate, StepWindow window, CpuMeter cpu, Sender sender) {
        double intervalNs = 1e9 / rate;
        long begin = window.begin();
        long sent = 0;
        long offered = 0;
        boolean inWindow = false;
        while (true) {
            long now = System.nanoTime();
            if (!inWindow && now >= window.start()) {
                inWindow = true;
                cpu.begin();
            }
            if (now >= window.end()) {
                return new Result(sent, offered, cpu.end());
            }
            while (begin + (long) (sent * intervalNs) <= now) {
                long sentNs = System.nanoTime();
                if (sentNs >= window.end()) {
                    break;
                }
                sender.send(sentNs);
                sent++;
                if (sentNs >= window.start()) {
                    offered++;
                }
            }
            long wait = begin + (long) (sent * intervalNs) - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, 1_000_000));
            }
        }
    }
}
