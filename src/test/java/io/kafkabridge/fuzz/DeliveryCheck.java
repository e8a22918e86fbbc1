package io.kafkabridge.fuzz;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.assertj.core.api.SoftAssertions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.kafkabridge.fuzz.FuzzNode.PARTITIONS;

/**
 * The well-behaved clients' check: each received every Kafka record produced during the run exactly once, in offset
 * order per partition, and was neither sent an error nor disconnected.
 */
final class DeliveryCheck {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryCheck.class);

    private DeliveryCheck() {
    }

    /**
     * @param produced the records of the run's {@link KafkaFeed}, in the order of their {@code seq} (1, 2, ...)
     */
    static void assertEveryRecordOnceInOrder(List<Subscriber> watchers, List<RecordMetadata> produced, SoftAssertions softly)
        throws InterruptedException {
        Map<Integer, List<long[]>> expected = listExpectedPerPartition(produced);
        for (Subscriber watcher : watchers) {
            List<long[]> received = watcher.awaitRecords(produced.size(), Duration.ofSeconds(60));
            Map<Integer, List<long[]>> perPartition = groupByPartition(received);
            LOG.info("[fuzz] {} received {} records, {} were produced during the run", watcher.name(), received.size(), produced.size());
            for (int p = 0; p < PARTITIONS; p++) {
                softly.assertThat(describe(perPartition.getOrDefault(p, List.of())))
                    .as("%s: records of partition %d in arrival order (offset:seq), each exactly once", watcher.name(), p)
                    .isEqualTo(describe(expected.getOrDefault(p, List.of())));
            }
            softly.assertThat(watcher.disconnects()).as("%s: disconnections / errors during the run", watcher.name()).isEmpty();
        }
    }

    static Map<Integer, List<long[]>> listExpectedPerPartition(List<RecordMetadata> produced) {
        Map<Integer, List<long[]>> expected = new TreeMap<>();
        // seq = index + 1 (produced in seq order, each batch synchronized)
        for (int i = 0; i < produced.size(); i++) {
            RecordMetadata m = produced.get(i);
            expected.computeIfAbsent(m.partition(), p -> new ArrayList<>()).add(new long[] {m.partition(), m.offset(), i + 1});
        }
        expected.values().forEach(l -> l.sort((a, b) -> Long.compare(a[1], b[1])));
        return expected;
    }

    static Map<Integer, List<long[]>> groupByPartition(List<long[]> received) {
        Map<Integer, List<long[]>> map = new TreeMap<>();
        for (long[] r : received) {
            map.computeIfAbsent((int) r[0], p -> new ArrayList<>()).add(r);
        }
        return map;
    }

    /** Records {partition, offset, seq} as "offset:seq offset:seq ...". */
    static String describe(List<long[]> records) {
        StringBuilder sb = new StringBuilder(records.size() * 8);
        for (long[] r : records) {
            sb.append(r[1]).append(':').append(r[2]).append(' ');
        }
        return sb.toString().trim();
    }
}
