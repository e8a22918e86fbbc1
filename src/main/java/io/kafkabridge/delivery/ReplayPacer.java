package io.kafkabridge.delivery;

import java.util.ArrayDeque;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Paces replayed messages on one event loop so that replays take only what the loop can spare from the live messages
 * of everyone else: a token bucket of a few milliseconds' worth at a rate of at most {@code resume.maxReplayedPerSecond},
 * which halves when the pacer's own timer fires late by more than {@link #LAG_NANOS} on average (an exponentially
 * weighted average of its wakes: one long task on the loop is not a backlog, several late wakes in a row are, and then
 * live messages wait) and climbs back while it fires on time, from the least to the most in {@link #RECOVERY_NANOS}
 * (additive increase with the time, multiplicative decrease).
 * <p>
 * Confined to the event loop of the server verticle whose connections it paces.
 */
public final class ReplayPacer {

    /** How late the pacer's timer may fire on average before the loop counts as busy. */
    static final long LAG_NANOS = 5_000_000;
    /** The weight of the last wake in the average lateness. */
    private static final double LAG_WEIGHT = 0.25;
    /** The bucket holds this fraction of a second's worth (at least {@link #MIN_BURST}). */
    private static final double BURST_SECONDS = 0.02;
    private static final int MIN_BURST = 16;
    /** How long timely wakes take to bring the rate from its least to its most. */
    static final long RECOVERY_NANOS = 500_000_000;

    private final double maxPerSecond;
    private final double minPerSecond;
    private final BiConsumer<Long, Runnable> timer;
    private final LongSupplier clock;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private double perSecond;
    private boolean scheduled;
    private long dueAt;
    private long adaptedAt;
    private double lateNanos;
    private double tokens;
    private long refilledAt;

    /**
     * @param maxPerSecond replayed messages per second at most
     * @param timer        runs a task after that many milliseconds on the same event loop
     */
    public ReplayPacer(int maxPerSecond, BiConsumer<Long, Runnable> timer) {
        this(maxPerSecond, timer, System::nanoTime);
    }

    /**
     * @param clock the time in nanoseconds (tests)
     */
    public ReplayPacer(int maxPerSecond, BiConsumer<Long, Runnable> timer, LongSupplier clock) {
        this.maxPerSecond = maxPerSecond;
        this.minPerSecond = Math.max(1, maxPerSecond / 100.0);
        this.perSecond = maxPerSecond;
        this.timer = timer;
        this.clock = clock;
        this.tokens = capacity();
        this.refilledAt = clock.getAsLong();
        this.adaptedAt = refilledAt;
    }

    /**
     * Runs {@code replay} once tokens are there again: the replays that wait take turns in order, with one timer for
     * all of them (not one per replay, which would keep the loop busy polling).
     */
    public void await(Runnable replay) {
        waiting.add(replay);
        schedule();
    }

    private void schedule() {
        if (!scheduled && !waiting.isEmpty()) {
            scheduled = true;
            long delay = millisUntilNext();
            dueAt = clock.getAsLong() + delay * 1_000_000;
            timer.accept(delay, this::wake);
        }
    }

    private void wake() {
        scheduled = false;
        adapt(clock.getAsLong() - dueAt);
        refill();
        int turns = waiting.size();
        // every replay waiting now gets a turn while tokens last; those that are paced again wait anew
        while (turns-- > 0 && tokens >= 1 && !waiting.isEmpty()) {
            waiting.poll().run();
        }
        schedule();
    }

    private void adapt(long late) {
        refill();
        long now = clock.getAsLong();
        lateNanos += LAG_WEIGHT * (Math.max(0, late) - lateNanos);
        if (lateNanos > LAG_NANOS) {
            perSecond = Math.max(minPerSecond, perSecond / 2);
            // the next halving takes late wakes of its own
            lateNanos = 0;
        } else if (late <= LAG_NANOS) {
            perSecond = Math.min(maxPerSecond, perSecond + maxPerSecond * (now - adaptedAt) / RECOVERY_NANOS);
        }
        adaptedAt = now;
        tokens = Math.min(tokens, capacity());
    }

    /**
     * @return {@code true} when one more replayed message may go now (and takes its token)
     */
    public boolean tryTake() {
        refill();
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /**
     * @return the replays waiting for tokens
     */
    public int waiting() {
        return waiting.size();
    }

    /**
     * @return the rate replays go at now, in messages per second
     */
    public long perSecond() {
        return Math.round(perSecond);
    }

    /**
     * @return the milliseconds until a token is there (at least 1)
     */
    public long millisUntilNext() {
        refill();
        return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond * 1e3));
    }

    private double capacity() {
        return Math.max(MIN_BURST, perSecond * BURST_SECONDS);
    }

    private void refill() {
        long now = clock.getAsLong();
        tokens = Math.min(capacity(), tokens + (now - refilledAt) * perSecond / 1e9);
        refilledAt = now;
    }
}
