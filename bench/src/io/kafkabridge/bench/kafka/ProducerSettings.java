package io.kafkabridge.bench.kafka;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.Properties;

/** The Kafka producer of a load generator: string keys and values, Kafka's defaults unless a setting here says otherwise. */
public final class ProducerSettings {

    private final Properties props = new Properties();

    public ProducerSettings(String bootstrap, String clientId) {
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    }

    /** {@code acks=1} without idempotence: a send is done once the partition's leader has it. */
    public ProducerSettings acknowledgeByLeader() {
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        return this;
    }

    public ProducerSettings lingerMs(int ms) {
        props.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(ms));
        return this;
    }

    public ProducerSettings batchBytes(int bytes) {
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(bytes));
        return this;
    }

    /** The producer, with the metadata of {@code topic} fetched now rather than on the first timed send. */
    public KafkaProducer<String, String> create(String topic) {
        KafkaProducer<String, String> producer = new KafkaProducer<>(props);
        producer.partitionsFor(topic);
        return producer;
    }
}
