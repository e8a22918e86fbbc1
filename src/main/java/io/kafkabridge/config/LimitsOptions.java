package io.kafkabridge.config;

import io.kafkabridge.delivery.SlowClientPolicy;
import io.vertx.core.json.JsonObject;

import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * Per-connection and per-node limits of both bridges ({@code limits} section). A client that exceeds one gets a
 * precise error (SockJS {@code err} with a code, STOMP ERROR frame); other clients are not affected.
 */
public class LimitsOptions {

    /** Default largest client frame (SockJS frame, STOMP body), bytes. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
    /** Default most subscriptions a connection may hold. */
    public static final int DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;
    /** Default most client connections (SockJS + STOMP) a node accepts. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_NODE = 25_000;
    /**
     * Default most connections from one remote address (HTTP connections, WebSockets among them, and STOMP over TCP):
     * room for an office behind one NAT, not for one host holding a node's sockets.
     */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1_000;
    /** Default most client messages per second per connection (SockJS frames other than ping, STOMP frames). */
    public static final int DEFAULT_MAX_INBOUND_MESSAGES_PER_SECOND = 100;
    /** Default time a connection may stay silent (no frame, ping or heart-beat from the client), ms. */
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
    /** Default time a STOMP client has to send CONNECT, and a SockJS client to authenticate when auth is on, ms. */
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
    /** Default longest address or destination, characters. */
    public static final int DEFAULT_MAX_ADDRESS_LENGTH = 256;
    /** Default most bytes waiting in one connection's outbound queue (beyond what its socket already took). */
    public static final int DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION = 1024 * 1024;
    /** Default most messages waiting in one connection's outbound queue. */
    public static final int DEFAULT_MAX_QUEUED_MESSAGES_PER_CONNECTION = 10_000;
    /** Default policy for a message that does not fit in a connection's queue. */
    public static final SlowClientPolicy DEFAULT_SLOW_CLIENT_POLICY = SlowClientPolicy.DISCONNECT;
    /** Default most records a node holds consumed but not yet handed to every local connection's queue. */
    public static final int DEFAULT_MAX_IN_FLIGHT_RECORDS = 10_000;
    /** Default most bytes (keys and values) of such records. */
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES = 64L * 1024 * 1024;
    /**
     * Default kernel send buffer of a client socket (SO_SNDBUF), bytes: fixed instead of the kernel's autotuning (up to
     * 4 MiB on loopback), so that a client that stops reading holds at most this much beyond its queue before it is
     * cut, and costs the node that much less writing; 256 KiB covers a 10 Mbit/s link at 200 ms round trip.
     */
    public static final int DEFAULT_SOCKET_SEND_BUFFER_BYTES = 256 * 1024;
    /** Default largest record value delivered to clients, bytes. */
    public static final int DEFAULT_MAX_OUTBOUND_MESSAGE_BYTES = 1024 * 1024;

    static final String SECTION = "limits";
    private static final Set<String> KEYS = Set.of("maxFrameBytes", "maxSubscriptionsPerConnection", "maxConnectionsPerNode",
        "maxConnectionsPerAddress", "maxInboundMessagesPerSecond", "idleTimeoutMs", "connectTimeoutMs", "maxAddressLength", "maxQueuedBytesPerConnection",
        "maxQueuedMessagesPerConnection", "slowClientPolicy", "maxInFlightRecords", "maxInFlightBytes", "maxOutboundMessageBytes",
        "socketSendBufferBytes");

    private int maxFrameBytes;
    private int maxSubscriptionsPerConnection;
    private int maxConnectionsPerNode;
    private int maxConnectionsPerAddress;
    private int maxInboundMessagesPerSecond;
    private long idleTimeoutMs;
    private long connectTimeoutMs;
    private int maxAddressLength;
    private int maxQueuedBytesPerConnection;
    private int maxQueuedMessagesPerConnection;
    private SlowClientPolicy slowClientPolicy;
    private int maxInFlightRecords;
    private long maxInFlightBytes;
    private int maxOutboundMessageBytes;
    private int socketSendBufferBytes;

    public LimitsOptions() {
        maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        maxSubscriptionsPerConnection = DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;
        maxConnectionsPerNode = DEFAULT_MAX_CONNECTIONS_PER_NODE;
        maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        maxInboundMessagesPerSecond = DEFAULT_MAX_INBOUND_MESSAGES_PER_SECOND;
        idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
        connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
        maxAddressLength = DEFAULT_MAX_ADDRESS_LENGTH;
        maxQueuedBytesPerConnection = DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION;
        maxQueuedMessagesPerConnection = DEFAULT_MAX_QUEUED_MESSAGES_PER_CONNECTION;
        slowClientPolicy = DEFAULT_SLOW_CLIENT_POLICY;
        maxInFlightRecords = DEFAULT_MAX_IN_FLIGHT_RECORDS;
        maxInFlightBytes = DEFAULT_MAX_IN_FLIGHT_BYTES;
        maxOutboundMessageBytes = DEFAULT_MAX_OUTBOUND_MESSAGE_BYTES;
        socketSendBufferBytes = DEFAULT_SOCKET_SEND_BUFFER_BYTES;
    }

    public LimitsOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "maxFrameBytes", () -> setMaxFrameBytes(readInt(json, "maxFrameBytes", SECTION, maxFrameBytes)));
        applySetting(SECTION, "maxSubscriptionsPerConnection", () -> setMaxSubscriptionsPerConnection(
            readInt(json, "maxSubscriptionsPerConnection", SECTION, maxSubscriptionsPerConnection)));
        applySetting(SECTION, "maxConnectionsPerNode", () -> setMaxConnectionsPerNode(
            readInt(json, "maxConnectionsPerNode", SECTION, maxConnectionsPerNode)));
        applySetting(SECTION, "maxConnectionsPerAddress", () -> setMaxConnectionsPerAddress(
            readInt(json, "maxConnectionsPerAddress", SECTION, maxConnectionsPerAddress)));
        applySetting(SECTION, "maxInboundMessagesPerSecond", () -> setMaxInboundMessagesPerSecond(
            readInt(json, "maxInboundMessagesPerSecond", SECTION, maxInboundMessagesPerSecond)));
        applySetting(SECTION, "idleTimeoutMs", () -> setIdleTimeoutMs(readLong(json, "idleTimeoutMs", SECTION, idleTimeoutMs)));
        applySetting(SECTION, "connectTimeoutMs", () -> setConnectTimeoutMs(readLong(json, "connectTimeoutMs", SECTION, connectTimeoutMs)));
        applySetting(SECTION, "maxAddressLength", () -> setMaxAddressLength(readInt(json, "maxAddressLength", SECTION, maxAddressLength)));
        applySetting(SECTION, "maxQueuedBytesPerConnection", () -> setMaxQueuedBytesPerConnection(
            readInt(json, "maxQueuedBytesPerConnection", SECTION, maxQueuedBytesPerConnection)));
        applySetting(SECTION, "maxQueuedMessagesPerConnection", () -> setMaxQueuedMessagesPerConnection(
            readInt(json, "maxQueuedMessagesPerConnection", SECTION, maxQueuedMessagesPerConnection)));
        applySetting(SECTION, "slowClientPolicy", () -> setSlowClientPolicy(
            readSlowClientPolicy(json, "slowClientPolicy", SECTION, slowClientPolicy)));
        applySetting(SECTION, "maxInFlightRecords", () -> setMaxInFlightRecords(
            readInt(json, "maxInFlightRecords", SECTION, maxInFlightRecords)));
        applySetting(SECTION, "maxInFlightBytes", () -> setMaxInFlightBytes(readLong(json, "maxInFlightBytes", SECTION, maxInFlightBytes)));
        applySetting(SECTION, "maxOutboundMessageBytes", () -> setMaxOutboundMessageBytes(
            readInt(json, "maxOutboundMessageBytes", SECTION, maxOutboundMessageBytes)));
        applySetting(SECTION, "socketSendBufferBytes", () -> setSocketSendBufferBytes(
            readInt(json, "socketSendBufferBytes", SECTION, socketSendBufferBytes)));
    }

    /**
     * @return the policy named by {@code json.key}: {@code disconnect}, {@code drop-oldest} or {@code conflate}
     */
    static SlowClientPolicy readSlowClientPolicy(JsonObject json, String key, String path, SlowClientPolicy defaultValue) {
        String name = readString(json, key, path, defaultValue.configName());
        SlowClientPolicy policy = SlowClientPolicy.fromConfigName(name);
        if (policy == null) {
            throw new IllegalArgumentException(key + " must be \"disconnect\", \"drop-oldest\" or \"conflate\", got \"" + name + "\"");
        }
        return policy;
    }

    private static int positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
        return value;
    }

    private static long positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
        return value;
    }

    public int getMaxFrameBytes() {
        return maxFrameBytes;
    }

    public LimitsOptions setMaxFrameBytes(int maxFrameBytes) {
        this.maxFrameBytes = positive("maxFrameBytes", maxFrameBytes);
        return this;
    }

    public int getMaxSubscriptionsPerConnection() {
        return maxSubscriptionsPerConnection;
    }

    public LimitsOptions setMaxSubscriptionsPerConnection(int maxSubscriptionsPerConnection) {
        this.maxSubscriptionsPerConnection = positive("maxSubscriptionsPerConnection", maxSubscriptionsPerConnection);
        return this;
    }

    public int getMaxConnectionsPerNode() {
        return maxConnectionsPerNode;
    }

    public LimitsOptions setMaxConnectionsPerNode(int maxConnectionsPerNode) {
        this.maxConnectionsPerNode = positive("maxConnectionsPerNode", maxConnectionsPerNode);
        return this;
    }

    public int getMaxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    public LimitsOptions setMaxConnectionsPerAddress(int maxConnectionsPerAddress) {
        this.maxConnectionsPerAddress = positive("maxConnectionsPerAddress", maxConnectionsPerAddress);
        return this;
    }

    public int getMaxInboundMessagesPerSecond() {
        return maxInboundMessagesPerSecond;
    }

    public LimitsOptions setMaxInboundMessagesPerSecond(int maxInboundMessagesPerSecond) {
        this.maxInboundMessagesPerSecond = positive("maxInboundMessagesPerSecond", maxInboundMessagesPerSecond);
        return this;
    }

    public long getIdleTimeoutMs() {
        return idleTimeoutMs;
    }

    public LimitsOptions setIdleTimeoutMs(long idleTimeoutMs) {
        this.idleTimeoutMs = positive("idleTimeoutMs", idleTimeoutMs);
        return this;
    }

    public long getConnectTimeoutMs() {
        return connectTimeoutMs;
    }

    public LimitsOptions setConnectTimeoutMs(long connectTimeoutMs) {
        this.connectTimeoutMs = positive("connectTimeoutMs", connectTimeoutMs);
        return this;
    }

    public int getMaxAddressLength() {
        return maxAddressLength;
    }

    public LimitsOptions setMaxAddressLength(int maxAddressLength) {
        this.maxAddressLength = positive("maxAddressLength", maxAddressLength);
        return this;
    }

    public int getMaxQueuedBytesPerConnection() {
        return maxQueuedBytesPerConnection;
    }

    public LimitsOptions setMaxQueuedBytesPerConnection(int maxQueuedBytesPerConnection) {
        this.maxQueuedBytesPerConnection = positive("maxQueuedBytesPerConnection", maxQueuedBytesPerConnection);
        return this;
    }

    public int getMaxQueuedMessagesPerConnection() {
        return maxQueuedMessagesPerConnection;
    }

    public LimitsOptions setMaxQueuedMessagesPerConnection(int maxQueuedMessagesPerConnection) {
        this.maxQueuedMessagesPerConnection = positive("maxQueuedMessagesPerConnection", maxQueuedMessagesPerConnection);
        return this;
    }

    public SlowClientPolicy getSlowClientPolicy() {
        return slowClientPolicy;
    }

    public LimitsOptions setSlowClientPolicy(SlowClientPolicy slowClientPolicy) {
        if (slowClientPolicy == null) {
            throw new IllegalArgumentException("slowClientPolicy must be \"disconnect\", \"drop-oldest\" or \"conflate\"");
        }
        this.slowClientPolicy = slowClientPolicy;
        return this;
    }

    public int getMaxInFlightRecords() {
        return maxInFlightRecords;
    }

    public LimitsOptions setMaxInFlightRecords(int maxInFlightRecords) {
        this.maxInFlightRecords = positive("maxInFlightRecords", maxInFlightRecords);
        return this;
    }

    public long getMaxInFlightBytes() {
        return maxInFlightBytes;
    }

    public LimitsOptions setMaxInFlightBytes(long maxInFlightBytes) {
        this.maxInFlightBytes = positive("maxInFlightBytes", maxInFlightBytes);
        return this;
    }

    public int getMaxOutboundMessageBytes() {
        return maxOutboundMessageBytes;
    }

    public int getSocketSendBufferBytes() {
        return socketSendBufferBytes;
    }

    public LimitsOptions setSocketSendBufferBytes(int socketSendBufferBytes) {
        if (socketSendBufferBytes < 4096) {
            throw new IllegalArgumentException("must be at least 4096 bytes, got " + socketSendBufferBytes);
        }
        this.socketSendBufferBytes = socketSendBufferBytes;
        return this;
    }

    public LimitsOptions setMaxOutboundMessageBytes(int maxOutboundMessageBytes) {
        this.maxOutboundMessageBytes = positive("maxOutboundMessageBytes", maxOutboundMessageBytes);
        return this;
    }

    public JsonObject toJson() {
        return new JsonObject()
            .put("maxFrameBytes", maxFrameBytes)
            .put("maxSubscriptionsPerConnection", maxSubscriptionsPerConnection)
            .put("maxConnectionsPerNode", maxConnectionsPerNode)
            .put("maxConnectionsPerAddress", maxConnectionsPerAddress)
            .put("maxInboundMessagesPerSecond", maxInboundMessagesPerSecond)
            .put("idleTimeoutMs", idleTimeoutMs)
            .put("connectTimeoutMs", connectTimeoutMs)
            .put("maxAddressLength", maxAddressLength)
            .put("maxQueuedBytesPerConnection", maxQueuedBytesPerConnection)
            .put("maxQueuedMessagesPerConnection", maxQueuedMessagesPerConnection)
            .put("slowClientPolicy", slowClientPolicy.configName())
            .put("maxInFlightRecords", maxInFlightRecords)
            .put("maxInFlightBytes", maxInFlightBytes)
            .put("maxOutboundMessageBytes", maxOutboundMessageBytes)
            .put("socketSendBufferBytes", socketSendBufferBytes);
    }
}
