package io.kafkabridge.bridge;

import io.kafkabridge.delivery.ResumeToken;
import io.kafkabridge.delivery.SlowClientPolicy;
import io.kafkabridge.routing.PayloadFormat;
import io.kafkabridge.routing.JsonBytes;
import io.kafkabridge.routing.RecordRouter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.TopicPartition;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One event-bus message on its way to the clients of an address, with its wire forms computed at most once however
 * many clients receive it.
 */
public final class Delivery {

    /** Header of the first message a client gets after the queue dropped some: how many. */
    public static final String DROPPED_HEADER = "dropped";
    /** Header of every message: the subscription's position after it ({@link ResumeToken}). */
    public static final String RESUME_HEADER = "resume";
    /** Header of the message that says a replay could not be whole. */
    public static final String GAP_HEADER = "gap";
    /** Headers only the bridge sets; a record header of the same name (any case) is not passed on. */
    private static final Set<String> BRIDGE_HEADERS = Set.of(DROPPED_HEADER, RESUME_HEADER, GAP_HEADER);
    /** Headers the bridge sets on a MESSAGE frame; a message header of the same name is not copied. */
    private static final Set<String> STOMP_RESERVED = Set.of("destination", "subscription", "message-id",
        "content-length", "ack", DROPPED_HEADER, RESUME_HEADER, GAP_HEADER);
    private static final String[] POSITION_HEADERS = {"kafka.topic", "kafka.partition", "kafka.offset"};
    private static final int COMMAND_LENGTH = "MESSAGE\n".length();
    /** STOMP frames larger than this share the message's bytes across subscribers instead of copying them. */
    static final int SHARED_ABOVE_BYTES = 8 * 1024;
    /** {@code message-id}: unique per message and node (one counter per JVM, a random prefix per JVM). */
    private static final String MESSAGE_ID_PREFIX = UUID.randomUUID().toString().substring(0, 8) + "-";
    private static final AtomicLong MESSAGE_IDS = new AtomicLong();
    /**
     * The partitions of every topic a message came from, by topic; an array only grows, by copy. Its entries come from
     * the routers and the node's own verticles: the bridges drop {@code kafka.*} headers from what clients send. Bounded
     * all the same (what is beyond is read uncached, as before).
     */
    private static final ConcurrentHashMap<String, TopicPartition[]> PARTITIONS = new ConcurrentHashMap<>();
    private static final int MAX_CACHED_TOPICS = 256;
    private static final int MAX_CACHED_PARTITION = 1024;

    private final String address;
    private final Object body;
    private final MultiMap headers;
    private final long baselineMs;
    private Map<TopicPartition, Long> positionsAfter;
    private String resumeToken;
    private TopicPartition partition;
    private long offset = -2;
    private Buffer sockJsFrame;
    private Buffer stompBody;
    private boolean stompBodyEncoded;
    private Buffer stompHead;
    private Buffer stompTail;
    /** {@link #stompTail} in direct memory, for frames over {@link #SHARED_ABOVE_BYTES}. */
    private ByteBuf sharedTail;
    private String messageId;
    private long timestampMs = -2;
    private SlowClientPolicy routePolicy;
    private boolean routePolicyRead;
    /** The headers the bridge reads, found in one pass over them ({@link #scanHeaders}): the first of each name. */
    private boolean scanned;
    private String topicHeader;
    private String partitionHeader;
    private String offsetHeader;
    private String timestampHeader;
    private String keyHeader;
    private String formatHeader;
    private String policyHeader;
    private String gapHeader;

    /**
     * @param positionsAfter the address's positions after this message ({@link io.kafkabridge.delivery.PositionVector})
     * @param baselineMs     since when the address is followed: the baseline of the partitions not in the positions
     */
    Delivery(String address, Object body, MultiMap headers, long baselineMs, Map<TopicPartition, Long> positionsAfter) {
        this.address = address;
        this.body = body;
        this.headers = headers;
        this.baselineMs = baselineMs;
        this.positionsAfter = positionsAfter;
    }

    /**
     * @return the message that opens a replay that could not be whole: header {@code gap: true}, a body saying why
     * and how many records are missing
     */
    static Delivery gap(String address, JsonObject why, long baselineMs, Map<TopicPartition, Long> positions) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(GAP_HEADER, "true")
            .add(RecordRouter.HEADER_FORMAT, "json");
        return new Delivery(address, why, headers, baselineMs, positions);
    }

    public String address() {
        return address;
    }

    public Object body() {
        return body;
    }

    public MultiMap headers() {
        return headers;
    }

    /**
     * @return the Kafka partition the message came from, or {@code null}
     */
    public TopicPartition partition() {
        if (offset == -2) {
            parsePosition();
        }
        return partition;
    }

    /**
     * @return the Kafka offset the message came from, or -1
     */
    public long offset() {
        if (offset == -2) {
            parsePosition();
        }
        return offset;
    }

    /**
     * Reads the headers the bridge needs in one pass, the first value of each name in any case, as
     * {@link MultiMap#get} would: a message's headers are read once, not looked up by name for each use (the lookups
     * showed in the per-user profile, where every message has its own subscriber).
     */
    private void scanHeaders() {
        if (scanned) {
            return;
        }
        scanned = true;
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey();
            String value = header.getValue();
            switch (name.length()) {
                case 3 -> gapHeader = firstOf(gapHeader, name, GAP_HEADER, value);
                case 9 -> keyHeader = firstOf(keyHeader, name, RecordRouter.HEADER_KEY, value);
                case 11 -> topicHeader = firstOf(topicHeader, name, RecordRouter.HEADER_TOPIC, value);
                case 12 -> {
                    offsetHeader = firstOf(offsetHeader, name, RecordRouter.HEADER_OFFSET, value);
                    formatHeader = firstOf(formatHeader, name, RecordRouter.HEADER_FORMAT, value);
                }
                case 15 -> {
                    partitionHeader = firstOf(partitionHeader, name, RecordRouter.HEADER_PARTITION, value);
                    timestampHeader = firstOf(timestampHeader, name, RecordRouter.HEADER_TIMESTAMP, value);
                }
                case 18 -> policyHeader = firstOf(policyHeader, name, RecordRouter.HEADER_SLOW_CLIENT_POLICY, value);
                default -> {
                }
            }
        }
    }

    /**
     * @return {@code found} when a header of that name came before, else {@code value} when {@code name} is
     * {@code wanted} in any ASCII case, else {@code null}
     */
    private static String firstOf(String found, String name, String wanted, String value) {
        // ASCII case only, as the headers' own lookups: String.equalsIgnoreCase would also take "kafka.offſet" (a long
        // s) for kafka.offset, a record header the router's own kafka.offset does not replace
        return found != null ? found : AsciiString.contentEqualsIgnoreCase(name, wanted) ? value : null;
    }

    private void parsePosition() {
        scanHeaders();
        String topic = topicHeader;
        String partitionText = partitionHeader;
        String offsetText = offsetHeader;
        offset = -1;
        if (topic != null && partitionText != null && offsetText != null) {
            try {
                partition = partitionOf(topic, Integer.parseInt(partitionText));
                offset = Long.parseLong(offsetText);
            } catch (NumberFormatException e) {
                partition = null;
                offset = -1;
            }
        }
    }

    /**
     * @return the one {@link TopicPartition} of this JVM for the topic and partition: the positions of an address are
     * keyed by it, and every message's lookup then finds its key by identity
     */
    private static TopicPartition partitionOf(String topic, int partition) {
        TopicPartition[] known = PARTITIONS.get(topic);
        if (known != null && partition >= 0 && partition < known.length && known[partition] != null) {
            return known[partition];
        }
        // a first message of the partition: the bounds are checked only then, not on every message
        if (partition < 0 || partition >= MAX_CACHED_PARTITION || known == null && PARTITIONS.size() >= MAX_CACHED_TOPICS) {
            return new TopicPartition(topic, partition);
        }
        return PARTITIONS.compute(topic, (t, current) -> {
            TopicPartition[] grown = current == null ? new TopicPartition[Math.max(partition + 1, 8)]
                : current.length > partition ? current.clone() : Arrays.copyOf(current, Math.max(partition + 1, current.length * 2));
            if (grown[partition] == null) {
                grown[partition] = new TopicPartition(t, partition);
            }
            return grown;
        })[partition];
    }

    /**
     * @return the Kafka timestamp of the message's record ({@code kafka.timestamp}), or -1 (a gap message); read once
     * for all the subscribers of the address
     */
    public long timestampMs() {
        if (timestampMs == -2) {
            scanHeaders();
            String text = timestampHeader;
            timestampMs = -1;
            if (text != null) {
                try {
                    timestampMs = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    timestampMs = -1;
                }
            }
        }
        return timestampMs;
    }

    /**
     * Sets the address's positions after this message (before any subscriber sees it).
     */
    void placeAfter(Map<TopicPartition, Long> positions) {
        positionsAfter = positions;
        resumeToken = null;
    }

    /**
     * @return the address's positions after this message
     */
    public Map<TopicPartition, Long> positionsAfter() {
        return positionsAfter;
    }

    public long baselineMs() {
        return baselineMs;
    }

    /**
     * @return the {@code resume} header every subscriber of the address gets with this message
     */
    public String resumeToken() {
        if (resumeToken == null) {
            resumeToken = ResumeToken.encode(baselineMs, positionsAfter);
        }
        return resumeToken;
    }

    /**
     * @return the SockJS bridge frame {@code {"type":"rec","address":..,"headers":{..},"body":..}}
     */
    public Buffer sockJsFrame() {
        if (sockJsFrame == null) {
            sockJsFrame = encodeSockJsFrame(0, null);
        }
        return sockJsFrame;
    }

    /**
     * @param dropped how many messages the client missed before this one ({@link SlowClientPolicy#DROP_OLDEST}): when
     *                not 0, the frame is encoded anew with a {@code dropped} header
     * @param resume  the subscription's own {@code resume} token (after a replay), or {@code null} for the address's
     */
    public Buffer sockJsFrame(int dropped, String resume) {
        return dropped == 0 && resume == null ? sockJsFrame() : encodeSockJsFrame(dropped, resume);
    }

    private Buffer encodeSockJsFrame(int dropped, String resume) {
        JsonObject encoded = new JsonObject();
        for (Map.Entry<String, String> header : headers) {
            // only the bridge says how many messages a client missed, where it stands, and where a replay has a gap
            if (!BRIDGE_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                encoded.put(header.getKey(), header.getValue());
            }
        }
        if (dropped > 0) {
            encoded.put(DROPPED_HEADER, Integer.toString(dropped));
        }
        scanHeaders();
        if (gapHeader != null) {
            encoded.put(GAP_HEADER, gapHeader);
        }
        encoded.put(RESUME_HEADER, resume != null ? resume : resumeToken());
        // no replyAddress: reply addresses are Vert.x's own (__vertx.reply.*), which clients cannot reach
        if (body instanceof JsonBytes json) {
            // the record's JSON as it is, last: {"type":"rec","address":..,"headers":{..},"body":<the value's bytes>}
            Buffer head = new JsonObject().put("type", "rec").put("address", address).put("headers", encoded).toBuffer();
            return Buffer.buffer(head.length() + json.length() + 9).appendBuffer(head, 0, head.length() - 1)
                .appendString(",\"body\":").appendBuffer(json.buffer()).appendByte((byte) '}');
        }
        return new JsonObject().put("type", "rec").put("address", address).put("headers", encoded)
            .put("body", body).toBuffer();
    }

    /**
     * @return the Kafka position the message came from ({@code kafka.topic}, {@code kafka.partition},
     * {@code kafka.offset}), or an empty map for a message that did not come from Kafka
     */
    public Map<String, String> position() {
        Map<String, String> position = new LinkedHashMap<>();
        for (String name : POSITION_HEADERS) {
            String value = headers.get(name);
            if (value != null) {
                position.put(name, value);
            }
        }
        return position;
    }

    /**
     * @return the slow-client policy of the route the message came from ({@code slow-client-policy} header), or
     * {@code null}
     */
    public SlowClientPolicy routePolicy() {
        if (!routePolicyRead) {
            scanHeaders();
            String name = policyHeader;
            routePolicy = name == null ? null : SlowClientPolicy.fromConfigName(name);
            routePolicyRead = true;
        }
        return routePolicy;
    }

    /**
     * @return the Kafka key of the message, or {@code null}
     */
    public String kafkaKey() {
        scanHeaders();
        return keyHeader;
    }

    /**
     * @return the STOMP MESSAGE body: JSON text for {@code json} messages (and any non-text body), the text itself for
     * {@code string}/{@code base64}; {@code null} for a null body
     */
    public Buffer stompBody() {
        if (!stompBodyEncoded) {
            // the format header is read only for a text body (whether it is JSON text or plain text)
            scanHeaders();
            stompBody = encodeStompBody(body, body instanceof String ? formatHeader : null);
            stompBodyEncoded = true;
        }
        return stompBody;
    }

    /**
     * The STOMP MESSAGE frame for one subscription. Everything but the {@code subscription} header is encoded once per
     * message. A frame of up to {@link #SHARED_ABOVE_BYTES} is copied whole into one buffer per subscriber; a larger one
     * is a composite of the subscriber's header and the message's body bytes in direct memory, shared by every
     * subscriber: the socket writes them as they are, so a subscriber costs no copy of the body, however large.
     *
     * @param subscriptionId the subscription id, already escaped with {@link #escapeStompHeader} and in UTF-8
     * @param dropped        how many messages the client missed before this one: when not 0, a {@code dropped} header
     *                       comes first
     * @param resume         the subscription's own {@code resume} token (after a replay), or {@code null} for the
     *                       address's
     */
    public Buffer stompFrame(byte[] subscriptionId, int dropped, String resume) {
        if (stompHead == null) {
            encodeStompFrame();
        }
        Buffer commonHead = resume == null ? stompHead : encodeStompHead(resume);
        byte[] droppedHeader = dropped == 0 ? null : (DROPPED_HEADER + ":" + dropped + "\n").getBytes(StandardCharsets.UTF_8);
        int headLength = commonHead.length() + subscriptionId.length + (droppedHeader == null ? 0 : droppedHeader.length);
        if (headLength + stompTail.length() <= SHARED_ABOVE_BYTES) {
            Buffer frame = Buffer.buffer(headLength + stompTail.length());
            appendHead(frame, commonHead, subscriptionId, droppedHeader);
            return frame.appendBuffer(stompTail);
        }
        if (sharedTail == null) {
            sharedTail = directCopy(stompTail.getBytes());
        }
        Buffer head = Buffer.buffer(headLength);
        appendHead(head, commonHead, subscriptionId, droppedHeader);
        return BufferInternal.buffer(Unpooled.wrappedBuffer(directCopy(head.getBytes()),
            Unpooled.unreleasableBuffer(sharedTail.duplicate())));
    }

    private static void appendHead(Buffer frame, Buffer commonHead, byte[] subscriptionId, byte[] droppedHeader) {
        if (droppedHeader == null) {
            frame.appendBuffer(commonHead);
        } else {
            frame.appendBuffer(commonHead, 0, COMMAND_LENGTH).appendBytes(droppedHeader)
                .appendBuffer(commonHead, COMMAND_LENGTH, commonHead.length() - COMMAND_LENGTH);
        }
        frame.appendBytes(subscriptionId);
    }

    /**
     * @return {@code bytes} in direct memory that the garbage collector frees (no reference counting): what the socket
     * can write without copying
     */
    private static ByteBuf directCopy(byte[] bytes) {
        return Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(bytes.length).put(bytes).flip());
    }

    /**
     * @return the bytes of {@link #stompFrame} without the subscription id
     */
    public int stompFrameLength() {
        if (stompHead == null) {
            encodeStompFrame();
        }
        return stompHead.length() + stompTail.length();
    }

    private void encodeStompFrame() {
        Buffer body = stompBody();
        messageId = MESSAGE_ID_PREFIX + MESSAGE_IDS.incrementAndGet();
        stompHead = encodeStompHead(resumeToken());
        stompTail = Buffer.buffer(3 + (body == null ? 0 : body.length())).appendString("\n\n");
        if (body != null) {
            stompTail.appendBuffer(body);
        }
        stompTail.appendByte((byte) 0);
    }

    /**
     * @return the MESSAGE frame up to the {@code subscription} header's value, with this {@code resume} token
     */
    private Buffer encodeStompHead(String resume) {
        Buffer body = stompBody();
        StringBuilder head = new StringBuilder(256).append("MESSAGE\n");
        appendStompHeader(head, "destination", address);
        appendStompHeader(head, "message-id", messageId);
        if (body != null) {
            appendStompHeader(head, "content-length", Integer.toString(body.length()));
        }
        appendStompHeader(head, RESUME_HEADER, resume);
        scanHeaders();
        if (gapHeader != null) {
            appendStompHeader(head, GAP_HEADER, gapHeader);
        }
        // the names copied so far: a list while they are few (the usual case), a set past that (a record with
        // thousands of headers must not make this quadratic)
        List<String> copied = new ArrayList<>();
        Set<String> copiedSet = null;
        for (Map.Entry<String, String> header : headers) {
            // STOMP 1.2: the first of repeated headers wins; a header the bridge sets is not repeated, in any case; a
            // NUL has no escape in STOMP and would end the frame early (a forged frame after it): such a header is
            // dropped
            String name = header.getKey();
            if (isStompReserved(name) || name.indexOf('\u0000') >= 0 || header.getValue().indexOf('\u0000') >= 0) {
                continue;
            }
            if (copiedSet == null && copied.size() >= 16) {
                copiedSet = new HashSet<>(copied);
            }
            if (copiedSet != null ? copiedSet.add(name) : !copied.contains(name) && copied.add(name)) {
                appendStompHeader(head, name, header.getValue());
            }
        }
        head.append("subscription:");
        return Buffer.buffer(head.toString());
    }

    /**
     * @return whether the bridge sets this header on a MESSAGE frame itself ({@link #STOMP_RESERVED}, any case)
     */
    private static boolean isStompReserved(String name) {
        for (String reserved : STOMP_RESERVED) {
            if (reserved.length() == name.length() && AsciiString.contentEqualsIgnoreCase(reserved, name)) {
                return true;
            }
        }
        return false;
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
        if (body instanceof JsonBytes json) {
            return json.buffer();
        }
        if (body instanceof String && !PayloadFormat.JSON.configName().equals(format)) {
            return Buffer.buffer((String) body);
        }
        return Json.encodeToBuffer(body);
    }
}
