package io.kafkabridge.testing;

import io.kafkabridge.config.EmbeddedKafkaOptions;
import io.kafkabridge.kafka.EmbeddedKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One real single-node KRaft broker on 127.0.0.1 (a free port, a temporary data directory) shared by every test class
 * of the run that asks for it with {@code @ExtendWith(KafkaBroker.class)}; stopped and deleted when the run ends.
 */
public final class KafkaBroker implements BeforeAllCallback, ParameterResolver {

    private static final class Resource implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final EmbeddedKafka kafka;
        final Path dataDir;

        Resource(EmbeddedKafka kafka, Path dataDir) {
            this.kafka = kafka;
            this.dataDir = dataDir;
        }

        @Override
        public void close() throws IOException {
            kafka.close();
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static EmbeddedKafka shared(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
            .getOrComputeIfAbsent(KafkaBroker.class, key -> {
                try {
                    Path dataDir = Files.createTempDirectory("kafka-test-");
                    EmbeddedKafka kafka = EmbeddedKafka.start(new EmbeddedKafkaOptions().setPort(0).setDataDir(dataDir.toString()));
                    return new Resource(kafka, dataDir);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, Resource.class).kafka;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        shared(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return shared(context);
    }

    /**
     * A plain Kafka producer (String key and value, acks=all) on the given broker.
     */
    public static KafkaProducer<String, String> createProducer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
    }

    /**
     * Produces one record and waits for the broker's acknowledgement.
     */
    public static RecordMetadata produce(KafkaProducer<String, String> producer, ProducerRecord<String, String> record) {
        try {
            return producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not produce " + record, e);
        }
    }

    public static void createTopics(EmbeddedKafka kafka, List<String> topics, int partitions) {
        kafka.createTopics(topics, partitions);
    }
}
