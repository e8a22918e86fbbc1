package io.kafkabridge.delivery;

import java.util.ArrayDeque;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Paces replayed messages on one event loop ({@code resume.maxReplayedPerSecond}): a token bucket of one second's
 * worth, so that a burst of clients resuming at once does not take the loop from the live messages of everyone else.
 * <p>
 * Confined to the event loop of the server verticle whose connections it paces.
 */
public final class ReplayPacer {

    private final double perNano;
    private final double capacity;
    private final BiConsumer<Long, Runnable> timer;
    private final LongSupplier clock;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private boolean scheduled;
    private double tokens;
    private long refilledAt;

    /**
     * @param perSecond replayed messages per second
     * @param timer     runs a task after that many milliseconds on the same event loop
     */
    public ReplayPacer(int perSecond, BiConsumer<Long, Runnable> timer) {
        this(perSecond, timer, System::nanoTime);
    }

    /**
     * @param clock the time in nanoseconds (tests)
     */
    public ReplayPacer(int perSecond, BiConsumer<Long, Runnable> timer, LongSupplier clock) {
        this.perNano = perSecond / 1e9;
        this.capacity = perSecond;
        this.timer = timer;
        this.clock = clock;
        this.tokens = perSecond;
        this.refilledAt = clock.getAsLong();
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
            timer.accept(millisUntilNext(), this::wake);
        }
    }

    private void wake() {
        scheduled = false;
        refill();
        int turns = waiting.size();
        // every replay waiting now gets a turn while tokens last; those that are paced again wait anew
        while (turns-- > 0 && tokens >= 1 && !waiting.isEmpty()) {
            waiting.poll().run();
        }
        schedule();
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
     * @return the milliseconds until a token is there (at least 1)
     */
    public long millisUntilNext() {
        refill();
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano / 1e6));
    }

    private void refill() {
        long now = clock.getAsLong();
        tokens = Math.min(capacity, tokens + (now - refilledAt) * perNano);
        refilledAt = now;
    }
}
