package io.kafkabridge.delivery;

import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.LongAdder;

/**
 * What slow clients cost a node, counted across its connections: clients disconnected ({@code disconnect}), messages
 * dropped ({@code drop-oldest}) and messages replaced by a newer one of the same key ({@code conflate}).
 */
public final class SlowClientStats {

    private final LongAdder disconnected = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder conflated = new LongAdder();

    public void recordDisconnect() {
        disconnected.increment();
    }

    public void recordDropped(long messages) {
        dropped.add(messages);
    }

    public void recordConflated(long messages) {
        conflated.add(messages);
    }

    /**
     * @return what the policy did so far: clients disconnected, or messages dropped or conflated
     */
    public long actions(SlowClientPolicy policy) {
        return switch (policy) {
            case DISCONNECT -> disconnected.sum();
            case DROP_OLDEST -> dropped.sum();
            case CONFLATE -> conflated.sum();
        };
    }

    /**
     * @return {@code {"disconnect": clients, "drop-oldest": messages, "conflate": messages}}
     */
    public JsonObject toJson() {
        return new JsonObject()
            .put(SlowClientPolicy.DISCONNECT.configName(), disconnected.sum())
            .put(SlowClientPolicy.DROP_OLDEST.configName(), dropped.sum())
            .put(SlowClientPolicy.CONFLATE.configName(), conflated.sum());
    }
}
