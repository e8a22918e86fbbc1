package io.kafkabridge.fuzz;

import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.stomp.StompClient;
import io.vertx.ext.stomp.StompClientOptions;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.assertj.core.api.SoftAssertions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.kafkabridge.fuzz.BridgeRules.ALICE;
import static io.kafkabridge.fuzz.FuzzNode.PARTITIONS;
import static io.kafkabridge.fuzz.FuzzNode.TOPIC;
import static io.kafkabridge.fuzz.FuzzSettings.HEAP_HEADROOM_MIB;
import static io.kafkabridge.fuzz.FuzzSettings.INPUTS_PER_KIND;
import static io.kafkabridge.fuzz.FuzzSettings.TIMEOUT;

/**
 * One protocol's fuzz run on the shared {@link FuzzNode}, with its checks: well-behaved clients subscribed first, the
 * protocol's kinds run concurrently by their {@link FuzzDriver}s while the {@link KafkaFeed} produces records, then the
 * node's health, the well-behaved clients' records, new clients, the heap and the verdicts.
 */
final class FuzzSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FuzzSession.class);
    private static final long MIB = 1024 * 1024;

    private final FuzzNode node;
    private final WebSocketClient wsClient;
    private final StompClient stompClient;
    private final Pacing pacing = new Pacing();
    private final KafkaFeed feed;
    private final List<Subscriber> watchers = new ArrayList<>();
    private final long started = System.nanoTime();

    private FuzzSession(FuzzNode node) {
        this.node = node;
        wsClient = node.clientVertx().createWebSocketClient(new WebSocketClientOptions()
            .setMaxMessageSize(64 * 1024 * 1024).setMaxConnections(1_000).setConnectTimeout(10_000).setClosingTimeout(2));
        stompClient = StompClient.create(node.clientVertx(), new StompClientOptions()
            .setHeartbeat(new JsonObject().put("x", 0).put("y", 0)));
        feed = new KafkaFeed(node.producer());
    }

    /**
     * Fuzzes the node with the drivers' kinds (concurrently) and asserts, softly (every failure reported together):
     * <ul>
     *   <li>{@code /health} answers 200 after the run, and its counts of SockJS and STOMP sessions, of connections and of
     *   event-bus subscriptions ({@link HealthCheck#COUNTERS}) come back to their values before the run once the fuzz
     *   clients are gone;</li>
     *   <li>the well-behaved clients (STOMP over TCP and SockJS, subscribed before the run) received every Kafka record
     *   produced during the run exactly once, in offset order per partition, with no error and no disconnection;</li>
     *   <li>new clients (STOMP over TCP, SockJS, STOMP over WebSocket) subscribe and receive a new record after the run;</li>
     *   <li>the used heap after forced GCs is at most {@value FuzzSettings#HEAP_HEADROOM_MIB} MiB above its value before
     *   the run, and above its value before the node's first fuzz run;</li>
     *   <li>every kind was fuzzed ({@code -Dfuzz.kinds}), with at least {@link FuzzSettings#INPUTS_PER_KIND} inputs per
     *   protocol, no harness error, no fresh connection that could not be opened, and no violation: a REJECT input with
     *   outcome OK, NOREPLY or TIMEOUT, an ACCEPT input with outcome TIMEOUT or NOREPLY.</li>
     * </ul>
     */
    static void fuzzAndAssert(FuzzNode node, FuzzDriver... drivers) throws Exception {
        SoftAssertions softly = new SoftAssertions();
        try (FuzzSession session = new FuzzSession(node)) {
            session.fuzzAndCheck(List.of(drivers), softly);
        }
        softly.assertAll();
    }

    FuzzNode node() {
        return node;
    }

    /** The WebSocket client of the fuzzing connections and the well-behaved clients. */
    WebSocketClient wsClient() {
        return wsClient;
    }

    Pacing pacing() {
        return pacing;
    }

    KafkaFeed feed() {
        return feed;
    }

    private void fuzzAndCheck(List<FuzzDriver> drivers, SoftAssertions softly) throws Exception {
        // 1. well-behaved clients, their subscriptions proven live with probes
        watchers.add(StompTcpSubscriber.open(stompClient, node.stompPort(), ALICE));
        watchers.add(SockJsSubscriber.open(node.clientVertx(), wsClient, node.httpPort(), ALICE));
        node.awaitProbes(ALICE, watchers);
        LOG.info("[fuzz] well-behaved clients subscribed to {} (STOMP over TCP, SockJS raw WebSocket)", ALICE);

        feed.produceBatch(); // records before the fuzzing too
        JsonObject healthBefore = HealthCheck.fetch(node).body();
        long heapBaseline = JvmGauges.measureUsedHeapAfterGc();
        long nodeHeapBaseline = node.recordFirstHeapBaseline(heapBaseline);
        LOG.info("[fuzz] heap baseline after GC: {} MiB (before the node's first fuzz run: {} MiB); health before: sockjs={} stomp={}",
            JvmGauges.formatMib(heapBaseline), JvmGauges.formatMib(nodeHeapBaseline),
            healthBefore.getValue("sockjs"), healthBefore.getValue("stomp"));

        // 2. the kinds concurrently, Kafka records produced every PRODUCE_EVERY_INPUTS inputs
        Map<Kind, Stats> stats = fuzz(drivers);
        feed.produceBatch(); // and after
        List<RecordMetadata> produced = feed.awaitAll();

        // 3. node health, connection state back to what it was
        softly.assertThat(HealthCheck.fetch(node).status()).as("/health status after the fuzz run").isEqualTo(200);
        HealthCheck.assertCountsAsBefore(node, healthBefore, softly);

        // 4. the well-behaved clients got every record exactly once, in order per partition, and stayed connected
        DeliveryCheck.assertEveryRecordOnceInOrder(watchers, produced, softly);

        // 5. new clients can still subscribe and receive
        checkNewClients(softly);

        // 6. heap
        checkHeap(heapBaseline, nodeHeapBaseline, softly);

        // 7. protocol verdicts
        checkVerdicts(drivers, stats, softly);
    }

    /** Runs the drivers' kinds concurrently, prints the report, returns the statistics. */
    private Map<Kind, Stats> fuzz(List<FuzzDriver> drivers) throws Exception {
        Map<Kind, Stats> stats = new EnumMap<>(Kind.class);
        LogCounter logs = LogCounter.install();
        Thread feedThread = new Thread(feed, "fuzz-kafka-feed");
        feedThread.start();
        ExecutorService pool = Executors.newFixedThreadPool(drivers.stream().mapToInt(d -> d.kind().workers).sum());
        List<CompletableFuture<Void>> done = new ArrayList<>();
        long fuzzStart = System.nanoTime();
        long cpuStart = JvmGauges.measureProcessCpuNanos();
        long jitStart = JvmGauges.measureJitMillis();
        try {
            for (FuzzDriver driver : drivers) {
                Kind kind = driver.kind();
                if (!FuzzSettings.isSelected(kind)) {
                    continue;
                }
                Stats s = new Stats(kind, pacing);
                stats.put(kind, s);
                for (int w = 0; w < kind.workers; w++) {
                    int worker = w;
                    done.add(CompletableFuture.runAsync(() -> runWorker(driver, worker, s), pool)
                        .whenComplete((v, e) -> s.markKindEnd(System.nanoTime())));
                }
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
            feed.stop();
            feedThread.join(TIMEOUT.toMillis());
            logs.uninstall();
        }
        long fuzzNanos = System.nanoTime() - fuzzStart;
        Report.print(stats, fuzzStart, fuzzNanos);
        LOG.info("[fuzz] process CPU while fuzzing {} s (JIT compilation {} s) on {} cores",
            formatSeconds(JvmGauges.measureProcessCpuNanos() - cpuStart), formatSeconds((JvmGauges.measureJitMillis() - jitStart) * 1_000_000),
            Runtime.getRuntime().availableProcessors());
        logs.print();
        return stats;
    }

    /** One worker of a kind: an exception ends it and is counted as a harness error. */
    private void runWorker(FuzzDriver driver, int worker, Stats stats) {
        try {
            driver.run(this, worker, stats);
        } catch (Throwable e) {
            pacing.giveSlotBack();
            StringWriter w = new StringWriter();
            e.printStackTrace(new PrintWriter(w));
            stats.harnessErrors.add("worker " + worker + ": " + Texts.clip(w.toString(), 1500));
        }
    }

    private void checkNewClients(SoftAssertions softly) {
        String address = "user.zoe.orders";
        List<Subscriber> fresh = new ArrayList<>();
        try {
            fresh.add(StompTcpSubscriber.open(stompClient, node.stompPort(), address));
            fresh.add(SockJsSubscriber.open(node.clientVertx(), wsClient, node.httpPort(), address));
            fresh.add(StompWsSubscriber.open(wsClient, node.httpPort(), address));
            node.awaitProbes(address, fresh);
            List<RecordMetadata> sent = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                String value = new JsonObject().put("seq", 1_000_000 + p).put("orderId", "Z-" + p).encode();
                sent.add(KafkaBroker.produce(node.producer(), new ProducerRecord<>(TOPIC, p, "zoe", value)));
            }
            for (Subscriber s : fresh) {
                List<long[]> got = s.awaitRecords(PARTITIONS, TIMEOUT);
                List<String> offsets = new ArrayList<>();
                got.forEach(r -> offsets.add(r[0] + "@" + r[1]));
                List<String> want = new ArrayList<>();
                sent.forEach(m -> want.add(m.partition() + "@" + m.offset()));
                softly.assertThat(offsets).as("%s after the run: new records (partition@offset)", s.name())
                    .containsExactlyInAnyOrderElementsOf(want);
                softly.assertThat(s.disconnects()).as("%s after the run: errors", s.name()).isEmpty();
            }
            LOG.info("[fuzz] new clients after the run (STOMP/TCP, SockJS, STOMP/WebSocket) subscribed and received {} new records",
                sent.size());
        } catch (Exception e) {
            softly.fail("new clients could not subscribe and receive after the run: " + e, e);
        } finally {
            fresh.forEach(FuzzDriver::closeQuietly);
        }
    }

    private static void checkHeap(long heapBaseline, long nodeHeapBaseline, SoftAssertions softly) {
        long heapAfter = JvmGauges.measureUsedHeapAfterGc();
        long bound = heapBaseline + HEAP_HEADROOM_MIB * MIB;
        long nodeBound = nodeHeapBaseline + HEAP_HEADROOM_MIB * MIB;
        LOG.info("[fuzz] heap after GC: {} MiB (baseline {} MiB, bound = baseline + {} MiB = {} MiB; before the node's first fuzz run {} MiB,"
                + " bound {} MiB)", JvmGauges.formatMib(heapAfter), JvmGauges.formatMib(heapBaseline),
            HEAP_HEADROOM_MIB, JvmGauges.formatMib(bound), JvmGauges.formatMib(nodeHeapBaseline),
            JvmGauges.formatMib(nodeBound));
        softly.assertThat(heapAfter).as("used heap after GC, bytes (bound: baseline + %d MiB)", HEAP_HEADROOM_MIB)
            .isLessThanOrEqualTo(bound);
        softly.assertThat(heapAfter).as("used heap after GC, bytes (bound: the baseline before the node's first fuzz run, of any "
                + "protocol, + %d MiB)", HEAP_HEADROOM_MIB)
            .isLessThanOrEqualTo(nodeBound);
    }

    private static void checkVerdicts(List<FuzzDriver> drivers, Map<Kind, Stats> stats, SoftAssertions softly) {
        Map<String, Long> perProtocol = new TreeMap<>();
        stats.values().forEach(s -> perProtocol.merge(s.kind.protocol, s.inputs.sum(), Long::sum));
        LOG.info("[fuzz] inputs per protocol: {}", perProtocol);
        for (FuzzDriver driver : drivers) {
            softly.assertThat(stats.containsKey(driver.kind())).as("%s fuzzed (see -Dfuzz.kinds)", driver.kind()).isTrue();
        }
        perProtocol.forEach((protocol, n) -> softly.assertThat(n).as("%s inputs tried", protocol).isGreaterThanOrEqualTo(INPUTS_PER_KIND));
        for (Stats s : stats.values()) {
            softly.assertThat(s.harnessErrors).as("%s harness errors", s.kind).isEmpty();
            softly.assertThat(s.connectFailures.sum()).as("%s fresh connections that could not be opened (node unresponsive)", s.kind)
                .isZero();
            softly.assertThat(s.violations.sum())
                .as("%s: inputs that got neither an error nor a close although bad (REJECT -> OK/TIMEOUT), or that left the "
                    + "connection unresponsive or without the reply it asked for although valid (ACCEPT -> TIMEOUT/NOREPLY); by "
                    + "category %s; one per category:%n%s",
                    s.kind, new TreeMap<>(Stats.sum(s.violationsByCategory)), String.join("\n", new TreeMap<>(s.firstViolation).values()))
                .isZero();
        }
    }

    /** Nanoseconds as seconds with one decimal, for the logs. */
    private static String formatSeconds(long nanos) {
        return String.format("%.1f", nanos / 1e9);
    }

    @Override
    public void close() {
        watchers.forEach(FuzzDriver::closeQuietly);
        GatewayNode.await(stompClient.close(), TIMEOUT);
        GatewayNode.await(wsClient.close(), TIMEOUT);
        LOG.info("[fuzz] total session time {} s", formatSeconds(System.nanoTime() - started));
    }
}
