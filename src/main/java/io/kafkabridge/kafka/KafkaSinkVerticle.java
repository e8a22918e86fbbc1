package io.kafkabridge.kafka;

import io.kafkabridge.config.KafkaOptions;
import io.kafkabridge.sink.SinkRejection;
import io.kafkabridge.sink.SinkRoutes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaHeader;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Produces client messages into Kafka. The bridges send each message for a sink on the local address {@link #ADDRESS}
 * with headers {@value #SINK_INDEX_HEADER}, {@value #SINK_KEY_HEADER} and the server-set {@code user}; the reply is
 * {@code {"topic", "partition", "offset", "timestamp"}} once Kafka acknowledged the record (idempotent producer,
 * {@code acks=all}), or a failure {@code "<code>: <reason>"} (body checks, Kafka timeout or error).
 */
public class KafkaSinkVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSinkVerticle.class);
    /** Local event-bus address of the sink. */
    public static final String ADDRESS = "kafka-eventbus-bridge.sink";
    /** Request header: the sink's index in {@code sinks}. */
    public static final String SINK_INDEX_HEADER = "sink.index";
    /** Request header: the rendered record key (absent for no key). */
    public static final String SINK_KEY_HEADER = "sink.key";
    private static final String SINK_HEADER_PREFIX = "sink.";

    private final KafkaOptions options;
    private final String bootstrapServers;
    private final SinkRoutes routes;
    private KafkaProducer<byte[], byte[]> producer;
    private MessageConsumer<Object> consumer;

    public KafkaSinkVerticle(KafkaOptions options, String bootstrapServers, SinkRoutes routes) {
        this.options = options;
        this.bootstrapServers = bootstrapServers;
        this.routes = routes;
    }

    @Override
    public Future<?> start() {
        Map<String, String> config = new HashMap<>(options.getProducer());
        long timeout = options.getProducerTimeoutMs();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "2");
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(500, timeout - 500)));
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeout));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout));
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "kafka-eventbus-bridge-sink-" + deploymentID());
        Map<String, Object> nativeConfig = new HashMap<>(config);
        // the native client resolves its bootstrap addresses when created: not on the event loop
        return vertx.executeBlocking(() -> new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(nativeConfig), false)
            .compose(created -> {
                producer = KafkaProducer.create(vertx, created);
                producer.exceptionHandler(e -> LOG.warn("Kafka sink producer on {}: {}", bootstrapServers, e.toString()));
                consumer = vertx.eventBus().localConsumer(ADDRESS, this::produce);
                return consumer.completion();
            })
            .onSuccess(v -> LOG.info("Kafka sink producing to {} (acks=all, idempotent, timeout {} ms)",
            bootstrapServers, timeout));
    }

    private void produce(Message<Object> message) {
        int index;
        try {
            index = Integer.parseInt(message.headers().get(SINK_INDEX_HEADER));
        } catch (RuntimeException e) {
            message.fail(400, "invalid_frame: not a sink request");
            return;
        }
        byte[] value;
        try {
            value = routes.encode(index, message.body());
        } catch (SinkRejection e) {
            message.fail(e.status(), e.code() + ": " + e.getMessage());
            return;
        }
        String topic = routes.topicOf(index);
        String key = message.headers().get(SINK_KEY_HEADER);
        List<KafkaHeader> headers = new ArrayList<>();
        for (Map.Entry<String, String> header : message.headers()) {
            if (!isSinkHeader(header.getKey())) {
                headers.add(KafkaHeader.header(header.getKey(), header.getValue()));
            }
        }
        KafkaProducerRecord<byte[], byte[]> record = KafkaProducerRecord.create(topic,
            key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, System.currentTimeMillis(), null);
        record.addHeaders(headers);
        producer.send(record).onComplete(sent -> {
            if (sent.succeeded()) {
                message.reply(new JsonObject()
                    .put("topic", sent.result().getTopic())
                    .put("partition", sent.result().getPartition())
                    .put("offset", sent.result().getOffset())
                    .put("timestamp", sent.result().getTimestamp()));
            } else {
                Throwable cause = sent.cause();
                boolean timedOut = cause instanceof TimeoutException || cause.getCause() instanceof TimeoutException;
                LOG.warn("Kafka sink could not produce to topic {}: {}", topic, cause.toString());
                message.fail(timedOut ? 504 : 502, (timedOut ? SinkRejection.KAFKA_TIMEOUT : SinkRejection.KAFKA_ERROR)
                    + ": Kafka did not acknowledge the message" + (timedOut ? " within " + options.getProducerTimeoutMs() + " ms" : "")
                    + " (" + cause.getMessage() + ")");
            }
        });
    }

    @Override
    public Future<?> stop() {
        Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
        return unregistered.transform(v -> producer == null ? Future.succeededFuture() : producer.flush().transform(f -> producer.close()));
    }

    /**
     * @return {@code true} for a header of the sink's own ({@code sink.*}, in any case, as headers are read): one that
     * only the gateway sets
     */
    public static boolean isSinkHeader(String name) {
        return name.regionMatches(true, 0, SINK_HEADER_PREFIX, 0, SINK_HEADER_PREFIX.length());
    }
}
