package io.kafkabridge.bench.clients;

/** A connection that STOMP frames can be written to, over TCP or inside WebSocket messages. */
public interface StompSender {

    /** Writes one whole frame (NUL included). */
    void send(String frame);
}
