package io.kafkabridge.bridge;

import io.kafkabridge.auth.AuthFailure;
import io.kafkabridge.auth.Identity;
import io.kafkabridge.delivery.Since;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.stomp.Frame;
import io.vertx.ext.stomp.Frames;
import io.vertx.ext.stomp.StompServerConnection;
import io.vertx.ext.stomp.utils.Headers;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One STOMP connection of the bridge (TCP, WebSocket or SockJS): its identity, subscriptions, rate limiter and clocks.
 * Confined to the server verticle's event loop.
 */
final class StompSession {

    private final BridgeContext context;
    private final StompServerConnection connection;
    private final String client;
    /** The transport's metrics label ({@code stomp_tcp}, {@code stomp_ws}, {@code stomp_sockjs}). */
    private final String transport;
    private final long openedAt;
    private final RateLimiter rate;
    /** The subscriptions by id: each delivers its address's messages as MESSAGE frames with its id. */
    private final Map<String, SubscriptionStream> subscriptions = new LinkedHashMap<>();
    private final ConnectionOutbound outbound;
    private Identity identity = Identity.ANONYMOUS;
    private PermissionRules.Bound rules;
    private boolean connectReceived;
    private boolean connected;
    private boolean closed;
    private long lastActivity;
    private boolean abortScheduled;
    /** The client's host, without its port (failed logins are backed off per host). */
    private final String host;
    /** Drops the connection at once, whatever is still pending. */
    private final Runnable abort;

    /**
     * @return whether the message may go to the client now: the connection is open, its token valid, and the rules
     * permit it (a token that expired closes the connection)
     */
    private boolean accepts(Delivery delivery) {
        if (closed) {
            return false;
        }
        if (identity.isExpired(System.currentTimeMillis())) {
            fail(AuthFailure.TOKEN_EXPIRED, null, "The token expired; reconnect with a fresh one");
            return false;
        }
        return rules.permitsDelivery(delivery.address(), delivery.body());
    }

    /**
     * @param write writes bytes to the connection's socket; completes once they were written out
     * @param abort drops the connection at once (after a refusal the client did not take)
     */
    StompSession(BridgeContext context, StompServerConnection connection, String client, String transport, String host,
                 Function<Buffer, Future<Void>> write, Runnable abort) {
        this.context = context;
        this.transport = transport;
        this.connection = connection;
        this.client = client;
        this.host = host;
        this.abort = abort;
        this.outbound = new ConnectionOutbound(context, client, transport,
            (message, dropped) -> write.apply(message.delivery().stompFrame(message.subscriptionId(), dropped,
                message.resumeOverride())),
            (last, refused) -> fail(ErrorCodes.SLOW_CONSUMER, refused.delivery().address(),
                SockJsSession.slowConsumerExplanation(last), null, SockJsSession.slowConsumerHeaders(last, refused)));
        this.openedAt = System.currentTimeMillis();
        this.lastActivity = openedAt;
        this.rate = new RateLimiter(context.limits().getMaxInboundMessagesPerSecond());
        this.rules = context.rules().bind(Identity.ANONYMOUS);
    }

    String client() {
        return client;
    }

    String transport() {
        return transport;
    }

    /**
     * @return the client's host, without its port
     */
    String remoteHost() {
        return host;
    }

    StompServerConnection connection() {
        return connection;
    }

    Identity identity() {
        return identity;
    }

    PermissionRules.Bound rules() {
        return rules;
    }

    void authenticated(Identity identity) {
        this.identity = identity;
        this.rules = context.rules().bind(identity);
    }

    /**
     * @return {@code false} when this is the second CONNECT
     */
    boolean markConnectReceived() {
        if (connectReceived) {
            return false;
        }
        connectReceived = true;
        return true;
    }

    void markConnected() {
        connected = true;
    }

    boolean isConnected() {
        return connected;
    }

    boolean isClosed() {
        return closed;
    }

    void touch() {
        lastActivity = System.currentTimeMillis();
    }

    boolean tryAcquireRate() {
        return rate.tryAcquire();
    }

    int subscriptionCount() {
        return subscriptions.size();
    }

    boolean hasSubscription(String id) {
        return subscriptions.containsKey(id);
    }

    /**
     * @param since the replay the subscription asked for, or {@code null}
     * @return completes once the subscription receives live messages (its replay, if any, is read from then on)
     */
    Future<Void> subscribe(String id, String address, Since since) {
        SubscriptionStream subscription = new SubscriptionStream(client, address, rules.slowClientPolicy(address, null),
            Delivery.encodeSubscriptionId(id), outbound, this::accepts, () -> !closed,
            context.limits().getMaxQueuedMessagesPerConnection());
        subscriptions.put(id, subscription);
        return subscription.start(context.fanout(), context.replays(), context.replayPacer(), since);
    }

    boolean unsubscribe(String id) {
        SubscriptionStream subscription = subscriptions.remove(id);
        if (subscription == null) {
            return false;
        }
        subscription.cancel();
        context.fanout().unsubscribe(subscription.address(), subscription);
        return true;
    }

    /**
     * Closes connections that never sent CONNECT, went silent or whose token expired.
     */
    void checkTimeouts(long now) {
        if (closed) {
            return;
        }
        if (!connected) {
            if (now - openedAt > context.limits().getConnectTimeoutMs()) {
                fail(ErrorCodes.CONNECT_TIMEOUT, null, "No CONNECT within " + context.limits().getConnectTimeoutMs()
                    + " ms (limits.connectTimeoutMs)");
            }
        } else if (identity.isExpired(now)) {
            fail(AuthFailure.TOKEN_EXPIRED, null, "The token expired; reconnect with a fresh one");
        } else if (now - lastActivity > context.limits().getIdleTimeoutMs()) {
            fail(ErrorCodes.IDLE_TIMEOUT, null, "Nothing received for " + context.limits().getIdleTimeoutMs()
                + " ms (limits.idleTimeoutMs); send heart-beats");
        }
    }

    /**
     * Sends an ERROR frame ({@code message} header = the code) and closes the connection, as STOMP requires.
     *
     * @param destination the refused destination, named in a header, or {@code null}
     */
    void fail(String code, String destination, String explanation) {
        fail(code, destination, explanation, null);
    }

    /**
     * @param receipt the {@code receipt} of the frame that failed, named as {@code receipt-id}, or {@code null}
     */
    void fail(String code, String destination, String explanation, String receipt) {
        fail(code, destination, explanation, receipt, Map.of());
    }

    /**
     * @param extra further headers of the ERROR frame (the Kafka position of a {@code slow_consumer})
     */
    void fail(String code, String destination, String explanation, String receipt, Map<String, String> extra) {
        if (closed) {
            return;
        }
        context.metrics().refused(transport, code);
        Headers headers = destination == null ? Headers.create() : Headers.create(Frame.DESTINATION, destination);
        if (receipt != null) {
            headers.put(Frame.RECEIPT_ID, receipt);
        }
        headers.putAll(extra);
        // where every subscription continues from, to subscribe again with since
        subscriptions.forEach((id, subscription) -> {
            if (subscription.lastWritten() != null) {
                headers.put(Delivery.RESUME_HEADER + "." + id, subscription.lastWritten());
            }
        });
        connection.write(Frames.createErrorFrame(code, headers, explanation));
        connection.close();
        if (!abortScheduled) {
            // Vert.x closes once what is pending was flushed: a client that does not read never lets it
            abortScheduled = true;
            context.vertx().setTimer(SockJsSession.CLOSE_GRACE_MS, id -> abort.run());
        }
    }

    /**
     * Releases the subscriptions; called once when the connection closed.
     */
    void cleanUp() {
        if (closed) {
            return;
        }
        closed = true;
        for (SubscriptionStream subscription : subscriptions.values()) {
            subscription.cancel();
            context.fanout().unsubscribe(subscription.address(), subscription);
        }
        subscriptions.clear();
    }
}
