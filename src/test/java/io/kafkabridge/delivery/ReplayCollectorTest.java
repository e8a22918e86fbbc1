package io.kafkabridge.delivery;

import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.routing.RoutedMessage;
import io.vertx.core.MultiMap;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayCollectorTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    private static RoutedMessage message(String body, String key) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        if (key != null) {
            headers.add(RecordRouter.HEADER_KEY, key);
        }
        return new RoutedMessage("a", body, headers, 0);
    }

    private static List<Object> bodies(ReplayCollector<RoutedMessage> collector) {
        return collector.messages().stream().map(RoutedMessage::body).toList();
    }

    @Test
    void partitionsAreMergedByTimestampEachInOffsetOrder() {
        ReplayCollector<RoutedMessage> collector = new ReplayCollector<>(100, false);
        collector.accept(message("p0-a", null), null, P0, 0, 10);
        collector.accept(message("p0-b", null), null, P0, 1, 30);
        // a timestamp going back within a partition keeps the partition's order
        collector.accept(message("p0-c", null), null, P0, 2, 5);
        collector.accept(message("p1-a", null), null, P1, 0, 20);
        collector.accept(message("p1-b", null), null, P1, 1, 40);

        assertThat(bodies(collector)).containsExactly("p0-a", "p1-a", "p0-b", "p0-c", "p1-b");
        assertThat(collector.matched()).isEqualTo(5);
        assertThat(collector.dropped()).isZero();
    }

    @Test
    void overTheBoundTheOldestAreLeftOutAndCounted() {
        ReplayCollector<RoutedMessage> collector = new ReplayCollector<>(3, false);
        for (int i = 0; i < 5; i++) {
            collector.accept(message("p0-" + i, null), null, P0, i, 100 + 10L * i);
            collector.accept(message("p1-" + i, null), null, P1, i, 105 + 10L * i);
        }

        assertThat(bodies(collector)).containsExactly("p1-3", "p0-4", "p1-4");
        assertThat(collector.matched()).isEqualTo(10);
        assertThat(collector.dropped()).isEqualTo(7);
    }

    @Test
    void aSnapshotKeepsTheNewestRecordOfEachKey() {
        ReplayCollector<RoutedMessage> collector = new ReplayCollector<>(100, true);
        collector.accept(message("o1-placed", "o1"), "o1", P0, 0, 1);
        collector.accept(message("o2-placed", "o2"), "o2", P1, 0, 2);
        collector.accept(message("o1-shipped", "o1"), "o1", P0, 1, 3);
        collector.accept(message("none-1", null), null, P1, 1, 4);
        collector.accept(message("none-2", null), null, P1, 2, 5);
        collector.accept(message("o2-paid", "o2"), "o2", P1, 3, 6);

        assertThat(bodies(collector)).containsExactly("o1-shipped", "none-2", "o2-paid");
        assertThat(collector.dropped()).isZero();
    }

    @Test
    void aSnapshotOverTheBoundLeavesOutTheKeysUpdatedLongestAgo() {
        ReplayCollector<RoutedMessage> collector = new ReplayCollector<>(2, true);
        collector.accept(message("k1", "k1"), "k1", P0, 0, 1);
        collector.accept(message("k2", "k2"), "k2", P0, 1, 2);
        collector.accept(message("k1-again", "k1"), "k1", P0, 2, 3);
        collector.accept(message("k3", "k3"), "k3", P0, 3, 4);

        assertThat(bodies(collector)).containsExactly("k1-again", "k3");
        assertThat(collector.dropped()).isEqualTo(1);
    }
}
