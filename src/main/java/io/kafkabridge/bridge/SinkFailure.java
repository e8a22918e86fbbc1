package io.kafkabridge.bridge;

import io.vertx.core.eventbus.ReplyException;

/**
 * Why a client message did not reach Kafka: a code for the client ({@code body_too_large}, {@code invalid_json},
 * {@code schema_violation}, {@code kafka_timeout}, {@code kafka_error}), an HTTP-like status and the reason.
 */
public final class SinkFailure extends RuntimeException {

    private final String code;
    private final int status;

    private SinkFailure(String code, int status, String reason) {
        super(reason, null, false, false);
        this.code = code;
        this.status = status;
    }

    /**
     * @param e the failure of the sink request: a reply {@code "<code>: <reason>"}, or the request's own timeout
     */
    static SinkFailure of(Throwable e) {
        if (e instanceof ReplyException) {
            ReplyException reply = (ReplyException) e;
            String message = String.valueOf(reply.getMessage());
            int colon = message.indexOf(": ");
            if (reply.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE && colon > 0) {
                return new SinkFailure(message.substring(0, colon), reply.failureCode(), message.substring(colon + 2));
            }
            if (reply.failureType() == io.vertx.core.eventbus.ReplyFailure.TIMEOUT) {
                return new SinkFailure("kafka_timeout", 504, "Kafka did not acknowledge the message in time");
            }
            return new SinkFailure("kafka_error", 502, "The Kafka sink is not available on this node: " + message);
        }
        return new SinkFailure("kafka_error", 502, String.valueOf(e.getMessage()));
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }
}
