package io.kafkabridge.delivery;

import io.vertx.core.Future;

/**
 * Reads what an address got from Kafka since a position or a time ({@link Since}).
 */
public interface ReplaySource {

    /**
     * Call once the subscription that asked for it is registered for live messages: whatever the replay does not
     * read reaches it live.
     *
     * @return the replay; fails when Kafka could not be read at all (the caller tells the client through a gap)
     */
    Future<Replay> replay(String address, Since since);
}
