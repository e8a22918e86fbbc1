package io.kafkabridge.bridge;

import io.kafkabridge.delivery.PositionVector;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One event-bus consumer per address for all the bridge connections of a server verticle, however many clients
 * subscribe: a message is encoded once per protocol ({@link Delivery}) and handed to every subscriber. Keeps the
 * clustered subscription map small (one entry per node and address, not per client).
 * <p>
 * Confined to the server verticle's event loop ({@link LoopConfinement}).
 * <p>
 * A registration that fails (the cluster could not record it) is not kept: its subscribers are refused through the
 * future {@link #subscribe} returned, and the next subscription to the address registers afresh instead of inheriting
 * an entry that only ever receives this node's records.
 */
public final class AddressFanout {

    private static final Logger LOG = LoggerFactory.getLogger(AddressFanout.class);

    /**
     * A connection's interest in an address.
     */
    public interface Subscriber {
        void deliver(Delivery delivery);
    }

    private static final class Entry {
        final List<Subscriber> subscribers = new ArrayList<>(2);
        /** Where the address stands: every message carries it ({@code resume}). */
        final PositionVector positions = new PositionVector(System.currentTimeMillis());
        MessageConsumer<Object> consumer;
        Future<Void> registered;
        /** Nesting depth of deliveries in progress: while above 0, removals only blank their slot. */
        int delivering;
        /** Slots blanked (null) during a delivery, compacted when it ends. */
        int blanked;
    }

    private final Vertx vertx;
    private final Map<String, Entry> entries = new HashMap<>();
    private final LoopConfinement confinement = new LoopConfinement("AddressFanout");

    public AddressFanout(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * @return completes once the address's consumer is registered (cluster-wide on a clustered bus); fails when the
     * registration failed, and the subscriber is then forgotten
     */
    public Future<Void> subscribe(String address, Subscriber subscriber) {
        confinement.check("subscribe to " + address);
        Entry entry = entries.get(address);
        if (entry == null) {
            entry = new Entry();
            entries.put(address, entry);
            Entry created = entry;
            entry.consumer = vertx.eventBus().consumer(address, message -> deliver(address, created, message));
            entry.registered = entry.consumer.completion().onFailure(e -> dropFailed(address, created, e));
        }
        entry.subscribers.add(subscriber);
        return entry.registered;
    }

    /**
     * Hands the message to every subscriber, iterating the list in place: no copy per message (a copy of 10,000
     * references per record showed in the 10,000-subscriber benchmark). A subscriber that unsubscribes meanwhile (a
     * close during a write) only blanks its slot; one that subscribes meanwhile gets the next message.
     */
    private void deliver(String address, Entry entry, Message<Object> message) {
        List<Subscriber> subscribers = entry.subscribers;
        int count = subscribers.size();
        if (count == 0) {
            return;
        }
        Delivery delivery = positioned(address, entry.positions, message.body(), message.headers());
        entry.delivering++;
        try {
            for (int i = 0; i < count; i++) {
                Subscriber target = subscribers.get(i);
                if (target == null) {
                    continue;
                }
                try {
                    target.deliver(delivery);
                } catch (RuntimeException e) {
                    LOG.warn("Delivery on {} to a client failed: {}", address, e.toString());
                }
            }
        } finally {
            if (--entry.delivering == 0 && entry.blanked > 0) {
                subscribers.removeIf(Objects::isNull);
                entry.blanked = 0;
                forgetIfEmpty(address, entry);
            }
        }
    }

    /**
     * @return the message as it reaches the address's subscribers, after moving the address's positions past it
     */
    private static Delivery positioned(String address, PositionVector positions, Object body, MultiMap headers) {
        Delivery delivery = new Delivery(address, body, headers, positions.baselineMs(), Map.of());
        TopicPartition partition = delivery.partition();
        if (partition != null) {
            positions.advance(partition, delivery.offset());
        }
        delivery.placeAfter(positions.snapshot());
        return delivery;
    }

    /**
     * Forgets an entry whose registration failed, so that the next subscription to its address registers again.
     */
    private void dropFailed(String address, Entry entry, Throwable cause) {
        LOG.warn("Registration of address {} failed ({}): its {} subscriber(s) are refused; the next subscription "
            + "registers it again", address, cause.toString(), entry.subscribers.size() - entry.blanked);
        if (entries.get(address) == entry) {
            entries.remove(address);
        }
        entry.subscribers.clear();
        entry.blanked = 0;
        entry.consumer.unregister();
    }

    public void unsubscribe(String address, Subscriber subscriber) {
        confinement.check("unsubscribe from " + address);
        Entry entry = entries.get(address);
        if (entry == null) {
            return;
        }
        if (entry.delivering > 0) {
            int index = entry.subscribers.indexOf(subscriber);
            if (index >= 0) {
                entry.subscribers.set(index, null);
                entry.blanked++;
            }
            return;
        }
        entry.subscribers.remove(subscriber);
        forgetIfEmpty(address, entry);
    }

    private void forgetIfEmpty(String address, Entry entry) {
        if (entry.subscribers.isEmpty() && entries.get(address) == entry) {
            entries.remove(address);
            entry.consumer.unregister();
        }
    }

    /**
     * @return the addresses with at least one subscriber
     */
    public int addressCount() {
        return entries.size();
    }

    /**
     * @return all subscriptions over all addresses
     */
    public int subscriptionCount() {
        int count = 0;
        for (Entry entry : entries.values()) {
            count += entry.subscribers.size() - entry.blanked;
        }
        return count;
    }
}
