package io.kafkabridge.bridge;

import io.kafkabridge.auth.AuthFailure;
import io.kafkabridge.auth.Authenticator;
import io.kafkabridge.auth.Identity;
import io.kafkabridge.metrics.GatewayMetrics;
import io.kafkabridge.metrics.TransportMetrics;
import io.kafkabridge.delivery.Since;
import io.kafkabridge.kafka.KafkaSinkVerticle;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.sink.SinkRoutes;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One SockJS connection of the event-bus bridge: its identity, registrations, rate limiter and activity clock.
 * Confined to the server verticle's event loop.
 */
final class SockJsSession {

    private static final Logger LOG = LoggerFactory.getLogger(SockJsSession.class);
    /** Header set by the server on inbound messages: the sender's user id (a client value is replaced). */
    static final String USER_HEADER = "user";
    private static final int MAX_PENDING_FRAMES = 64;
    private static final int MAX_CLIENT_HEADERS = 32;
    /** The longest reply address a client may give (vertx-eventbus.js uses a 36-character UUID). */
    private static final int MAX_REPLY_ADDRESS_LENGTH = 36;
    /** Longest wait for a closing error frame to be written before the connection is dropped regardless. */
    static final long CLOSE_GRACE_MS = 2000;

    private final BridgeContext context;
    private final SockJSSocket socket;
    private final Consumer<SockJsSession> onClosed;
    /** Registered addresses and the slow-client policy of each one's outbound rule (none: {@code null}). */
    private final Map<String, SubscriptionStream> registered = new HashMap<>();
    private final RateLimiter rate;
    private final ArrayDeque<Buffer> pending = new ArrayDeque<>();
    private final String client;
    private final ConnectionOutbound outbound;
    private Identity identity = Identity.ANONYMOUS;
    private PermissionRules.Bound rules;
    private String token;
    private boolean authenticating;
    private boolean closed;
    private boolean closing;
    private long lastActivity;
    private long openedAt;

    SockJsSession(BridgeContext context, SockJSSocket socket, Consumer<SockJsSession> onClosed) {
        this.context = context;
        this.socket = socket;
        this.onClosed = onClosed;
        this.rate = new RateLimiter(context.limits().getMaxInboundMessagesPerSecond());
        this.client = String.valueOf(socket.remoteAddress());
        this.rules = context.rules().bind(Identity.ANONYMOUS);
        this.outbound = new ConnectionOutbound(context, client, GatewayMetrics.SOCKJS,
            (message, dropped) -> socket.write(message.delivery().sockJsFrame(dropped, message.resumeOverride())),
            (last, refused) -> closeWithError(ErrorCodes.SLOW_CONSUMER, refused.delivery().address(),
                slowConsumerExplanation(last), slowConsumerHeaders(last, refused)));
    }

    /**
     * @return the text of a {@code slow_consumer} error: what was sent last
     */
    static String slowConsumerExplanation(ConnectionOutbound.LastSent last) {
        return "This connection read slower than its messages arrived and its queue is full "
            + "(limits.maxQueuedBytesPerConnection / limits.maxQueuedMessagesPerConnection); "
            + (last == null ? "nothing was sent" : "the last message sent was " + last.address() + " at "
            + last.position()) + "; reconnect";
    }

    /**
     * @return the error's headers: the Kafka position of the last message sent, and the {@code resume} token of the
     * refused message's subscription (where it continues from)
     */
    static Map<String, String> slowConsumerHeaders(ConnectionOutbound.LastSent last, OutboundMessage refused) {
        Map<String, String> headers = new LinkedHashMap<>(last == null ? Map.of() : last.position());
        String resume = refused.stream().lastWritten();
        if (resume != null) {
            headers.put(Delivery.RESUME_HEADER, resume);
        }
        return headers;
    }

    void start() {
        lastActivity = System.currentTimeMillis();
        openedAt = lastActivity;
        socket.handler(this::receive);
        socket.closeHandler(v -> cleanUp());
        socket.exceptionHandler(e -> LOG.debug("SockJS client {}: {}", client, e.toString()));
        String presented = tokenFromQuery(socket.uri());
        if (presented == null) {
            presented = Authenticator.bearerToken(socket.headers() == null ? null : socket.headers().get("Authorization"));
        }
        if (presented != null && context.authenticator().acceptsTokens()) {
            authenticate(presented);
        }
    }

    private void receive(Buffer data) {
        lastActivity = System.currentTimeMillis();
        if (closed || closing) {
            return;
        }
        if (authenticating) {
            if (pending.size() >= MAX_PENDING_FRAMES) {
                closeWithError(ErrorCodes.RATE_LIMITED, null, "Too many frames sent while authenticating");
            } else {
                pending.add(data);
            }
            return;
        }
        process(data);
    }

    private void process(Buffer data) {
        if (data.length() > context.limits().getMaxFrameBytes()) {
            sendError(ErrorCodes.FRAME_TOO_LARGE, null, "A frame may hold at most " + context.limits().getMaxFrameBytes()
                + " bytes (limits.maxFrameBytes), got " + data.length());
            return;
        }
        if (data.length() >= 3 && data.getByte(0) == (byte) 0xEF && data.getByte(1) == (byte) 0xBB && data.getByte(2) == (byte) 0xBF) {
            sendError(ErrorCodes.INVALID_JSON, null, "A frame must be a JSON object (no byte order mark)");
            return;
        }
        Object parsed;
        try {
            parsed = Json.decodeValue(data);
        } catch (DecodeException e) {
            sendError(ErrorCodes.INVALID_JSON, null, "A frame must be a JSON object");
            return;
        }
        if (!(parsed instanceof JsonObject)) {
            sendError(ErrorCodes.INVALID_FRAME, null, "A frame must be a JSON object");
            return;
        }
        JsonObject frame = (JsonObject) parsed;
        Object typeValue = frame.getValue("type");
        if (!(typeValue instanceof String)) {
            sendError(ErrorCodes.INVALID_FRAME, null, "A frame needs a string \"type\"");
            return;
        }
        String type = (String) typeValue;
        if ("ping".equals(type)) {
            return;
        }
        if (!rate.tryAcquire()) {
            sendError(ErrorCodes.RATE_LIMITED, addressOf(frame), "More than " + context.limits().getMaxInboundMessagesPerSecond()
                + " frames per second (limits.maxInboundMessagesPerSecond); this one was dropped");
            return;
        }
        Object headersValue = frame.getValue("headers");
        if (headersValue != null && !(headersValue instanceof JsonObject)) {
            sendError(ErrorCodes.INVALID_FRAME, addressOf(frame), "\"headers\" must be an object");
            return;
        }
        JsonObject headers = (JsonObject) headersValue;
        if (headers != null && headers.size() > MAX_CLIENT_HEADERS) {
            sendError(ErrorCodes.INVALID_FRAME, addressOf(frame), "A frame may carry at most " + MAX_CLIENT_HEADERS + " headers");
            return;
        }
        if (headers != null) {
            for (Map.Entry<String, Object> header : headers) {
                if (!(header.getValue() instanceof String)) {
                    sendError(ErrorCodes.INVALID_FRAME, addressOf(frame), "Header values must be strings (\"" + header.getKey() + "\" is not)");
                    return;
                }
                if (holdsControlCharacter(header.getKey()) || ((String) header.getValue()).indexOf('\u0000') >= 0) {
                    // a NUL would end a STOMP subscriber's frame early (STOMP has no escape for it)
                    sendError(ErrorCodes.INVALID_FRAME, addressOf(frame), "Header names must not hold control characters, "
                        + "nor values a NUL");
                    return;
                }
            }
        }
        if (headers != null && context.authenticator().acceptsTokens()) {
            Object authorization = headers.getValue("Authorization");
            String presented = authorization instanceof String ? Authenticator.bearerToken((String) authorization) : null;
            if (presented != null && !presented.equals(token)) {
                pending.addFirst(data);
                authenticate(presented);
                return;
            }
        }
        Object addressValue = frame.getValue("address");
        if (!(addressValue instanceof String) || ((String) addressValue).isEmpty()) {
            sendError(isKnownType(type) ? ErrorCodes.INVALID_FRAME : ErrorCodes.UNKNOWN_TYPE, null,
                isKnownType(type) ? "A \"" + type + "\" frame needs a non-empty string \"address\"" : "Unknown frame type \"" + type + "\"");
            return;
        }
        String address = (String) addressValue;
        if (address.length() > context.limits().getMaxAddressLength()) {
            sendError(ErrorCodes.ADDRESS_TOO_LONG, null, "An address may hold at most " + context.limits().getMaxAddressLength()
                + " characters (limits.maxAddressLength)");
            return;
        }
        if (!isKnownType(type)) {
            sendError(ErrorCodes.UNKNOWN_TYPE, address, "Unknown frame type \"" + type + "\"");
            return;
        }
        if (context.authenticator().isRequired() && identity.isAnonymous()) {
            sendError(AuthFailure.AUTH_REQUIRED, address, "Authenticate first: an access_token query parameter or an "
                + "Authorization: Bearer header");
            return;
        }
        switch (type) {
            case "register":
                register(address, headers);
                break;
            case "unregister":
                unregister(address);
                break;
            default:
                sendToBus(type, address, frame, headers);
                break;
        }
    }

    private static boolean isKnownType(String type) {
        return "register".equals(type) || "unregister".equals(type) || "send".equals(type) || "publish".equals(type);
    }

    private static String addressOf(JsonObject frame) {
        Object address = frame.getValue("address");
        return address instanceof String && ((String) address).length() <= 1024 ? (String) address : null;
    }

    private void register(String address, JsonObject headers) {
        if (registered.containsKey(address)) {
            sendError(ErrorCodes.DUPLICATE_SUBSCRIPTION, address, "Already registered on this address");
            return;
        }
        if (registered.size() >= context.limits().getMaxSubscriptionsPerConnection()) {
            sendError(ErrorCodes.TOO_MANY_SUBSCRIPTIONS, address, "A connection may register at most "
                + context.limits().getMaxSubscriptionsPerConnection() + " addresses (limits.maxSubscriptionsPerConnection)");
            return;
        }
        if (!rules.permitsSubscription(address)) {
            LOG.atInfo().addKeyValue("client", client).addKeyValue("address", address).addKeyValue("code", ErrorCodes.ACCESS_DENIED)
                .log("SockJS client {} ({}) refused: register on {} is not permitted", client, identity.describe(), address);
            sendError(ErrorCodes.ACCESS_DENIED, address, "Access denied: register on '" + address + "' is not permitted");
            return;
        }
        Since since;
        try {
            since = headers == null ? null : Since.parse(headerText(headers, Since.HEADER), headerText(headers, Since.SNAPSHOT_HEADER));
        } catch (IllegalArgumentException e) {
            sendError(ErrorCodes.BAD_SINCE, address, e.getMessage());
            return;
        }
        SubscriptionStream stream = new SubscriptionStream(client, address, rules.slowClientPolicy(address, null), null, outbound,
            this::accepts, () -> !closed && !closing, context.limits().getMaxQueuedMessagesPerConnection());
        registered.put(address, stream);
        stream.start(context.fanout(), context.replays(), context.replayPacer(), since).onFailure(e -> {
            if (!closed && registered.get(address) == stream) {
                registered.remove(address);
                stream.cancel();
                LOG.warn("SockJS client {} ({}): register on {} failed: {}", client, identity.describe(), address, e.toString());
                sendError(ErrorCodes.REGISTRATION_FAILED, address, "The node could not register '" + address
                    + "' in its cluster; register again");
            }
        });
        LOG.debug("SockJS client {} ({}) registered {}", client, identity.describe(), address);
    }

    private void unregister(String address) {
        if (!registered.containsKey(address)) {
            sendError(ErrorCodes.INVALID_FRAME, address, "Not registered on this address");
            return;
        }
        SubscriptionStream stream = registered.remove(address);
        stream.cancel();
        context.fanout().unsubscribe(address, stream);
    }

    /**
     * @return the header's value when it is a string, else {@code null} (a {@code since} must be text)
     */
    private static String headerText(JsonObject headers, String name) {
        Object value = headers.getValue(name);
        return value == null ? null : value.toString();
    }

    private void sendToBus(String type, String address, JsonObject frame, JsonObject clientHeaders) {
        Object replyAddress = frame.getValue("replyAddress");
        if (replyAddress != null && (!(replyAddress instanceof String) || ((String) replyAddress).length() > MAX_REPLY_ADDRESS_LENGTH
            || ((String) replyAddress).isEmpty())) {
            sendError(ErrorCodes.INVALID_FRAME, address, "\"replyAddress\" must be a string of 1 to " + MAX_REPLY_ADDRESS_LENGTH
                + " characters (the client's generated id)");
            return;
        }
        // a refused send with a reply handler fails that handler: the err goes to its reply address
        String refusalAddress = replyAddress != null ? (String) replyAddress : address;
        Object body = frame.getValue("body");
        if (body != null && !(body instanceof JsonObject || body instanceof JsonArray || body instanceof String
            || body instanceof Integer || body instanceof Long || body instanceof Double || body instanceof Boolean)) {
            context.metrics().inbound(TransportMetrics.REFUSED);
            sendError(ErrorCodes.INVALID_FRAME, refusalAddress, "Unsupported body type");
            return;
        }
        if (!rules.permitsSend(address, body)) {
            context.metrics().inbound(TransportMetrics.REFUSED);
            LOG.atInfo().addKeyValue("client", client).addKeyValue("address", address).addKeyValue("code", ErrorCodes.ACCESS_DENIED)
                .log("SockJS client {} ({}) refused: {} to {} is not permitted", client, identity.describe(), type, address);
            sendError(ErrorCodes.ACCESS_DENIED, refusalAddress, "Access denied: " + type + " to '" + address + "' is not permitted");
            return;
        }
        MultiMap busHeaders = busHeaders(clientHeaders);
        SinkRoutes.Target sink = context.sinks().match(address, identity, busHeaders);
        if (sink != null) {
            sendToSink(address, sink, body, busHeaders, replyAddress instanceof String ? (String) replyAddress : null);
            return;
        }
        DeliveryOptions options = new DeliveryOptions().setHeaders(busHeaders);
        // handed to the bus: what the bus does with it is the receiver's
        context.metrics().inbound(TransportMetrics.ACKNOWLEDGED);
        if ("publish".equals(type)) {
            context.vertx().eventBus().publish(address, body, options);
            return;
        }
        if (replyAddress == null) {
            context.vertx().eventBus().send(address, body, options);
            return;
        }
        String replyTo = (String) replyAddress;
        context.vertx().eventBus().request(address, body, options).onComplete(reply -> {
            if (closed) {
                return;
            }
            if (reply.succeeded()) {
                JsonObject headers = new JsonObject();
                for (Map.Entry<String, String> header : reply.result().headers()) {
                    headers.put(header.getKey(), header.getValue());
                }
                socket.write(new JsonObject().put("type", "rec").put("address", replyTo).put("headers", headers)
                    .put("body", reply.result().body()).toBuffer());
            } else {
                Throwable cause = reply.cause();
                JsonObject error = new JsonObject().put("type", "err").put("address", replyTo).put("body", ErrorCodes.SEND_FAILED)
                    .put("failureType", cause instanceof ReplyException ? ((ReplyException) cause).failureType().name() : ErrorCodes.SEND_FAILED)
                    .put("failureCode", cause instanceof ReplyException ? ((ReplyException) cause).failureCode() : -1)
                    .put("message", String.valueOf(cause.getMessage()));
                socket.write(error.toBuffer());
            }
        });
    }

    /**
     * Produces to Kafka; the reply (or error) goes to {@code replyTo} when the client asked for one, else only failures
     * are reported, on the sink address.
     */
    private void sendToSink(String address, SinkRoutes.Target sink, Object body, MultiMap headers, String replyTo) {
        context.produce(sink, body, headers).onComplete(result -> {
            context.metrics().inbound(result.succeeded() ? TransportMetrics.ACKNOWLEDGED : ((SinkFailure) result.cause()).code());
            if (closed) {
                return;
            }
            if (result.succeeded()) {
                if (replyTo != null) {
                    socket.write(new JsonObject().put("type", "rec").put("address", replyTo).put("headers", new JsonObject())
                        .put("body", result.result()).toBuffer());
                }
                return;
            }
            SinkFailure failure = (SinkFailure) result.cause();
            JsonObject error = new JsonObject().put("type", "err").put("address", replyTo != null ? replyTo : address)
                .put("body", failure.code()).put("failureType", failure.code()).put("failureCode", failure.status())
                .put("message", failure.getMessage());
            socket.write(error.toBuffer());
        });
    }

    static boolean holdsControlCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private MultiMap busHeaders(JsonObject clientHeaders) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        if (clientHeaders != null) {
            for (Map.Entry<String, Object> header : clientHeaders) {
                // sink.* headers are the gateway's (the sink reads them in any case), kafka.* the router's: never the
                // client's
                if (header.getValue() instanceof String && !"Authorization".equalsIgnoreCase(header.getKey())
                    && !KafkaSinkVerticle.isSinkHeader(header.getKey()) && !RecordRouter.isRouterHeader(header.getKey())) {
                    headers.add(header.getKey(), (String) header.getValue());
                }
            }
        }
        headers.remove(USER_HEADER);
        if (!identity.isAnonymous()) {
            headers.set(USER_HEADER, identity.userId());
        }
        return headers;
    }

    private void authenticate(String presented) {
        authenticating = true;
        context.authenticator().authenticateToken(presented).onComplete(result -> {
            authenticating = false;
            if (closed) {
                return;
            }
            if (result.failed()) {
                AuthFailure failure = result.cause() instanceof AuthFailure ? (AuthFailure) result.cause()
                    : new AuthFailure(AuthFailure.INVALID_TOKEN, String.valueOf(result.cause().getMessage()));
                LOG.atInfo().addKeyValue("client", client).addKeyValue("code", failure.code())
                    .log("SockJS client {} refused: {} ({})", client, failure.code(), failure.getMessage());
                closeWithError(failure.code(), null, failure.getMessage());
                return;
            }
            if (!identity.isAnonymous() && !identity.userId().equals(result.result().userId())) {
                closeWithError(AuthFailure.INVALID_TOKEN, null, "A connection cannot change user");
                return;
            }
            identity = result.result();
            token = presented;
            rules = context.rules().bind(identity);
            LOG.debug("SockJS client {} authenticated as {}", client, identity.describe());
            while (!pending.isEmpty() && !authenticating && !closed) {
                process(pending.poll());
            }
        });
    }

    /**
     * @return whether the message may go to the client now: the connection is open, its token valid, and the rules
     * permit it (a token that expired closes the connection)
     */
    private boolean accepts(Delivery delivery) {
        if (closed || closing) {
            return false;
        }
        if (identity.isExpired(System.currentTimeMillis())) {
            closeWithError(AuthFailure.TOKEN_EXPIRED, null, "The token expired; reconnect with a fresh one");
            return false;
        }
        return rules.permitsDelivery(delivery.address(), delivery.body());
    }

    /**
     * Closes the connection when it was silent too long or its token expired.
     */
    void checkTimeouts(long now) {
        if (closed || closing) {
            return;
        }
        if (identity.isAnonymous() && context.authenticator().isRequired() && now - openedAt > context.limits().getConnectTimeoutMs()) {
            // like STOMP's CONNECT deadline: a socket without a token holds a connection slot only this long
            closeWithError(ErrorCodes.CONNECT_TIMEOUT, null, "No token within " + context.limits().getConnectTimeoutMs()
                + " ms (limits.connectTimeoutMs): connect with access_token or send an Authorization header");
        } else if (identity.isExpired(now)) {
            closeWithError(AuthFailure.TOKEN_EXPIRED, null, "The token expired; reconnect with a fresh one");
        } else if (now - lastActivity > context.limits().getIdleTimeoutMs()) {
            closeWithError(ErrorCodes.IDLE_TIMEOUT, null, "Nothing received for " + context.limits().getIdleTimeoutMs()
                + " ms (limits.idleTimeoutMs)");
        }
    }

    private void sendError(String code, String address, String message) {
        context.metrics().refused(GatewayMetrics.SOCKJS, code);
        socket.write(errorFrame(code, address, message));
    }

    /**
     * Sends the error, then closes once it was written: on SockJS's session transports a write from outside the
     * transport's context is queued, and closing at once would drop it. A client that never collects it is closed
     * after {@link #CLOSE_GRACE_MS} anyway.
     */
    void closeWithError(String code, String address, String message) {
        closeWithError(code, address, message, Map.of());
    }

    /**
     * @param headers headers of the error frame (the Kafka position of a {@code slow_consumer})
     */
    void closeWithError(String code, String address, String message, Map<String, String> headers) {
        if (closed || closing) {
            return;
        }
        closing = true;
        context.metrics().refused(GatewayMetrics.SOCKJS, code);
        // a client that does not read never gets it: then its connection is dropped, not left to flush forever
        long fallback = context.vertx().setTimer(CLOSE_GRACE_MS, id -> abort());
        JsonObject resume = new JsonObject();
        registered.forEach((registeredAddress, stream) -> {
            if (stream.lastWritten() != null) {
                resume.put(registeredAddress, stream.lastWritten());
            }
        });
        JsonObject frame = errorJson(code, address, message, headers);
        if (!resume.isEmpty()) {
            // where every registered address continues from ({"address": token}), to register again with since
            frame.put(Delivery.RESUME_HEADER, resume);
        }
        socket.write(frame.toBuffer()).onComplete(written -> {
            context.vertx().cancelTimer(fallback);
            close();
        });
    }

    /**
     * @return the addresses this connection registered
     */
    int registrations() {
        return registered.size();
    }

    void close() {
        if (!closed) {
            socket.close();
            cleanUp();
        }
    }

    private void abort() {
        LOG.info("SockJS client {} did not take its closing error within {} ms: connection dropped", client, CLOSE_GRACE_MS);
        ConnectionAbort.abort(socket);
        cleanUp();
    }

    private void cleanUp() {
        if (closed) {
            return;
        }
        closed = true;
        registered.forEach((address, stream) -> {
            stream.cancel();
            context.fanout().unsubscribe(address, stream);
        });
        registered.clear();
        pending.clear();
        onClosed.accept(this);
    }

    static Buffer errorFrame(String code, String address, String message) {
        return errorFrame(code, address, message, Map.of());
    }

    static Buffer errorFrame(String code, String address, String message, Map<String, String> headers) {
        return errorJson(code, address, message, headers).toBuffer();
    }

    private static JsonObject errorJson(String code, String address, String message, Map<String, String> headers) {
        JsonObject frame = new JsonObject().put("type", "err").put("body", code).put("failureType", code)
            .put("failureCode", ErrorCodes.statusOf(code)).put("message", message);
        if (address != null) {
            frame.put("address", address);
        }
        if (!headers.isEmpty()) {
            frame.put("headers", new JsonObject(new LinkedHashMap<>(headers)));
        }
        return frame;
    }

    private static String tokenFromQuery(String uri) {
        if (uri == null) {
            return null;
        }
        int query = uri.indexOf('?');
        if (query < 0) {
            return null;
        }
        for (String pair : uri.substring(query + 1).split("&")) {
            if (pair.startsWith("access_token=")) {
                try {
                    return URLDecoder.decode(pair.substring("access_token=".length()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return pair.substring("access_token=".length());
                }
            }
        }
        return null;
    }
}
