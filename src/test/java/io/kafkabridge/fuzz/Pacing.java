package io.kafkabridge.fuzz;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * At most {@value #ACTIVE_INPUTS} inputs of a fuzz run are in progress at once (all its kinds): on 2 cores this keeps
 * the answer time of an input far below the reply timeout. A worker gives its slot back once its input has waited
 * {@value #PRESUMED_SILENT_MS} ms without an answer (it goes on waiting for the full timeout without holding a slot).
 */
final class Pacing {

    static final int ACTIVE_INPUTS = 24;
    static final long PRESUMED_SILENT_MS = 150;

    /** A wait for the next event of a connection. */
    interface Poll {
        Object poll(long deadlineNanos) throws InterruptedException;
    }

    private final Semaphore active = new Semaphore(ACTIVE_INPUTS, true);
    /** Per worker: when its slot was taken (System.nanoTime), or -1 when it holds none. */
    private final ThreadLocal<long[]> slot = ThreadLocal.withInitial(() -> new long[] {-1});

    void takeSlot() throws InterruptedException {
        active.acquire();
        slot.get()[0] = System.nanoTime();
    }

    void giveSlotBack() {
        long[] held = slot.get();
        if (held[0] >= 0) {
            held[0] = -1;
            active.release();
        }
    }

    /** The deadline for one wait: the real one, or earlier while this worker holds a slot (then it gives the slot back). */
    long paceDeadline(long deadline) {
        long held = slot.get()[0];
        return held < 0 ? deadline : Math.min(deadline, held + TimeUnit.MILLISECONDS.toNanos(PRESUMED_SILENT_MS));
    }

    /** Polls until the deadline, giving the slot back when the input looks silent. */
    Object pollPaced(Poll poll, long deadline) throws InterruptedException {
        while (true) {
            Object ev = poll.poll(paceDeadline(deadline));
            if (ev != null || System.nanoTime() >= deadline) {
                return ev;
            }
            giveSlotBack();
        }
    }
}
