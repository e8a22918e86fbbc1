package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;

/** What a subscriber connection tells its generator, whatever its protocol. Called on the connection's event loop. */
public interface SubscriberEvents {

    /** The subscriptions are in place: a receipt came, or they were sent where the protocol has no reply. */
    void subscribed();

    /** One message, bytes [start, end) of buf: a STOMP MESSAGE frame, a SockJS {@code rec} frame or a WebSocket message. */
    void message(Buffer buf, int start, int end);

    /** The server sent an error (a STOMP ERROR frame, a SockJS {@code err} frame) or something unexpected. */
    void error(String what);

    /** The server refused the WebSocket upgrade; the connection is being closed. */
    default void refused(String what) {
        error(what);
    }
}
