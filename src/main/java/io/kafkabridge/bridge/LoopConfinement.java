package io.kafkabridge.bridge;

/**
 * Guards state that only its own event loop may touch (connections, subscriptions, fan-out lists): the first guarded
 * call binds it to the calling thread, and a later call from any other thread fails loudly instead of racing a
 * delivery in progress.
 */
public final class LoopConfinement {

    private final String owner;
    private volatile Thread loop;

    /**
     * @param owner what is guarded, named in the failure
     */
    public LoopConfinement(String owner) {
        this.owner = owner;
    }

    /**
     * @throws IllegalStateException when called off the thread of the first guarded call
     */
    public void check(String action) {
        Thread current = Thread.currentThread();
        Thread bound = loop;
        if (bound == null) {
            loop = current;
        } else if (bound != current) {
            throw new IllegalStateException(owner + ": " + action + " called on thread " + current.getName()
                + ", not on its event loop " + bound.getName());
        }
    }
}
