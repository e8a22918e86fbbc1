package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.metrics.GatewayMetrics;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.MetricsScrape;
import io.kafkabridge.testing.NodeClient;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /metrics} on a port of its own ({@code metrics.port}), scraped and parsed by a Prometheus text-format parser
 * (the npm package {@code parse-prometheus-text-format}, run by Node): the gateway's counters move by exactly what the
 * test caused, and its gauges count the connections and subscriptions of every transport.
 */
@ExtendWith(KafkaBroker.class)
class MetricsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TOPIC = "metrics-e2e.orders";

    private static Vertx vertx;
    private static GatewayNode node;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void startNode(EmbeddedKafka kafka) {
        // Vert.x's own metrics and the JVM's, as the launcher has them
        vertx = Vertx.vertx(new VertxOptions().setMetricsOptions(GatewayMetrics.vertxMetricsOptions()));
        KafkaBroker.createTopics(kafka, List.of(TOPIC), 3);
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", TOPIC).put("address", "orders.{key}"));
        JsonObject bridge = new JsonObject()
            .put("outboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "orders\\..+")))
            .put("inboundPermitteds", new JsonArray().add(new JsonObject().put("address", "chat.in")));
        JsonObject config = GatewayNode.config(kafka, "metrics-e2e", routes, bridge).put("metrics", new JsonObject().put("port", 0));
        node = GatewayNode.deploy(vertx, config);
        producer = KafkaBroker.createProducer(kafka);
    }

    @AfterAll
    static void stopNode() {
        producer.close();
        node.undeploy();
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    @Test
    void countersMoveByExactlyWhatWasProducedAndGaugesCountEveryTransport() throws Exception {
        int metricsPort = node.metricsPort();
        assertThat(metricsPort).isPositive().isNotEqualTo(node.httpPort());
        MetricsScrape before = MetricsScrape.of(metricsPort);

        List<AutoCloseable> clients = new ArrayList<>();
        try {
            RawSockJsClient sockJs1 = RawSockJsClient.connect(vertx, node.httpPort(), null);
            RawSockJsClient sockJs2 = RawSockJsClient.connect(vertx, node.httpPort(), null);
            clients.add(sockJs1);
            clients.add(sockJs2);
            sockJs1.register("orders.alice");
            sockJs2.register("orders.alice");
            sockJs2.register("orders.bob");
            List<RawStompClient> stomps = List.of(RawStompClient.connectTcp(vertx, node.stompPort()),
                RawStompClient.connectWebSocket(vertx, node.httpPort()), RawStompClient.connectSockJs(vertx, node.httpPort(), "/stomp"));
            clients.addAll(stomps);
            for (RawStompClient stomp : stomps) {
                stomp.send("CONNECT", "accept-version", "1.2", "host", "localhost");
                assertThat(stomp.next(TIMEOUT).command()).isEqualTo("CONNECTED");
                stomp.send("SUBSCRIBE", "id", "s", "destination", "orders.alice", "receipt", "r");
                assertThat(stomp.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            }

            int routed = 20;
            int unroutable = 3;
            for (int i = 0; i < routed; i++) {
                KafkaBroker.produce(producer, new ProducerRecord<>(TOPIC, "alice", new JsonObject().put("n", i).encode()));
            }
            for (int i = 0; i < unroutable; i++) {
                // no key for {key}: counted as unroutable, published nowhere
                KafkaBroker.produce(producer, new ProducerRecord<>(TOPIC, null, new JsonObject().put("keyless", i).encode()));
            }
            for (RawStompClient stomp : stomps) {
                for (int i = 0; i < routed; i++) {
                    assertThat(stomp.next("MESSAGE", TIMEOUT)).isNotNull();
                }
            }
            for (RawSockJsClient sockJs : List.of(sockJs1, sockJs2)) {
                int[] seen = {0};
                sockJs.await(f -> "rec".equals(f.getString("type")) && ++seen[0] == routed, TIMEOUT, "the records");
            }
            // what the clients sent and were refused
            sockJs1.register("secret.plans");
            sockJs1.awaitError("secret.plans", TIMEOUT);
            RawStompClient tcp = stomps.get(0);
            tcp.send("SEND", "destination", "chat.in", "receipt", "in-1");
            assertThat(tcp.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            tcp.send("SEND", "destination", "chat.elsewhere");
            assertThat(tcp.next("ERROR", TIMEOUT).header("message")).isEqualTo("access_denied");

            // the scrape after the STOMP/TCP client's refusal closed it: the gauges count what is still open
            MetricsScrape after = MetricsScrape.of(metricsPort);
            Map<String, String> topic = Map.of("topic", TOPIC);
            assertThat(after.type("gateway_records_consumed_total")).isEqualTo("COUNTER");
            assertThat(after.value("gateway_records_consumed_total", topic) - before.value("gateway_records_consumed_total", topic))
                .isEqualTo(routed + unroutable);
            assertThat(after.value("gateway_records_routed_total", topic) - before.value("gateway_records_routed_total", topic))
                .isEqualTo(routed);
            Map<String, String> noAddress = Map.of("topic", TOPIC, "reason", "no_address");
            assertThat(after.value("gateway_records_unroutable_total", noAddress) - before.value("gateway_records_unroutable_total", noAddress))
                .isEqualTo(unroutable);
            assertThat(after.value("gateway_records_unroutable_total", Map.of("topic", TOPIC, "reason", "invalid_json"))).isZero();

            assertThat(after.type("gateway_connections")).isEqualTo("GAUGE");
            assertThat(after.value("gateway_connections", Map.of("transport", "sockjs"))).isEqualTo(2);
            assertThat(after.value("gateway_subscriptions", Map.of("transport", "sockjs"))).isEqualTo(3);
            assertThat(after.value("gateway_connections", Map.of("transport", "stomp_tcp"))).as("the refused STOMP/TCP client").isZero();
            for (String transport : List.of("stomp_ws", "stomp_sockjs")) {
                assertThat(after.value("gateway_connections", Map.of("transport", transport))).as(transport).isEqualTo(1);
                assertThat(after.value("gateway_subscriptions", Map.of("transport", transport))).as(transport).isEqualTo(1);
            }
            assertThat(after.value("gateway_source_paused", Map.of())).isZero();

            for (String transport : List.of("sockjs", "stomp_tcp", "stomp_ws", "stomp_sockjs")) {
                Map<String, String> labels = Map.of("transport", transport);
                double expected = transport.equals("sockjs") ? 2 * routed : routed;
                assertThat(after.value("gateway_messages_delivered_total", labels) - before.value("gateway_messages_delivered_total", labels))
                    .as("messages delivered over %s", transport).isEqualTo(expected);
                assertThat(after.value("gateway_delivery_lag_seconds_count", labels) - before.value("gateway_delivery_lag_seconds_count", labels))
                    .as("lags recorded over %s", transport).isEqualTo(expected);
                Map<String, String> all = Map.of("transport", transport, "le", "+Inf");
                assertThat(after.value("gateway_delivery_lag_seconds_bucket", all)).as("the +Inf bucket holds every lag")
                    .isEqualTo(after.value("gateway_delivery_lag_seconds_count", labels));
            }
            assertThat(after.type("gateway_delivery_lag_seconds")).isEqualTo("HISTOGRAM");
            Map<String, String> deniedSockJs = Map.of("transport", "sockjs", "code", "access_denied");
            Map<String, String> deniedTcp = Map.of("transport", "stomp_tcp", "code", "access_denied");
            assertThat(after.value("gateway_refusals_total", deniedSockJs) - before.value("gateway_refusals_total", deniedSockJs)).isEqualTo(1);
            assertThat(after.value("gateway_refusals_total", deniedTcp) - before.value("gateway_refusals_total", deniedTcp)).isEqualTo(1);
            for (String outcome : List.of("acknowledged", "refused")) {
                Map<String, String> labels = Map.of("outcome", outcome);
                assertThat(after.value("gateway_inbound_total", labels) - before.value("gateway_inbound_total", labels)).as(outcome).isEqualTo(1);
            }
            assertThat(after.type("gateway_slow_client_actions_total")).isEqualTo("COUNTER");
            assertThat(after.type("gateway_resumes_total")).isEqualTo("COUNTER");
        } finally {
            for (AutoCloseable client : clients) {
                client.close();
            }
        }
        // the Kafka consumer's own metrics: the lag of the topic's partitions shows, and is 0 once everything was delivered
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        List<JsonObject> lags;
        while (true) {
            lags = MetricsScrape.of(metricsPort).samples("kafka_consumer_fetch_manager_records_lag", Map.of("topic", TOPIC));
            if (lags.size() == 3 && lags.stream().allMatch(m -> Double.parseDouble(m.getString("value")) == 0)) {
                break;
            }
            assertThat(System.nanoTime()).as("the lag of the 3 partitions of %s at 0, last %s", TOPIC, lags).isLessThan(deadline);
        }

        // served on metrics.port only, not with the bridges
        try (NodeClient onHttp = NodeClient.start("metrics-scrape.js", node.httpBase() + "/metrics")) {
            JsonObject result = onHttp.await(e -> "metrics".equals(e.getString("event")), TIMEOUT, "the scrape of http.port");
            assertThat(result.getInteger("status")).isEqualTo(404);
        }
    }

    /** PromQL words that are not metric names. */
    private static final Set<String> PROMQL_WORDS = Set.of("sum", "max", "min", "avg", "count", "rate", "irate", "increase",
        "histogram_quantile", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless");

    /**
     * @return the metric names an expression queries: what is left once label matchers, ranges, groupings and PromQL's
     * own words are taken out
     */
    static Set<String> metricNames(String expr) {
        String bare = expr.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher word = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*").matcher(bare);
        while (word.find()) {
            if (!PROMQL_WORDS.contains(word.group())) {
                names.add(word.group());
            }
        }
        return names;
    }

    @Test
    void everyMetricTheGrafanaDashboardQueriesIsServed() throws Exception {
        JsonObject dashboard = new JsonObject(Files.readString(Path.of("conf/grafana/kafka-eventbus-bridge.json")));
        Map<String, String> queried = new TreeMap<>();
        for (Object o : dashboard.getJsonArray("panels")) {
            JsonObject panel = (JsonObject) o;
            for (Object t : panel.getJsonArray("targets", new JsonArray())) {
                String expr = ((JsonObject) t).getString("expr");
                Set<String> names = metricNames(expr);
                assertThat(names).as("metrics of %s in panel %s", expr, panel.getString("title")).isNotEmpty();
                names.forEach(name -> queried.put(name, panel.getString("title")));
            }
        }
        assertThat(queried).as("the extraction itself").containsKeys("gateway_delivery_lag_seconds_bucket",
            "gateway_messages_delivered_total", "kafka_consumer_fetch_manager_records_lag", "jvm_memory_used_bytes")
            .doesNotContainKeys("le", "transport", "rate", "instance");

        // counters that only exist once something happened: a refusal, and a message sent by a client
        try (RawSockJsClient sockJs = RawSockJsClient.connect(vertx, node.httpPort(), null)) {
            sockJs.register("secret.plans");
            sockJs.awaitError("secret.plans", TIMEOUT);
            sockJs.send(new JsonObject().put("type", "send").put("address", "chat.in").put("body", new JsonObject().put("text", "hi")));
        }
        KafkaBroker.produce(producer, new ProducerRecord<>(TOPIC, "alice", "{\"n\":0}"));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Set<String> missing;
        do {
            MetricsScrape scrape = MetricsScrape.of(node.metricsPort());
            missing = new TreeSet<>();
            for (String name : queried.keySet()) {
                if (!isServed(scrape, name)) {
                    missing.add(name + " (" + queried.get(name) + ")");
                }
            }
        } while (!missing.isEmpty() && System.nanoTime() < deadline);
        assertThat(missing).as("metrics the dashboard queries that /metrics does not serve").isEmpty();
    }

    private static boolean isServed(MetricsScrape scrape, String name) {
        if (scrape.names().contains(name)) {
            return true;
        }
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix)) {
                String type = scrape.type(name.substring(0, name.length() - suffix.length()));
                return "HISTOGRAM".equals(type) || "SUMMARY".equals(type);
            }
        }
        return false;
    }
}
