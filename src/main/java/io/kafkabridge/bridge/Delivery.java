package io.kafkabridge.bridge;

import io.kafkabridge.routing.PayloadFormat;
import io.kafkabridge.routing.RecordRouter;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One event-bus message on its way to the clients of an address, with its wire forms computed at most once however
 * many clients receive it.
 */
public final class Delivery {

    /** Headers the bridge sets on a MESSAGE frame; a message header of the same name is not copied. */
    private static final Set<String> STOMP_RESERVED = Set.of("destination", "subscription", "message-id",
        "content-length", "ack");
    /** {@code message-id}: unique per message and node (one counter per JVM, a random prefix per JVM). */
    private static final String MESSAGE_ID_PREFIX = UUID.randomUUID().toString().substring(0, 8) + "-";
    private static final AtomicLong MESSAGE_IDS = new AtomicLong();

    private final String address;
    private final Message<Object> message;
    private Buffer sockJsFrame;
    private Buffer stompBody;
    private boolean stompBodyEncoded;
    private Buffer stompHead;
    private Buffer stompTail;

    Delivery(String address, Message<Object> message) {
        this.address = address;
        this.message = message;
    }

    public String address() {
        return address;
    }

    public Object body() {
        return message.body();
    }

    public MultiMap headers() {
        return message.headers();
    }

    /**
     * @return the SockJS bridge frame {@code {"type":"rec","address":..,"headers":{..},"body":..}}
     */
    public Buffer sockJsFrame() {
        if (sockJsFrame == null) {
            JsonObject headers = new JsonObject();
            for (Map.Entry<String, String> header : message.headers()) {
                headers.put(header.getKey(), header.getValue());
            }
            JsonObject frame = new JsonObject().put("type", "rec").put("address", address).put("headers", headers)
                .put("body", message.body());
            if (message.replyAddress() != null) {
                frame.put("replyAddress", message.replyAddress());
            }
            sockJsFrame = frame.toBuffer();
        }
        return sockJsFrame;
    }

    /**
     * @return the STOMP MESSAGE body: JSON text for {@code json} messages (and any non-text body), the text itself for
     * {@code string}/{@code base64}; {@code null} for a null body
     */
    public Buffer stompBody() {
        if (!stompBodyEncoded) {
            stompBody = encodeStompBody(message.body(), message.headers().get(RecordRouter.HEADER_FORMAT));
            stompBodyEncoded = true;
        }
        return stompBody;
    }

    /**
     * The STOMP MESSAGE frame for one subscription. Everything but the {@code subscription} header is encoded once per
     * message: a subscriber costs one buffer copy, not a header map and an encoder pass.
     *
     * @param subscriptionId the subscription id, already escaped with {@link #escapeStompHeader} and in UTF-8
     */
    public Buffer stompFrame(byte[] subscriptionId) {
        if (stompHead == null) {
            encodeStompFrame();
        }
        return Buffer.buffer(stompHead.length() + subscriptionId.length + stompTail.length()).appendBuffer(stompHead)
            .appendBytes(subscriptionId).appendBuffer(stompTail);
    }

    private void encodeStompFrame() {
        Buffer body = stompBody();
        StringBuilder head = new StringBuilder(256).append("MESSAGE\n");
        appendStompHeader(head, "destination", address);
        appendStompHeader(head, "message-id", MESSAGE_ID_PREFIX + MESSAGE_IDS.incrementAndGet());
        if (body != null) {
            appendStompHeader(head, "content-length", Integer.toString(body.length()));
        }
        Set<String> copied = new HashSet<>();
        for (Map.Entry<String, String> header : message.headers()) {
            // STOMP 1.2: the first of repeated headers wins; a header the bridge sets is not repeated
            if (!STOMP_RESERVED.contains(header.getKey()) && copied.add(header.getKey())) {
                appendStompHeader(head, header.getKey(), header.getValue());
            }
        }
        head.append("subscription:");
        stompHead = Buffer.buffer(head.toString());
        stompTail = Buffer.buffer(3 + (body == null ? 0 : body.length())).appendString("\n\n");
        if (body != null) {
            stompTail.appendBuffer(body);
        }
        stompTail.appendByte((byte) 0);
    }

    private static void appendStompHeader(StringBuilder frame, String name, String value) {
        frame.append(escapeStompHeader(name)).append(':').append(escapeStompHeader(value)).append('\n');
    }

    /**
     * @return the STOMP 1.2 header escape of {@code value} (backslash, CR, LF and colon)
     */
    public static String escapeStompHeader(String value) {
        StringBuilder escaped = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String replacement = switch (c) {
                case '\\' -> "\\\\";
                case '\r' -> "\\r";
                case '\n' -> "\\n";
                case ':' -> "\\c";
                default -> null;
            };
            if (replacement != null && escaped == null) {
                escaped = new StringBuilder(value.length() + 8).append(value, 0, i);
            }
            if (escaped != null) {
                if (replacement != null) {
                    escaped.append(replacement);
                } else {
                    escaped.append(c);
                }
            }
        }
        return escaped == null ? value : escaped.toString();
    }

    /**
     * @return {@link #escapeStompHeader} of a subscription id, in UTF-8, for {@link #stompFrame}
     */
    public static byte[] encodeSubscriptionId(String id) {
        return escapeStompHeader(id).getBytes(StandardCharsets.UTF_8);
    }

    static Buffer encodeStompBody(Object body, String format) {
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
}
