package io.kafkabridge.config;

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
    /** Default most client messages per second per connection (SockJS frames other than ping, STOMP frames). */
    public static final int DEFAULT_MAX_INBOUND_MESSAGES_PER_SECOND = 100;
    /** Default time a connection may stay silent (no frame, ping or heart-beat from the client), ms. */
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
    /** Default time a STOMP client has to send CONNECT, ms. */
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
    /** Default longest address or destination, characters. */
    public static final int DEFAULT_MAX_ADDRESS_LENGTH = 256;

    static final String SECTION = "limits";
    private static final Set<String> KEYS = Set.of("maxFrameBytes", "maxSubscriptionsPerConnection", "maxConnectionsPerNode",
        "maxInboundMessagesPerSecond", "idleTimeoutMs", "connectTimeoutMs", "maxAddressLength");

    private int maxFrameBytes;
    private int maxSubscriptionsPerConnection;
    private int maxConnectionsPerNode;
    private int maxInboundMessagesPerSecond;
    private long idleTimeoutMs;
    private long connectTimeoutMs;
    private int maxAddressLength;

    public LimitsOptions() {
        maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        maxSubscriptionsPerConnection = DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;
        maxConnectionsPerNode = DEFAULT_MAX_CONNECTIONS_PER_NODE;
        maxInboundMessagesPerSecond = DEFAULT_MAX_INBOUND_MESSAGES_PER_SECOND;
        idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
        connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
        maxAddressLength = DEFAULT_MAX_ADDRESS_LENGTH;
    }

    public LimitsOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "maxFrameBytes", () -> setMaxFrameBytes(readInt(json, "maxFrameBytes", SECTION, maxFrameBytes)));
        applySetting(SECTION, "maxSubscriptionsPerConnection", () -> setMaxSubscriptionsPerConnection(
            readInt(json, "maxSubscriptionsPerConnection", SECTION, maxSubscriptionsPerConnection)));
        applySetting(SECTION, "maxConnectionsPerNode", () -> setMaxConnectionsPerNode(
            readInt(json, "maxConnectionsPerNode", SECTION, maxConnectionsPerNode)));
        applySetting(SECTION, "maxInboundMessagesPerSecond", () -> setMaxInboundMessagesPerSecond(
            readInt(json, "maxInboundMessagesPerSecond", SECTION, maxInboundMessagesPerSecond)));
        applySetting(SECTION, "idleTimeoutMs", () -> setIdleTimeoutMs(readLong(json, "idleTimeoutMs", SECTION, idleTimeoutMs)));
        applySetting(SECTION, "connectTimeoutMs", () -> setConnectTimeoutMs(readLong(json, "connectTimeoutMs", SECTION, connectTimeoutMs)));
        applySetting(SECTION, "maxAddressLength", () -> setMaxAddressLength(readInt(json, "maxAddressLength", SECTION, maxAddressLength)));
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

    public JsonObject toJson() {
        return new JsonObject()
            .put("maxFrameBytes", maxFrameBytes)
            .put("maxSubscriptionsPerConnection", maxSubscriptionsPerConnection)
            .put("maxConnectionsPerNode", maxConnectionsPerNode)
            .put("maxInboundMessagesPerSecond", maxInboundMessagesPerSecond)
            .put("idleTimeoutMs", idleTimeoutMs)
            .put("connectTimeoutMs", connectTimeoutMs)
            .put("maxAddressLength", maxAddressLength);
    }
}
