package io.kafkabridge.bridge;

/**
 * A token bucket of one connection: {@code perSecond} messages a second, with bursts up to one second's worth.
 * Not thread-safe (a connection lives on one event loop).
 */
public final class RateLimiter {

    private final double perSecond;
    private double tokens;
    private long lastNanos;

    public RateLimiter(int perSecond) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.lastNanos = System.nanoTime();
    }

    /**
     * @return {@code true} when one more message is allowed now
     */
    public boolean tryAcquire() {
        long now = System.nanoTime();
        tokens = Math.min(perSecond, tokens + (now - lastNanos) * perSecond / 1e9);
        lastNanos = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
