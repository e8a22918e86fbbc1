package io.kafkabridge.bridge;

import io.kafkabridge.delivery.OutboundQueue;
import io.kafkabridge.delivery.SlowClientPolicy;
import io.kafkabridge.metrics.TransportMetrics;
import io.kafkabridge.routing.RecordRouter;
import io.vertx.core.Future;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * The outbound side of one bridge connection (SockJS or STOMP, any transport): its bounded queue
 * ({@code limits.maxQueuedBytesPerConnection}, {@code limits.maxQueuedMessagesPerConnection}), the policy for what
 * does not fit (the subscription's outbound rule's {@code slowClientPolicy}, else the route's, else
 * {@code limits.slowClientPolicy}), and the node-wide count and a log line, once per connection, of
 * what the policy did.
 * <p>
 * Confined to the connection's event loop.
 */
final class ConnectionOutbound {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionOutbound.class);
    /**
     * Bytes handed to the transport and not yet written out, at most, before messages wait in the queue (a socket that
     * takes them keeps this low; at least one message always goes).
     */
    static final int WINDOW_BYTES = 64 * 1024;

    private final BridgeContext context;
    private final String client;
    private final OutboundQueue<OutboundMessage> queue;
    private boolean logged;
    private final List<Runnable> roomWaiters = new ArrayList<>(1);
    /**
     * Where the last message written came from, for a {@code slow_consumer} error; not the message itself, whose
     * encoded frames would stay live as long as the connection (one message per connection when each gets its own).
     */
    private String lastAddress;
    private TopicPartition lastPartition;
    private long lastOffset = -1;

    /**
     * @param transport  the transport's metrics label
     * @param write      writes a message, with the number dropped before it; completes once written out
     * @param overflowed tells the client {@code slow_consumer} (naming the last message written, or {@code null}, and
     *                   the refused one) and closes the connection
     */
    ConnectionOutbound(BridgeContext context, String client, String transport,
                       BiFunction<OutboundMessage, Integer, Future<Void>> write, BiConsumer<LastSent, OutboundMessage> overflowed) {
        this.context = context;
        this.client = client;
        TransportMetrics.Deliveries deliveries = context.metrics().deliveries(transport);
        this.queue = new OutboundQueue<>(context.limits().getMaxQueuedBytesPerConnection(),
            context.limits().getMaxQueuedMessagesPerConnection(), WINDOW_BYTES, new OutboundQueue.Connection<>() {
                @Override
                public Future<Void> write(OutboundMessage item, int dropped) {
                    item.stream().written(item.resumeToken());
                    Delivery delivery = item.delivery();
                    lastAddress = delivery.address();
                    lastPartition = delivery.partition();
                    lastOffset = delivery.offset();
                    Future<Void> written = write.apply(item, dropped);
                    deliveries.delivered(delivery.timestampMs());
                    return written;
                }

                @Override
                public void overflow(OutboundMessage refused) {
                    LastSent lastWritten = lastSent();
                    context.slowClients().recordDisconnect();
                    LOG.warn("Client {} reads slower than messages arrive on {}: its queue is full ({} bytes / {} messages, "
                            + "limits.maxQueued*PerConnection); disconnecting it with slow_consumer after {}", client,
                        refused.delivery().address(), context.limits().getMaxQueuedBytesPerConnection(),
                        context.limits().getMaxQueuedMessagesPerConnection(),
                        lastWritten == null ? "no message" : lastWritten.position());
                    overflowed.accept(lastWritten, refused);
                }
            });
    }

    /**
     * @return where the last message written came from, or {@code null} when none was
     */
    private LastSent lastSent() {
        if (lastAddress == null) {
            return null;
        }
        Map<String, String> position = new LinkedHashMap<>();
        if (lastPartition != null) {
            position.put(RecordRouter.HEADER_TOPIC, lastPartition.topic());
            position.put(RecordRouter.HEADER_PARTITION, Integer.toString(lastPartition.partition()));
            position.put(RecordRouter.HEADER_OFFSET, Long.toString(lastOffset));
        }
        return new LastSent(lastAddress, position);
    }

    /**
     * The last message a connection was sent: its address and Kafka position ({@code kafka.topic},
     * {@code kafka.partition}, {@code kafka.offset}; empty for a message that did not come from Kafka).
     */
    record LastSent(String address, Map<String, String> position) {
    }

    /**
     * Writes the message, queues it, or applies the policy.
     *
     * @param subscriptionPolicy the policy of the subscription's outbound rule, or {@code null}: then the route's (the
     *                           message's header), else {@code limits.slowClientPolicy}
     */
    void offer(OutboundMessage message, SlowClientPolicy subscriptionPolicy) {
        SlowClientPolicy policy = subscriptionPolicy;
        if (policy == null) {
            policy = message.delivery().routePolicy();
            if (policy == null) {
                policy = context.limits().getSlowClientPolicy();
            }
        }
        long dropped = queue.droppedTotal();
        long conflated = queue.conflatedTotal();
        queue.offer(message, policy);
        if (queue.droppedTotal() > dropped) {
            context.slowClients().recordDropped(queue.droppedTotal() - dropped);
            logOnce(message, "dropping its oldest queued messages (slowClientPolicy drop-oldest)");
        }
        if (queue.conflatedTotal() > conflated) {
            context.slowClients().recordConflated(queue.conflatedTotal() - conflated);
            logOnce(message, "keeping only the newest queued message per key (slowClientPolicy conflate)");
        }
    }

    private void logOnce(OutboundMessage message, String action) {
        if (!logged) {
            logged = true;
            LOG.warn("Client {} reads slower than messages arrive on {}: {}; logged once per connection", client,
                message.delivery().address(), action);
        }
    }

    /**
     * @return {@code true} while the queue is less than half full: a replay offers more
     */
    boolean hasRoom() {
        return queue.hasRoom();
    }

    /**
     * Runs {@code waiter} once the queue has room again (never after the connection overflowed).
     */
    void whenRoom(Runnable waiter) {
        roomWaiters.add(waiter);
        if (roomWaiters.size() == 1) {
            queue.whenRoom(this::wakeRoomWaiters);
        }
    }

    private void wakeRoomWaiters() {
        List<Runnable> waiters = new ArrayList<>(roomWaiters);
        roomWaiters.clear();
        waiters.forEach(Runnable::run);
    }

    /**
     * Disconnects the client as {@code slow_consumer} now, as if {@code refused} did not fit its queue.
     */
    void disconnectSlow(OutboundMessage refused) {
        queue.overflowNow(refused);
    }

    /**
     * @return the bytes waiting for this connection (queued and handed to the transport)
     */
    int pendingBytes() {
        return queue.queuedBytes() + queue.writingBytes();
    }
}
