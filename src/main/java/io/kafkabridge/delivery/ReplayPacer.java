package io.kafkabridge.delivery;

/**
 * Paces replayed messages on one event loop ({@code resume.maxReplayedPerSecond}): a token bucket of one second's
 * worth, so that a burst of clients resuming at once does not take the loop from the live messages of everyone else.
 * <p>
 * Confined to the event loop of the server verticle whose connections it paces.
 */
public final class ReplayPacer {

    private final double perNano;
    private final double capacity;
    private double tokens;
    private long refilledAt;

    /**
     * @param perSecond replayed messages per second
     */
    public ReplayPacer(int perSecond) {
        this.perNano = perSecond / 1e9;
        this.capacity = perSecond;
        this.tokens = perSecond;
        this.refilledAt = System.nanoTime();
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
     * @return the milliseconds until a token is there (at least 1)
     */
    public long millisUntilNext() {
        refill();
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano / 1e6));
    }

    private void refill() {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - refilledAt) * perNano);
        refilledAt = now;
    }
}
