package io.kafkabridge.kafka;

import io.kafkabridge.testing.KafkaBroker;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RebalanceCommitter} around a real consumer on the test broker: starting positions are committed when
 * partitions are assigned, partitions new to a placed group are read from their beginning, and pause/resume never
 * trips over a partition the consumer no longer owns.
 */
@ExtendWith(KafkaBroker.class)
class RebalanceCommitterTest {

    private static io.kafkabridge.kafka.EmbeddedKafka kafka;
    private static KafkaProducer<String, String> producer;
    private static Vertx vertx;

    /** What the verticle would be told, recorded. */
    private static final class RecordedPartitions implements RebalanceCommitter.Partitions {
        final Map<TopicPartition, Long> starts = new ConcurrentHashMap<>();

        @Override
        public Map<TopicPartition, OffsetAndMetadata> revoke(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            partitions.forEach(p -> offsets.put(p, new OffsetAndMetadata(starts.remove(p))));
            return offsets;
        }

        @Override
        public boolean assign(Map<TopicPartition, Long> starts, Map<TopicPartition, Long> committed, String metadata) {
            this.starts.putAll(starts);
            return false;
        }

        @Override
        public void lose(Collection<TopicPartition> partitions) {
            partitions.forEach(starts::remove);
        }
    }

    @BeforeAll
    static void start(io.kafkabridge.kafka.EmbeddedKafka broker) {
        kafka = broker;
        producer = KafkaBroker.createProducer(kafka);
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        producer.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static Consumer<String, String> createConsumer(String group, RecordedPartitions partitions) {
        Map<String, Object> config = Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG, group,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
            ConsumerConfig.METADATA_MAX_AGE_CONFIG, "500",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Context context = vertx.getOrCreateContext();
        return RebalanceCommitter.wrap(new KafkaConsumer<>(config), context, partitions);
    }

    private static final ConsumerRebalanceListener NO_LISTENER = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    };

    /** Polls until {@code done}, keeping what arrives. */
    private static List<ConsumerRecord<String, String>> pollUntil(Consumer<String, String> consumer, BooleanSupplier done,
                                                                  List<ConsumerRecord<String, String>> received) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition met within 60 s").isLessThan(deadline);
            consumer.poll(Duration.ofMillis(200)).forEach(received::add);
        }
        return received;
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Consumer<String, String> consumer, String topic, int partitions) {
        Set<TopicPartition> all = new HashSet<>();
        for (int p = 0; p < partitions; p++) {
            all.add(new TopicPartition(topic, p));
        }
        return consumer.committed(all);
    }

    @Test
    void aFreshGroupCommitsTheStartingPositionOfEveryPartitionWhenItIsAssigned() {
        String topic = "rebalance.fresh." + UUID.randomUUID();
        KafkaBroker.createTopics(kafka, List.of(topic), 3);
        KafkaBroker.produce(producer, new ProducerRecord<>(topic, 0, "k", "before"));
        KafkaBroker.produce(producer, new ProducerRecord<>(topic, 0, "k", "before"));
        RecordedPartitions partitions = new RecordedPartitions();

        try (Consumer<String, String> consumer = createConsumer("fresh-" + UUID.randomUUID(), partitions)) {
            consumer.subscribe(List.of(topic), NO_LISTENER);
            pollUntil(consumer, () -> partitions.starts.size() == 3, new java.util.ArrayList<>());

            // latest places a brand-new group at the end of each partition, and that position is committed at once
            Map<TopicPartition, OffsetAndMetadata> committed = committed(consumer, topic, 3);
            assertThat(committed.get(new TopicPartition(topic, 0))).isNotNull().extracting(OffsetAndMetadata::offset).isEqualTo(2L);
            assertThat(committed.get(new TopicPartition(topic, 1))).isNotNull().extracting(OffsetAndMetadata::offset).isEqualTo(0L);
            assertThat(committed.get(new TopicPartition(topic, 2))).isNotNull().extracting(OffsetAndMetadata::offset).isEqualTo(0L);
            assertThat(partitions.starts).containsEntry(new TopicPartition(topic, 0), 2L).containsEntry(new TopicPartition(topic, 1), 0L);
        }
    }

    @Test
    void partitionsAddedToATopicOfAPlacedGroupAreReadFromTheirBeginning() throws Exception {
        String topic = "rebalance.grow." + UUID.randomUUID();
        KafkaBroker.createTopics(kafka, List.of(topic), 2);
        RecordedPartitions partitions = new RecordedPartitions();
        try (Consumer<String, String> consumer = createConsumer("grow-" + UUID.randomUUID(), partitions);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            consumer.subscribe(List.of(topic), NO_LISTENER);
            List<ConsumerRecord<String, String>> received = new java.util.ArrayList<>();
            pollUntil(consumer, () -> partitions.starts.size() == 2, received);

            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all().get(30, TimeUnit.SECONDS);
            // written before the consumer notices the new partitions: with latest they would be skipped
            KafkaBroker.produce(producer, new ProducerRecord<>(topic, 2, "k", "new-2"));
            KafkaBroker.produce(producer, new ProducerRecord<>(topic, 3, "k", "new-3"));
            pollUntil(consumer, () -> received.stream().filter(r -> r.value().startsWith("new-")).count() == 2, received);

            assertThat(received).extracting(ConsumerRecord::value).containsExactlyInAnyOrder("new-2", "new-3");
            assertThat(partitions.starts).containsEntry(new TopicPartition(topic, 2), 0L).containsEntry(new TopicPartition(topic, 3), 0L);
        }
    }

    @Test
    void aPartitionFreshToAGroupPlacedJustNowStartsAfterItsHistoryLikeTheRestOfTheGroup() {
        // members of a brand-new group that start together: one committed its starting positions (placed now) before
        // the other looked at its own, still uncommitted partition; that one must not replay the partition's history
        String topic = "rebalance.together." + UUID.randomUUID();
        String group = "together-" + UUID.randomUUID();
        KafkaBroker.createTopics(kafka, List.of(topic), 2);
        for (int p = 0; p < 2; p++) {
            KafkaBroker.produce(producer, new ProducerRecord<>(topic, p, "k", "history-" + p));
        }
        long placedAt = System.currentTimeMillis();
        try (Consumer<String, String> first = createConsumer(group, new RecordedPartitions())) {
            first.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(1, RebalanceCommitter.PLACED + placedAt)));
        }
        RecordedPartitions partitions = new RecordedPartitions();
        try (Consumer<String, String> second = createConsumer(group, partitions)) {
            second.subscribe(List.of(topic), NO_LISTENER);
            List<ConsumerRecord<String, String>> received = new java.util.ArrayList<>();
            pollUntil(second, () -> partitions.starts.size() == 2, received);
            KafkaBroker.produce(producer, new ProducerRecord<>(topic, 1, "k", "live-1"));
            pollUntil(second, () -> received.stream().anyMatch(r -> r.value().equals("live-1")), received);

            assertThat(received).extracting(ConsumerRecord::value).containsExactly("live-1");
            assertThat(partitions.starts).containsEntry(new TopicPartition(topic, 1), 1L);
            OffsetAndMetadata committed = second.committed(java.util.Set.of(new TopicPartition(topic, 1))).get(new TopicPartition(topic, 1));
            assertThat(committed.metadata()).isEqualTo(RebalanceCommitter.PLACED + placedAt);
        }
    }

    @Test
    void pauseAndResumeLeaveOutPartitionsTheConsumerNoLongerOwns() {
        String topic = "rebalance.pause." + UUID.randomUUID();
        KafkaBroker.createTopics(kafka, List.of(topic), 3);
        RecordedPartitions partitions = new RecordedPartitions();
        TopicPartition notOwned = new TopicPartition(topic + ".elsewhere", 0);
        try (Consumer<String, String> consumer = createConsumer("pause-" + UUID.randomUUID(), partitions)) {
            consumer.subscribe(List.of(topic), NO_LISTENER);
            pollUntil(consumer, () -> partitions.starts.size() == 3, new java.util.ArrayList<>());
            Set<TopicPartition> owned = consumer.assignment();
            Set<TopicPartition> requested = new HashSet<>(owned);
            requested.add(notOwned);

            consumer.pause(requested);
            assertThat(consumer.paused()).isEqualTo(owned);
            consumer.resume(requested);
            assertThat(consumer.paused()).isEmpty();
        }
    }

    @Test
    void withoutTheNarrowingKafkaRefusesToResumeAPartitionItDoesNotOwn() {
        // why the proxy narrows: the plain consumer throws and leaves the partitions after that one paused
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> plain = new KafkaConsumer<>(config)) {
            plain.assign(List.of(new TopicPartition("rebalance.plain", 0)));
            assertThatThrownBy(() -> plain.resume(List.of(new TopicPartition("rebalance.plain", 1))))
                .isInstanceOf(IllegalStateException.class);
        }
    }
}
