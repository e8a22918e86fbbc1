package io.kafkabridge.bridge;

import io.kafkabridge.metrics.TransportMetrics;

import io.kafkabridge.delivery.OutboundQueue;
import io.kafkabridge.delivery.SlowClientPolicy;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
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
     * @param transport  the transport's metrics label
     * @param write      writes a message, with the number dropped before it; completes once written out
     * @param overflowed tells the client {@code slow_consumer} (naming the last message written, or {@code null}, and
     *                   the refused one) and closes the connection
     */
    ConnectionOutbound(BridgeContext context, String client, String transport,
                       BiFunction<OutboundMessage, Integer, Future<Void>> write, BiConsumer<OutboundMessage, OutboundMessage> overflowed) {
        this.context = context;
        this.client = client;
        TransportMetrics.Deliveries deliveries = context.metrics().deliveries(transport);
        this.queue = new OutboundQueue<>(context.limits().getMaxQueuedBytesPerConnection(),
            context.limits().getMaxQueuedMessagesPerConnection(), WINDOW_BYTES, new OutboundQueue.Connection<>() {
                @Override
                public Future<Void> write(OutboundMessage item, int dropped) {
                    item.stream().written(item.resumeToken());
                    Future<Void> written = write.apply(item, dropped);
                    deliveries.delivered(item.delivery().timestampMs());
                    return written;
                }

                @Override
                public void overflow(OutboundMessage lastWritten, OutboundMessage refused) {
                    context.slowClients().recordDisconnect();
                    LOG.warn("Client {} reads slower than messages arrive on {}: its queue is full ({} bytes / {} messages, "
                            + "limits.maxQueued*PerConnection); disconnecting it with slow_consumer after {}", client,
                        refused.delivery().address(), context.limits().getMaxQueuedBytesPerConnection(),
                        context.limits().getMaxQueuedMessagesPerConnection(),
                        lastWritten == null ? "no message" : lastWritten.delivery().position());
                    overflowed.accept(lastWritten, refused);
                }
            });
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
