package io.kafkabridge.delivery;

import io.kafkabridge.routing.RoutedMessage;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.Map;

/**
 * What a replay read from Kafka for one address: its messages in partition order, what could not be replayed, and where
 * every partition that feeds the address stood when the replay began and ended (the live stream continues from there).
 *
 * @param messages   the messages to deliver before the live ones
 * @param gap        why the replay is not whole and how many records are missing ({@code reason}, {@code missing},
 *                   {@code message}), or {@code null}
 * @param start      for every partition that feeds the address, the offset the replay read from
 * @param end        for every partition that feeds the address, the offset the live stream continues from
 * @param baselineMs the baseline of the positions (their token's)
 */
public record Replay(List<RoutedMessage> messages, JsonObject gap, Map<TopicPartition, Long> start,
                     Map<TopicPartition, Long> end, long baselineMs) {

    /** A gap's reasons. */
    public static final String RETENTION = "retention";
    public static final String MAX_RECORDS = "max_records";
    public static final String MAX_SCAN = "max_scan";
    public static final String TIMEOUT = "timeout";
    /** Kafka could not be read, or the node runs too many replays. */
    public static final String UNAVAILABLE = "unavailable";
}
