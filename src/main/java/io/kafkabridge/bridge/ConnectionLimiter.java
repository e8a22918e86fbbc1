package io.kafkabridge.bridge;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the client connections of a node (SockJS and STOMP, every server verticle) against
 * {@code limits.maxConnectionsPerNode}.
 */
public final class ConnectionLimiter {

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean draining;

    public ConnectionLimiter(int max) {
        this.max = max;
    }

    /**
     * @return {@code true} and counts the connection when below the limit
     */
    public boolean tryAcquire() {
        while (true) {
            int current = open.get();
            if (current >= max) {
                return false;
            }
            if (open.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /**
     * From now on no new connection is accepted (graceful shutdown).
     */
    public void drain() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }

    public void release() {
        open.decrementAndGet();
    }

    public int open() {
        return open.get();
    }

    public int max() {
        return max;
    }
}
