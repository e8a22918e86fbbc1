package io.kafkabridge.kafka;

import io.kafkabridge.config.RouteOptions;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.routing.RoutedMessage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayedRecordsTest {

    private static final RecordRouter ROUTER = new RecordRouter(List.of(
        new RouteOptions().setTopic("orders").setAddress("user.{key}.orders"),
        new RouteOptions().setTopic("orders").setAddress("user.{key}.orders"),
        new RouteOptions().setTopic("orders").setAddress("audit")));

    private static ConsumerRecord<byte[], byte[]> record(String key, String value, RecordHeaders headers, TimestampType type) {
        return new ConsumerRecord<>("orders", 2, 41L, 1_700_000_000_123L, type, -1, -1,
            key == null ? null : key.getBytes(StandardCharsets.UTF_8), value == null ? null : value.getBytes(StandardCharsets.UTF_8),
            headers, Optional.empty());
    }

    private static void assertSameMessage(RoutedMessage replayed, RoutedMessage routed) {
        assertThat(replayed.address()).isEqualTo(routed.address());
        assertThat(replayed.body()).isEqualTo(routed.body());
        assertThat(replayed.routeIndex()).isEqualTo(routed.routeIndex());
        assertThat(replayed.headers().entries()).extracting(e -> e.getKey() + "=" + e.getValue())
            .containsExactlyElementsOf(routed.headers().entries().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    @Test
    void aRecordKeptAsBytesRoutesToTheSameMessageItWasKeptFor() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        headers.add("empty", new byte[0]);
        headers.add("none", null);
        List<ConsumerRecord<byte[], byte[]>> records = List.of(
            record("alice", "{\"status\":\"PAID\",\"n\":1}", headers, TimestampType.CREATE_TIME),
            record("bob", "not json at all: ü", new RecordHeaders(), TimestampType.LOG_APPEND_TIME),
            record("carol", null, new RecordHeaders(), TimestampType.CREATE_TIME));
        List<byte[]> kept = new ArrayList<>();
        List<RoutedMessage> expected = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String address = "user." + new String(record.key(), StandardCharsets.UTF_8) + ".orders";
            List<RoutedMessage> routed = ROUTER.routeTo(record, address);
            assertThat(routed).as("two routes give %s the record", address).hasSize(2);
            // the second of the record's two messages to the address
            kept.add(ReplayedRecords.encode(record, 1));
            expected.add(routed.get(1));
        }
        List<RoutedMessage> replayed = new ReplayedRecords(kept, ROUTER, "user.alice.orders").subList(0, 1);
        assertSameMessage(replayed.get(0), expected.get(0));
        for (int i = 1; i < records.size(); i++) {
            String address = expected.get(i).address();
            assertSameMessage(new ReplayedRecords(kept.subList(i, i + 1), ROUTER, address).get(0), expected.get(i));
        }
    }

    @Test
    void aKeyedNullRecordAndItsHeadersSurviveTheBytes() {
        ConsumerRecord<byte[], byte[]> record = record("dave", null, new RecordHeaders(), TimestampType.CREATE_TIME);
        RoutedMessage replayed = new ReplayedRecords(List.of(ReplayedRecords.encode(record, 0)), ROUTER, "audit").get(0);
        assertSameMessage(replayed, ROUTER.routeTo(record, "audit").get(0));
        assertThat(replayed.headers().get(RecordRouter.HEADER_OFFSET)).isEqualTo("41");
        assertThat(replayed.headers().get(RecordRouter.HEADER_PARTITION)).isEqualTo("2");
        assertThat(replayed.headers().get(RecordRouter.HEADER_KEY)).isEqualTo("dave");
    }
}
