package io.kafkabridge.bridge;

import io.kafkabridge.delivery.OutboundQueue;

import java.nio.charset.StandardCharsets;

/**
 * A message queued for one connection: the shared {@link Delivery} and, on STOMP, the subscription it goes to. Its
 * wire bytes are made when it is written, from bytes shared by every subscriber.
 */
final class OutboundMessage implements OutboundQueue.Item {

    private final Delivery delivery;
    private final byte[] subscriptionId;
    private final int size;
    private Object conflationKey;

    private OutboundMessage(Delivery delivery, byte[] subscriptionId, int size) {
        this.delivery = delivery;
        this.subscriptionId = subscriptionId;
        this.size = size;
    }

    static OutboundMessage forSockJs(Delivery delivery) {
        return new OutboundMessage(delivery, null, delivery.sockJsFrame().length());
    }

    /**
     * @param subscriptionId the subscription id, escaped and in UTF-8
     */
    static OutboundMessage forStomp(Delivery delivery, byte[] subscriptionId) {
        return new OutboundMessage(delivery, subscriptionId, delivery.stompFrameLength() + subscriptionId.length);
    }

    Delivery delivery() {
        return delivery;
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
