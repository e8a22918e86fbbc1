package io.kafkabridge.bench.clients;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the connections being opened at once: a connection takes a {@link Permit} before it connects and gives it
 * back once it subscribed or failed, so that thousands of handshakes do not all queue on the server at the same time.
 */
public final class ConnectGate {

    /** Once per connection: the first {@link #release()} lets the next connection start, later ones do nothing. */
    public static final class Permit {
        private final Semaphore semaphore;
        private boolean released;

        private Permit(Semaphore semaphore) {
            this.semaphore = semaphore;
        }

        public void release() {
            if (!released) {
                released = true;
                if (semaphore != null) {
                    semaphore.release();
                }
            }
        }
    }

    /** A permit that bounds nothing: a connection opened outside any gate (a reconnect, a canary). */
    public static Permit unbounded() {
        return new Permit(null);
    }

    private final int parallelism;
    private final Semaphore semaphore;

    public ConnectGate(int parallelism) {
        this.parallelism = parallelism;
        this.semaphore = new Semaphore(parallelism);
    }

    /** Waits until fewer than {@code parallelism} connections are being opened. */
    public Permit enter() throws InterruptedException {
        semaphore.acquire();
        return new Permit(semaphore);
    }

    /** Like {@link #enter()} but gives up after the timeout: null then. */
    public Permit enter(long timeout, TimeUnit unit) throws InterruptedException {
        return semaphore.tryAcquire(timeout, unit) ? new Permit(semaphore) : null;
    }

    /** Waits until every connection subscribed or failed; false when the timeout came first. */
    public boolean awaitSettled(long timeout, TimeUnit unit) throws InterruptedException {
        if (!semaphore.tryAcquire(parallelism, timeout, unit)) {
            return false;
        }
        semaphore.release(parallelism);
        return true;
    }
}
