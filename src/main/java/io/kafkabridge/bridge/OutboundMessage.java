package io.kafkabridge.bridge;

import io.kafkabridge.delivery.OutboundQueue;

import java.nio.charset.StandardCharsets;

/**
 * A message queued for one connection: the shared {@link Delivery}, the subscription it goes to (and on STOMP its id),
 * and the subscription's own {@code resume} token when it differs from the address's. Its wire bytes are made when it
 * is written, from bytes shared by every subscriber.
 */
final class OutboundMessage implements OutboundQueue.Item {

    private final Delivery delivery;
    private final byte[] subscriptionId;
    private final String resume;
    private final SubscriptionStream stream;
    private final int size;
    private Object conflationKey;

    private OutboundMessage(Delivery delivery, byte[] subscriptionId, String resume, SubscriptionStream stream, int size) {
        this.delivery = delivery;
        this.subscriptionId = subscriptionId;
        this.resume = resume;
        this.stream = stream;
        this.size = size + (resume == null ? 0 : resume.length() - delivery.resumeToken().length());
    }

    /**
     * @param resume the subscription's own {@code resume} token, or {@code null} for the address's
     */
    static OutboundMessage forSockJs(Delivery delivery, String resume, SubscriptionStream stream) {
        return new OutboundMessage(delivery, null, resume, stream, delivery.sockJsFrame().length());
    }

    /**
     * @param subscriptionId the subscription id, escaped and in UTF-8
     * @param resume         the subscription's own {@code resume} token, or {@code null} for the address's
     */
    static OutboundMessage forStomp(Delivery delivery, byte[] subscriptionId, String resume, SubscriptionStream stream) {
        return new OutboundMessage(delivery, subscriptionId, resume, stream, delivery.stompFrameLength() + subscriptionId.length);
    }

    Delivery delivery() {
        return delivery;
    }

    /**
     * @return the subscription's own {@code resume} token, or {@code null} when it is the address's
     */
    String resumeOverride() {
        return resume;
    }

    /**
     * @return the {@code resume} token the client gets with this message
     */
    String resumeToken() {
        return resume != null ? resume : delivery.resumeToken();
    }

    SubscriptionStream stream() {
        return stream;
    }

    /**
     * @return the STOMP subscription id (escaped, UTF-8), or {@code null} on SockJS
     */
    byte[] subscriptionId() {
        return subscriptionId;
    }

    @Override
    public int size() {
        return size;
    }

    /**
     * @return the address (and STOMP subscription) and the Kafka key: under {@code conflate} a newer message of the same
     * key replaces a queued one; {@code null}, never replaced, for a message without a key
     */
    @Override
    public Object conflationKey() {
        if (conflationKey == null) {
            String key = delivery.kafkaKey();
            if (key == null) {
                return null;
            }
            conflationKey = subscriptionId == null ? delivery.address() + '\u0000' + key
                : delivery.address() + '\u0000' + key + '\u0000' + new String(subscriptionId, StandardCharsets.UTF_8);
        }
        return conflationKey;
    }
}
