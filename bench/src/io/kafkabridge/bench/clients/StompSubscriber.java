package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * The subscriber's side of STOMP, over TCP or WebSocket: on CONNECTED it sends its SUBSCRIBE frames; the RECEIPT of
 * the last one (or, when it asks for none, sending them) means subscribed; MESSAGE and ERROR frames go to the events.
 */
public final class StompSubscriber implements StompHandler {

    private final String connectFrame;
    private final List<String> subscribeFrames;
    private final boolean receipted;
    private final SubscriberEvents events;

    /**
     * @param connectFrame    the CONNECT frame ({@link StompFrames#connect})
     * @param subscribeFrames the SUBSCRIBE frames ({@link StompFrames#subscribe}), in order
     * @param receipted       whether the last SUBSCRIBE asks for a receipt (Spring's simple broker never sends one)
     */
    public StompSubscriber(String connectFrame, List<String> subscribeFrames, boolean receipted, SubscriberEvents events) {
        this.connectFrame = connectFrame;
        this.subscribeFrames = subscribeFrames;
        this.receipted = receipted;
        this.events = events;
    }

    public String connectFrame() {
        return connectFrame;
    }

    public SubscriberEvents events() {
        return events;
    }

    @Override
    public void frame(StompSender connection, Buffer buf, int start, int end) {
        switch (buf.getByte(start)) {
            case 'M' -> events.message(buf, start, end);
            case 'C' -> {
                subscribeFrames.forEach(connection::send);
                if (!receipted) { // the messages will prove the subscription
                    events.subscribed();
                }
            }
            case 'R' -> events.subscribed();
            case 'E' -> events.error("ERROR frame: " + buf.getString(start, end).replace('\n', ' '));
            default -> {
                // nothing else is expected
            }
        }
    }
}
