package io.kafkabridge.bridge;

import io.kafkabridge.routing.PayloadFormat;
import io.kafkabridge.routing.RecordRouter;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.Json;
import io.vertx.ext.stomp.Command;
import io.vertx.ext.stomp.Destination;
import io.vertx.ext.stomp.Frame;
import io.vertx.ext.stomp.Frames;
import io.vertx.ext.stomp.StompServerConnection;
import io.vertx.ext.stomp.utils.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The STOMP side of the event-bus bridge: one {@link Destination} that stands for every event-bus address.
 * <p>
 * A permitted SUBSCRIBE registers (once per address) an event-bus consumer whose messages are written as MESSAGE frames
 * to every subscription of that address, with the message headers ({@code kafka.*} ...) as frame headers. A SEND to a
 * permitted inbound address is published on the event bus. Anything not permitted is refused with an ERROR frame whose
 * {@code message} is {@code access_denied} and which names the destination.
 */
public final class StompBridgeDestination implements Destination {

    private static final Logger LOG = LoggerFactory.getLogger(StompBridgeDestination.class);
    /** The {@code message} header of an ERROR frame for a destination no rule permits. */
    public static final String ACCESS_DENIED = "access_denied";

    private record Subscription(StompServerConnection connection, String id, String address) {
    }

    private static final class AddressSubscriptions {
        final List<Subscription> subscriptions = new ArrayList<>(2);
        MessageConsumer<Object> consumer;
    }

    private final Vertx vertx;
    private final PermissionRules rules;
    private final Map<String, AddressSubscriptions> byAddress = new HashMap<>();
    private final Map<StompServerConnection, List<Subscription>> byConnection = new IdentityHashMap<>();

    public StompBridgeDestination(Vertx vertx, PermissionRules rules) {
        this.vertx = vertx;
        this.rules = rules;
    }

    @Override
    public String destination() {
        return "<<event-bus>>";
    }

    /**
     * Permission check for a SUBSCRIBE, done by the subscribe handler before {@link #subscribe}.
     */
    public boolean permitsSubscription(String address) {
        return rules.permitsOutbound(address);
    }

    @Override
    public synchronized Destination subscribe(StompServerConnection connection, Frame frame) {
        String address = frame.getDestination();
        if (!rules.permitsOutbound(address)) {
            return null;
        }
        Subscription subscription = new Subscription(connection, frame.getId(), address);
        byConnection.computeIfAbsent(connection, c -> new ArrayList<>(2)).add(subscription);
        AddressSubscriptions entry = byAddress.computeIfAbsent(address, a -> new AddressSubscriptions());
        entry.subscriptions.add(subscription);
        if (entry.consumer == null) {
            entry.consumer = vertx.eventBus().consumer(address, message -> deliver(address, message));
        }
        LOG.debug("STOMP client {} subscribed to {} as {}", connection.session(), address, subscription.id());
        return this;
    }

    private void deliver(String address, Message<Object> message) {
        List<Subscription> targets;
        synchronized (this) {
            AddressSubscriptions entry = byAddress.get(address);
            if (entry == null || entry.subscriptions.isEmpty()) {
                return;
            }
            targets = List.copyOf(entry.subscriptions);
        }
        if (!rules.permitsOutbound(address, message.body())) {
            return;
        }
        Buffer body = encodeBody(message.body(), message.headers().get(RecordRouter.HEADER_FORMAT));
        for (Subscription subscription : targets) {
            subscription.connection().write(createMessageFrame(address, message.headers(), body, subscription.id()));
        }
    }

    private static Frame createMessageFrame(String address, MultiMap messageHeaders, Buffer body, String subscriptionId) {
        Headers headers = Headers.create();
        for (Map.Entry<String, String> header : messageHeaders) {
            headers.putIfAbsent(header.getKey(), header.getValue());
        }
        headers.put(Frame.DESTINATION, address);
        headers.put(Frame.SUBSCRIPTION, subscriptionId);
        headers.put(Frame.MESSAGE_ID, UUID.randomUUID().toString());
        if (body != null) {
            headers.put(Frame.CONTENT_LENGTH, Integer.toString(body.length()));
        }
        return new Frame(Command.MESSAGE, headers, body);
    }

    /**
     * @return the frame body: JSON text for {@code json} messages, the text itself for {@code string}/{@code base64}
     */
    static Buffer encodeBody(Object body, String format) {
        if (body == null) {
            return null;
        }
        if (body instanceof Buffer) {
            return (Buffer) body;
        }
        if (body instanceof String && !PayloadFormat.JSON.configName().equals(format)) {
            return Buffer.buffer((String) body);
        }
        return Json.encodeToBuffer(body);
    }

    @Override
    public Destination dispatch(StompServerConnection connection, Frame frame) {
        String address = frame.getDestination();
        Buffer body = frame.getBody();
        String text = body == null ? null : body.toString();
        if (!rules.permitsInbound(address, text)) {
            LOG.info("STOMP client {} refused: SEND to {} is not permitted", connection.session(), address);
            connection.write(Frames.createErrorFrame(ACCESS_DENIED, Headers.create(Frame.DESTINATION, address),
                "Access denied: sending to destination '" + address + "' is not permitted by the bridge rules"));
            connection.close();
            return null;
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        frame.getHeaders().forEach((name, value) -> {
            if (!Frame.CONTENT_LENGTH.equals(name) && !Frame.RECEIPT.equals(name)) {
                headers.add(name, value);
            }
        });
        vertx.eventBus().publish(address, text, new DeliveryOptions().setHeaders(headers));
        return this;
    }

    @Override
    public synchronized boolean unsubscribe(StompServerConnection connection, Frame frame) {
        List<Subscription> subscriptions = byConnection.get(connection);
        if (subscriptions == null) {
            return false;
        }
        for (Subscription subscription : subscriptions) {
            if (subscription.id().equals(frame.getId())) {
                subscriptions.remove(subscription);
                if (subscriptions.isEmpty()) {
                    byConnection.remove(connection);
                }
                removeFromAddress(subscription);
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized Destination unsubscribeConnection(StompServerConnection connection) {
        List<Subscription> subscriptions = byConnection.remove(connection);
        if (subscriptions != null) {
            subscriptions.forEach(this::removeFromAddress);
        }
        return this;
    }

    private void removeFromAddress(Subscription subscription) {
        AddressSubscriptions entry = byAddress.get(subscription.address());
        if (entry == null) {
            return;
        }
        entry.subscriptions.remove(subscription);
        if (entry.subscriptions.isEmpty()) {
            byAddress.remove(subscription.address());
            entry.consumer.unregister();
        }
    }

    @Override
    public boolean ack(StompServerConnection connection, Frame frame) {
        return false;
    }

    @Override
    public boolean nack(StompServerConnection connection, Frame frame) {
        return false;
    }

    @Override
    public synchronized List<String> getSubscriptions(StompServerConnection connection) {
        List<Subscription> subscriptions = byConnection.get(connection);
        return subscriptions == null ? List.of() : subscriptions.stream().map(Subscription::id).toList();
    }

    @Override
    public synchronized int numberOfSubscriptions() {
        return byConnection.values().stream().mapToInt(List::size).sum();
    }

    @Override
    public boolean matches(String address) {
        return true;
    }
}
