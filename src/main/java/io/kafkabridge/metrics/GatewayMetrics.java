package io.kafkabridge.metrics;

import io.kafkabridge.delivery.SlowClientPolicy;
import io.kafkabridge.delivery.SlowClientStats;
import io.kafkabridge.delivery.InFlightRecords;
import io.kafkabridge.kafka.KafkaReplayer;
import io.kafkabridge.kafka.SourceStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The node's Prometheus metrics: Vert.x's own (HTTP, event bus, pools, JVM) when the launcher enabled them, and the
 * gateway's, named {@code gateway_*}, read from the counters the node keeps anyway at scrape time (nothing is added
 * to the path of a record). Gauges and counters hold their sources strongly: Micrometer's default weak reference would
 * let a lambda be collected and report NaN.
 */
public final class GatewayMetrics {

    /** The transports of the bridges, as the {@code transport} label names them. */
    public static final String SOCKJS = "sockjs";
    public static final String STOMP_WS = "stomp_ws";
    public static final String STOMP_TCP = "stomp_tcp";
    public static final String STOMP_SOCKJS = "stomp_sockjs";
    public static final Set<String> TRANSPORTS = Set.of(SOCKJS, STOMP_WS, STOMP_TCP, STOMP_SOCKJS);

    /** What a node reports of its connections, per transport. */
    public interface Connections {
        int connections(String transport);

        int subscriptions(String transport);
    }

    private final PrometheusMeterRegistry registry;
    private final SourceStats source;
    private final Set<String> topicsBound = new HashSet<>();
    /** The metrics' sources, held here: Micrometer holds them weakly, and a lambda held by nobody else goes. */
    private final List<Object> sources = new ArrayList<>();

    private final TransportMetrics transports;
    private final List<KafkaClientBinding> kafkaClients = new ArrayList<>();

    private GatewayMetrics(PrometheusMeterRegistry registry, SourceStats source) {
        this.registry = registry;
        this.source = source;
        this.transports = new TransportMetrics(registry);
    }

    /**
     * @return the options that give a Vert.x instance its own metrics (HTTP servers, event bus, pools) and the JVM's on
     * a Prometheus registry, which {@link #create} then shares
     */
    public static MicrometerMetricsOptions vertxMetricsOptions() {
        return new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    }

    /**
     * @return the metrics on Vert.x's Prometheus registry when the launcher enabled it, else on a registry of their own
     */
    public static GatewayMetrics create(SourceStats source) {
        MeterRegistry vertxRegistry = BackendRegistries.getDefaultNow();
        PrometheusMeterRegistry registry = vertxRegistry instanceof PrometheusMeterRegistry prometheus ? prometheus
            : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new GatewayMetrics(registry, source);
    }

    public GatewayMetrics bindConnections(Connections connections) {
        sources.add(connections);
        for (String transport : TRANSPORTS) {
            Gauge.builder("gateway_connections", connections, c -> c.connections(transport)).tag("transport", transport)
                .description("Connections open on this node").strongReference(true).register(registry);
            Gauge.builder("gateway_subscriptions", connections, c -> c.subscriptions(transport)).tag("transport", transport)
                .description("Subscriptions (SockJS registrations, STOMP subscriptions) on this node").strongReference(true)
                .register(registry);
        }
        return this;
    }

    public GatewayMetrics bindSlowClients(SlowClientStats slowClients) {
        for (SlowClientPolicy policy : SlowClientPolicy.values()) {
            FunctionCounter.builder("gateway_slow_client_actions", slowClients, s -> s.actions(policy))
                .tag("policy", policy.configName())
                .description("What the slow-client policies did: clients disconnected, messages dropped or conflated")
                .register(registry);
        }
        return this;
    }

    public GatewayMetrics bindSource(InFlightRecords inFlight) {
        Gauge.builder("gateway_source_paused", inFlight, f -> f.isPaused() ? 1 : 0)
            .description("1 while the Kafka source is paused because the node holds its bound of records in flight")
            .strongReference(true).register(registry);
        return this;
    }

    public GatewayMetrics bindReplays(KafkaReplayer replays) {
        resumes(replays, "complete", c -> c.replays() - c.gaps() - c.failures());
        resumes(replays, "gap", KafkaReplayer.Counts::gaps);
        resumes(replays, "failed", KafkaReplayer.Counts::failures);
        resumes(replays, "refused", KafkaReplayer.Counts::refused);
        FunctionCounter.builder("gateway_replayed_records", replays, r -> r.counts().replayed())
            .description("Records delivered by replays (since)").register(registry);
        return this;
    }

    private void resumes(KafkaReplayer replays, String outcome, ToDoubleFunction<KafkaReplayer.Counts> count) {
        FunctionCounter.builder("gateway_resumes", replays, r -> count.applyAsDouble(r.counts())).tag("outcome", outcome)
            .description("Replays asked for with since, by outcome").register(registry);
    }

    /**
     * @return every metric in Prometheus text format
     */
    public String scrape() {
        bindTopics();
        return registry.scrape();
    }

    /**
     * Registers the counters of the topics seen since the last scrape (pattern routes bring topics at any time).
     */
    private synchronized void bindTopics() {
        for (String topic : source.topics()) {
            if (!topicsBound.add(topic)) {
                continue;
            }
            FunctionCounter.builder("gateway_records_consumed", source, s -> s.consumed(topic)).tag("topic", topic)
                .description("Kafka records consumed by this node").register(registry);
            FunctionCounter.builder("gateway_records_routed", source, s -> s.published(topic)).tag("topic", topic)
                .description("Messages published on the event bus from the topic's records (one per route that renders)")
                .register(registry);
            unroutable(topic, "no_address", s -> s.unroutable(topic));
            unroutable(topic, "invalid_json", s -> s.invalidJson(topic));
            unroutable(topic, "too_large", s -> s.tooLarge(topic));
        }
    }

    private void unroutable(String topic, String reason, ToDoubleFunction<SourceStats> count) {
        FunctionCounter.builder("gateway_records_unroutable", source, count).tag("topic", topic).tag("reason", reason)
            .description("Records not delivered, by reason").register(registry);
    }

    /**
     * Adds the Kafka consumer's own metrics (the lag of every assigned partition among them) until {@link #close()}.
     */
    public GatewayMetrics bindKafkaConsumer(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        kafkaClients.add(new KafkaClientBinding(consumer, registry));
        return this;
    }

    /**
     * Stops following the Kafka clients.
     */
    public void close() {
        kafkaClients.forEach(KafkaClientBinding::close);
        kafkaClients.clear();
    }

    /**
     * @return the per-transport meters the bridges count on as they go
     */
    public TransportMetrics transports() {
        return transports;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
