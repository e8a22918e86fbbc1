package io.kafkabridge.kafka;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets work off the event loops (a replay reading Kafka) yield to them: {@link #awaitDrained} returns once every event
 * loop of the node ran everything it had queued when it was called. A background thread that calls it between chunks of
 * its work never gets more than a chunk ahead of the live messages, whatever the cores: on a busy node it goes at the
 * pace the loops leave it, on an idle one it loses a few microseconds per chunk.
 * <p>
 * The only class of ours that reaches for Vert.x's event-loop group.
 */
final class EventLoopBarrier {

    private final EventLoopGroup loops;

    EventLoopBarrier(Vertx vertx) {
        this.loops = ((VertxInternal) vertx).nettyEventLoopGroup();
    }

    /**
     * Blocks until every event loop ran the tasks it had queued, or the time is up. Never call it on an event loop.
     *
     * @return whether every loop drained in time
     */
    boolean awaitDrained(long timeoutMs) throws InterruptedException {
        int count = 0;
        for (EventExecutor ignored : loops) {
            count++;
        }
        CountDownLatch drained = new CountDownLatch(count);
        for (EventExecutor loop : loops) {
            loop.execute(drained::countDown);
        }
        return drained.await(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
