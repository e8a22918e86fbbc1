package io.kafkabridge.e2e;

import io.kafkabridge.delivery.ResumeToken;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.stomp.StompClient;
import io.vertx.ext.stomp.StompClientConnection;
import io.vertx.ext.stomp.StompClientOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Protocol fuzzing of ONE live gateway node, deployed with {@link GatewayNode} on the shared real broker.
 * <p>
 * <b>Inputs.</b> {@value #DEFAULT_INPUTS_PER_KIND} per protocol by default ({@code -Dfuzz.inputsPerKind=N}), generated
 * from the fixed seed {@value #SEED} ({@code new Random(SEED)} gives one seed per kind, input {@code i} of a kind uses
 * {@code new Random(kindSeed + i * 0x9E3779B97F4A7C15L)}, so "STOMP_TCP #1234" is reproducible):
 * <ol type="a">
 *   <li>{@code SOCKJS_WS}: SockJS bridge JSON frames over the raw WebSocket endpoint {@code /eventbus/websocket}: every
 *   frame type, permitted / forbidden / huge / unicode / empty / null addresses, wrong field types, missing fields,
 *   deep nesting, huge headers, header floods, control characters and NULs in headers, the gateway's header names in
 *   other cases, non-JSON, truncated and mutated JSON, binary frames;</li>
 *   <li>{@code STOMP_TCP}: STOMP frames over TCP: CONNECT variants and frames before CONNECT on fresh connections (8%),
 *   the rest after a valid CONNECT: unknown commands, missing headers, bad content-length, missing NUL, header escapes,
 *   huge headers / bodies, header floods, escapes and the gateway's header names in other cases, SUBSCRIBE / SEND to
 *   forbidden destinations, transactions, random and mutated bytes;</li>
 *   <li>{@code STOMP_WS}: the same generator over WebSocket {@code /stomp} (subprotocol {@code v12.stomp}), an input
 *   sometimes split over several WebSocket messages;</li>
 *   <li>raw TCP: garbage on a fresh connection, half to the STOMP port ({@code RAW_STOMP_TCP}), half to the HTTP port
 *   ({@code RAW_HTTP_TCP}, garbage and HTTP-ish requests).</li>
 * </ol>
 * <b>Expectation</b> of every input, from a test-side oracle that follows the documented protocols (README, STOMP 1.2,
 * the SockJS bridge frame format, HTTP/1.1), never from observed behaviour: {@code REJECT} (bad input: it must get an
 * error - SockJS {@code {"type":"err"}}, STOMP {@code ERROR}, HTTP status >= 400 - or the server must close the
 * connection), {@code ACCEPT} (valid: any answer is fine, errors included, but the connection must answer the next
 * frame, and a SockJS send with a {@code replyAddress} to the echo service must get its reply) or {@code ANY} (grey zone:
 * lenient parsing, incomplete frames; only counted).
 * <p>
 * <b>Outcome</b> of every input. Each is followed on its connection by a marker that always gets a correlated answer
 * (SockJS: {@code send} to {@code fuzz.echo} with a {@code replyAddress}, answered by a {@code rec}; STOMP: {@code SEND}
 * to {@code fuzz.echo} with a {@code receipt}; inputs with asynchronous effects get a second marker); what the
 * connection shows before that answer is the outcome: {@code ERR} (an error frame / status), {@code CLOSE} (closed
 * without one), {@code OK} (marker answered: a valid reply or no reply), {@code NOREPLY} (as OK, but the reply the input
 * asked for never came) or {@code TIMEOUT} (nothing within {@value #REPLY_TIMEOUT_MS} ms, {@value #ANY_TIMEOUT_MS} ms for
 * ANY inputs). At most {@value #ACTIVE_INPUTS} inputs are in progress at once so that answers come in well under the
 * timeout on 2 cores (the report prints the slowest answered input); connections: at most one per worker (200).
 * <p>
 * <b>The test fails on</b>: a REJECT input with outcome OK, NOREPLY or TIMEOUT; an ACCEPT input with outcome TIMEOUT or
 * NOREPLY; a fresh connection that cannot be opened; a harness error; {@code /health} not answering 200 after the
 * run, or its SockJS connection / STOMP subscription counts not back to their pre-fuzz values once the fuzz clients
 * are gone; new clients (STOMP over TCP, SockJS, STOMP over WebSocket) that cannot subscribe and receive a new record
 * after the run; a well-behaved client (STOMP over TCP and SockJS, subscribed before fuzzing) that does not receive
 * every Kafka record produced during the run (a batch of {@value #RECORDS_PER_BATCH} every
 * {@value #PRODUCE_EVERY_INPUTS} inputs) exactly once and in offset order per partition, or that gets an error or
 * is disconnected; the used heap after forced GCs above the pre-fuzz baseline + {@value #HEAP_HEADROOM_MIB} MiB.
 * <p>
 * The node's log lines at INFO and above are counted and kept off the console while fuzzing, then summarised.
 */
@ExtendWith(KafkaBroker.class)
class ProtocolFuzzTest {

    static final long SEED = 20261123L;
    static final int DEFAULT_INPUTS_PER_KIND = 10_000;
    static final int INPUTS_PER_KIND = Integer.getInteger("fuzz.inputsPerKind", DEFAULT_INPUTS_PER_KIND);
    static final int PRODUCE_EVERY_INPUTS = 250;
    static final int RECORDS_PER_BATCH = 6;
    static final long HEAP_HEADROOM_MIB = 64;
    /** At most this many inputs per connection: keeps every connection far below per-connection rate/subscription limits. */
    static final int MAX_INPUTS_PER_CONNECTION = 20;
    /** How long an input that needs an answer (REJECT / ACCEPT) may take, marker included. */
    static final long REPLY_TIMEOUT_MS = Long.getLong("fuzz.replyTimeoutMs", 2_000);
    /** How long an input of the grey zone (ANY) is given before it is counted as TIMEOUT (not a failure). */
    static final long ANY_TIMEOUT_MS = 400;
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** A worker that gets this many TIMEOUT outcomes in a row stops (and the test fails): keeps a broken run short. */
    static final int MAX_CONSECUTIVE_TIMEOUTS = 40;

    /** For reproducing: {@code -Dfuzz.kinds=STOMP_TCP,SOCKJS_WS} runs only those kinds (the test then fails on the count). */
    static final List<String> KINDS = List.of(System.getProperty("fuzz.kinds", "SOCKJS_WS,STOMP_TCP,STOMP_WS,RAW_STOMP_TCP,RAW_HTTP_TCP")
        .split(","));
    static final String TOPIC = "fuzz.orders.status";
    static final int PARTITIONS = 3;
    static final String ALICE = "user.alice.orders";
    static final String ECHO = "fuzz.echo";
    static final String MATCH = "fuzz.match";
    static final int STOMP_MAX_BODY = 65_536;
    /** Most headers a SockJS frame may carry. */
    static final int MAX_SOCKJS_HEADERS = 32;
    static final Pattern OUTBOUND_REGEX = Pattern.compile("user\\.[A-Za-z0-9_-]+\\.orders");

    /** The kinds of input; {@code (d)} raw TCP is one protocol whose inputs are shared by the STOMP port and the HTTP port. */
    enum Kind {
        SOCKJS_WS("(a) SockJS over WebSocket", 16, 2), STOMP_TCP("(b) STOMP over TCP", 64, 2), STOMP_WS("(c) STOMP over WebSocket", 64, 2),
        RAW_STOMP_TCP("(d) raw TCP", 48, 1), RAW_HTTP_TCP("(d) raw TCP", 8, 1);

        final String protocol;
        final int workers;
        /** Halves of INPUTS_PER_KIND. */
        final int halves;

        Kind(String protocol, int workers, int halves) {
            this.protocol = protocol;
            this.workers = workers;
            this.halves = halves;
        }

        int inputs() {
            return (INPUTS_PER_KIND * halves + 1) / 2;
        }
    }

    /**
     * At most this many inputs are in progress at once (all kinds): on 2 cores this keeps the answer time of an input
     * far below the reply timeout. A worker gives its slot back once its input has waited {@value #PRESUMED_SILENT_MS} ms
     * without an answer (it goes on waiting for the full timeout without holding a slot).
     */
    static final int ACTIVE_INPUTS = 24;
    static final long PRESUMED_SILENT_MS = 150;
    static final Semaphore ACTIVE = new Semaphore(ACTIVE_INPUTS, true);
    /** Per worker: when its slot was taken (System.nanoTime), or -1 when it holds none. */
    static final ThreadLocal<long[]> SLOT = ThreadLocal.withInitial(() -> new long[] {-1});

    static void takeSlot() throws InterruptedException {
        ACTIVE.acquire();
        SLOT.get()[0] = System.nanoTime();
    }

    static void giveSlotBack() {
        long[] slot = SLOT.get();
        if (slot[0] >= 0) {
            slot[0] = -1;
            ACTIVE.release();
        }
    }

    /** The deadline for one wait: the real one, or earlier while this worker holds a slot (then it gives the slot back). */
    static long pacedDeadline(long deadline) {
        long held = SLOT.get()[0];
        return held < 0 ? deadline : Math.min(deadline, held + TimeUnit.MILLISECONDS.toNanos(PRESUMED_SILENT_MS));
    }

    interface Poll {
        Object poll(long deadlineNanos) throws InterruptedException;
    }

    /** Polls until the deadline, giving the slot back when the input looks silent. */
    static Object pollPaced(Poll poll, long deadline) throws InterruptedException {
        while (true) {
            Object ev = poll.poll(pacedDeadline(deadline));
            if (ev != null || System.nanoTime() >= deadline) {
                return ev;
            }
            giveSlotBack();
        }
    }

    enum Expect { REJECT, ACCEPT, ANY }

    /** NOREPLY: no error, no close, marker answered, but the reply the input asked for (SockJS replyAddress) never came. */
    enum Outcome { ERR, CLOSE, OK, NOREPLY, TIMEOUT }

    private static Vertx vertx;
    private static Vertx clientVertx;
    private static EmbeddedKafka kafka;
    private static GatewayNode node;
    private static KafkaProducer<String, String> producer;
    private static final List<MessageConsumer<?>> echoConsumers = new ArrayList<>();

    @BeforeAll
    static void startNode(EmbeddedKafka broker) {
        kafka = broker;
        vertx = Vertx.vertx();
        clientVertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(TOPIC), PARTITIONS);
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", TOPIC).put("address", "user.{key}.orders"));
        JsonObject bridge = new JsonObject()
            .put("inboundPermitteds", new JsonArray()
                .add(new JsonObject().put("address", ECHO))
                .add(new JsonObject().put("address", MATCH).put("match", new JsonObject().put("ok", true))))
            .put("outboundPermitteds", new JsonArray()
                .add(new JsonObject().put("addressRegex", OUTBOUND_REGEX.pattern()))
                .add(new JsonObject().put("address", "dashboard.metrics")));
        // every fuzzing client comes from 127.0.0.1: the per-address cap would refuse them all beyond 1,000
        node = GatewayNode.deploy(vertx, GatewayNode.config(kafka, "fuzz-clients", routes, bridge)
            .put("limits", new JsonObject().put("maxConnectionsPerAddress", 100_000)));
        for (String address : List.of(ECHO, MATCH)) {
            echoConsumers.add(vertx.eventBus().consumer(address, m -> {
                if (m.replyAddress() != null) {
                    m.reply(m.body());
                }
            }));
        }
        producer = KafkaBroker.createProducer(kafka);
    }

    @AfterAll
    static void stopNode() {
        if (producer != null) {
            producer.close();
        }
        echoConsumers.forEach(MessageConsumer::unregister);
        if (node != null) {
            node.undeploy();
        }
        if (clientVertx != null) {
            GatewayNode.await(clientVertx.close(), TIMEOUT);
        }
        if (vertx != null) {
            GatewayNode.await(vertx.close(), TIMEOUT);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // The test
    // ------------------------------------------------------------------------------------------------------------

    @Test
    void nodeSurvivesProtocolFuzzingAndRefusesEveryBadInput() throws Exception {
        long started = System.nanoTime();
        WebSocketClient wsClient = clientVertx.createWebSocketClient(new WebSocketClientOptions()
            .setMaxMessageSize(64 * 1024 * 1024).setMaxConnections(1_000).setConnectTimeout(10_000).setClosingTimeout(2));
        StompClient stompClient = StompClient.create(clientVertx, new StompClientOptions()
            .setHeartbeat(new JsonObject().put("x", 0).put("y", 0)));
        List<Subscriber> watchers = new ArrayList<>();
        SoftAssertions softly = new SoftAssertions();
        try {
            // 1. well-behaved clients, their subscriptions proven live with probes
            StompTcpSubscriber stompWatcher = StompTcpSubscriber.open(stompClient, node.stompPort(), ALICE);
            watchers.add(stompWatcher);
            SockJsSubscriber sockWatcher = SockJsSubscriber.open(wsClient, node.httpPort(), ALICE);
            watchers.add(sockWatcher);
            awaitProbes(ALICE, stompWatcher.probe, sockWatcher.probe);
            System.out.printf("[fuzz] well-behaved clients subscribed to %s (STOMP over TCP, SockJS raw WebSocket)%n", ALICE);

            KafkaFeed feed = new KafkaFeed(producer);
            feed.produceBatch(); // records before the fuzzing too
            JsonObject healthBefore = health().body;
            long heapBaseline = usedHeapAfterGc();
            System.out.printf("[fuzz] heap baseline after GC: %.1f MiB; health before: sockjs=%s stomp=%s%n",
                mib(heapBaseline), healthBefore.getValue("sockjs"), healthBefore.getValue("stomp"));

            // 2. every kind concurrently, Kafka records produced every PRODUCE_EVERY_INPUTS inputs
            Map<Kind, Stats> stats = fuzz(wsClient, feed);
            feed.produceBatch(); // and after
            List<RecordMetadata> produced = feed.awaitAll();

            // 3. node health, connection state back to what it was
            softly.assertThat(health().status).as("/health status after the fuzz run").isEqualTo(200);
            compareHealthCounts(healthBefore, softly);

            // 4. the well-behaved clients got every record exactly once, in order per partition, and stayed connected
            Map<Integer, List<long[]>> expected = expectedPerPartition(produced);
            for (Subscriber watcher : watchers) {
                List<long[]> received = watcher.awaitRecords(produced.size(), Duration.ofSeconds(60));
                Map<Integer, List<long[]>> perPartition = groupByPartition(received);
                System.out.printf("[fuzz] %s received %d records, %d were produced during the run%n", watcher.name(), received.size(),
                    produced.size());
                for (int p = 0; p < PARTITIONS; p++) {
                    softly.assertThat(describe(perPartition.getOrDefault(p, List.of())))
                        .as("%s: records of partition %d in arrival order (offset:seq), each exactly once", watcher.name(), p)
                        .isEqualTo(describe(expected.getOrDefault(p, List.of())));
                }
                softly.assertThat(watcher.disconnects()).as("%s: disconnections / errors during the run", watcher.name()).isEmpty();
            }

            // 5. new clients can still subscribe and receive
            checkNewClients(wsClient, stompClient, softly);

            // 6. heap
            long heapAfter = usedHeapAfterGc();
            long bound = heapBaseline + HEAP_HEADROOM_MIB * 1024 * 1024;
            System.out.printf("[fuzz] heap after GC: %.1f MiB (baseline %.1f MiB, bound = baseline + %d MiB = %.1f MiB)%n",
                mib(heapAfter), mib(heapBaseline), HEAP_HEADROOM_MIB, mib(bound));
            softly.assertThat(heapAfter).as("used heap after GC, bytes (bound: baseline + %d MiB)", HEAP_HEADROOM_MIB)
                .isLessThanOrEqualTo(bound);

            // 7. protocol verdicts
            Map<String, Long> perProtocol = new TreeMap<>();
            stats.values().forEach(s -> perProtocol.merge(s.kind.protocol, s.inputs.sum(), Long::sum));
            System.out.printf("[fuzz] inputs per protocol: %s%n", perProtocol);
            for (Kind kind : Kind.values()) {
                softly.assertThat(stats.containsKey(kind)).as("%s fuzzed (see -Dfuzz.kinds)", kind).isTrue();
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
                        s.kind, new TreeMap<>(sums(s.violationsByCategory)), String.join("\n", new TreeMap<>(s.firstViolation).values()))
                    .isZero();
            }
        } finally {
            watchers.forEach(ProtocolFuzzTest::closeQuietly);
            GatewayNode.await(stompClient.close(), TIMEOUT);
            GatewayNode.await(wsClient.close(), TIMEOUT);
            System.out.printf("[fuzz] total test time %.1f s%n", (System.nanoTime() - started) / 1e9);
        }
        softly.assertAll();
    }

    /** Runs every kind concurrently, prints the report, returns the statistics. */
    Map<Kind, Stats> fuzz(WebSocketClient wsClient, KafkaFeed feed) throws Exception {
        Random master = new Random(SEED);
        Map<Kind, Long> kindSeeds = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            kindSeeds.put(kind, master.nextLong());
        }
        Map<Kind, Stats> stats = new EnumMap<>(Kind.class);
        Fuzzer fuzzer = new Fuzzer(wsClient, feed);
        LogCounter logs = LogCounter.install();
        Thread feedThread = new Thread(feed, "fuzz-kafka-feed");
        feedThread.start();
        ExecutorService pool = Executors.newFixedThreadPool(Arrays.stream(Kind.values()).mapToInt(k -> k.workers).sum());
        List<CompletableFuture<Void>> done = new ArrayList<>();
        long fuzzStart = System.nanoTime();
        long cpuStart = processCpuNanos();
        long jitStart = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
        try {
            for (Kind kind : Kind.values()) {
                if (!KINDS.contains(kind.name())) {
                    continue;
                }
                Stats s = new Stats(kind);
                stats.put(kind, s);
                for (int w = 0; w < kind.workers; w++) {
                    int worker = w;
                    done.add(CompletableFuture.runAsync(() -> fuzzer.run(kind, kindSeeds.get(kind), worker, s), pool)
                        .whenComplete((v, e) -> s.kindEnd(System.nanoTime())));
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
        printReport(stats, fuzzStart, fuzzNanos);
        System.out.printf("[fuzz] process CPU while fuzzing %.1f s (JIT compilation %.1f s) on %d cores%n", (processCpuNanos() - cpuStart) / 1e9,
            (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitStart) / 1e3, Runtime.getRuntime().availableProcessors());
        logs.print();
        return stats;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Well-behaved clients, probes, records
    // ------------------------------------------------------------------------------------------------------------

    interface Subscriber extends AutoCloseable {
        String name();

        List<long[]> awaitRecords(int count, Duration timeout) throws InterruptedException;

        List<String> disconnects();

        @Override
        void close();
    }

    /** A record as received: {partition, offset, seq}. */
    static long[] rec(String partition, String offset, Object body) {
        JsonObject json = body instanceof JsonObject ? (JsonObject) body : new JsonObject(String.valueOf(body));
        return new long[] {Long.parseLong(partition), Long.parseLong(offset), json.getLong("seq")};
    }

    static final class RecordSink {
        final LinkedBlockingQueue<long[]> queue = new LinkedBlockingQueue<>();
        final List<long[]> received = new ArrayList<>();

        List<long[]> await(int count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (received.size() < count) {
                long[] r = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (r == null) {
                    break;
                }
                received.add(r);
            }
            queue.drainTo(received); // duplicates beyond the expected count are reported too
            return new ArrayList<>(received);
        }
    }

    /** Vert.x's STOMP client over TCP. */
    static final class StompTcpSubscriber implements Subscriber {
        final StompClientConnection connection;
        final RecordSink sink = new RecordSink();
        final CompletableFuture<Void> probe = new CompletableFuture<>();
        final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean closing;

        private StompTcpSubscriber(StompClientConnection connection) {
            this.connection = connection;
        }

        static StompTcpSubscriber open(StompClient client, int port, String destination) {
            StompClientConnection c = GatewayNode.await(client.connect(port, "127.0.0.1"), TIMEOUT);
            StompTcpSubscriber s = new StompTcpSubscriber(c);
            c.errorHandler(f -> s.problems.add("ERROR frame " + f.getHeaders() + " " + f.getBodyAsString()));
            c.closeHandler(x -> {
                if (!s.closing) {
                    s.problems.add("connection closed");
                }
            });
            GatewayNode.await(c.subscribe(destination, frame -> {
                if (TOPIC.equals(frame.getHeader("kafka.topic"))) {
                    s.sink.queue.add(rec(frame.getHeader("kafka.partition"), frame.getHeader("kafka.offset"), frame.getBodyAsString()));
                } else {
                    s.probe.complete(null);
                }
            }), TIMEOUT);
            return s;
        }

        @Override
        public String name() {
            return "STOMP-over-TCP client (Vert.x StompClient)";
        }

        @Override
        public List<long[]> awaitRecords(int count, Duration timeout) throws InterruptedException {
            return sink.await(count, timeout);
        }

        @Override
        public List<String> disconnects() {
            return problems;
        }

        @Override
        public void close() {
            closing = true;
            connection.close();
        }
    }

    /** A SockJS bridge client on the raw WebSocket endpoint, pinging every 3 s as vertx-eventbus.js does. */
    static final class SockJsSubscriber implements Subscriber {
        final RecordSink sink = new RecordSink();
        final CompletableFuture<Void> probe = new CompletableFuture<>();
        final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile WebSocket ws;
        volatile boolean closing;
        long pingTimer;

        static SockJsSubscriber open(WebSocketClient client, int port, String address) {
            SockJsSubscriber s = new SockJsSubscriber();
            s.ws = GatewayNode.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
                .setURI("/eventbus/websocket")).map(ws -> {
                    ws.binaryMessageHandler(b -> s.handle(b.toString()));
                    ws.textMessageHandler(s::handle);
                    ws.closeHandler(v -> {
                        if (!s.closing) {
                            s.problems.add("WebSocket closed " + ws.closeStatusCode() + " " + ws.closeReason());
                        }
                    });
                    return ws;
                }), TIMEOUT);
            s.ws.writeTextMessage(new JsonObject().put("type", "ping").encode());
            s.ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode());
            s.pingTimer = clientVertx.setPeriodic(3_000, id -> s.ws.writeTextMessage("{\"type\":\"ping\"}"));
            return s;
        }

        private void handle(String text) {
            JsonObject frame = new JsonObject(text);
            if ("err".equals(frame.getString("type"))) {
                problems.add("err frame " + text);
                return;
            }
            if (!"rec".equals(frame.getString("type"))) {
                return;
            }
            JsonObject headers = frame.getJsonObject("headers", new JsonObject());
            if (TOPIC.equals(headers.getString("kafka.topic"))) {
                sink.queue.add(rec(headers.getString("kafka.partition"), headers.getString("kafka.offset"), frame.getValue("body")));
            } else {
                probe.complete(null);
            }
        }

        @Override
        public String name() {
            return "SockJS client (raw WebSocket /eventbus/websocket)";
        }

        @Override
        public List<long[]> awaitRecords(int count, Duration timeout) throws InterruptedException {
            return sink.await(count, timeout);
        }

        @Override
        public List<String> disconnects() {
            return problems;
        }

        @Override
        public void close() {
            closing = true;
            clientVertx.cancelTimer(pingTimer);
            GatewayNode.await(ws.close(), TIMEOUT);
        }
    }

    /** A STOMP client over WebSocket speaking raw frames (used to prove that new clients still work after the run). */
    static final class StompWsSubscriber implements Subscriber {
        final RecordSink sink = new RecordSink();
        final CompletableFuture<Void> probe = new CompletableFuture<>();
        final CompletableFuture<Void> connected = new CompletableFuture<>();
        final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        final StompReader reader = new StompReader();
        volatile WebSocket ws;
        volatile boolean closing;

        static StompWsSubscriber open(WebSocketClient client, int port, String destination) throws Exception {
            StompWsSubscriber s = new StompWsSubscriber();
            s.ws = GatewayNode.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
                .setURI("/stomp").setSubProtocols(List.of("v12.stomp"))).map(ws -> {
                    ws.handler(s::handle);
                    ws.closeHandler(v -> {
                        if (!s.closing) {
                            s.problems.add("WebSocket closed");
                        }
                    });
                    return ws;
                }), TIMEOUT);
            s.ws.writeTextMessage("CONNECT\naccept-version:1.2\nhost:127.0.0.1\nheart-beat:0,0\n\n\0");
            s.connected.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            s.ws.writeTextMessage("SUBSCRIBE\nid:new-1\ndestination:" + destination + "\n\n\0");
            return s;
        }

        private synchronized void handle(Buffer data) {
            reader.feed(data.getBytes());
            for (ServerFrame f = reader.next(); f != null; f = reader.next()) {
                switch (f.command) {
                    case "CONNECTED":
                        connected.complete(null);
                        break;
                    case "ERROR":
                        problems.add("ERROR " + f.headers);
                        break;
                    case "MESSAGE":
                        if (TOPIC.equals(f.headers.get("kafka.topic"))) {
                            sink.queue.add(rec(f.headers.get("kafka.partition"), f.headers.get("kafka.offset"),
                                new String(f.body, StandardCharsets.UTF_8)));
                        } else {
                            probe.complete(null);
                        }
                        break;
                    default:
                        break;
                }
            }
        }

        @Override
        public String name() {
            return "new STOMP-over-WebSocket client";
        }

        @Override
        public List<long[]> awaitRecords(int count, Duration timeout) throws InterruptedException {
            return sink.await(count, timeout);
        }

        @Override
        public List<String> disconnects() {
            return problems;
        }

        @Override
        public void close() {
            closing = true;
            GatewayNode.await(ws.close(), TIMEOUT);
        }
    }

    /** Publishes probe messages on the event bus until every client has shown one: their subscriptions are live. */
    static void awaitProbes(String address, CompletableFuture<?>... probes) throws Exception {
        long timer = vertx.setPeriodic(100, id -> vertx.eventBus().publish(address, new JsonObject().put("probe", true).put("seq", -1)));
        try {
            CompletableFuture.allOf(probes).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    /** Produces batches of records (key alice, every partition) whenever the fuzzers signal, from its own thread. */
    static final class KafkaFeed implements Runnable {
        final KafkaProducer<String, String> producer;
        final Semaphore signal = new Semaphore(0);
        final List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        final AtomicLong seq = new AtomicLong();
        final AtomicLong inputs = new AtomicLong();
        volatile boolean stopped;

        KafkaFeed(KafkaProducer<String, String> producer) {
            this.producer = producer;
        }

        void inputDone() {
            if (inputs.incrementAndGet() % PRODUCE_EVERY_INPUTS == 0) {
                signal.release();
            }
        }

        synchronized void produceBatch() {
            for (int i = 0; i < RECORDS_PER_BATCH; i++) {
                long n = seq.incrementAndGet();
                int partition = (int) (n % PARTITIONS);
                String value = new JsonObject().put("seq", n).put("orderId", "F-" + n).put("status", "PAID").encode();
                sent.add(producer.send(new ProducerRecord<>(TOPIC, partition, "alice", value)));
            }
        }

        synchronized List<RecordMetadata> awaitAll() throws Exception {
            producer.flush();
            List<RecordMetadata> result = new ArrayList<>();
            for (java.util.concurrent.Future<RecordMetadata> f : sent) {
                result.add(f.get(30, TimeUnit.SECONDS));
            }
            return result;
        }

        void stop() {
            stopped = true;
            signal.release();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    signal.acquire();
                    if (stopped) {
                        return;
                    }
                    produceBatch();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static Map<Integer, List<long[]>> expectedPerPartition(List<RecordMetadata> produced) {
        Map<Integer, List<long[]>> expected = new TreeMap<>();
        // seq = index + 1 (produced in seq order, each batch synchronized)
        for (int i = 0; i < produced.size(); i++) {
            RecordMetadata m = produced.get(i);
            expected.computeIfAbsent(m.partition(), p -> new ArrayList<>()).add(new long[] {m.partition(), m.offset(), i + 1});
        }
        expected.values().forEach(l -> l.sort((a, b) -> Long.compare(a[1], b[1])));
        return expected;
    }

    static Map<Integer, List<long[]>> groupByPartition(List<long[]> received) {
        Map<Integer, List<long[]>> map = new TreeMap<>();
        for (long[] r : received) {
            map.computeIfAbsent((int) r[0], p -> new ArrayList<>()).add(r);
        }
        return map;
    }

    static String describe(List<long[]> records) {
        StringBuilder sb = new StringBuilder(records.size() * 8);
        for (long[] r : records) {
            sb.append(r[1]).append(':').append(r[2]).append(' ');
        }
        return sb.toString().trim();
    }

    void checkNewClients(WebSocketClient wsClient, StompClient stompClient, SoftAssertions softly) {
        List<Subscriber> fresh = new ArrayList<>();
        try {
            StompTcpSubscriber tcp = StompTcpSubscriber.open(stompClient, node.stompPort(), "user.zoe.orders");
            fresh.add(tcp);
            SockJsSubscriber sock = SockJsSubscriber.open(wsClient, node.httpPort(), "user.zoe.orders");
            fresh.add(sock);
            StompWsSubscriber ws = StompWsSubscriber.open(wsClient, node.httpPort(), "user.zoe.orders");
            fresh.add(ws);
            awaitProbes("user.zoe.orders", tcp.probe, sock.probe, ws.probe);
            List<RecordMetadata> sent = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                String value = new JsonObject().put("seq", 1_000_000 + p).put("orderId", "Z-" + p).encode();
                sent.add(KafkaBroker.produce(producer, new ProducerRecord<>(TOPIC, p, "zoe", value)));
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
            System.out.printf("[fuzz] new clients after the run (STOMP/TCP, SockJS, STOMP/WebSocket) subscribed and received %d new records%n",
                sent.size());
        } catch (Exception e) {
            softly.fail("new clients could not subscribe and receive after the run: " + e, e);
        } finally {
            fresh.forEach(s -> {
                try {
                    s.close();
                } catch (RuntimeException ignored) {
                    // reported above
                }
            });
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Health, heap
    // ------------------------------------------------------------------------------------------------------------

    record Health(int status, JsonObject body) {
    }

    static Health health() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node.httpBase() + "/health"))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonObject body;
        try {
            body = new JsonObject(response.body());
        } catch (RuntimeException e) {
            body = new JsonObject();
        }
        return new Health(response.statusCode(), body);
    }

    /** The SockJS connection count and STOMP subscription count must come back to their pre-fuzz values. */
    static void compareHealthCounts(JsonObject before, SoftAssertions softly) throws Exception {
        Object sockBefore = pick(before, "sockjs", "connections");
        Object stompBefore = pick(before, "stomp", "subscriptions");
        if (sockBefore == null && stompBefore == null) {
            System.out.println("[fuzz] /health reports no sockjs.connections / stomp.subscriptions: connection-leak check skipped");
            return;
        }
        CompletableFuture<JsonObject> settled = new CompletableFuture<>();
        AtomicReferenceHolder last = new AtomicReferenceHolder();
        long timer = vertx.setPeriodic(200, id -> vertx.executeBlocking(() -> {
            JsonObject now = health().body;
            last.value = now;
            if (java.util.Objects.equals(pick(now, "sockjs", "connections"), sockBefore)
                && java.util.Objects.equals(pick(now, "stomp", "subscriptions"), stompBefore)) {
                settled.complete(now);
            }
            return null;
        }, false));
        try {
            settled.get(6, TimeUnit.SECONDS);
            System.out.printf("[fuzz] health after the run: sockjs.connections=%s stomp.subscriptions=%s (as before)%n", sockBefore, stompBefore);
        } catch (java.util.concurrent.TimeoutException e) {
            softly.fail("after the fuzz clients closed, /health did not come back to sockjs.connections=" + sockBefore
                + " stomp.subscriptions=" + stompBefore + " within 6 s; last: sockjs=" + (last.value == null ? null : last.value.getValue("sockjs"))
                + " stomp=" + (last.value == null ? null : last.value.getValue("stomp")));
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    static final class AtomicReferenceHolder {
        volatile JsonObject value;
    }

    static Object pick(JsonObject json, String section, String key) {
        Object s = json.getValue(section);
        return s instanceof JsonObject ? ((JsonObject) s).getValue(key) : null;
    }

    static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            min = Math.min(min, memory.getHeapMemoryUsage().getUsed());
        }
        return min;
    }

    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : 0;
    }

    static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Statistics and report
    // ------------------------------------------------------------------------------------------------------------

    static final class Stats {
        final Kind kind;
        final LongAdder inputs = new LongAdder();
        final LongAdder connections = new LongAdder();
        final LongAdder connectFailures = new LongAdder();
        final LongAdder violations = new LongAdder();
        final Map<String, LongAdder> matrix = new ConcurrentHashMap<>();
        final Map<String, LongAdder> categories = new ConcurrentHashMap<>();
        final Map<String, LongAdder> categoryOutcomes = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> samplesPerCategory = new ConcurrentHashMap<>();
        final Map<String, LongAdder> violationsByCategory = new ConcurrentHashMap<>();
        final Map<String, LongAdder> refusedValidByCategory = new ConcurrentHashMap<>();
        final List<String> violationSamples = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Map<String, String> firstViolation = new ConcurrentHashMap<>();
        final List<String> refusedValidSamples = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> harnessErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
        final AtomicLong endNanos = new AtomicLong();
        final AtomicLong maxAnsweredMillis = new AtomicLong();
        final LongAdder answeredOver100ms = new LongAdder();
        final ThreadLocal<Long> inputStart = ThreadLocal.withInitial(System::nanoTime);

        void startInput() {
            inputStart.set(System.nanoTime());
        }

        Stats(Kind kind) {
            this.kind = kind;
        }

        void kindEnd(long now) {
            endNanos.accumulateAndGet(now, Math::max);
        }

        long count(String key) {
            LongAdder a = matrix.get(key);
            return a == null ? 0 : a.sum();
        }

        /** Consecutive TIMEOUT outcomes of one worker: many in a row mean the markers are never answered at all. */
        final ThreadLocal<int[]> consecutiveTimeouts = ThreadLocal.withInitial(() -> new int[1]);

        void record(int index, String category, Verdict verdict, Outcome outcome, byte[] input, String seen) {
            giveSlotBack();
            int[] timeouts = consecutiveTimeouts.get();
            timeouts[0] = outcome == Outcome.TIMEOUT ? timeouts[0] + 1 : 0;
            if (timeouts[0] > MAX_CONSECUTIVE_TIMEOUTS) {
                throw new IllegalStateException(MAX_CONSECUTIVE_TIMEOUTS + " inputs in a row got no answer at all (last " + kind + " #" + index
                    + "): the node no longer answers, or the markers that delimit inputs are never answered; worker stopped");
            }
            inputs.increment();
            long millis = (System.nanoTime() - inputStart.get()) / 1_000_000;
            if (outcome != Outcome.TIMEOUT) {
                maxAnsweredMillis.accumulateAndGet(millis, Math::max);
                if (millis > 100) {
                    answeredOver100ms.increment();
                }
            }
            categories.computeIfAbsent(category, c -> new LongAdder()).increment();
            categoryOutcomes.computeIfAbsent(category + " " + verdict.expect + "->" + outcome, c -> new LongAdder()).increment();
            matrix.computeIfAbsent(verdict.expect + "/" + outcome, c -> new LongAdder()).increment();
            matrix.computeIfAbsent("*/" + outcome, c -> new LongAdder()).increment();
            boolean violation = verdict.expect == Expect.REJECT && (outcome == Outcome.OK || outcome == Outcome.NOREPLY
                || outcome == Outcome.TIMEOUT) || verdict.expect == Expect.ACCEPT && (outcome == Outcome.TIMEOUT || outcome == Outcome.NOREPLY);
            if (violation) {
                violations.increment();
                violationsByCategory.computeIfAbsent(category, c -> new LongAdder()).increment();
                firstViolation.computeIfAbsent(category, c -> sample(index, category, verdict, outcome, input, seen));
                if (violationSamples.size() < 80
                    && samplesPerCategory.computeIfAbsent(category, c -> new AtomicInteger()).incrementAndGet() <= 3) {
                    violationSamples.add(sample(index, category, verdict, outcome, input, seen));
                }
            } else if (verdict.expect == Expect.ACCEPT && outcome != Outcome.OK) {
                refusedValidByCategory.computeIfAbsent(category, c -> new LongAdder()).increment();
                if (refusedValidSamples.size() < 12) {
                    refusedValidSamples.add(sample(index, category, verdict, outcome, input, seen));
                }
            }
        }

        String sample(int index, String category, Verdict verdict, Outcome outcome, byte[] input, String seen) {
            return "  " + kind + " #" + index + " [" + category + "] expected " + verdict.expect + " (" + verdict.reason + ") got "
                + outcome + (seen == null || seen.isEmpty() ? "" : " (server: " + Texts.clip(seen, 200) + ")")
                + "\n      input " + input.length + " bytes: \"" + Texts.escape(input, 360) + "\"";
        }
    }

    static void printReport(Map<Kind, Stats> stats, long fuzzStart, long fuzzNanos) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%n[fuzz] seed %d, %d inputs per kind, fuzzing took %.1f s (all kinds concurrently)%n", SEED,
            INPUTS_PER_KIND, fuzzNanos / 1e9));
        sb.append(String.format("[fuzz] %-14s %7s %6s | %6s %6s %6s %7s %7s | %-30s %-30s %-30s | %s%n", "kind", "inputs", "conns",
            "err", "close", "ok", "noreply", "timeout", "REJECT err/close/ok/norep/tmo", "ACCEPT err/close/ok/norep/tmo",
            "ANY err/close/ok/norep/tmo", "violations, time"));
        for (Stats s : stats.values()) {
            sb.append(String.format("[fuzz] %-14s %7d %6d | %6d %6d %6d %7d %7d | %-30s %-30s %-30s | %d, %.1f s%n", s.kind, s.inputs.sum(),
                s.connections.sum(), s.count("*/ERR"), s.count("*/CLOSE"), s.count("*/OK"), s.count("*/NOREPLY"), s.count("*/TIMEOUT"),
                row(s, Expect.REJECT), row(s, Expect.ACCEPT), row(s, Expect.ANY), s.violations.sum(),
                (s.endNanos.get() - fuzzStart) / 1e9));
        }
        for (Stats s : stats.values()) {
            sb.append(String.format("[fuzz] %s inputs by category: %s%n", s.kind, new TreeMap<>(sums(s.categories))));
            sb.append(String.format("[fuzz] %s: slowest answered input %d ms, %d answered after more than 100 ms (reply timeout %d ms)%n",
                s.kind, s.maxAnsweredMillis.get(), s.answeredOver100ms.sum(), REPLY_TIMEOUT_MS));
            sb.append(String.format("[fuzz] %s outcomes by category (category expectation->outcome=count): %s%n", s.kind,
                new TreeMap<>(sums(s.categoryOutcomes))));
            if (!s.refusedValidByCategory.isEmpty()) {
                sb.append(String.format("[fuzz] %s valid (ACCEPT) inputs answered by an error or a close (allowed, for information): %s%n",
                    s.kind, new TreeMap<>(sums(s.refusedValidByCategory))));
                s.refusedValidSamples.stream().limit(6).forEach(x -> sb.append(x).append('\n'));
            }
            if (s.violations.sum() > 0) {
                sb.append(String.format("[fuzz] %s VIOLATIONS by category: %s%n", s.kind, new TreeMap<>(sums(s.violationsByCategory))));
                s.violationSamples.forEach(x -> sb.append(x).append('\n'));
            }
            if (s.connectFailures.sum() > 0) {
                sb.append(String.format("[fuzz] %s fresh connections that failed: %d%n", s.kind, s.connectFailures.sum()));
            }
            s.harnessErrors.forEach(x -> sb.append("[fuzz] ").append(s.kind).append(" HARNESS ERROR ").append(x).append('\n'));
        }
        System.out.print(sb);
    }

    static String row(Stats s, Expect e) {
        return s.count(e + "/ERR") + "/" + s.count(e + "/CLOSE") + "/" + s.count(e + "/OK") + "/" + s.count(e + "/NOREPLY") + "/"
            + s.count(e + "/TIMEOUT");
    }

    static Map<String, Long> sums(Map<String, LongAdder> map) {
        Map<String, Long> out = new HashMap<>();
        map.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Counts (and keeps out of the console) the node's log lines at INFO and above while fuzzing. */
    static final class LogCounter extends TurboFilter {
        final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        final Map<String, String> samples = new ConcurrentHashMap<>();
        LoggerContext context;

        static LogCounter install() {
            LogCounter counter = new LogCounter();
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext) {
                counter.context = (LoggerContext) LoggerFactory.getILoggerFactory();
                counter.start();
                counter.context.addTurboFilter(counter);
            }
            return counter;
        }

        void uninstall() {
            if (context != null) {
                context.getTurboFilterList().remove(this);
            }
        }

        @Override
        public FilterReply decide(Marker marker, ch.qos.logback.classic.Logger logger, Level level, String format, Object[] params,
                                  Throwable t) {
            if (level == null || !level.isGreaterOrEqual(Level.INFO) || format == null && t == null) {
                return FilterReply.NEUTRAL;
            }
            String name = logger.getName();
            if (!name.startsWith("io.vertx") && !name.startsWith("io.netty") && !name.startsWith("io.kafkabridge")) {
                return FilterReply.NEUTRAL;
            }
            Throwable thrown = t;
            if (thrown == null && params != null && params.length > 0 && params[params.length - 1] instanceof Throwable) {
                thrown = (Throwable) params[params.length - 1];
            }
            String template = format == null ? "" : format;
            int colon = template.indexOf(": ");
            if (colon > 15) {
                template = template.substring(0, colon); // "Invalid type in incoming message: <type>" and alike: one line
            }
            template = template.length() > 70 ? template.substring(0, 70) : template;
            String key = level + " " + name.substring(name.lastIndexOf('.') + 1) + ": "
                + (thrown == null ? "" : thrown.getClass().getName() + " ") + template.replace('\n', ' ');
            counts.computeIfAbsent(key, k -> new LongAdder()).increment();
            if (thrown != null && !samples.containsKey(key)) {
                StringBuilder sb = new StringBuilder(String.valueOf(thrown));
                StackTraceElement[] trace = thrown.getStackTrace();
                for (int i = 0; i < Math.min(6, trace.length); i++) {
                    sb.append("\n        at ").append(trace[i]);
                }
                samples.putIfAbsent(key, sb.toString());
            }
            return FilterReply.DENY;
        }

        void print() {
            if (counts.isEmpty()) {
                return;
            }
            StringBuilder sb = new StringBuilder("[fuzz] node log lines (INFO and above, kept off the console) while fuzzing, by logger and "
                + "message; 'Unhandled exception' = an exception no handler caught (the client got nothing):\n");
            Map<String, Long> sorted = new LinkedHashMap<>();
            sums(counts).entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(30)
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            sorted.forEach((k, v) -> {
                sb.append(String.format("[fuzz] %7d x %s%n", v, Texts.clip(k, 170)));
                String s = samples.get(k);
                if (s != null) {
                    sb.append("          first: ").append(s).append('\n');
                }
            });
            System.out.print(sb);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Fuzz driver
    // ------------------------------------------------------------------------------------------------------------

    /**
     * @param deferred       the input's effects are asynchronous: its outcome is read up to a second marker
     * @param awaitedReply   a reply address the input must get a {@code rec} on (SockJS send with a replyAddress), or null
     */
    record Verdict(Expect expect, String reason, boolean deferred, String awaitedReply) {
        Verdict(Expect expect, String reason, boolean deferred) {
            this(expect, reason, deferred, null);
        }

        static Verdict of(Expect e, String reason) {
            return new Verdict(e, reason, false);
        }
    }

    /** Random of one input: the same (kind, index) always gives the same input. */
    static Random inputRandom(long kindSeed, int index) {
        return new Random(kindSeed + index * 0x9E3779B97F4A7C15L);
    }

    final class Fuzzer {
        final WebSocketClient wsClient;
        final KafkaFeed feed;

        Fuzzer(WebSocketClient wsClient, KafkaFeed feed) {
            this.wsClient = wsClient;
            this.feed = feed;
        }

        void run(Kind kind, long kindSeed, int worker, Stats stats) {
            try {
                switch (kind) {
                    case SOCKJS_WS:
                        runSockJs(kindSeed, worker, stats);
                        break;
                    case STOMP_TCP:
                    case STOMP_WS:
                        runStomp(kind, kindSeed, worker, stats);
                        break;
                    case RAW_STOMP_TCP:
                        runRawStomp(kindSeed, worker, stats);
                        break;
                    case RAW_HTTP_TCP:
                        runRawHttp(kindSeed, worker, stats);
                        break;
                    default:
                        throw new IllegalStateException();
                }
            } catch (Throwable e) {
                giveSlotBack();
                java.io.StringWriter w = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(w));
                stats.harnessErrors.add("worker " + worker + ": " + Texts.clip(w.toString(), 1500));
            }
        }

        // ---------------------------------------------------------------- SockJS

        void runSockJs(long kindSeed, int worker, Stats stats) throws Exception {
            WsWire conn = null;
            SockJsOracle.State state = null;
            int onConnection = 0;
            long markerSeq = 0;
            for (int index = worker; index < Kind.SOCKJS_WS.inputs(); index += Kind.SOCKJS_WS.workers) {
                takeSlot();
                stats.startInput();
                if (conn == null || conn.closed || onConnection >= MAX_INPUTS_PER_CONNECTION) {
                    closeQuietly(conn);
                    conn = WsWire.open(wsClient, node.httpPort(), "/eventbus/websocket", null);
                    if (conn == null) {
                        stats.connectFailures.increment();
                        giveSlotBack();
                        continue;
                    }
                    stats.connections.increment();
                    state = new SockJsOracle.State();
                    onConnection = 0;
                }
                Random r = inputRandom(kindSeed, index);
                SockJsGen.Input input = SockJsGen.generate(r);
                Verdict verdict = SockJsOracle.judge(input.bytes, state);
                conn.drain();
                if (input.binary) {
                    conn.sendBinary(input.bytes);
                } else {
                    conn.sendText(new String(input.bytes, StandardCharsets.UTF_8));
                }
                StringBuilder seen = new StringBuilder();
                Outcome outcome = awaitSockJsMarker(conn, worker, markerSeq, verdict, seen);
                markerSeq += 2;
                stats.record(index, input.category, verdict, outcome, input.bytes, seen.toString());
                feed.inputDone();
                onConnection++;
                if (outcome == Outcome.CLOSE || outcome == Outcome.TIMEOUT) {
                    closeQuietly(conn);
                    conn = null;
                }
            }
            closeQuietly(conn);
        }

        Outcome awaitSockJsMarker(WsWire conn, int worker, long seq, Verdict verdict, StringBuilder seen) throws InterruptedException {
            int markers = verdict.deferred ? 2 : 1;
            boolean err = false;
            boolean replied = false;
            for (int m = 0; m < markers; m++) {
                String replyAddress = new java.util.UUID(worker, seq + m).toString(); // 36 characters, as vertx-eventbus.js ids
                conn.sendText("{\"type\":\"send\",\"address\":\"" + ECHO + "\",\"body\":\"marker\",\"replyAddress\":\"" + replyAddress + "\"}");
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutFor(verdict));
                while (true) {
                    Object ev = pollPaced(conn::pollRaw, deadline);
                    if (ev == null) {
                        return err ? Outcome.ERR : Outcome.TIMEOUT;
                    }
                    if (ev == WsWire.CLOSED) {
                        seen.append("[closed ").append(conn.closeInfo()).append("] ");
                        return err ? Outcome.ERR : Outcome.CLOSE;
                    }
                    String text = ((Buffer) ev).toString(StandardCharsets.UTF_8);
                    JsonObject frame;
                    try {
                        frame = new JsonObject(text);
                    } catch (RuntimeException e) {
                        seen.append("[unparseable frame] ");
                        continue;
                    }
                    if (replyAddress.equals(frame.getValue("address"))) {
                        if ("err".equals(frame.getValue("type"))) {
                            seen.append("[marker failed ").append(Texts.clip(text, 80)).append("] ");
                        }
                        break; // marker answered
                    }
                    if ("err".equals(frame.getValue("type"))) {
                        err = true;
                        seen.append(Texts.clip(text, 120)).append(' ');
                    } else if (verdict.awaitedReply() != null && verdict.awaitedReply().equals(frame.getValue("address"))) {
                        replied = true;
                    }
                }
            }
            if (!err && verdict.awaitedReply() != null && !replied) {
                seen.append("[no rec on the replyAddress]");
                return Outcome.NOREPLY;
            }
            return err ? Outcome.ERR : Outcome.OK;
        }

        // ---------------------------------------------------------------- STOMP over TCP / WebSocket

        StompWire openStomp(Kind kind) {
            return kind == Kind.STOMP_TCP ? TcpWire.open(node.stompPort()) : WsWire.open(wsClient, node.httpPort(), "/stomp", List.of("v12.stomp"));
        }

        void runStomp(Kind kind, long kindSeed, int worker, Stats stats) throws Exception {
            StompWire wire = null;
            StompOracle.State state = null;
            int onConnection = 0;
            long markerSeq = 0;
            for (int index = worker; index < kind.inputs(); index += kind.workers) {
                takeSlot();
                stats.startInput();
                Random r = inputRandom(kindSeed, index);
                boolean opening = r.nextInt(100) < 8;
                if (opening || wire == null || wire.isClosed() || onConnection >= MAX_INPUTS_PER_CONNECTION) {
                    closeQuietly(wire);
                    wire = openStomp(kind);
                    if (wire == null) {
                        stats.connectFailures.increment();
                        giveSlotBack();
                        continue;
                    }
                    stats.connections.increment();
                    state = new StompOracle.State();
                    onConnection = 0;
                    if (!opening && !cleanConnect(wire, state)) {
                        stats.connectFailures.increment();
                        closeQuietly(wire);
                        wire = null;
                        giveSlotBack();
                        continue;
                    }
                }
                StompGen.Input input = opening ? StompGen.opening(r) : StompGen.connected(r, state);
                StompOracle.Judgement j = StompOracle.judge(input.bytes, state, true);
                byte[] payload = Texts.concat(input.bytes, j.completer);
                StringBuilder seen = new StringBuilder();
                Outcome outcome = exchangeStomp(wire, payload, r, j, worker, markerSeq, seen);
                markerSeq += 2;
                stats.record(index, input.category, j.verdict, outcome, payload, seen.toString());
                feed.inputDone();
                onConnection++;
                if (outcome == Outcome.OK && j.verdict.expect() == Expect.ACCEPT && !j.endsConnection) {
                    state = j.after;
                } else {
                    closeQuietly(wire);
                    wire = null;
                }
            }
            closeQuietly(wire);
        }

        boolean cleanConnect(StompWire wire, StompOracle.State state) throws Exception {
            wire.send(StompGen.CLEAN_CONNECT, 1, false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                Object ev = pollPaced(wire::poll, deadline);
                if (ev instanceof ServerFrame && "CONNECTED".equals(((ServerFrame) ev).command)) {
                    state.connected = true;
                    return true;
                }
                if (ev == null || ev == StompWire.CLOSED || ev instanceof ServerFrame && "ERROR".equals(((ServerFrame) ev).command)) {
                    return false;
                }
            }
        }

        Outcome exchangeStomp(StompWire wire, byte[] payload, Random r, StompOracle.Judgement j, int worker, long seq,
                              StringBuilder seen) throws InterruptedException {
            boolean preferBinary = r.nextInt(4) == 0;
            int splits = r.nextInt(10) == 0 ? 2 + r.nextInt(2) : 1;
            if (splits > 1) {
                seen.append("[input sent in ").append(splits).append(" writes] ");
            }
            try {
                wire.send(payload, splits, preferBinary);
            } catch (IOException e) {
                seen.append("[write failed: ").append(e.getMessage()).append("] ");
            }
            long timeout = timeoutFor(j.verdict);
            boolean connected = j.before.connected;
            if (!connected) {
                if (!j.after.connected) {
                    wire.halfCloseIfUseful(j.verdict.expect() == Expect.ANY);
                }
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
                while (!connected) {
                    Object ev = pollPaced(wire::poll, deadline);
                    if (ev == null) {
                        return Outcome.TIMEOUT;
                    }
                    if (ev == StompWire.CLOSED) {
                        seen.append("[closed]");
                        return Outcome.CLOSE;
                    }
                    ServerFrame f = (ServerFrame) ev;
                    seen.append(f.summary()).append(' ');
                    if ("ERROR".equals(f.command)) {
                        return Outcome.ERR;
                    }
                    if ("CONNECTED".equals(f.command)) {
                        connected = true;
                    }
                }
            }
            int markers = j.verdict.deferred() ? 2 : 1;
            for (int m = 0; m < markers; m++) {
                String id = "mk-" + worker + "-" + (seq + m);
                try {
                    wire.send(("SEND\ndestination:" + ECHO + "\nreceipt:" + id + "\n\n\0").getBytes(StandardCharsets.UTF_8), 1, false);
                } catch (IOException e) {
                    seen.append("[marker write failed] ");
                }
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
                while (true) {
                    Object ev = pollPaced(wire::poll, deadline);
                    if (ev == null) {
                        return Outcome.TIMEOUT;
                    }
                    if (ev == StompWire.CLOSED) {
                        seen.append("[closed]");
                        return Outcome.CLOSE;
                    }
                    ServerFrame f = (ServerFrame) ev;
                    if ("ERROR".equals(f.command)) {
                        seen.append(f.summary()).append(' ');
                        return Outcome.ERR;
                    }
                    if ("RECEIPT".equals(f.command) && id.equals(f.headers.get("receipt-id"))) {
                        break;
                    }
                    if (!"MESSAGE".equals(f.command)) {
                        seen.append(f.summary()).append(' ');
                    }
                }
            }
            return Outcome.OK;
        }

        // ---------------------------------------------------------------- raw TCP

        void runRawStomp(long kindSeed, int worker, Stats stats) throws Exception {
            for (int index = worker; index < Kind.RAW_STOMP_TCP.inputs(); index += Kind.RAW_STOMP_TCP.workers) {
                takeSlot();
                stats.startInput();
                Random r = inputRandom(kindSeed, index);
                RawGen.Input input = RawGen.stompGarbage(r);
                StompOracle.Judgement j = StompOracle.judge(input.bytes, new StompOracle.State(), false);
                TcpWire wire = TcpWire.open(node.stompPort());
                if (wire == null) {
                    stats.connectFailures.increment();
                    giveSlotBack();
                    continue;
                }
                stats.connections.increment();
                StringBuilder seen = new StringBuilder();
                Outcome outcome;
                try {
                    outcome = exchangeStomp(wire, input.bytes, r, j, worker, 0, seen);
                } finally {
                    wire.close();
                }
                stats.record(index, input.category, j.verdict, outcome, input.bytes, seen.toString());
                feed.inputDone();
            }
        }

        void runRawHttp(long kindSeed, int worker, Stats stats) throws Exception {
            for (int index = worker; index < Kind.RAW_HTTP_TCP.inputs(); index += Kind.RAW_HTTP_TCP.workers) {
                takeSlot();
                stats.startInput();
                Random r = inputRandom(kindSeed, index);
                RawGen.HttpInput input = RawGen.http(r);
                Socket socket = new Socket();
                try {
                    socket.connect(new InetSocketAddress("127.0.0.1", node.httpPort()), 10_000);
                } catch (IOException e) {
                    stats.connectFailures.increment();
                    socket.close();
                    giveSlotBack();
                    continue;
                }
                stats.connections.increment();
                StringBuilder seen = new StringBuilder();
                Outcome outcome;
                try {
                    outcome = exchangeHttp(socket, input, seen);
                } finally {
                    socket.close();
                }
                stats.record(index, input.category, input.verdict, outcome, input.bytes, seen.toString());
                feed.inputDone();
            }
        }

        Outcome exchangeHttp(Socket socket, RawGen.HttpInput input, StringBuilder seen) throws IOException {
            OutputStream out = socket.getOutputStream();
            try {
                out.write(input.bytes);
                out.flush();
                if (input.halfClose) {
                    socket.shutdownOutput();
                }
            } catch (IOException e) {
                seen.append("[write failed: ").append(e.getMessage()).append("] ");
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutFor(input.verdict));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (true) {
                if (System.nanoTime() >= deadline) {
                    return Outcome.TIMEOUT;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(pacedDeadline(deadline) - System.nanoTime());
                socket.setSoTimeout((int) Math.max(1, left));
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    if (System.nanoTime() >= pacedDeadline(deadline)) {
                        giveSlotBack();
                    }
                    continue;
                } catch (IOException e) {
                    n = -1;
                }
                if (n < 0) {
                    String text = head.toString(StandardCharsets.ISO_8859_1);
                    seen.append(text.isEmpty() ? "[closed]" : Texts.clip(text, 60) + " [closed]");
                    return text.isEmpty() ? Outcome.CLOSE : statusOutcome(text);
                }
                head.write(buf, 0, n);
                String text = head.toString(StandardCharsets.ISO_8859_1);
                int eol = text.indexOf("\r\n");
                if (eol >= 0 || head.size() > 64) {
                    seen.append(Texts.clip(eol >= 0 ? text.substring(0, eol) : text, 80));
                    return statusOutcome(text);
                }
            }
        }

        /** The status of the first response line ("VERSION STATUS REASON", whatever the version token is). */
        Outcome statusOutcome(String text) {
            java.util.regex.Matcher m = Pattern.compile("^\\S+ ([0-9]{3})").matcher(text);
            if (!m.find()) {
                return Outcome.OK; // not a status line: counted as a (strange) reply
            }
            return Integer.parseInt(m.group(1)) >= 400 ? Outcome.ERR : Outcome.OK;
        }
    }

    static long timeoutFor(Verdict verdict) {
        return verdict.expect() == Expect.ANY ? ANY_TIMEOUT_MS : REPLY_TIMEOUT_MS;
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Wires
    // ------------------------------------------------------------------------------------------------------------

    interface StompWire extends AutoCloseable {
        Object CLOSED = new Object();

        void send(byte[] data, int splits, boolean preferBinary) throws IOException;

        /** The next server frame, {@link #CLOSED}, or null at the deadline. */
        Object poll(long deadlineNanos) throws InterruptedException;

        boolean isClosed();

        /** TCP: shut the output down when waiting for nothing would be pointless (the server sees the end). */
        void halfCloseIfUseful(boolean useful);

        @Override
        void close();
    }

    static final class TcpWire implements StompWire {
        final Socket socket;
        final StompReader reader = new StompReader();
        final byte[] buf = new byte[16 * 1024];
        boolean eof;

        private TcpWire(Socket socket) {
            this.socket = socket;
        }

        static TcpWire open(int port) {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                return new TcpWire(socket);
            } catch (IOException e) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // nothing to close
                }
                return null;
            }
        }

        @Override
        public void send(byte[] data, int splits, boolean preferBinary) throws IOException {
            OutputStream out = socket.getOutputStream();
            int chunk = Math.max(1, data.length / splits + 1);
            for (int off = 0; off < data.length; off += chunk) {
                out.write(data, off, Math.min(chunk, data.length - off));
                out.flush();
            }
        }

        @Override
        public Object poll(long deadlineNanos) {
            while (true) {
                ServerFrame f = reader.next();
                if (f != null) {
                    return f;
                }
                if (eof) {
                    return CLOSED;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                try {
                    socket.setSoTimeout((int) Math.max(1, left));
                    int n = socket.getInputStream().read(buf);
                    if (n < 0) {
                        eof = true;
                    } else {
                        reader.feed(Arrays.copyOf(buf, n));
                    }
                } catch (SocketTimeoutException e) {
                    // loop: the deadline decides
                } catch (IOException e) {
                    eof = true;
                }
            }
        }

        @Override
        public boolean isClosed() {
            return eof || socket.isClosed();
        }

        @Override
        public void halfCloseIfUseful(boolean useful) {
            if (useful) {
                try {
                    socket.shutdownOutput();
                } catch (IOException ignored) {
                    // closed already
                }
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closed already
            }
        }
    }

    /** A Vert.x WebSocket whose received messages are queued for a blocking worker thread. */
    static final class WsWire implements StompWire {
        final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final StompReader reader = new StompReader();
        volatile WebSocket ws;
        volatile boolean closed;
        boolean eof;

        static WsWire open(WebSocketClient client, int port, String uri, List<String> subProtocols) {
            WsWire wire = new WsWire();
            WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
            if (subProtocols != null) {
                options.setSubProtocols(subProtocols);
            }
            try {
                wire.ws = GatewayNode.await(client.connect(options).map(ws -> {
                    ws.handler(b -> wire.events.add(b));
                    ws.closeHandler(v -> {
                        wire.closed = true;
                        wire.events.add(CLOSED);
                    });
                    ws.exceptionHandler(e -> { });
                    return ws;
                }), Duration.ofSeconds(10));
                return wire;
            } catch (RuntimeException e) {
                return null;
            }
        }

        String closeInfo() {
            return ws.closeStatusCode() + " " + ws.closeReason();
        }

        void drain() {
            events.removeIf(e -> e != CLOSED);
        }

        void sendText(String text) {
            if (!closed) {
                ws.writeTextMessage(text);
            }
        }

        void sendBinary(byte[] data) {
            if (!closed) {
                ws.writeBinaryMessage(Buffer.buffer(data));
            }
        }

        /** For SockJS: the next raw message (Buffer), CLOSED, or null. */
        Object pollRaw(long deadlineNanos) throws InterruptedException {
            if (eof) {
                return CLOSED;
            }
            Object ev = events.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (ev == CLOSED) {
                eof = true;
            }
            return ev;
        }

        @Override
        public void send(byte[] data, int splits, boolean preferBinary) {
            boolean utf8 = Texts.isUtf8(data);
            int chunk = Math.max(1, data.length / splits + 1);
            for (int off = 0; off < data.length; off += chunk) {
                byte[] part = Arrays.copyOfRange(data, off, Math.min(data.length, off + chunk));
                if (utf8 && !preferBinary && Texts.isUtf8(part)) {
                    sendText(new String(part, StandardCharsets.UTF_8));
                } else {
                    sendBinary(part);
                }
            }
        }

        /** STOMP: frames parsed from the received messages. */
        @Override
        public Object poll(long deadlineNanos) throws InterruptedException {
            while (true) {
                ServerFrame f = reader.next();
                if (f != null) {
                    return f;
                }
                Object ev = pollRaw(deadlineNanos);
                if (ev == null || ev == CLOSED) {
                    return ev;
                }
                reader.feed(((Buffer) ev).getBytes());
            }
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public void halfCloseIfUseful(boolean useful) {
            // no half-close on a WebSocket
        }

        @Override
        public void close() {
            if (ws != null && !closed) {
                try {
                    GatewayNode.await(ws.close(), Duration.ofSeconds(5));
                } catch (RuntimeException ignored) {
                    // closed by the server meanwhile
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // STOMP frames from the server
    // ------------------------------------------------------------------------------------------------------------

    static final class ServerFrame {
        String command;
        final Map<String, String> headers = new LinkedHashMap<>();
        byte[] body = new byte[0];

        String summary() {
            String message = headers.get("message");
            return command + (message == null ? "" : "(" + Texts.clip(message, 60) + ")");
        }
    }

    /** Incremental parser of the frames a STOMP server sends (heart-beat EOLs skipped). */
    static final class StompReader {
        private byte[] buf = new byte[0];
        private int len;

        void feed(byte[] data) {
            if (len + data.length > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(len + data.length, buf.length * 2));
            }
            System.arraycopy(data, 0, buf, len, data.length);
            len += data.length;
        }

        ServerFrame next() {
            int pos = 0;
            while (pos < len && (buf[pos] == '\n' || buf[pos] == '\r')) {
                pos++;
            }
            if (pos >= len) {
                consume(pos);
                return null;
            }
            int eol = Texts.indexOf(buf, (byte) '\n', pos, len);
            if (eol < 0) {
                return null;
            }
            ServerFrame f = new ServerFrame();
            f.command = Texts.line(buf, pos, eol).trim();
            pos = eol + 1;
            while (true) {
                eol = Texts.indexOf(buf, (byte) '\n', pos, len);
                if (eol < 0) {
                    return null;
                }
                String line = Texts.line(buf, pos, eol);
                pos = eol + 1;
                if (line.isEmpty()) {
                    break;
                }
                int colon = line.indexOf(':');
                if (colon > 0) {
                    String name = line.substring(0, colon);
                    String value = line.substring(colon + 1);
                    if (!"CONNECTED".equals(f.command)) {
                        String decoded = StompRef.unescape(value);
                        value = decoded == null ? value : decoded;
                    }
                    f.headers.putIfAbsent(name, value);
                }
            }
            String cl = f.headers.get("content-length");
            int end;
            if (cl != null && cl.matches("[0-9]{1,9}")) {
                int length = Integer.parseInt(cl);
                if (len - pos < length + 1) {
                    return null;
                }
                end = pos + length;
            } else {
                end = Texts.indexOf(buf, (byte) 0, pos, len);
                if (end < 0) {
                    return null;
                }
            }
            f.body = Arrays.copyOfRange(buf, pos, end);
            consume(Math.min(len, end + 1));
            return f;
        }

        private void consume(int n) {
            System.arraycopy(buf, n, buf, 0, len - n);
            len -= n;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Texts
    // ------------------------------------------------------------------------------------------------------------

    static final class Texts {
        static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        static final String[] UNICODE = {"é", "ß", "Ω", "Ж", "中", "文", "🦊", "🎉", "\u200B", "\u202E", "\u0301", "\uFEFF", "\u0000",
            "\u0007", "\u001B", "\u007F", "\u00A0", "\u2028", "\uFFFD", "𝕏", "ŀ", "İ", "ﬀ", "\\", "\"", "'", "<", "&"};

        static String name(Random r, int min, int max) {
            int n = min + r.nextInt(max - min + 1);
            StringBuilder sb = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                sb.append(ALNUM.charAt(r.nextInt(ALNUM.length())));
            }
            return sb.toString();
        }

        static String unicode(Random r, int n) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                int c = r.nextInt(10);
                if (c < 4) {
                    sb.append(ALNUM.charAt(r.nextInt(ALNUM.length())));
                } else if (c < 9) {
                    sb.append(UNICODE[r.nextInt(UNICODE.length)]);
                } else {
                    sb.append((char) (0x20 + r.nextInt(0x2FF0)));
                }
            }
            return sb.toString();
        }

        static String repeat(char c, int n) {
            char[] a = new char[n];
            Arrays.fill(a, c);
            return new String(a);
        }

        static byte[] randomBytes(Random r, int n) {
            byte[] b = new byte[n];
            r.nextBytes(b);
            return b;
        }

        static byte[] concat(byte[]... parts) {
            int n = 0;
            for (byte[] p : parts) {
                n += p.length;
            }
            byte[] out = new byte[n];
            int off = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, out, off, p.length);
                off += p.length;
            }
            return out;
        }

        static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        static int indexOf(byte[] b, byte v, int from, int to) {
            for (int i = from; i < to; i++) {
                if (b[i] == v) {
                    return i;
                }
            }
            return -1;
        }

        /** The line b[from, eol) without a trailing CR, UTF-8. */
        static String line(byte[] b, int from, int eol) {
            int end = eol > from && b[eol - 1] == '\r' ? eol - 1 : eol;
            return new String(b, from, end - from, StandardCharsets.UTF_8);
        }

        static boolean isUtf8(byte[] b) {
            return isUtf8(b, 0, b.length);
        }

        static boolean isUtf8(byte[] b, int from, int to) {
            for (int i = from; i < to; i++) {
                if (b[i] < 0) {
                    return isUtf8Slow(b, from, to);
                }
            }
            return true;
        }

        /** Exact check (overlong forms, surrogates) once a non-ASCII octet is seen. */
        static boolean isUtf8Slow(byte[] b, int from, int to) {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from));
                return true;
            } catch (CharacterCodingException e) {
                return false;
            }
        }

        static String escape(byte[] b, int max) {
            String s = new String(b, StandardCharsets.UTF_8);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < s.length() && sb.length() < max; i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '\n':
                        sb.append("\\n");
                        break;
                    case '\r':
                        sb.append("\\r");
                        break;
                    case '\0':
                        sb.append("\\0");
                        break;
                    case '\t':
                        sb.append("\\t");
                        break;
                    case '\\':
                        sb.append("\\\\");
                        break;
                    case '"':
                        sb.append("\\\"");
                        break;
                    default:
                        if (c < 0x20 || c >= 0x7F && c < 0xA0 || c == '\uFFFD') {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            if (sb.length() >= max) {
                sb.append("...");
            }
            return sb.toString();
        }

        static String clip(String s, int max) {
            return s.length() <= max ? s : s.substring(0, max) + "...(" + s.length() + " chars)";
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // SockJS: generator and oracle
    // ------------------------------------------------------------------------------------------------------------

    static final class SockJsGen {
        record Input(String category, byte[] bytes, boolean binary) {
        }

        static final String[] TYPES = {"register", "unregister", "send", "publish", "ping"};
        static final Object[][] CATEGORIES = {
            {"ping", 6}, {"register-permitted", 8}, {"register-forbidden", 9}, {"unregister", 5}, {"send-publish-permitted", 8},
            {"send-publish-forbidden", 8}, {"wrong-field-types", 10}, {"missing-fields", 5}, {"unknown-type", 4},
            {"deep-nesting", 4}, {"huge-headers", 3}, {"huge-frame", 2}, {"non-json", 6}, {"truncated-json", 5},
            {"mutated-json", 8}, {"binary-frame", 5}, {"trailing-garbage", 3}, {"unicode-escapes", 4}, {"header-tricks", 6}, {"register-since", 6}};

        static String pick(Random r, Object[][] table) {
            int total = 0;
            for (Object[] row : table) {
                total += (Integer) row[1];
            }
            int x = r.nextInt(total);
            for (Object[] row : table) {
                x -= (Integer) row[1];
                if (x < 0) {
                    return (String) row[0];
                }
            }
            throw new IllegalStateException();
        }

        static String q(String s) {
            return Json.encode(s);
        }

        static String permittedOutbound(Random r) {
            switch (r.nextInt(6)) {
                case 0:
                    return "dashboard.metrics";
                case 1:
                    return ALICE;
                default:
                    return "user." + Texts.name(r, 1, 24) + ".orders";
            }
        }

        static String forbiddenAddress(Random r) {
            switch (r.nextInt(26)) {
                case 0:
                    return "admin.secrets";
                case 1:
                    return "";
                case 2:
                    return " ";
                case 3:
                    return ALICE + " ";
                case 4:
                    return ALICE + "\n";
                case 5:
                    return "USER.alice.orders";
                case 6:
                    return "user..orders";
                case 7:
                    return "user.a.b.orders";
                case 8:
                    return ALICE + ".x";
                case 9:
                    return "dashboard.metrics.x";
                case 10:
                    return "user.*.orders";
                case 11:
                    return "user.[a-z]+.orders";
                case 12:
                    return "__vertx.reply." + r.nextInt(1000);
                case 13:
                    return "user.ålice.orders";
                case 14:
                    return "user.🦊.orders";
                case 15:
                    return "user.a\u0000.orders";
                case 16:
                    return Texts.unicode(r, 1 + r.nextInt(40));
                case 17:
                    return Texts.repeat('a', 1_000 + r.nextInt(20_000));
                case 18:
                    return "user." + Texts.name(r, 1, 10) + ".orders\u200B";
                case 19:
                    return "user.alice.order";
                case 20:
                    return ".user.alice.orders";
                case 21:
                    return "user/alice/orders";
                case 22:
                    return ECHO + "x";
                case 23:
                    return "metrics";
                case 24:
                    return "kafka." + Texts.name(r, 1, 10);
                default:
                    return Texts.name(r, 1, 30);
            }
        }

        static String jsonValue(Random r, int depth) {
            int c = r.nextInt(depth > 3 ? 7 : 10);
            switch (c) {
                case 0:
                    return "null";
                case 1:
                    return r.nextBoolean() ? "true" : "false";
                case 2:
                    return String.valueOf(r.nextInt(2_000_001) - 1_000_000);
                case 3:
                    return new String[] {"1.5e308", "-0.0", "1e-400", "12345678901234567890123", "3.141592653589793"}[r.nextInt(5)];
                case 4:
                    return q(Texts.unicode(r, r.nextInt(20)));
                case 5:
                    return q(Texts.name(r, 0, 20));
                case 6:
                    return "\"\"";
                case 7: {
                    StringBuilder sb = new StringBuilder("{");
                    int n = r.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        sb.append(i > 0 ? "," : "").append(q(Texts.name(r, 1, 8))).append(':').append(jsonValue(r, depth + 1));
                    }
                    return sb.append('}').toString();
                }
                default: {
                    StringBuilder sb = new StringBuilder("[");
                    int n = r.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        sb.append(i > 0 ? "," : "").append(jsonValue(r, depth + 1));
                    }
                    return sb.append(']').toString();
                }
            }
        }

        static String deep(Random r, int depth) {
            boolean arrays = r.nextBoolean();
            StringBuilder sb = new StringBuilder(depth * 6 + 8);
            for (int i = 0; i < depth; i++) {
                sb.append(arrays ? "[" : "{\"a\":");
            }
            sb.append("1");
            for (int i = 0; i < depth; i++) {
                sb.append(arrays ? "]" : "}");
            }
            return sb.toString();
        }

        static String headers(Random r) {
            StringBuilder sb = new StringBuilder("{");
            int n = r.nextInt(4);
            for (int i = 0; i < n; i++) {
                sb.append(i > 0 ? "," : "").append(q(Texts.name(r, 1, 10))).append(':').append(q(Texts.unicode(r, r.nextInt(12))));
            }
            return sb.append('}').toString();
        }

        /** A JSON object from field name -> raw JSON value, in random order. */
        static String object(Random r, Map<String, String> fields) {
            List<Map.Entry<String, String>> entries = new ArrayList<>(fields.entrySet());
            java.util.Collections.shuffle(entries, r);
            StringBuilder sb = new StringBuilder("{");
            String sep = r.nextInt(8) == 0 ? ", " : ",";
            for (int i = 0; i < entries.size(); i++) {
                sb.append(i > 0 ? sep : "").append(q(entries.get(i).getKey())).append(':').append(entries.get(i).getValue());
            }
            return sb.append('}').toString();
        }

        static Map<String, String> fields(String type, String address) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("type", q(type));
            if (address != null) {
                m.put("address", q(address));
            }
            return m;
        }

        static String replyAddress(Random r) {
            return q("r." + Texts.name(r, 1, 30));
        }

        static String validFrame(Random r) {
            switch (r.nextInt(5)) {
                case 0:
                    return "{\"type\":\"ping\"}";
                case 1:
                    return object(r, fields("register", permittedOutbound(r)));
                case 2: {
                    Map<String, String> f = fields(r.nextBoolean() ? "send" : "publish", ECHO);
                    f.put("body", jsonValue(r, 0));
                    f.put("headers", headers(r));
                    return object(r, f);
                }
                case 3:
                    return object(r, fields("unregister", permittedOutbound(r)));
                default: {
                    Map<String, String> f = fields("publish", MATCH);
                    f.put("body", "{\"ok\":true,\"n\":" + r.nextInt(100) + "}");
                    return object(r, f);
                }
            }
        }

        static Input generate(Random r) {
            String category = pick(r, CATEGORIES);
            String text;
            switch (category) {
                case "ping": {
                    Map<String, String> f = fields("ping", null);
                    int extra = r.nextInt(3);
                    for (int i = 0; i < extra; i++) {
                        f.put(r.nextBoolean() ? "address" : Texts.name(r, 1, 8), jsonValue(r, 0));
                    }
                    text = object(r, f);
                    break;
                }
                case "register-permitted": {
                    Map<String, String> f = fields("register", permittedOutbound(r));
                    if (r.nextBoolean()) {
                        f.put("headers", headers(r));
                    }
                    text = object(r, f);
                    break;
                }
                case "register-forbidden": {
                    Map<String, String> f = fields("register", forbiddenAddress(r));
                    if (r.nextBoolean()) {
                        f.put("headers", headers(r));
                    }
                    text = object(r, f);
                    break;
                }
                case "unregister":
                    text = object(r, fields("unregister", r.nextBoolean() ? permittedOutbound(r) : forbiddenAddress(r)));
                    break;
                case "register-since": {
                    Map<String, String> f = fields("register", permittedOutbound(r));
                    Map<String, String> h = new LinkedHashMap<>();
                    if (r.nextInt(8) > 0) {
                        h.put("since", r.nextInt(12) == 0 ? jsonValue(r, 2) : q(Since.since(r)));
                    }
                    if (r.nextInt(3) == 0) {
                        h.put("snapshot", q(Since.snapshot(r)));
                    }
                    f.put("headers", object(r, h));
                    text = object(r, f);
                    break;
                }
                case "send-publish-permitted": {
                    boolean match = r.nextInt(3) == 0;
                    Map<String, String> f = fields(r.nextBoolean() ? "send" : "publish", match ? MATCH : ECHO);
                    if (match) {
                        int m = r.nextInt(6);
                        f.put("body", m == 0 ? "{\"ok\":false}" : m == 1 ? "\"{\\\"ok\\\":true}\"" : m == 2 ? "{\"ok\":\"true\"}"
                            : "{\"ok\":true,\"x\":" + jsonValue(r, 1) + "}");
                    } else if (r.nextInt(5) > 0) {
                        f.put("body", jsonValue(r, 0));
                    }
                    if (r.nextBoolean()) {
                        f.put("headers", headers(r));
                    }
                    if (r.nextInt(3) == 0) {
                        f.put("replyAddress", r.nextInt(8) == 0 ? q("r." + Texts.name(r, 36, 60)) : replyAddress(r));
                    }
                    text = object(r, f);
                    break;
                }
                case "send-publish-forbidden": {
                    Map<String, String> f = fields(r.nextBoolean() ? "send" : "publish", r.nextInt(5) == 0 ? ALICE : forbiddenAddress(r));
                    f.put("body", jsonValue(r, 0));
                    if (r.nextBoolean()) {
                        f.put("headers", headers(r));
                    }
                    if (r.nextInt(3) == 0) {
                        f.put("replyAddress", replyAddress(r));
                    }
                    text = object(r, f);
                    break;
                }
                case "wrong-field-types": {
                    String type = TYPES[r.nextInt(4)];
                    Map<String, String> f = fields(type, type.startsWith("s") || type.startsWith("p") ? (r.nextBoolean() ? ECHO : forbiddenAddress(r))
                        : (r.nextBoolean() ? permittedOutbound(r) : forbiddenAddress(r)));
                    String[] wrong = {"42", "true", "false", "[]", "{}", "[\"" + ECHO + "\"]", "{\"address\":\"" + ALICE + "\"}", "1.5", "[null]"};
                    switch (r.nextInt(6)) {
                        case 0:
                            f.put("type", new String[] {"42", "true", "[\"register\"]", "{\"type\":\"register\"}", "1.0", "[]"}[r.nextInt(6)]);
                            break;
                        case 1:
                            f.put("address", wrong[r.nextInt(wrong.length)]);
                            break;
                        case 2:
                            f.put("headers", new String[] {"\"a:b\"", "42", "[]", "[\"a\",\"b\"]", "true", "\"\""}[r.nextInt(6)]);
                            break;
                        case 3:
                            f.put("headers", "{\"h\":" + new String[] {"null", "{}", "[]", "{\"x\":1}", "[1,2]", "42", "true"}[r.nextInt(7)] + "}");
                            break;
                        case 4:
                            f.put("replyAddress", new String[] {"42", "{}", "[]", "true", "[\"r.1\"]"}[r.nextInt(5)]);
                            break;
                        default:
                            f.put("body", jsonValue(r, 0));
                            f.put("headers", new String[] {"42", "\"h\"", "[]"}[r.nextInt(3)]);
                            break;
                    }
                    text = object(r, f);
                    break;
                }
                case "missing-fields": {
                    String[] options = {"{}", "{\"address\":\"" + ALICE + "\"}", "{\"type\":\"register\"}", "{\"type\":\"send\",\"body\":1}",
                        "{\"type\":null}", "{\"type\":\"register\",\"address\":null}", "{\"type\":\"publish\",\"address\":null,\"body\":{}}",
                        "{\"Type\":\"register\",\"address\":\"" + ALICE + "\"}", "{\"type\":\"unregister\"}", "{\"body\":\"x\"}",
                        "{\"type\":\"register\",\"addr\":\"" + ALICE + "\"}"};
                    text = options[r.nextInt(options.length)];
                    break;
                }
                case "unknown-type": {
                    String[] types = {"subscribe", "REGISTER", "Ping", "", " ping", "ping\u0000", "rec", "err", "sendd", "registerr",
                        "注册", Texts.repeat('x', 1_000 + r.nextInt(5_000)), "close", "unsubscribe", "reply"};
                    text = object(r, fields(types[r.nextInt(types.length)], r.nextBoolean() ? ALICE : ECHO));
                    break;
                }
                case "deep-nesting": {
                    int depth = new int[] {50, 500, 999, 1_001, 2_000, 5_000}[r.nextInt(6)];
                    String type = r.nextBoolean() ? "publish" : "send";
                    Map<String, String> f = fields(type, r.nextBoolean() ? ECHO : forbiddenAddress(r));
                    switch (r.nextInt(3)) {
                        case 0:
                            f.put("body", deep(r, depth));
                            break;
                        case 1:
                            f.put("headers", "{\"h\":" + deep(r, depth) + "}");
                            break;
                        default:
                            f.put("address", deep(r, depth));
                            break;
                    }
                    text = object(r, f);
                    break;
                }
                case "huge-headers": {
                    Map<String, String> f = fields(r.nextBoolean() ? "publish" : "register",
                        r.nextBoolean() ? (r.nextBoolean() ? ECHO : ALICE) : forbiddenAddress(r));
                    StringBuilder h = new StringBuilder("{");
                    if (r.nextBoolean()) {
                        int n = 500 + r.nextInt(4_500);
                        for (int i = 0; i < n; i++) {
                            h.append(i > 0 ? "," : "").append("\"h").append(i).append("\":\"v").append(i).append('"');
                        }
                    } else {
                        h.append("\"h\":").append(q(Texts.repeat('v', 20_000 + r.nextInt(r.nextInt(8) == 0 ? 250_000 : 60_000))));
                    }
                    f.put("headers", h.append('}').toString());
                    text = object(r, f);
                    break;
                }
                case "header-tricks": {
                    // floods, control characters and the gateway's own header names in other cases
                    Map<String, String> f = fields(r.nextBoolean() ? "publish" : "send", ECHO);
                    JsonObject h = new JsonObject();
                    switch (r.nextInt(6)) {
                        case 0 -> {
                            int n = MAX_SOCKJS_HEADERS + 1 + r.nextInt(10);
                            for (int i = 0; i < n; i++) {
                                h.put("h" + i, "v");
                            }
                        }
                        case 1 -> {
                            for (int i = 0; i < MAX_SOCKJS_HEADERS; i++) {
                                h.put("h" + i, Texts.repeat('v', r.nextInt(40)));
                            }
                        }
                        case 2 -> h.put("x", "a\u0000" + new String[] {"RECEIPT\nreceipt-id:r1\n\n", "ERROR\n\n", ""}[r.nextInt(3)]);
                        case 3 -> h.put("x" + new String[] {"\u0001", "\n", "\r", "\u0000", "\u007f"}[r.nextInt(5)] + "y", "v");
                        case 4 -> h.put(new String[] {"User", "USER", "Sink.Index", "sink.KEY", "Sink.key"}[r.nextInt(5)], "forged")
                            .put("Content-Length", "1").put("Subscription", "forged");
                        default -> h.put("x", "line\r\nbreaks:and:colons\\");
                    }
                    f.put("headers", h.encode());
                    text = object(r, f);
                    break;
                }
                case "huge-frame": {
                    Map<String, String> f = fields("publish", r.nextBoolean() ? ECHO : forbiddenAddress(r));
                    f.put("body", q(Texts.repeat('b', 66_000 + r.nextInt(r.nextInt(8) == 0 ? 240_000 : 30_000))));
                    text = object(r, f);
                    break;
                }
                case "non-json": {
                    String[] options = {"null", "[]", "[{\"type\":\"ping\"}]", "123", "\"register\"", "", " ", "\n", "true", "{", "}",
                        "<register address=\"" + ALICE + "\"/>", "type=register&address=" + ALICE, "{type:'ping'}",
                        "{'type':'register','address':'" + ALICE + "'}", "undefined", "NaN", "{\"type\":\"ping\",}", "//\n{}",
                        Texts.unicode(r, 1 + r.nextInt(60)), "{\"type\":\"ping\"/*c*/}", "\u0000", "{\"type\":\"ping\"\u0000}"};
                    text = options[r.nextInt(options.length)];
                    break;
                }
                case "truncated-json": {
                    String valid = validFrame(r);
                    text = valid.substring(0, r.nextInt(Math.max(1, valid.length() - 1)));
                    break;
                }
                case "mutated-json":
                    text = mutate(r, validFrame(r), 1 + r.nextInt(4));
                    break;
                case "binary-frame":
                    if (r.nextInt(5) < 3) {
                        return new Input(category, Texts.randomBytes(r, 1 + r.nextInt(r.nextInt(10) == 0 ? 100_000 : 600)), true);
                    }
                    return new Input(category, Texts.utf8(validFrame(r)), true);
                case "trailing-garbage": {
                    String valid = validFrame(r);
                    String[] tails = {" x", valid, "\n", "}", ",", " \t ", "\u0000", "]", "{}", " // c"};
                    text = valid + tails[r.nextInt(tails.length)];
                    break;
                }
                case "unicode-escapes": {
                    String[] addresses = {"\\u0075ser.alice.orders", "user.\\u0061lice.orders", "user.alice\\u002eorders",
                        "user.alice.orders\\u0000", "\\u0000", "user.\\ud83e\\udd8a.orders", "user.\\ud83e.orders", "dashboard\\u002Emetrics",
                        "user.alice.orders\\u200b", "\\u202euser.alice.orders"};
                    String type = r.nextBoolean() ? "register" : "publish";
                    text = "{\"type\":\"" + type + "\",\"address\":\"" + addresses[r.nextInt(addresses.length)] + "\""
                        + (type.equals("publish") ? ",\"body\":\"" + Texts.unicode(r, 10).replace("\\", "\\\\").replace("\"", "\\\"")
                            .replace("\u0000", "\\u0000").replace("\u0007", "\\u0007").replace("\u001B", "\\u001b") + "\"" : "")
                        + "}";
                    break;
                }
                default:
                    throw new IllegalStateException(category);
            }
            boolean binary = r.nextInt(10) == 0;
            return new Input(category, Texts.utf8(text), binary);
        }

        static String mutate(Random r, String s, int n) {
            StringBuilder sb = new StringBuilder(s);
            String specials = "\"{}[],:\\u0 \n\t";
            for (int i = 0; i < n && sb.length() > 0; i++) {
                int pos = r.nextInt(sb.length());
                switch (r.nextInt(5)) {
                    case 0:
                        sb.deleteCharAt(pos);
                        break;
                    case 1:
                        sb.insert(pos, specials.charAt(r.nextInt(specials.length())));
                        break;
                    case 2:
                        sb.setCharAt(pos, specials.charAt(r.nextInt(specials.length())));
                        break;
                    case 3:
                        sb.insert(pos, Texts.UNICODE[r.nextInt(Texts.UNICODE.length)]);
                        break;
                    default:
                        sb.setCharAt(pos, (char) (0x20 + r.nextInt(0x5F)));
                        break;
                }
            }
            return sb.toString();
        }
    }

    /**
     * The SockJS bridge frame format: a JSON object with a string {@code type} (ping, register, unregister, send,
     * publish); all but ping need a string {@code address}; {@code headers}, when present, is an object of string
     * values; {@code replyAddress}, when present, is a string (vertx-eventbus.js ids: at most 36 characters);
     * register/unregister need an address an outbound rule permits, send/publish one an inbound rule permits.
     */
    static final class SockJsOracle {
        static final class State {
            final Set<String> registered = new HashSet<>();
        }

        static Verdict judge(byte[] bytes, State state) {
            JsonObject frame;
            try {
                frame = new JsonObject(new String(bytes, StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                return Verdict.of(Expect.REJECT, "not a JSON object");
            }
            Object type = frame.getValue("type");
            if (!(type instanceof String)) {
                return Verdict.of(Expect.REJECT, type == null ? "no type" : "type is not a string");
            }
            if (type.equals("ping")) {
                return Verdict.of(Expect.ACCEPT, "ping");
            }
            if (!List.of("register", "unregister", "send", "publish").contains(type)) {
                return Verdict.of(Expect.REJECT, "unknown type");
            }
            Object address = frame.getValue("address");
            if (!(address instanceof String)) {
                return Verdict.of(Expect.REJECT, address == null ? "no address" : "address is not a string");
            }
            String addr = (String) address;
            Object headers = frame.getValue("headers");
            boolean lenient = false;
            if (headers != null) {
                if (!(headers instanceof JsonObject)) {
                    return Verdict.of(Expect.REJECT, "headers is not an object");
                }
                if (((JsonObject) headers).size() > MAX_SOCKJS_HEADERS) {
                    return Verdict.of(Expect.REJECT, "more than " + MAX_SOCKJS_HEADERS + " headers");
                }
                for (Map.Entry<String, Object> h : (JsonObject) headers) {
                    Object v = h.getValue();
                    if (v == null || v instanceof JsonObject || v instanceof JsonArray) {
                        return Verdict.of(Expect.REJECT, "a header value is not a string");
                    }
                    if (v instanceof String text && (text.indexOf('\u0000') >= 0 || h.getKey().chars().anyMatch(Character::isISOControl))) {
                        return Verdict.of(Expect.REJECT, "a control character in a header name, or a NUL in a value");
                    }
                    lenient |= !(v instanceof String);
                }
            }
            boolean sendOrPublish = type.equals("send") || type.equals("publish");
            Object replyAddress = frame.getValue("replyAddress");
            if (sendOrPublish && replyAddress != null) {
                if (!(replyAddress instanceof String)) {
                    return Verdict.of(Expect.REJECT, "replyAddress is not a string");
                }
                if (((String) replyAddress).length() > 36) {
                    if (type.equals("send")) {
                        return Verdict.of(Expect.REJECT, "replyAddress longer than 36");
                    }
                    lenient = true;
                }
            }
            if (!sendOrPublish) {
                if (!permittedOutbound(addr)) {
                    return Verdict.of(Expect.REJECT, type + " of a non-permitted address");
                }
                if (type.equals("unregister")) {
                    state.registered.remove(addr);
                    return Verdict.of(lenient ? Expect.ANY : Expect.ACCEPT, "unregister of a permitted address");
                }
                if (addr.length() > 200 || state.registered.contains(addr)) {
                    return Verdict.of(Expect.ANY, addr.length() > 200 ? "very long permitted address" : "address registered already");
                }
                if (headers != null) {
                    JsonObject h = (JsonObject) headers;
                    Object since = h.getValue("since");
                    Object snapshot = h.getValue("snapshot");
                    String problem = Since.problem(since == null ? null : since.toString(), snapshot == null ? null : snapshot.toString());
                    if (problem != null) {
                        return Verdict.of(lenient ? Expect.ANY : Expect.REJECT, "register with " + problem);
                    }
                }
                state.registered.add(addr);
                return Verdict.of(lenient ? Expect.ANY : Expect.ACCEPT, "register of a permitted address");
            }
            Object body = frame.getValue("body");
            boolean deferred = type.equals("send") && replyAddress != null;
            String awaited = deferred ? (String) replyAddress : null;
            if (addr.equals(ECHO)) {
                return new Verdict(lenient ? Expect.ANY : Expect.ACCEPT, type + " to a permitted address"
                    + (awaited == null ? "" : " (fuzz.echo replies)"), deferred, lenient ? null : awaited);
            }
            if (addr.equals(MATCH)) {
                if (body == null) {
                    return new Verdict(Expect.ANY, type + " without body to an address whose rule has a match", deferred);
                }
                if (body instanceof JsonObject && Boolean.TRUE.equals(((JsonObject) body).getValue("ok"))) {
                    return new Verdict(lenient ? Expect.ANY : Expect.ACCEPT, type + " whose body matches the rule"
                        + (awaited == null ? "" : " (fuzz.match replies)"), deferred, lenient ? null : awaited);
                }
                return Verdict.of(Expect.REJECT, type + " whose body does not match the rule");
            }
            return Verdict.of(Expect.REJECT, type + " to a non-permitted address");
        }
    }

    static boolean permittedOutbound(String address) {
        return address != null && (OUTBOUND_REGEX.matcher(address).matches() || "dashboard.metrics".equals(address));
    }

    /** STOMP inbound rules as the README states them: exact fuzz.echo, or fuzz.match with a JSON-object body containing ok:true. */
    static boolean permittedInbound(String destination, byte[] body) {
        if (ECHO.equals(destination)) {
            return true;
        }
        if (!MATCH.equals(destination)) {
            return false;
        }
        try {
            JsonObject json = new JsonObject(new String(body, StandardCharsets.UTF_8));
            return Boolean.TRUE.equals(json.getValue("ok"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // STOMP: reference parser, oracle, generator
    // ------------------------------------------------------------------------------------------------------------

    /** A STOMP 1.2 frame-stream parser that follows the specification (used as the oracle). */
    static final class StompRef {
        static final int MAX_HEADERS = 2_000;
        static final int MAX_HEADER_LINE = 65_536;

        static final class RFrame {
            String command;
            final List<String[]> headers = new ArrayList<>();
            final Map<String, String> first = new HashMap<>();
            byte[] body = new byte[0];
            String lenient;
        }

        static final class Result {
            final List<RFrame> frames = new ArrayList<>();
            String error;
            int padForFairness;
            byte[] need;
            boolean leadingEols;
        }

        static String unescape(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (i + 1 >= s.length()) {
                    return null;
                }
                char n = s.charAt(++i);
                switch (n) {
                    case 'r':
                        sb.append('\r');
                        break;
                    case 'n':
                        sb.append('\n');
                        break;
                    case 'c':
                        sb.append(':');
                        break;
                    case '\\':
                        sb.append('\\');
                        break;
                    default:
                        return null;
                }
            }
            return sb.toString();
        }

        static String trimControls(String s) {
            int a = 0;
            int b = s.length();
            while (a < b && s.charAt(a) <= ' ') {
                a++;
            }
            while (b > a && s.charAt(b - 1) <= ' ') {
                b--;
            }
            return s.substring(a, b);
        }

        static Result parse(byte[] b, int maxBody) {
            Result res = new Result();
            int n = b.length;
            int pos = 0;
            while (true) {
                int start = pos;
                while (pos < n) {
                    if (b[pos] == '\n') {
                        pos++;
                    } else if (b[pos] == '\r' && pos + 1 < n && b[pos + 1] == '\n') {
                        pos += 2;
                    } else {
                        break;
                    }
                }
                if (res.frames.isEmpty() && pos > start) {
                    res.leadingEols = true;
                }
                if (pos >= n) {
                    return res;
                }
                int eol = Texts.indexOf(b, (byte) '\n', pos, n);
                if (eol < 0) {
                    res.need = Texts.utf8("\n");
                    return res;
                }
                RFrame f = new RFrame();
                String raw = Texts.line(b, pos, eol);
                f.command = trimControls(raw);
                if (!f.command.equals(raw)) {
                    f.lenient = "command line with surrounding blanks/control characters";
                }
                pos = eol + 1;
                boolean noEscapes = f.command.equals("CONNECT") || f.command.equals("CONNECTED");
                // header lines (without a trailing CR, with their LF) count with the body against maxBody
                int headerBytes = 0;
                while (true) {
                    eol = Texts.indexOf(b, (byte) '\n', pos, n);
                    if (eol < 0) {
                        if (n - pos >= MAX_HEADER_LINE) {
                            res.error = "header line too long";
                            return res;
                        }
                        res.need = Texts.utf8("\n");
                        return res;
                    }
                    if (eol - pos == 0 || eol - pos == 1 && b[pos] == '\r') {
                        pos = eol + 1;
                        break;
                    }
                    if (eol - pos == 1 && b[pos] == 0) {
                        f.lenient = "a header line that is a lone NUL taken as the end of the headers";
                        pos = eol + 1;
                        break;
                    }
                    if (f.headers.size() >= MAX_HEADERS) {
                        res.error = "too many headers";
                        return res;
                    }
                    if (eol - pos >= MAX_HEADER_LINE) {
                        res.error = "header line too long";
                        return res;
                    }
                    headerBytes += eol - pos - (b[eol - 1] == '\r' ? 1 : 0) + 1;
                    if (headerBytes > maxBody) {
                        res.error = "headers above the maximum frame length";
                        return res;
                    }
                    if (!Texts.isUtf8(b, pos, eol)) {
                        f.lenient = "header not UTF-8";
                    }
                    String line = Texts.line(b, pos, eol);
                    pos = eol + 1;
                    int colon = line.indexOf(':');
                    if (colon < 0) {
                        res.error = "header line without ':'";
                        return res;
                    }
                    String name = line.substring(0, colon);
                    String value = line.substring(colon + 1);
                    if (name.isEmpty()) {
                        f.lenient = "empty header name";
                    }
                    if (value.indexOf(':') >= 0 || value.indexOf('\r') >= 0 || name.indexOf('\r') >= 0) {
                        f.lenient = "raw ':' or CR in a header";
                    }
                    if (!noEscapes) {
                        name = unescape(name);
                        value = unescape(value);
                        if (name == null || value == null) {
                            res.error = "undefined escape sequence in a header";
                            return res;
                        }
                    }
                    f.headers.add(new String[] {name, value});
                    f.first.putIfAbsent(name, value);
                }
                String cl = f.first.get("content-length");
                if (cl != null) {
                    if (!cl.matches("[0-9]{1,10}") || Long.parseLong(cl) > Integer.MAX_VALUE) {
                        res.error = "invalid content-length '" + Texts.clip(cl, 20) + "'";
                        return res;
                    }
                    int length = (int) Long.parseLong(cl);
                    if (length > maxBody - headerBytes) {
                        res.error = "content-length above the maximum body length";
                        res.padForFairness = Math.max(0, maxBody - headerBytes + 1 - (n - pos));
                        return res;
                    }
                    if (n - pos < length) {
                        res.need = Texts.concat(Texts.utf8(Texts.repeat('x', length - (n - pos))), new byte[] {0});
                        return res;
                    }
                    f.body = Arrays.copyOfRange(b, pos, pos + length);
                    pos += length;
                    if (pos >= n) {
                        res.need = new byte[] {0};
                        return res;
                    }
                    if (b[pos] != 0) {
                        res.error = "no NUL after the content-length octets";
                        return res;
                    }
                    pos++;
                } else {
                    int nul = Texts.indexOf(b, (byte) 0, pos, n);
                    if (nul < 0) {
                        if (n - pos > maxBody - headerBytes) {
                            res.error = "body above the maximum body length";
                            return res;
                        }
                        res.need = new byte[] {0};
                        return res;
                    }
                    if (nul - pos > maxBody - headerBytes) {
                        res.error = "body above the maximum body length";
                        return res;
                    }
                    f.body = Arrays.copyOfRange(b, pos, nul);
                    pos = nul + 1;
                }
                res.frames.add(f);
            }
        }
    }

    static final class StompOracle {
        static final Set<String> CLIENT_COMMANDS = Set.of("CONNECT", "STOMP", "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "BEGIN", "COMMIT",
            "ABORT", "ACK", "NACK", "DISCONNECT");

        static final class State {
            boolean connected;
            final Set<String> subscriptions = new HashSet<>();
            final Map<String, Boolean> transactions = new HashMap<>(); // id -> holds a non-permitted SEND

            State copy() {
                State s = new State();
                s.connected = connected;
                s.subscriptions.addAll(subscriptions);
                s.transactions.putAll(transactions);
                return s;
            }
        }

        static final class Judgement {
            Verdict verdict;
            byte[] completer = new byte[0];
            State before;
            State after;
            boolean endsConnection;
        }

        /**
         * @param complete whether an incomplete input is completed (the completion is part of the input as sent)
         */
        static Judgement judge(byte[] input, State state, boolean complete) {
            Judgement j = new Judgement();
            j.before = state;
            StompRef.Result rr = StompRef.parse(input, STOMP_MAX_BODY);
            for (int i = 0; i < 4 && complete && (rr.need != null || rr.padForFairness > 0); i++) {
                j.completer = Texts.concat(j.completer, rr.need != null ? rr.need
                    : Texts.concat(Texts.utf8(Texts.repeat('x', rr.padForFairness)), new byte[] {0}));
                rr = StompRef.parse(Texts.concat(input, j.completer), STOMP_MAX_BODY);
            }
            State s = state.copy();
            Expect expect = Expect.ACCEPT;
            String reason = null;
            boolean deferred = false;
            if (rr.leadingEols && !s.connected) {
                expect = Expect.ANY;
                reason = "EOLs before CONNECT";
            }
            for (StompRef.RFrame f : rr.frames) {
                Verdict v = frame(f, s);
                deferred |= v.deferred();
                if (v.expect() == Expect.REJECT) {
                    expect = Expect.REJECT;
                    reason = v.reason();
                    break;
                }
                if (v.expect() == Expect.ANY && expect == Expect.ACCEPT) {
                    expect = Expect.ANY;
                    reason = v.reason();
                } else if (reason == null) {
                    reason = v.reason();
                }
                if (f.command.equals("DISCONNECT")) {
                    j.endsConnection = true;
                    break;
                }
            }
            if (expect != Expect.REJECT && !j.endsConnection) {
                if (rr.error != null) {
                    if (rr.padForFairness > 0) {
                        expect = Expect.ANY;
                        reason = rr.error + " (not enough octets sent for a server to notice)";
                    } else {
                        expect = Expect.REJECT;
                        reason = rr.error;
                    }
                } else if (rr.need != null) {
                    expect = Expect.ANY;
                    reason = "incomplete frame";
                } else if (rr.frames.isEmpty()) {
                    expect = s.connected ? Expect.ACCEPT : Expect.ANY;
                    reason = "heart-beat EOLs only";
                }
            }
            j.after = s;
            j.verdict = new Verdict(expect, reason, deferred);
            return j;
        }

        static Verdict lenient(StompRef.RFrame f, String reason) {
            return Verdict.of(f.lenient == null ? Expect.ACCEPT : Expect.ANY, f.lenient == null ? reason : f.lenient);
        }

        static Verdict frame(StompRef.RFrame f, State s) {
            String cmd = f.command;
            Map<String, String> h = f.first;
            if (!CLIENT_COMMANDS.contains(cmd)) {
                return Verdict.of(Expect.REJECT, "unknown command '" + Texts.clip(cmd, 20) + "'");
            }
            if (!cmd.equals("SEND") && f.body.length > 0) {
                return Verdict.of(Expect.REJECT, cmd + " with a body");
            }
            if (cmd.equals("CONNECT") || cmd.equals("STOMP")) {
                if (s.connected) {
                    return Verdict.of(Expect.REJECT, "second " + cmd);
                }
                String accept = h.get("accept-version");
                List<String> versions = accept == null ? List.of("1.0") : Arrays.asList(accept.split(",", -1));
                if (versions.stream().noneMatch(v -> v.equals("1.0") || v.equals("1.1") || v.equals("1.2"))) {
                    return Verdict.of(Expect.REJECT, "no supported accept-version");
                }
                String heartBeat = h.get("heart-beat");
                if (heartBeat != null && !heartBeat.matches("[0-9]{1,9},[0-9]{1,9}.*")) {
                    return Verdict.of(Expect.REJECT, "malformed heart-beat '" + Texts.clip(heartBeat, 20) + "'");
                }
                s.connected = true;
                if (heartBeat != null && !heartBeat.matches("[0-9]{1,9},[0-9]{1,9}")) {
                    return Verdict.of(Expect.ANY, "heart-beat with extra parts");
                }
                if (h.get("host") == null) {
                    return Verdict.of(Expect.ANY, cmd + " without host header");
                }
                return lenient(f, "valid " + cmd);
            }
            if (!s.connected) {
                return Verdict.of(Expect.REJECT, cmd + " before CONNECT");
            }
            String tx = h.get("transaction");
            switch (cmd) {
                case "SEND": {
                    String destination = h.get("destination");
                    if (destination == null) {
                        return Verdict.of(Expect.REJECT, "SEND without destination");
                    }
                    boolean permitted = permittedInbound(destination, f.body);
                    if (tx != null) {
                        if (!s.transactions.containsKey(tx)) {
                            return Verdict.of(Expect.REJECT, "SEND in an unknown transaction");
                        }
                        if (!permitted) {
                            s.transactions.put(tx, true);
                            return Verdict.of(Expect.ANY, "non-permitted SEND inside a transaction (refused at COMMIT)");
                        }
                        return lenient(f, "SEND inside a transaction");
                    }
                    return permitted ? lenient(f, "SEND to a permitted destination") : Verdict.of(Expect.REJECT, "SEND to a non-permitted destination");
                }
                case "SUBSCRIBE": {
                    String destination = h.get("destination");
                    String id = h.get("id");
                    if (destination == null || id == null) {
                        return Verdict.of(Expect.REJECT, "SUBSCRIBE without destination or id");
                    }
                    if (s.subscriptions.contains(id)) {
                        return Verdict.of(Expect.REJECT, "SUBSCRIBE with an id in use");
                    }
                    if (!permittedOutbound(destination)) {
                        return Verdict.of(Expect.REJECT, "SUBSCRIBE to a non-permitted destination");
                    }
                    String sinceProblem = Since.problem(h.get("since"), h.get("snapshot"));
                    if (sinceProblem != null && destination.length() <= 200) {
                        return Verdict.of(Expect.REJECT, "SUBSCRIBE with " + sinceProblem);
                    }
                    s.subscriptions.add(id);
                    String ack = h.get("ack");
                    if (ack != null && !Set.of("auto", "client", "client-individual").contains(ack)) {
                        return Verdict.of(Expect.ANY, "SUBSCRIBE with an unknown ack mode");
                    }
                    if (destination.length() > 200) {
                        return Verdict.of(Expect.ANY, "SUBSCRIBE to a very long permitted destination");
                    }
                    return lenient(f, "SUBSCRIBE to a permitted destination");
                }
                case "UNSUBSCRIBE": {
                    String id = h.get("id");
                    if (id == null || !s.subscriptions.remove(id)) {
                        return Verdict.of(Expect.REJECT, id == null ? "UNSUBSCRIBE without id" : "UNSUBSCRIBE of an unknown id");
                    }
                    return lenient(f, "UNSUBSCRIBE of a known id");
                }
                case "ACK":
                case "NACK":
                    if (h.get("id") == null) {
                        return Verdict.of(Expect.REJECT, cmd + " without id");
                    }
                    if (tx != null && !s.transactions.containsKey(tx)) {
                        return Verdict.of(Expect.REJECT, cmd + " in an unknown transaction");
                    }
                    return Verdict.of(Expect.ANY, cmd + " of a message id never delivered");
                case "BEGIN":
                    if (tx == null || s.transactions.containsKey(tx)) {
                        return Verdict.of(Expect.REJECT, tx == null ? "BEGIN without transaction" : "BEGIN of an open transaction");
                    }
                    s.transactions.put(tx, false);
                    return lenient(f, "BEGIN");
                case "COMMIT":
                case "ABORT": {
                    if (tx == null || !s.transactions.containsKey(tx)) {
                        return Verdict.of(Expect.REJECT, cmd + (tx == null ? " without transaction" : " of an unknown transaction"));
                    }
                    boolean tainted = s.transactions.remove(tx);
                    if (cmd.equals("COMMIT") && tainted) {
                        return new Verdict(Expect.REJECT, "COMMIT of a transaction holding a non-permitted SEND", true);
                    }
                    Verdict v = lenient(f, cmd + " of an open transaction");
                    return new Verdict(v.expect(), v.reason(), cmd.equals("COMMIT"));
                }
                case "DISCONNECT":
                    return lenient(f, "DISCONNECT");
                default:
                    throw new IllegalStateException(cmd);
            }
        }
    }

    /**
     * The {@code since} and {@code snapshot} headers of a subscription: values to fuzz with, and the README's contract
     * as the oracle (a token is well formed when {@link ResumeToken#decode}, unit-tested on its own, reads it).
     */
    static final class Since {
        static String since(Random r) {
            switch (r.nextInt(12)) {
                case 0:
                    return "time:" + Math.abs(r.nextLong() % 2_000_000_000_000L);
                case 1:
                    return "time:" + new String[] {"", "-1", "1.5", "1e3", " 5", "5 ", "99999999999999999999", "0x10", "٣"}[r.nextInt(9)];
                case 2:
                    return new String[] {"time", "TIME:5", "time:", "latest", "", " "}[r.nextInt(6)];
                case 3:
                case 4:
                    return token(r);
                case 5: {
                    String token = token(r);
                    return token.substring(0, r.nextInt(token.length()));
                }
                case 6: {
                    char[] token = token(r).toCharArray();
                    int i = r.nextInt(token.length);
                    token[i] = token[i] == 'A' ? 'B' : 'A';
                    return new String(token);
                }
                case 7:
                    return Texts.repeat('A', 16_000 + r.nextInt(2_000));
                case 8:
                    return token(r) + "=";
                case 9:
                    return Texts.name(r, 1, 40);
                case 10:
                    return Texts.unicode(r, 1 + r.nextInt(20));
                default:
                    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(Texts.randomBytes(r, 1 + r.nextInt(60)));
            }
        }

        static String token(Random r) {
            Map<org.apache.kafka.common.TopicPartition, Long> positions = new HashMap<>();
            int n = r.nextInt(5);
            for (int i = 0; i < n; i++) {
                positions.put(new org.apache.kafka.common.TopicPartition(r.nextBoolean() ? "fuzz.feed" : Texts.name(r, 1, 20),
                    r.nextInt(64)), (long) r.nextInt(1_000_000));
            }
            return ResumeToken.encode(Math.abs(r.nextLong() % 2_000_000_000_000L), positions);
        }

        static String snapshot(Random r) {
            return r.nextInt(3) > 0 ? "latest-per-key" : new String[] {"", "latest", "LATEST-PER-KEY", "all", "latest-per-key "}[r.nextInt(5)];
        }

        /**
         * @return why the headers are refused ({@code bad_since}), or {@code null} when they are accepted
         */
        static String problem(String since, String snapshot) {
            if (snapshot != null && (!"latest-per-key".equals(snapshot) || since == null)) {
                return "a bad snapshot header";
            }
            if (since == null) {
                return null;
            }
            if (since.startsWith("time:")) {
                String millis = since.substring(5);
                if (millis.isEmpty() || millis.length() > 19 || !millis.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return "since time: not followed by epoch milliseconds";
                }
                try {
                    Long.parseLong(millis);
                    return null;
                } catch (NumberFormatException e) {
                    return "since time: out of range";
                }
            }
            try {
                ResumeToken.decode(since);
                return null;
            } catch (IllegalArgumentException e) {
                return "since that is no resume token (" + e.getMessage() + ")";
            }
        }
    }

    static final class StompGen {
        record Input(String category, byte[] bytes) {
        }

        static final byte[] CLEAN_CONNECT = Texts.utf8("CONNECT\naccept-version:1.2\nhost:127.0.0.1\nheart-beat:0,0\n\n\0");

        static final Object[][] CATEGORIES = {
            {"send-echo", 10}, {"send-match", 4}, {"send-forbidden", 8}, {"send-no-destination", 3}, {"subscribe-valid", 7},
            {"subscribe-bad", 7}, {"unsubscribe", 5}, {"transactions", 7}, {"ack-nack", 3}, {"unknown-command", 6},
            {"connect-again", 2}, {"heart-beat", 3}, {"disconnect", 2}, {"header-escapes", 4}, {"content-length-bad", 3},
            {"content-length-larger", 2}, {"missing-nul", 3}, {"huge-header", 2}, {"many-headers", 2}, {"huge-body", 3},
            {"header-no-colon", 3}, {"body-on-bodyless", 2}, {"random-bytes", 4}, {"byte-mutation", 7}, {"multi-frame", 4},
            {"unicode", 3}, {"command-case-blanks", 2}, {"header-tricks", 5}, {"subscribe-since", 5}};

        /** One frame being built. */
        static final class FB {
            String command;
            final List<String> headerLines = new ArrayList<>();
            byte[] body = new byte[0];
            String eol = "\n";
            String contentLength; // raw value, null = none
            String terminator = "\0";

            FB(String command) {
                this.command = command;
            }

            FB h(String name, String value) {
                headerLines.add(esc(name) + ":" + esc(value));
                return this;
            }

            FB raw(String line) {
                headerLines.add(line);
                return this;
            }

            FB body(byte[] b) {
                body = b;
                return this;
            }

            FB correctLength() {
                contentLength = String.valueOf(body.length);
                return this;
            }

            byte[] bytes() {
                StringBuilder sb = new StringBuilder(command).append(eol);
                for (String line : headerLines) {
                    sb.append(line).append(eol);
                }
                if (contentLength != null) {
                    sb.append("content-length:").append(contentLength).append(eol);
                }
                sb.append(eol);
                return Texts.concat(Texts.utf8(sb.toString()), body, Texts.utf8(terminator));
            }
        }

        static String esc(String s) {
            return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace(":", "\\c");
        }

        static String forbidden(Random r) {
            return r.nextInt(5) == 0 ? ALICE : SockJsGen.forbiddenAddress(r).replace("\u0000", "");
        }

        static byte[] textBody(Random r) {
            switch (r.nextInt(6)) {
                case 0:
                    return new byte[0];
                case 1:
                    return Texts.utf8(SockJsGen.jsonValue(r, 0));
                case 2:
                    return Texts.utf8(Texts.unicode(r, r.nextInt(40)).replace("\u0000", ""));
                case 3:
                    return Texts.utf8("{\"orderId\":\"X-" + r.nextInt(1000) + "\",\"status\":\"PAID\"}");
                default:
                    return Texts.utf8(Texts.name(r, 0, 80));
            }
        }

        static void maybeReceipt(Random r, FB f) {
            if (r.nextInt(4) == 0) {
                f.h("receipt", "r-" + Texts.name(r, 1, 12));
            }
        }

        static void maybeExtras(Random r, FB f) {
            int n = r.nextInt(3);
            for (int i = 0; i < n; i++) {
                f.h(Texts.name(r, 1, 12), Texts.unicode(r, r.nextInt(16)));
            }
            if (r.nextInt(5) == 0) {
                f.eol = "\r\n";
            }
        }

        static FB sendEcho(Random r) {
            FB f = new FB("SEND").h("destination", ECHO);
            if (r.nextInt(4) == 0) {
                f.body(Texts.randomBytes(r, 1 + r.nextInt(200))).correctLength();
            } else {
                f.body(textBody(r));
                if (r.nextInt(3) == 0) {
                    f.correctLength();
                }
            }
            if (r.nextBoolean()) {
                f.h("content-type", r.nextBoolean() ? "application/json" : "text/plain;charset=utf-8");
            }
            maybeReceipt(r, f);
            maybeExtras(r, f);
            return f;
        }

        static String newId(Random r) {
            return "s-" + Texts.name(r, 1, 10);
        }

        static FB validFrame(Random r, StompOracle.State s) {
            switch (r.nextInt(4)) {
                case 0:
                    return new FB("SUBSCRIBE").h("id", newId(r)).h("destination", SockJsGen.permittedOutbound(r));
                case 1:
                    return new FB("BEGIN").h("transaction", "t-" + Texts.name(r, 1, 8));
                default:
                    return sendEcho(r);
            }
        }

        /** An input on a connection that has sent a valid CONNECT. */
        static Input connected(Random r, StompOracle.State s) {
            String category = SockJsGen.pick(r, CATEGORIES);
            byte[] bytes;
            switch (category) {
                case "send-echo":
                    bytes = sendEcho(r).bytes();
                    break;
                case "send-match": {
                    int m = r.nextInt(5);
                    String body = m == 0 ? "{\"ok\":false}" : m == 1 ? "not json" : "{\"ok\":true,\"n\":" + r.nextInt(100) + "}";
                    FB f = new FB("SEND").h("destination", MATCH).body(Texts.utf8(body));
                    if (r.nextBoolean()) {
                        f.correctLength();
                    }
                    maybeReceipt(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "send-forbidden": {
                    FB f = new FB("SEND").h("destination", forbidden(r)).body(textBody(r));
                    maybeReceipt(r, f);
                    maybeExtras(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "send-no-destination": {
                    FB f = new FB("SEND").body(textBody(r));
                    if (r.nextBoolean()) {
                        f.h("Destination", ECHO);
                    }
                    maybeReceipt(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "subscribe-valid": {
                    FB f = new FB("SUBSCRIBE").h("id", newId(r)).h("destination", SockJsGen.permittedOutbound(r));
                    if (r.nextBoolean()) {
                        f.h("ack", new String[] {"auto", "client", "client-individual"}[r.nextInt(3)]);
                    }
                    maybeReceipt(r, f);
                    maybeExtras(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "subscribe-since": {
                    FB f = new FB("SUBSCRIBE").h("id", newId(r)).h("destination", SockJsGen.permittedOutbound(r));
                    if (r.nextInt(8) > 0) {
                        f.h("since", Since.since(r));
                    }
                    if (r.nextInt(3) == 0) {
                        f.h("snapshot", Since.snapshot(r));
                    }
                    maybeReceipt(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "subscribe-bad": {
                    FB f = new FB("SUBSCRIBE");
                    switch (r.nextInt(5)) {
                        case 0:
                            f.h("id", newId(r)).h("destination", forbidden(r));
                            break;
                        case 1:
                            f.h("destination", SockJsGen.permittedOutbound(r));
                            break;
                        case 2:
                            f.h("id", newId(r));
                            break;
                        case 3:
                            f.h("id", s.subscriptions.isEmpty() ? "dup" : s.subscriptions.iterator().next())
                                .h("destination", SockJsGen.permittedOutbound(r));
                            if (s.subscriptions.isEmpty()) {
                                bytes = Texts.concat(f.bytes(), f.bytes());
                                return new Input(category, bytes);
                            }
                            break;
                        default:
                            f.h("id", newId(r)).h("destination", SockJsGen.permittedOutbound(r)).h("ack", Texts.unicode(r, 1 + r.nextInt(8)));
                            break;
                    }
                    maybeReceipt(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "unsubscribe": {
                    FB f = new FB("UNSUBSCRIBE");
                    int m = r.nextInt(3);
                    if (m == 0 && !s.subscriptions.isEmpty()) {
                        f.h("id", s.subscriptions.iterator().next());
                    } else if (m < 2) {
                        f.h("id", newId(r));
                    }
                    maybeReceipt(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "transactions": {
                    String known = s.transactions.isEmpty() ? null : s.transactions.keySet().iterator().next();
                    String fresh = "t-" + Texts.name(r, 1, 8);
                    switch (r.nextInt(7)) {
                        case 0:
                            bytes = new FB("BEGIN").h("transaction", fresh).bytes();
                            break;
                        case 1:
                            bytes = Texts.concat(new FB("BEGIN").h("transaction", fresh).bytes(),
                                new FB("SEND").h("destination", r.nextBoolean() ? ECHO : forbidden(r)).h("transaction", fresh).body(textBody(r)).bytes(),
                                new FB(r.nextInt(3) == 0 ? "ABORT" : "COMMIT").h("transaction", fresh).bytes());
                            break;
                        case 2:
                            bytes = new FB(r.nextBoolean() ? "COMMIT" : "ABORT").h("transaction", known != null && r.nextBoolean() ? known : fresh).bytes();
                            break;
                        case 3:
                            bytes = new FB("SEND").h("destination", r.nextBoolean() ? ECHO : forbidden(r))
                                .h("transaction", known != null ? known : fresh).body(textBody(r)).bytes();
                            break;
                        case 4:
                            bytes = new FB(new String[] {"BEGIN", "COMMIT", "ABORT"}[r.nextInt(3)]).bytes();
                            break;
                        case 5:
                            bytes = Texts.concat(new FB("BEGIN").h("transaction", fresh).bytes(), new FB("BEGIN").h("transaction", fresh).bytes());
                            break;
                        default:
                            bytes = new FB("BEGIN").h("transaction", known != null ? known : fresh).bytes();
                            break;
                    }
                    break;
                }
                case "ack-nack": {
                    FB f = new FB(r.nextBoolean() ? "ACK" : "NACK");
                    int m = r.nextInt(3);
                    if (m > 0) {
                        f.h("id", "m-" + Texts.name(r, 1, 10));
                    }
                    if (m == 2) {
                        f.h("transaction", "t-unknown-" + Texts.name(r, 1, 4));
                    }
                    bytes = f.bytes();
                    break;
                }
                case "unknown-command": {
                    String[] commands = {"FOO", "send", "MESSAGE", "ERROR", "RECEIPT", "CONNECTED", "PING", "UNKNOWN", "SUBSCRIBEX",
                        "SEN D", "GET / HTTP/1.1", Texts.name(r, 1, 20), Texts.unicode(r, 1 + r.nextInt(10)).replace("\n", ""),
                        Texts.repeat('X', 1_000 + r.nextInt(9_000)), "SEND\u0000", "ПРИВЕТ"};
                    FB f = new FB(commands[r.nextInt(commands.length)]).h("destination", ECHO);
                    maybeReceipt(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "connect-again":
                    bytes = new FB(r.nextBoolean() ? "CONNECT" : "STOMP").raw("accept-version:1.2").raw("host:127.0.0.1").bytes();
                    break;
                case "heart-beat":
                    bytes = Texts.utf8(new String[] {"\n", "\r\n", "\n\n\n", "\r\n\n"}[r.nextInt(4)]);
                    break;
                case "disconnect": {
                    FB f = new FB("DISCONNECT");
                    maybeReceipt(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "header-escapes": {
                    String[] good = {"fuzz\\c.echo", "fuzz.ech\\\\o", "fuzz.echo\\n", "fuzz.echo\\r", "user\\c.alice\\c.orders"};
                    String[] bad = {"fuzz.echo\\t", "fuzz.echo\\", "fuzz.\\echo", "\\x41", "fuzz\\;echo", "\\u0041", "\\0", "a\\\\\\"};
                    boolean invalid = r.nextBoolean();
                    String value = invalid ? bad[r.nextInt(bad.length)] : good[r.nextInt(good.length)];
                    FB f = new FB(r.nextBoolean() ? "SEND" : "SUBSCRIBE").raw("id:" + newId(r));
                    switch (r.nextInt(3)) {
                        case 0:
                            f.raw("destination:" + value);
                            break;
                        case 1:
                            f.h("destination", f.command.equals("SEND") ? ECHO : SockJsGen.permittedOutbound(r)).raw("x-custom:" + value);
                            break;
                        default:
                            f.h("destination", f.command.equals("SEND") ? ECHO : SockJsGen.permittedOutbound(r)).raw(value + ":v");
                            break;
                    }
                    bytes = f.bytes();
                    break;
                }
                case "content-length-bad": {
                    FB f = new FB("SEND").h("destination", ECHO).body(Texts.utf8("hello"));
                    f.contentLength = new String[] {"abc", "-1", " 5", "5 ", "99999999999", "+5", "0x5", "", "2", "0", "5.0", "1e1",
                        "-0"}[r.nextInt(13)];
                    maybeReceipt(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "content-length-larger": {
                    FB f = new FB("SEND").h("destination", ECHO).body(Texts.utf8("hello"));
                    f.contentLength = String.valueOf(6 + r.nextInt(r.nextBoolean() ? 10 : 200_000));
                    f.terminator = "";
                    bytes = f.bytes();
                    break;
                }
                case "missing-nul": {
                    FB f = r.nextBoolean() ? sendEcho(r) : validFrame(r, s);
                    f.terminator = "";
                    bytes = f.bytes();
                    break;
                }
                case "huge-header": {
                    FB f = new FB(r.nextBoolean() ? "SEND" : "SUBSCRIBE").h("id", newId(r))
                        .h("destination", r.nextBoolean() ? ECHO : SockJsGen.permittedOutbound(r));
                    if (r.nextBoolean()) {
                        f.h("x-big", Texts.repeat('v', 65_536 + r.nextInt(100_000)));
                    } else {
                        f.raw(Texts.repeat('n', 65_536 + r.nextInt(50_000)) + ":v");
                    }
                    bytes = f.bytes();
                    break;
                }
                case "header-tricks": {
                    FB f = new FB("SEND").h("destination", ECHO);
                    switch (r.nextInt(4)) {
                        case 0 -> {
                            // a small body with headers far over the frame limit (the observed amplification)
                            for (int i = 0; i < 8 + r.nextInt(60); i++) {
                                f.h("h" + i, Texts.repeat('v', 10_000));
                            }
                        }
                        case 1 -> {
                            for (int i = 0; i < 2 + r.nextInt(5); i++) {
                                f.h("h" + i, Texts.repeat('v', 1_000));
                            }
                        }
                        case 2 -> f.h(new String[] {"Subscription", "Message-Id", "User", "Sink.Key", "SINK.INDEX", "Receipt"}[r.nextInt(6)],
                            "forged").h("Content-Length", String.valueOf(r.nextInt(3)));
                        default -> f.h("x", new String[] {"a\nb", "a\rb", "a:b", "a\\b"}[r.nextInt(4)]);
                    }
                    f.body(Texts.utf8("{\"text\":\"tricks\"}"));
                    bytes = f.bytes();
                    break;
                }
                case "many-headers": {
                    FB f = new FB("SEND").h("destination", ECHO);
                    int n = 2_000 + r.nextInt(2_000);
                    for (int i = 0; i < n; i++) {
                        f.raw("h" + i + ":v");
                    }
                    bytes = f.bytes();
                    break;
                }
                case "huge-body": {
                    FB f = new FB("SEND").h("destination", r.nextInt(4) == 0 ? forbidden(r) : ECHO);
                    int size = r.nextInt(4) == 0 ? STOMP_MAX_BODY : STOMP_MAX_BODY + 1 + r.nextInt(150_000);
                    f.body(Texts.utf8(Texts.repeat('b', size)));
                    if (r.nextBoolean()) {
                        f.correctLength();
                    }
                    bytes = f.bytes();
                    break;
                }
                case "header-no-colon": {
                    FB f = new FB("SEND").h("destination", ECHO).raw(new String[] {"nocolon", "destination=fuzz.echo", " ", "\t",
                        "receipt;r1", Texts.name(r, 1, 30)}[r.nextInt(6)]);
                    bytes = f.bytes();
                    break;
                }
                case "body-on-bodyless": {
                    FB f = new FB(new String[] {"SUBSCRIBE", "UNSUBSCRIBE", "BEGIN", "DISCONNECT", "ACK"}[r.nextInt(5)])
                        .h("id", newId(r)).h("destination", SockJsGen.permittedOutbound(r)).h("transaction", "t-" + Texts.name(r, 1, 6))
                        .body(Texts.utf8("body-" + Texts.name(r, 1, 20)));
                    if (r.nextBoolean()) {
                        f.correctLength();
                    }
                    bytes = f.bytes();
                    break;
                }
                case "random-bytes":
                    bytes = Texts.randomBytes(r, 1 + r.nextInt(r.nextInt(10) == 0 ? 20_000 : 300));
                    break;
                case "byte-mutation":
                    bytes = mutate(r, (r.nextBoolean() ? sendEcho(r) : validFrame(r, s)).bytes(), 1 + r.nextInt(5));
                    break;
                case "multi-frame": {
                    int n = 2 + r.nextInt(2);
                    byte[][] parts = new byte[n][];
                    for (int i = 0; i < n; i++) {
                        parts[i] = r.nextInt(3) == 0 ? new FB("SEND").h("destination", forbidden(r)).bytes() : validFrame(r, s).bytes();
                    }
                    bytes = Texts.concat(parts);
                    break;
                }
                case "unicode": {
                    FB f = new FB("SEND").h("destination", r.nextBoolean() ? ECHO : "fuzz.écho")
                        .h(Texts.unicode(r, 1 + r.nextInt(8)).replace("\u0000", "x"), Texts.unicode(r, r.nextInt(30)).replace("\u0000", "x"))
                        .body(Texts.utf8(Texts.unicode(r, r.nextInt(60)).replace("\u0000", "")));
                    maybeReceipt(r, f);
                    bytes = f.bytes();
                    break;
                }
                case "command-case-blanks": {
                    String[] commands = {"Send", "SEND ", " SEND", "SEND\t", "\tSUBSCRIBE", "subscribe", "SEND\r"};
                    FB f = new FB(commands[r.nextInt(commands.length)]).h("destination", ECHO).h("id", newId(r));
                    bytes = f.bytes();
                    break;
                }
                default:
                    throw new IllegalStateException(category);
            }
            return new Input(category, bytes);
        }

        /** An input that is the first thing sent on a fresh connection. */
        static Input opening(Random r) {
            int c = r.nextInt(100);
            if (c < 40) {
                FB f = new FB(r.nextInt(5) == 0 ? "STOMP" : "CONNECT")
                    .raw("accept-version:" + new String[] {"1.2", "1.0,1.1,1.2", "1.1", "1.0", "1.1,1.2,2.0"}[r.nextInt(5)]);
                if (r.nextInt(6) > 0) {
                    f.raw("host:" + new String[] {"127.0.0.1", "localhost", "vhost", ""}[r.nextInt(4)]);
                }
                if (r.nextBoolean()) {
                    f.raw("heart-beat:" + new String[] {"0,0", "1000,1000", "0,5000", "10000,0"}[r.nextInt(4)]);
                }
                if (r.nextInt(3) == 0) {
                    f.raw("login:" + Texts.name(r, 1, 10)).raw("passcode:" + Texts.unicode(r, r.nextInt(10)).replace("\n", ""));
                }
                if (r.nextInt(5) == 0) {
                    f.raw("x-custom:a:b\\t" + Texts.name(r, 0, 5)); // CONNECT headers are not escaped
                }
                if (r.nextInt(5) == 0) {
                    f.eol = "\r\n";
                }
                return new Input("connect-valid", f.bytes());
            }
            if (c < 52) {
                FB f = new FB("CONNECT").raw("accept-version:" + new String[] {"2.0", "", "1.3", "abc", "1.2 ", " 1.2", "1,2", "1.2;1.1",
                    "v12.stomp"}[r.nextInt(9)]).raw("host:127.0.0.1");
                return new Input("connect-bad-version", f.bytes());
            }
            if (c < 64) {
                FB f = new FB("CONNECT").raw("accept-version:1.2").raw("host:127.0.0.1")
                    .raw("heart-beat:" + new String[] {"a,b", "1", "", "-1,-1", "1,2,3", "99999999999,1", " 1,1", "1,", ",1", "1;1", "0x1,0"}[r.nextInt(11)]);
                return new Input("connect-bad-heart-beat", f.bytes());
            }
            if (c < 70) {
                FB f = new FB("CONNECT").raw("accept-version:1.2").raw("host:127.0.0.1").body(Texts.utf8("hello"));
                if (r.nextBoolean()) {
                    f.correctLength();
                }
                return new Input("connect-with-body", f.bytes());
            }
            if (c < 80) {
                return new Input("connect-mutated", mutate(r, new FB("CONNECT").raw("accept-version:1.2").raw("host:127.0.0.1").bytes(),
                    1 + r.nextInt(3)));
            }
            if (c < 95) {
                FB f = r.nextBoolean() ? sendEcho(r) : validFrame(r, new StompOracle.State());
                return new Input("frame-before-connect", f.bytes());
            }
            return new Input("eol-before-connect", Texts.concat(Texts.utf8(r.nextBoolean() ? "\n" : "\r\n"),
                r.nextBoolean() ? CLEAN_CONNECT : new byte[0]));
        }

        static byte[] mutate(Random r, byte[] in, int n) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<Byte> bytes = new ArrayList<>();
            for (byte b : in) {
                bytes.add(b);
            }
            byte[] specials = {'\n', '\r', 0, ':', '\\', ' ', 'c', '0', '9', (byte) 0xC3, (byte) 0xFF};
            for (int i = 0; i < n && !bytes.isEmpty(); i++) {
                int pos = r.nextInt(bytes.size());
                switch (r.nextInt(5)) {
                    case 0:
                        bytes.remove(pos);
                        break;
                    case 1:
                        bytes.add(pos, specials[r.nextInt(specials.length)]);
                        break;
                    case 2:
                        bytes.set(pos, specials[r.nextInt(specials.length)]);
                        break;
                    case 3:
                        bytes.set(pos, (byte) (bytes.get(pos) ^ (1 << r.nextInt(8))));
                        break;
                    default:
                        bytes.add(pos, (byte) r.nextInt(256));
                        break;
                }
            }
            bytes.forEach(out::write);
            return out.toByteArray();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Raw TCP garbage
    // ------------------------------------------------------------------------------------------------------------

    static final class RawGen {
        record Input(String category, byte[] bytes) {
        }

        record HttpInput(String category, byte[] bytes, Verdict verdict, boolean halfClose) {
        }

        static Input stompGarbage(Random r) {
            int c = r.nextInt(10);
            String category;
            byte[] body;
            switch (c) {
                case 0:
                case 1:
                    category = "random-bytes";
                    body = Texts.randomBytes(r, 1 + r.nextInt(r.nextInt(10) == 0 ? 64_000 : 2_000));
                    break;
                case 2: {
                    category = "printable-lines";
                    StringBuilder sb = new StringBuilder();
                    int n = 1 + r.nextInt(400);
                    for (int i = 0; i < n; i++) {
                        sb.append(r.nextInt(15) == 0 ? '\n' : (char) (0x20 + r.nextInt(0x5F)));
                    }
                    body = Texts.utf8(sb.toString());
                    break;
                }
                case 3: {
                    category = "stomp-token-soup";
                    String[] tokens = {"CONNECT", "STOMP", "SEND", "SUBSCRIBE", "\n", "\r\n", ":", "\0", "destination", "content-length",
                        "accept-version:1.2", "\\c", "\\t", "heart-beat:1,1", "0", "99", "-1", "é", "🦊", "id", "receipt", " "};
                    StringBuilder sb = new StringBuilder();
                    int n = 1 + r.nextInt(60);
                    for (int i = 0; i < n; i++) {
                        sb.append(tokens[r.nextInt(tokens.length)]);
                    }
                    body = Texts.utf8(sb.toString());
                    break;
                }
                case 4:
                    category = "mutated-connect";
                    body = StompGen.mutate(r, StompGen.CLEAN_CONNECT, 1 + r.nextInt(6));
                    break;
                case 5:
                    category = "http-to-stomp-port";
                    body = Texts.utf8("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n");
                    break;
                case 6:
                    category = "tls-client-hello";
                    body = Texts.concat(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03},
                        Texts.randomBytes(r, 32 + r.nextInt(200)));
                    break;
                case 7:
                    category = "nul-or-eol-flood";
                    body = Texts.utf8(Texts.repeat(r.nextBoolean() ? '\0' : '\n', 1 + r.nextInt(5_000)));
                    break;
                case 8:
                    category = "long-line";
                    body = Texts.utf8(Texts.repeat('A', 10_000 + r.nextInt(190_000)));
                    break;
                default:
                    category = "frame-prefix-then-garbage";
                    body = Texts.concat(Arrays.copyOf(StompGen.CLEAN_CONNECT, 1 + r.nextInt(StompGen.CLEAN_CONNECT.length - 1)),
                        Texts.randomBytes(r, 1 + r.nextInt(100)));
                    break;
            }
            boolean terminate = r.nextInt(100) < 85;
            return new Input(category, terminate ? Texts.concat(body, Texts.utf8("\n\n\0")) : body);
        }

        static String validRequest(Random r) {
            String[] requests = {
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                "GET /ready HTTP/1.0\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /eventbus/info HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /index.html HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
                "OPTIONS /health HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
                "GET /stomp HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v12.stomp\r\n\r\n",
                "GET /eventbus/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                "GET /no/such/page HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /health?x=" + Texts.name(r, 1, 50) + " HTTP/1.1\r\nHost: x\r\nX-" + Texts.name(r, 1, 10) + ": " + Texts.name(r, 0, 40) + "\r\n\r\n"};
            return requests[r.nextInt(requests.length)];
        }

        static HttpInput http(Random r) {
            int c = r.nextInt(100);
            if (c < 15) {
                return new HttpInput("valid-request", Texts.utf8(validRequest(r)), Verdict.of(Expect.ACCEPT, "valid HTTP request"), false);
            }
            if (c < 40) {
                byte[] garbage = Texts.randomBytes(r, 1 + r.nextInt(r.nextInt(10) == 0 ? 30_000 : 1_500));
                boolean blank = true;
                for (byte b : garbage) {
                    blank &= (b & 0xFF) <= 0x20 || (b & 0xFF) >= 0x7F && (b & 0xFF) <= 0x9F;
                }
                byte[] bytes = Texts.concat(garbage, Texts.utf8("\r\n\r\n"));
                return blank ? new HttpInput("garbage", bytes, Verdict.of(Expect.ANY, "only blanks/control octets"), true)
                    : new HttpInput("garbage", bytes, Verdict.of(Expect.REJECT, "not an HTTP request"), false);
            }
            if (c < 55) {
                String[] lines = {"GET /health HTTP/1.1x", "GET /health HTTX/1.1", "GET /health FOO/1.1", "GET HTTP/1.1", "G\u0001T /health HTTP/1.1",
                    "GET /health HTTP/", "GET\t/health\tHTTP/1.1\tEXTRA", "GET /a b HTTP/1.1", "GET /" + Texts.repeat('a', 10_000 + r.nextInt(20_000)) + " HTTP/1.1",
                    "GET /health HTTP/1.1 trailing", "\u0000GET /health HTTP/1.1x", "GE(T /health HTTP/1.1", "GET /health HTTP/a.b"};
                int i = r.nextInt(lines.length);
                return new HttpInput("bad-request-line#" + i, Texts.utf8(lines[i] + "\r\nHost: x\r\n\r\n"),
                    Verdict.of(Expect.REJECT, "malformed request line"), false);
            }
            if (c < 72) {
                String[] headers = {"Host 127.0.0.1", "Content-Length: abc", "Content-Length: -1", "Content-Length: 99999999999999999999",
                    "X-Big: " + Texts.repeat('v', 20_000 + r.nextInt(40_000)), "Na\u0000me: v", "X-" + Texts.repeat('h', 10_000) + ": v",
                    "Content-Length: 1\r\nContent-Length: 2", "Bad Name: v", "many"};
                int i = r.nextInt(headers.length);
                String request = "GET /health HTTP/1.1\r\nHost: x\r\n" + headers[i] + "\r\n\r\n";
                if (i == headers.length - 1) {
                    StringBuilder many = new StringBuilder();
                    for (int k = 0; k < 600; k++) {
                        many.append("X-H").append(k).append(": ").append(Texts.name(r, 20, 30)).append("\r\n");
                    }
                    request = "GET /health HTTP/1.1\r\nHost: x\r\n" + many + "\r\n";
                }
                return new HttpInput("bad-header#" + i, Texts.utf8(request), Verdict.of(Expect.REJECT, "malformed or oversized header block"), false);
            }
            if (c < 82) {
                String valid = validRequest(r);
                byte[] truncated = Arrays.copyOf(Texts.utf8(valid), 1 + r.nextInt(Math.max(1, valid.length() - 4)));
                return new HttpInput("truncated-request", truncated, Verdict.of(Expect.ANY, "incomplete request (client half-closes)"), true);
            }
            if (c < 92) {
                byte[] mutated = StompGen.mutate(r, Texts.utf8(validRequest(r)), 1 + r.nextInt(4));
                return new HttpInput("mutated-request", mutated, Verdict.of(Expect.ANY, "mutated request (client half-closes)"), true);
            }
            String[] others = {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                "POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n",
                "POST /eventbus/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n[1]",
                "GET /stomp HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n",
                "GET /eventbus/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
                "CONNECT 127.0.0.1:61613 HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /%2e%2e/%2e%2e/conf/config.json HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "GET /health HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n", "GET /health HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n b\r\n\r\n",
                "GET /health HTTP/1.1\r\nHost : x\r\n\r\n", "GET /health HTTP/1.1\r\n\r\n"};
            int i = r.nextInt(others.length);
            return new HttpInput("http-oddities#" + i, Texts.utf8(others[i]), Verdict.of(Expect.ANY, "unusual request"), true);
        }
    }
}
