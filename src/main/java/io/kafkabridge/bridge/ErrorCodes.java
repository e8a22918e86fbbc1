package io.kafkabridge.bridge;

/**
 * The machine-readable error codes of both bridges: the {@code body} (and {@code failureType}) of a SockJS
 * {@code err} frame, the {@code message} header of a STOMP ERROR frame. Authentication codes are in
 * {@link io.kafkabridge.auth.AuthFailure}.
 */
public final class ErrorCodes {

    /** No rule permits this address for this client. */
    public static final String ACCESS_DENIED = "access_denied";
    /** A SockJS frame that is not JSON. */
    public static final String INVALID_JSON = "invalid_json";
    /** A frame that lacks a field, has one of the wrong type, or is otherwise malformed. */
    public static final String INVALID_FRAME = "invalid_frame";
    /** A frame type or STOMP command the bridge does not handle. */
    public static final String UNKNOWN_TYPE = "unknown_type";
    /** A frame larger than {@code limits.maxFrameBytes}. */
    public static final String FRAME_TOO_LARGE = "frame_too_large";
    /** An address longer than {@code limits.maxAddressLength}. */
    public static final String ADDRESS_TOO_LONG = "address_too_long";
    /** More than {@code limits.maxSubscriptionsPerConnection}. */
    public static final String TOO_MANY_SUBSCRIPTIONS = "too_many_subscriptions";
    /** More than {@code limits.maxConnectionsPerNode}. */
    public static final String TOO_MANY_CONNECTIONS = "too_many_connections";
    /** More than {@code limits.maxInboundMessagesPerSecond}. */
    public static final String RATE_LIMITED = "rate_limited";
    /** Nothing received from the client for {@code limits.idleTimeoutMs}. */
    public static final String IDLE_TIMEOUT = "idle_timeout";
    /** No STOMP CONNECT within {@code limits.connectTimeoutMs}. */
    public static final String CONNECT_TIMEOUT = "connect_timeout";
    /** A STOMP frame other than CONNECT before the connection was established. */
    public static final String NOT_CONNECTED = "not_connected";
    /** A second STOMP CONNECT. */
    public static final String ALREADY_CONNECTED = "already_connected";
    /** The address is already registered / the subscription id already used. */
    public static final String DUPLICATE_SUBSCRIPTION = "duplicate_subscription";
    /** The node is shutting down: reconnect to another node. */
    public static final String NODE_SHUTDOWN = "node_shutdown";
    /** The node rejoined its cluster after a split: reconnect (to it or another node) and register again. */
    public static final String NODE_REJOINED = "node_rejoined";
    /** The node could not register the subscription in its cluster: subscribe again (here or on another node). */
    public static final String REGISTRATION_FAILED = "registration_failed";
    /**
     * The client read slower than its messages arrived and its queue filled up ({@code limits.slowClientPolicy} =
     * {@code disconnect}): reconnect (and resume from the position named).
     */
    public static final String SLOW_CONSUMER = "slow_consumer";
    /** A subscription's {@code since} or {@code snapshot} header that is malformed (not a token, not time:ms). */
    public static final String BAD_SINCE = "bad_since";
    /** A send whose reply failed or timed out. */
    public static final String SEND_FAILED = "send_failed";

    private ErrorCodes() {
    }

    /**
     * @return an HTTP-like status for the {@code failureCode} of SockJS {@code err} frames
     */
    public static int statusOf(String code) {
        switch (code) {
            case ACCESS_DENIED:
                return 403;
            case "auth_required":
            case "invalid_token":
            case "token_expired":
            case "bad_credentials":
                return 401;
            case FRAME_TOO_LARGE:
                return 413;
            case TOO_MANY_SUBSCRIPTIONS:
            case RATE_LIMITED:
            case SLOW_CONSUMER:
                return 429;
            case TOO_MANY_CONNECTIONS:
                return 503;
            case IDLE_TIMEOUT:
            case CONNECT_TIMEOUT:
                return 408;
            case SEND_FAILED:
                return 502;
            case NODE_SHUTDOWN:
            case NODE_REJOINED:
            case REGISTRATION_FAILED:
                return 503;
            default:
                return 400;
        }
    }
}
