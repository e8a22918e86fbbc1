package io.kafkabridge.sink;

/**
 * A client message refused by a sink before it reached Kafka, or not acknowledged by Kafka: the code is what the
 * client gets ({@code failureType} of the SockJS error, {@code message} of the STOMP ERROR frame).
 */
public final class SinkRejection extends RuntimeException {

    /** The body is larger than the sink's {@code maxBodyBytes}. */
    public static final String BODY_TOO_LARGE = "body_too_large";
    /** A {@code json} sink got a body that is not JSON. */
    public static final String INVALID_JSON = "invalid_json";
    /** The body violates the sink's JSON Schema; the message names the failing path. */
    public static final String SCHEMA_VIOLATION = "schema_violation";
    /** Kafka did not acknowledge the record within {@code kafka.producer.timeoutMs}. */
    public static final String KAFKA_TIMEOUT = "kafka_timeout";
    /** Kafka refused the record. */
    public static final String KAFKA_ERROR = "kafka_error";

    private final String code;
    private final int status;

    public SinkRejection(String code, int status, String message) {
        super(message, null, false, false);
        this.code = code;
        this.status = status;
    }

    public String code() {
        return code;
    }

    /**
     * @return an HTTP-like status: 400 invalid, 413 too large, 502 Kafka error, 504 Kafka timeout
     */
    public int status() {
        return status;
    }
}
