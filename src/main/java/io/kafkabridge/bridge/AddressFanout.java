package io.kafkabridge.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One event-bus consumer per address for all the bridge connections of a server verticle, however many clients
 * subscribe: a message is encoded once per protocol ({@link Delivery}) and handed to every subscriber. Keeps the
 * clustered subscription map small (one entry per node and address, not per client).
 * <p>
 * Confined to the server verticle's event loop.
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
        MessageConsumer<Object> consumer;
        Future<Void> registered;
    }

    private final Vertx vertx;
    private final Map<String, Entry> entries = new HashMap<>();

    public AddressFanout(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * @return completes once the address's consumer is registered (cluster-wide on a clustered bus)
     */
    public Future<Void> subscribe(String address, Subscriber subscriber) {
        Entry entry = entries.get(address);
        if (entry == null) {
            entry = new Entry();
            entries.put(address, entry);
            Entry created = entry;
            entry.consumer = vertx.eventBus().consumer(address, message -> {
                if (created.subscribers.isEmpty()) {
                    return;
                }
                Delivery delivery = new Delivery(address, message);
                // a subscriber may unsubscribe while being delivered to (a close): iterate over a snapshot
                for (Subscriber target : created.subscribers.toArray(new Subscriber[0])) {
                    try {
                        target.deliver(delivery);
                    } catch (RuntimeException e) {
                        LOG.warn("Delivery on {} to a client failed: {}", address, e.toString());
                    }
                }
            });
            entry.registered = entry.consumer.completion();
        }
        entry.subscribers.add(subscriber);
        return entry.registered;
    }

    public void unsubscribe(String address, Subscriber subscriber) {
        Entry entry = entries.get(address);
        if (entry == null) {
            return;
        }
        entry.subscribers.remove(subscriber);
        if (entry.subscribers.isEmpty()) {
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
            count += entry.subscribers.size();
        }
        return count;
    }
}
