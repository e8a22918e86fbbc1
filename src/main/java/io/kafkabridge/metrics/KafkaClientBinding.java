package io.kafkabridge.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.Consumer;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka client's own metrics (fetch rates, and for a consumer the lag of every assigned partition,
 * {@code kafka_consumer_fetch_manager_records_lag}) through Micrometer's Kafka binder. The binder looks for metrics the
 * client added (a partition assigned later) once a minute; its scheduler here looks every {@link #REFRESH_SECONDS}
 * seconds, so that a newly assigned partition's lag shows within seconds.
 */
final class KafkaClientBinding implements AutoCloseable {

    static final long REFRESH_SECONDS = 5;

    private final ScheduledThreadPoolExecutor scheduler;
    private final KafkaClientMetrics metrics;

    KafkaClientBinding(Consumer<?, ?> consumer, MeterRegistry registry) {
        this.scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "kafka-eventbus-bridge-kafka-metrics");
            thread.setDaemon(true);
            return thread;
        }) {
            @Override
            public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
                long refresh = TimeUnit.SECONDS.toMillis(REFRESH_SECONDS);
                return super.scheduleAtFixedRate(command, Math.min(unit.toMillis(initialDelay), refresh),
                    Math.min(unit.toMillis(period), refresh), TimeUnit.MILLISECONDS);
            }
        };
        this.metrics = new KafkaClientMetrics(consumer, java.util.List.of(), scheduler);
        metrics.bindTo(registry);
    }

    @Override
    public void close() {
        metrics.close();
        scheduler.shutdownNow();
    }
}
