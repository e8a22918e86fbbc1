package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;

/** What a STOMP connection does with each frame it receives. Called on the connection's event loop. */
@FunctionalInterface
public interface StompHandler {

    /**
     * One frame, bytes [start, end) of buf without its NUL; its first byte tells the command (Message, Connected,
     * Receipt, Error). {@code connection} is where a reply goes.
     */
    void frame(StompSender connection, Buffer buf, int start, int end);
}
