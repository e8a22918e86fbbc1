package io.kafkabridge.bridge;

import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the client connections of a node (SockJS and STOMP sessions, every server verticle) against
 * {@code limits.maxConnectionsPerNode}, and its network connections per remote address (HTTP connections, WebSockets
 * among them, and STOMP over TCP) against {@code limits.maxConnectionsPerAddress}: one host cannot hold the sockets
 * every other client needs. Thread-safe.
 */
public final class ConnectionLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimiter.class);

    private final int max;
    private final int maxPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> openPerAddress = new ConcurrentHashMap<>();
    private final LongAdder refusedPerAddress = new LongAdder();
    private final Set<String> loggedFull = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    public ConnectionLimiter(int max, int maxPerAddress) {
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    /**
     * @return the host a connection comes from, as the per-address counts key it
     */
    public static String hostOf(SocketAddress remote) {
        return remote == null ? "unknown" : remote.hostAddress();
    }

    /**
     * @return {@code true} and counts the network connection when {@code address} holds fewer than
     * {@code limits.maxConnectionsPerAddress}
     */
    public boolean tryAcquire(String address) {
        boolean[] acquired = {false};
        openPerAddress.compute(address, (a, count) -> {
            int current = count == null ? 0 : count;
            if (current >= maxPerAddress) {
                return count;
            }
            acquired[0] = true;
            return current + 1;
        });
        if (!acquired[0]) {
            refusedPerAddress.increment();
            if (loggedFull.add(address)) {
                LOG.warn("Connections from {} refused: it holds {} (limits.maxConnectionsPerAddress); logged once until it "
                    + "holds fewer", address, maxPerAddress);
            }
        }
        return acquired[0];
    }

    public void release(String address) {
        openPerAddress.computeIfPresent(address, (a, count) -> count <= 1 ? null : count - 1);
        loggedFull.remove(address);
    }

    /**
     * @return the network connections {@code address} holds
     */
    public int openFrom(String address) {
        return openPerAddress.getOrDefault(address, 0);
    }

    /**
     * @return the network connections refused because their address held the maximum, since the start
     */
    public long refusedPerAddress() {
        return refusedPerAddress.sum();
    }

    public int maxPerAddress() {
        return maxPerAddress;
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
