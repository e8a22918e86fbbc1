package io.kafkabridge.demo;

import io.kafkabridge.config.DemoOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Produces sample events into Kafka so that the demo pages are live: order-status changes keyed by user (each order
 * goes PLACED, PAID, PACKED, SHIPPED, DELIVERED) and dashboard metrics.
 */
public class DemoFeedVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(DemoFeedVerticle.class);
    private static final List<String> STATUSES = List.of("PLACED", "PAID", "PACKED", "SHIPPED", "DELIVERED");
    private static final List<String> ITEMS = List.of("Mechanical keyboard", "Espresso beans 1 kg", "Noise-cancelling headphones",
        "Trail running shoes", "USB-C dock", "Cast-iron pan", "Paperback: Designing Data-Intensive Applications");
    private static final List<String> METRICS = List.of("orders_per_minute", "revenue_eur", "active_users", "p99_latency_ms");
    private static final Map<String, String> UNITS = Map.of("orders_per_minute", "1/min", "revenue_eur", "EUR",
        "active_users", "users", "p99_latency_ms", "ms");

    private record Order(String id, String item, double amount, int status) {
    }

    private final DemoOptions options;
    private final String bootstrapServers;
    private final Random random = new Random();
    private final Map<String, Order> orders = new HashMap<>();
    private final Map<String, Double> metricValues = new HashMap<>(Map.of("orders_per_minute", 40.0, "revenue_eur", 1200.0,
        "active_users", 350.0, "p99_latency_ms", 18.0));
    private KafkaProducer<String, String> producer;
    private long timer = -1;
    private int orderSequence = 1000;
    private int metricIndex;

    public DemoFeedVerticle(DemoOptions options, String bootstrapServers) {
        this.options = options;
        this.bootstrapServers = bootstrapServers;
    }

    @Override
    public Future<?> start() {
        Map<String, String> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        Map<String, Object> nativeConfig = new HashMap<>(config);
        // the native client resolves its bootstrap addresses when created: not on the event loop
        return vertx.executeBlocking(() -> new org.apache.kafka.clients.producer.KafkaProducer<String, String>(nativeConfig), false)
            .onSuccess(created -> {
                producer = KafkaProducer.create(vertx, created);
                timer = vertx.setPeriodic(options.getIntervalMs(), id -> produceTick());
                LOG.info("Demo feed producing to topics {} and {} every {} ms for users {}", options.getOrdersTopic(),
                    options.getMetricsTopic(), options.getIntervalMs(), options.getUsers());
            });
    }

    private void produceTick() {
        String user = options.getUsers().get(random.nextInt(options.getUsers().size()));
        Order order = orders.get(user);
        if (order == null || order.status() == STATUSES.size() - 1) {
            order = new Order("A-" + (++orderSequence), ITEMS.get(random.nextInt(ITEMS.size())),
                Math.round((5 + random.nextDouble() * 195) * 100) / 100.0, 0);
        } else {
            order = new Order(order.id(), order.item(), order.amount(), order.status() + 1);
        }
        orders.put(user, order);
        JsonObject event = new JsonObject()
            .put("orderId", order.id())
            .put("user", user)
            .put("status", STATUSES.get(order.status()))
            .put("item", order.item())
            .put("amount", order.amount())
            .put("updatedAt", Instant.now().toString());
        send(options.getOrdersTopic(), user, event);

        String metric = METRICS.get(metricIndex++ % METRICS.size());
        double value = Math.max(0, metricValues.get(metric) * (0.9 + random.nextDouble() * 0.2));
        metricValues.put(metric, value);
        send(options.getMetricsTopic(), metric, new JsonObject()
            .put("name", metric)
            .put("value", Math.round(value * 100) / 100.0)
            .put("unit", UNITS.get(metric))
            .put("at", Instant.now().toString()));
    }

    private void send(String topic, String key, JsonObject value) {
        producer.send(KafkaProducerRecord.create(topic, key, value.encode()))
            .onFailure(e -> LOG.warn("Demo feed could not produce to topic {}: {}", topic, e.toString()));
    }

    @Override
    public Future<?> stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        return producer == null ? Future.succeededFuture() : producer.close();
    }
}
