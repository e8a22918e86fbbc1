package io.kafkabridge.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What the bridges count as they go, per transport: messages handed to the socket and how long after their Kafka
 * record's timestamp ({@code gateway_delivery_lag_seconds}, buckets from 1 ms to 60 s), errors sent to clients by code,
 * and what became of the messages clients sent. The meters of the transports are made once; a delivery costs a counter
 * increment and a histogram bucket, no allocation.
 */
public class TransportMetrics {

    /** Metrics off: nothing counted. */
    public static final TransportMetrics NONE = new TransportMetrics();

    /** Outcomes of a client's SEND, send or publish. */
    public static final String ACKNOWLEDGED = "acknowledged";
    public static final String REFUSED = "refused";

    private static final Duration[] LAG_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final Map<String, Counter> delivered;
    private final Map<String, Timer> lag;
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
    private final Map<String, Counter> inbound = new ConcurrentHashMap<>();

    private TransportMetrics() {
        this.registry = null;
        this.delivered = Map.of();
        this.lag = Map.of();
    }

    TransportMetrics(MeterRegistry registry) {
        this.registry = registry;
        Map<String, Counter> counters = new ConcurrentHashMap<>();
        Map<String, Timer> timers = new ConcurrentHashMap<>();
        for (String transport : GatewayMetrics.TRANSPORTS) {
            counters.put(transport, Counter.builder("gateway_messages_delivered").tag("transport", transport)
                .description("Messages handed to the clients' sockets").register(registry));
            timers.put(transport, Timer.builder("gateway_delivery_lag").tag("transport", transport)
                .description("From a record's Kafka timestamp to its message handed to the socket")
                .serviceLevelObjectives(LAG_BUCKETS).minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry));
        }
        this.delivered = Map.copyOf(counters);
        this.lag = Map.copyOf(timers);
    }

    /** What one connection counts of its deliveries: its transport's meters, looked up once. */
    public interface Deliveries {
        /**
         * A message went to the client's socket.
         *
         * @param recordTimestampMs its Kafka record's timestamp, or a negative value when it has none (a gap message)
         */
        void delivered(long recordTimestampMs);
    }

    /**
     * @return the deliveries of a connection over the transport
     */
    public Deliveries deliveries(String transport) {
        if (registry == null) {
            return recordTimestampMs -> { };
        }
        Counter counter = delivered.get(transport);
        Timer timer = lag.get(transport);
        return recordTimestampMs -> {
            counter.increment();
            if (recordTimestampMs >= 0) {
                timer.record(Math.max(0, System.currentTimeMillis() - recordTimestampMs), TimeUnit.MILLISECONDS);
            }
        };
    }

    /**
     * @return what the node delivered, refused and received so far, for its stats ({@code null} when metrics are off):
     * {@code {"delivered": {"<transport>": n}, "lag": {"count": n, "sumSeconds": s, "buckets": [[le seconds, cumulative
     * count], ...]}, "refusals": {"<code>": n}, "inbound": {"<outcome>": n}}}, the lag over every transport
     */
    public JsonObject toJson() {
        if (registry == null) {
            return null;
        }
        JsonObject deliveredJson = new JsonObject();
        delivered.forEach((transport, counter) -> deliveredJson.put(transport, (long) counter.count()));
        long count = 0;
        double sumSeconds = 0;
        double[] cumulative = new double[LAG_BUCKETS.length];
        for (Timer timer : lag.values()) {
            HistogramSnapshot snapshot = timer.takeSnapshot();
            count += snapshot.count();
            sumSeconds += snapshot.total(TimeUnit.SECONDS);
            CountAtBucket[] buckets = snapshot.histogramCounts();
            for (int i = 0; i < buckets.length && i < cumulative.length; i++) {
                cumulative[i] += buckets[i].count();
            }
        }
        JsonArray bucketsJson = new JsonArray();
        for (int i = 0; i < LAG_BUCKETS.length; i++) {
            bucketsJson.add(new JsonArray().add(LAG_BUCKETS[i].toNanos() / 1e9).add((long) cumulative[i]));
        }
        JsonObject refusalsJson = new JsonObject();
        refusals.forEach((key, counter) -> {
            String code = key.substring(key.indexOf('\n') + 1);
            refusalsJson.put(code, refusalsJson.getLong(code, 0L) + (long) counter.count());
        });
        JsonObject inboundJson = new JsonObject();
        inbound.forEach((outcome, counter) -> inboundJson.put(outcome, (long) counter.count()));
        return new JsonObject().put("delivered", deliveredJson)
            .put("lag", new JsonObject().put("count", count).put("sumSeconds", sumSeconds).put("buckets", bucketsJson))
            .put("refusals", refusalsJson).put("inbound", inboundJson);
    }

    /**
     * An error went to a client ({@code err} on SockJS, ERROR on STOMP).
     */
    public void refused(String transport, String code) {
        if (registry == null) {
            return;
        }
        refusals.computeIfAbsent(transport + '\n' + code, key -> Counter.builder("gateway_refusals").tag("transport", transport)
            .tag("code", code).description("Errors sent to clients (err, ERROR), by code").register(registry)).increment();
    }

    /**
     * A client's message was acknowledged ({@link #ACKNOWLEDGED}), refused ({@link #REFUSED}) or failed in Kafka (the
     * sink's code, such as {@code kafka_timeout}).
     */
    public void inbound(String outcome) {
        if (registry == null) {
            return;
        }
        inbound.computeIfAbsent(outcome, key -> Counter.builder("gateway_inbound").tag("outcome", outcome)
            .description("Messages clients sent (SockJS send/publish, STOMP SEND), by outcome").register(registry)).increment();
    }
}
