package io.kafkabridge.bench;

import io.kafkabridge.bench.clients.ClientVertx;
import io.kafkabridge.bench.clients.ConnectGate;
import io.kafkabridge.bench.clients.Connection;
import io.kafkabridge.bench.clients.SockJsClient;
import io.kafkabridge.bench.clients.StompFrames;
import io.kafkabridge.bench.clients.StompSubscriber;
import io.kafkabridge.bench.clients.StompTcpClient;
import io.kafkabridge.bench.clients.SubscriberEvents;
import io.kafkabridge.bench.clients.WebSocketTarget;
import io.kafkabridge.bench.kafka.ProducerSettings;
import io.kafkabridge.bench.measure.Backlog;
import io.kafkabridge.bench.measure.CpuMeter;
import io.kafkabridge.bench.measure.LatencySamples;
import io.kafkabridge.bench.measure.PacedRun;
import io.kafkabridge.bench.measure.RecordTail;
import io.kafkabridge.bench.measure.StepWindow;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import static io.kafkabridge.bench.measure.JsonNumbers.num;

/**
 * Load generator of the per-user routing benchmark: U users, one connection each with its own JWT (sub {@code u<i>}),
 * each subscribed to its own address {@code user.u<i>.orders}; a Kafka producer in the same JVM sends records keyed
 * {@code u<i>} (i uniformly random) to the routed topic, so every record goes to exactly one client. A knee search
 * finds the highest rate at which the gateway delivers (nearly) everything with a p99 latency under the limit.
 * <p>
 * Every record's value ends in {@code "to":"u<i>","n":<per-user sequence>,"sentNs":<System.nanoTime()>}: since producer
 * and clients share this JVM, receive time minus sentNs is the end-to-end latency on one clock (producer send ->
 * broker -> gateway consumer -> event bus -> the user's connection), "to" proves the record reached its own user
 * (anything else is counted as misrouted) and n finds per-user duplicates and reordering. The clients are the
 * hand-written NetSocket clients of {@code io.kafkabridge.bench.clients}, so the generator's one core goes further
 * than with general-purpose clients.
 * <p>
 * Phases: make the tokens (vertx-auth-jwt, with the {@code auth.jwt} section of the gateway's config file); connect
 * and subscribe all clients (STOMP: CONNECT with the token as passcode, SUBSCRIBE with a receipt; SockJS:
 * {@code ?access_token=}, register); probe records (sentNs 0) to every user that has not received one yet, every
 * second, until every client got one (the gateway's consumer starts at {@code latest}, and this proves each
 * subscription end to end); then a preheat at the start rate ({@code preheatSec}, printed as step 0, not judged: a
 * fresh node's JIT compilation shares its one core); then the knee search over steps, the connections kept
 * throughout:
 * <ol>
 *   <li>a step produces at rate R for W s of warm-up, then D s measured, then waits (at most {@code drainWaitSec})
 *       until every record sent was delivered (or arrivals stopped), so a failed step does not poison the next;</li>
 *   <li>a step passes when the generator paced at least 98% of R in the window (else the generator, not the gateway,
 *       was the limit), the messages that arrived in the window are at least {@code minDeliveredRatio} (0.99) of the
 *       records offered in it, and the p99 latency of those arrivals is below {@code p99LimitMs} (50);</li>
 *   <li>the rate doubles from {@code startRate} while steps pass (capped at {@code maxRate}); if the first step
 *       fails it halves down to {@code minRate} until one passes; then {@code bisections} (3) bisections between the
 *       last pass and the first fail.</li>
 * </ol>
 * Output on stdout: one line {@code step {...}} per step, then one JSON line with the best passing rate and its
 * figures, the first failing rate and why, and the correctness counters over the whole run (diagnostics on stderr).
 * <p>
 * Run (after {@code bench/build.sh}): {@code java -cp target/kafka-eventbus-bridge.jar:bench/target/classes
 * io.kafkabridge.bench.PerUserBench <stomp|sockjs> <httpPort> <stompPort> <kafkaBootstrap> <users> [gatewayPid|0]}
 * <p>
 * System properties (defaults): {@code -DstartRate=5000 -DmaxRate=1000000 -DminRate=500 -Dbisections=3
 * -DmaxSteps=20 -DwarmupSec=2 -Dseconds=5 -DdrainWaitSec=60 -Dp99LimitMs=50 -DminDeliveredRatio=0.99
 * -DpreheatSec=10 -DpayloadBytes=100 -Dconfig=bench/peruser.json -Dhost=127.0.0.1 -Dtopic=bench.users -DeventbusPath=/eventbus
 * -DclkTck=100 -DconnectParallelism=200 -DtokenTtlSec=3600 -DlingerMs=1}.
 */
public class PerUserBench {

    static final int MAX_SAMPLES = 1 << 22;
    static final byte[] SEQ_KEY = "\"n\":".getBytes(StandardCharsets.US_ASCII);
    /** A step whose generator paced less than this share of the target rate measured the generator, not the gateway. */
    static final double MIN_PACING = 0.98;

    /** The measured window of the current step; probes have sentNs 0. */
    static final StepWindow window = new StepWindow();

    /** Per step: messages received during the window, those of records sent in it, their latencies. */
    static final LongAdder arrivalsInWindow = new LongAdder();
    static final LongAdder deliveredOfWindow = new LongAdder();
    static final LatencySamples latencies = new LatencySamples(MAX_SAMPLES);

    /** Over the whole run. */
    static final LongAdder receivedTotal = new LongAdder();
    static final LongAdder misrouted = new LongAdder();
    static final LongAdder outOfOrder = new LongAdder();
    static final LongAdder unparsed = new LongAdder();
    static final AtomicLong errors = new AtomicLong();
    static final AtomicLong disconnects = new AtomicLong();
    static final AtomicLong producerErrors = new AtomicLong();
    static final AtomicInteger probed = new AtomicInteger();
    static final AtomicInteger subscribed = new AtomicInteger();
    static volatile boolean stopping;

    /**
     * One user's subscriber: what it received. State confined to its connection's event loop, except the fields other
     * threads read (volatile).
     */
    static final class User implements SubscriberEvents {
        final String name;
        /** {@code "to":"u<i>"}: the tail every value addressed to this user carries before {@code ,"n":}. */
        final byte[] toTag;
        final ConnectGate.Permit permit;
        Connection connection;
        volatile boolean gotProbe;
        volatile long received;
        long nextSeq;

        User(String name, ConnectGate.Permit permit) {
            this.name = name;
            this.toTag = ("\"to\":\"" + name + "\"").getBytes(StandardCharsets.US_ASCII);
            this.permit = permit;
        }

        @Override
        public void subscribed() {
            PerUserBench.subscribed.incrementAndGet();
            permit.release();
        }

        /**
         * One message arrived for {@code client}, bytes [start, end) of buf: a STOMP MESSAGE frame or a SockJS rec frame
         * whose body ends in {@code "to":"u<i>","n":<n>,"sentNs":<t>}.
         */
        @Override
        public void message(Buffer buf, int start, int end) {
            long now = System.nanoTime();
            // backwards: sentNs digits, "sentNs":, comma, n digits (a probe's is -1), "n":, comma, "to":"<user>"
            int last = RecordTail.skipClosing(buf, start, end - 1);
            int at = RecordTail.skipDigits(buf, start, last);
            int key = at == last ? -1 : RecordTail.sentNsKeyStart(buf, start, at);
            if (key < 0) {
                unparsed.increment();
                return;
            }
            long sentNs = RecordTail.digits(buf, at + 1, last);
            at = key - 1;
            if (at < start || buf.getByte(at) != ',') {
                unparsed.increment();
                return;
            }
            last = at - 1;
            at = RecordTail.skipDigits(buf, start, last);
            long seq = RecordTail.digits(buf, at + 1, last);
            if (at >= start && buf.getByte(at) == '-') {
                seq = -seq;
                at--;
            }
            if (at == last || !RecordTail.endsWith(buf, start, at, SEQ_KEY)) {
                unparsed.increment();
                return;
            }
            at -= SEQ_KEY.length;
            if (at < start || buf.getByte(at) != ',') {
                unparsed.increment();
                return;
            }
            if (!RecordTail.endsWith(buf, start, at - 1, toTag)) {
                if (misrouted.sum() < 5) {
                    System.err.println("misrouted to " + name + ": " + buf.getString(start, end));
                }
                misrouted.increment();
                return;
            }
            if (sentNs == 0) {
                if (!gotProbe) {
                    gotProbe = true;
                    probed.incrementAndGet();
                }
                return;
            }
            if (seq == nextSeq) {
                nextSeq = seq + 1;
            } else if (seq > nextSeq) {
                nextSeq = seq + 1; // a gap: the missing ones are counted as lost at the end unless they come late
            } else {
                outOfOrder.increment();
            }
            received = received + 1; // written by this connection's event loop only
            receivedTotal.increment();
            if (window.contains(sentNs)) {
                deliveredOfWindow.increment();
            }
            if (window.contains(now)) {
                arrivalsInWindow.increment();
                latencies.add(now - sentNs);
            }
        }

        @Override
        public void error(String what) {
            if (errors.incrementAndGet() <= 5) {
                System.err.println(what + " (to " + name + ")");
            }
        }
    }

    /** The figures of one step of the knee search. */
    record Step(int index, String phase, int rate, long offered, double pacing, long arrivals, long deliveredOfWindow,
                double p50, double p99, double p999, double max, int latencySamples, double generatorCpuCores,
                double gatewayCpuCores, double gatewayCpuUsPerRecord, double gatewayEventLoopUsPerRecord,
                Map<String, Double> gatewayCpuSecByThread, double drainSec, long backlogAfterDrain, int seconds,
                boolean pass, String reason) {

        double offeredPerSecond() {
            return offered / (double) seconds;
        }

        double deliveredPerSecond() {
            return arrivals / (double) seconds;
        }

        double deliveredRatio() {
            return offered == 0 ? 0 : arrivals / (double) offered;
        }

        String toJson() {
            return String.format(Locale.ROOT,
                "{\"step\":%d,\"phase\":\"%s\",\"rate\":%d,\"offered\":%d,\"offeredPerSecond\":%.0f,\"pacing\":%.4f,"
                    + "\"deliveredPerSecond\":%.0f,\"deliveredRatio\":%.4f,\"windowDeliveredRatio\":%.4f,\"p50Ms\":%s,\"p99Ms\":%s,"
                    + "\"p999Ms\":%s,\"maxMs\":%s,\"latencySamples\":%d,\"generatorCpuCores\":%s,\"gatewayCpuCores\":%s,"
                    + "\"gatewayCpuUsPerRecord\":%s,\"gatewayEventLoopUsPerRecord\":%s,\"gatewayCpuSecByThread\":%s,"
                    + "\"drainSec\":%.1f,\"backlogAfterDrain\":%d,\"pass\":%s,\"reason\":\"%s\"}",
                index, phase, rate, offered, offeredPerSecond(), pacing, deliveredPerSecond(), deliveredRatio(),
                offered == 0 ? 0.0 : deliveredOfWindow / (double) offered, num(p50), num(p99), num(p999), num(max),
                latencySamples, num(generatorCpuCores), num(gatewayCpuCores), num(gatewayCpuUsPerRecord),
                num(gatewayEventLoopUsPerRecord),
                gatewayCpuSecByThread.isEmpty() ? "null" : gatewayCpuSecByThread.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\":" + num(e.getValue())).collect(Collectors.joining(",", "{", "}")),
                drainSec, backlogAfterDrain, pass, reason);
        }
    }

    // settings
    static String mode;
    static int users;
    static String topic;
    static int warmupSec;
    static int seconds;
    static int drainWaitSec;
    static double p99LimitMs;
    static double minDeliveredRatio;
    static long gatewayPid;
    static int clkTck;

    /** Held for the whole run (see {@link ClientVertx}). */
    static NetClient net;

    // producer state: used by the main thread only
    static KafkaProducer<String, String> producer;
    static String[] keys;
    static int[] sentPerUser;
    static long sentTotal;
    static String pad;
    static final SplittableRandom random = new SplittableRandom(42);

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: PerUserBench <stomp|sockjs> <httpPort> <stompPort> <kafkaBootstrap> <users> [gatewayPid|0]");
            System.exit(2);
        }
        mode = args[0];
        int httpPort = Integer.parseInt(args[1]);
        int stompPort = Integer.parseInt(args[2]);
        String bootstrap = args[3];
        users = Integer.parseInt(args[4]);
        gatewayPid = args.length > 5 ? Long.parseLong(args[5]) : 0;
        int startRate = Integer.getInteger("startRate", 5000);
        int maxRate = Integer.getInteger("maxRate", 1_000_000);
        int minRate = Integer.getInteger("minRate", 500);
        int bisections = Integer.getInteger("bisections", 3);
        int maxSteps = Integer.getInteger("maxSteps", 20);
        warmupSec = Integer.getInteger("warmupSec", 2);
        seconds = Integer.getInteger("seconds", 5);
        drainWaitSec = Integer.getInteger("drainWaitSec", 60);
        p99LimitMs = Double.parseDouble(System.getProperty("p99LimitMs", "50"));
        minDeliveredRatio = Double.parseDouble(System.getProperty("minDeliveredRatio", "0.99"));
        int payloadBytes = Integer.getInteger("payloadBytes", 100);
        String configPath = System.getProperty("config", "bench/peruser.json");
        String host = System.getProperty("host", "127.0.0.1");
        topic = System.getProperty("topic", "bench.users");
        String eventbusPath = System.getProperty("eventbusPath", "/eventbus");
        clkTck = Integer.getInteger("clkTck", 100);
        int parallelism = Integer.getInteger("connectParallelism", 200);
        int tokenTtlSec = Integer.getInteger("tokenTtlSec", 3600);
        int preheatSec = Integer.getInteger("preheatSec", 10);
        if (!mode.equals("stomp") && !mode.equals("sockjs")) {
            throw new IllegalArgumentException("mode must be stomp or sockjs, got " + mode);
        }
        long runStart = System.nanoTime();

        Vertx vertx = ClientVertx.create();
        String[] tokens = makeTokens(vertx, configPath, tokenTtlSec);
        keys = new String[users];
        for (int i = 0; i < users; i++) {
            keys[i] = "u" + i;
        }
        sentPerUser = new int[users];
        // the value is {"pad":"x..","to":"u<i>","n":<n>,"sentNs":<16 digits>}: about payloadBytes long
        pad = "x".repeat(Math.max(0, payloadBytes - 50 - String.valueOf(users).length()));

        User[] clients = connect(vertx, host, httpPort, stompPort, eventbusPath, tokens, parallelism);
        producer = new ProducerSettings(bootstrap, "peruser-bench").acknowledgeByLeader()
            // linger 1 ms: small batches at low rates, so the broker (on the generator's core) costs more per record
            .lingerMs(Integer.getInteger("lingerMs", 1)).batchBytes(65536).create(topic);
        probe(clients);
        double connectSec = (System.nanoTime() - runStart) / 1e9;
        System.err.printf(Locale.ROOT, "%d users connected, subscribed and probed in %.1f s%n", users, connectSec);

        if (preheatSec > 0) {
            // a fresh node spends its first seconds compiling (JIT on the gateway's one core): not a step to judge
            runStep(0, "preheat", Math.min(startRate, maxRate), 0, preheatSec);
        }
        List<Step> steps = new ArrayList<>();
        Step bestPass = null;
        Step firstFail = null;
        int rate = Math.min(startRate, maxRate);
        // doubling (or halving when the start rate already fails), then bisection between the last pass and first fail
        while (steps.size() < maxSteps) {
            Step step = runStep(steps.size() + 1, bestPass == null && firstFail == null ? "start"
                : firstFail == null ? "double" : "halve", rate);
            steps.add(step);
            if (step.pass()) {
                bestPass = step;
                if (firstFail != null || rate >= maxRate) {
                    break;
                }
                rate = (int) Math.min((long) rate * 2, maxRate);
            } else {
                firstFail = step;
                if (bestPass != null || rate / 2 < minRate) {
                    break;
                }
                rate /= 2;
            }
        }
        if (bestPass != null && firstFail != null && firstFail.rate() > bestPass.rate()) {
            int low = bestPass.rate();
            int high = firstFail.rate();
            for (int i = 0; i < bisections && steps.size() < maxSteps; i++) {
                int middle = roundRate((low + high) / 2);
                if (middle <= low || middle >= high) {
                    break;
                }
                Step step = runStep(steps.size() + 1, "bisect", middle);
                steps.add(step);
                if (step.pass()) {
                    low = middle;
                    bestPass = step.rate() > bestPass.rate() ? step : bestPass;
                } else {
                    high = middle;
                    firstFail = step;
                }
            }
        }
        // the lowest failing rate above the best pass (the bisection's last fail is the lowest)
        Step limit = firstFail;

        long lost = 0;
        for (int i = 0; i < users; i++) {
            lost += Math.max(0, sentPerUser[i] - clients[i].received);
        }
        stopping = true;
        Step best = bestPass;
        // what stopped the search: the cap, the generator (a lower bound then), the gateway's core, or latency alone
        // (neither process near its core's limit: pauses such as GC, or other processes on the gateway's core)
        String limitedBy = limit == null ? (best != null && best.rate() >= maxRate ? "maxRate" : "maxSteps")
            : limit.pacing() < MIN_PACING || limit.generatorCpuCores() > 0.9 ? "generator?"
            : limit.gatewayCpuCores() >= 0.9 ? "gatewayCpu" : "latency";
        System.out.printf(Locale.ROOT,
            "{\"mode\":\"%s\",\"users\":%d,\"payloadBytes\":%d,\"lingerMs\":%d,\"preheatSec\":%d,\"warmupSec\":%d,\"seconds\":%d,\"startRate\":%d,\"maxRate\":%d,"
                + "\"p99LimitMs\":%s,\"minDeliveredRatio\":%s,\"steps\":%d,\"bestRate\":%s,\"bestOfferedPerSecond\":%s,"
                + "\"bestDeliveredPerSecond\":%s,\"bestDeliveredRatio\":%s,\"pacing\":%s,\"p50Ms\":%s,\"p99Ms\":%s,\"p999Ms\":%s,"
                + "\"maxMs\":%s,\"gatewayCpuCores\":%s,\"gatewayCpuUsPerRecord\":%s,\"gatewayEventLoopUsPerRecord\":%s,"
                + "\"generatorCpuCores\":%s,\"firstFailRate\":%s,\"firstFailReason\":%s,\"firstFailGeneratorCpuCores\":%s,\"firstFailGatewayCpuCores\":%s,"
                + "\"limitedBy\":\"%s\",\"connectSec\":%.1f,\"durationSec\":%.1f,\"sent\":%d,\"received\":%d,\"lost\":%d,"
                + "\"misrouted\":%d,\"outOfOrder\":%d,\"unparsed\":%d,\"errors\":%d,\"disconnects\":%d,\"producerErrors\":%d}%n",
            mode, users, payloadBytes, Integer.getInteger("lingerMs", 1), preheatSec, warmupSec, seconds, startRate, maxRate, num(p99LimitMs), num(minDeliveredRatio),
            steps.size(),
            best == null ? "null" : Integer.toString(best.rate()),
            best == null ? "null" : num(best.offeredPerSecond()),
            best == null ? "null" : num(best.deliveredPerSecond()),
            best == null ? "null" : num(best.deliveredRatio()),
            best == null ? "null" : num(best.pacing()),
            best == null ? "null" : num(best.p50()),
            best == null ? "null" : num(best.p99()),
            best == null ? "null" : num(best.p999()),
            best == null ? "null" : num(best.max()),
            best == null ? "null" : num(best.gatewayCpuCores()),
            best == null ? "null" : num(best.gatewayCpuUsPerRecord()),
            best == null ? "null" : num(best.gatewayEventLoopUsPerRecord()),
            best == null ? "null" : num(best.generatorCpuCores()),
            limit == null ? "null" : Integer.toString(limit.rate()),
            limit == null ? "null" : "\"" + limit.reason() + "\"",
            limit == null ? "null" : num(limit.generatorCpuCores()),
            limit == null ? "null" : num(limit.gatewayCpuCores()),
            limitedBy, connectSec, (System.nanoTime() - runStart) / 1e9, sentTotal, receivedTotal.sum(), lost,
            misrouted.sum(), outOfOrder.sum(), unparsed.sum(), errors.get(), disconnects.get(), producerErrors.get());
        System.out.flush();
        producer.close(java.time.Duration.ofSeconds(5));
        for (User client : clients) {
            client.connection.socket().close();
        }
        ClientVertx.closeAndExit(vertx);
    }

    /** One token per user, signed with the gateway's own {@code auth.jwt} keys. */
    static String[] makeTokens(Vertx vertx, String configPath, int ttlSec) throws Exception {
        JsonObject config = new JsonObject(Files.readString(Path.of(configPath)));
        JsonObject jwtConfig = config.getJsonObject("auth", new JsonObject()).getJsonObject("jwt");
        if (jwtConfig == null) {
            throw new IllegalStateException(configPath + " has no auth.jwt section to sign tokens with");
        }
        JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions(new JsonObject().put("pubSecKeys", jwtConfig.getJsonArray("pubSecKeys"))));
        JWTOptions options = new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(ttlSec);
        String[] tokens = new String[users];
        for (int i = 0; i < users; i++) {
            tokens[i] = signer.generateToken(new JsonObject().put("sub", "u" + i), options);
        }
        return tokens;
    }

    /** Connects and subscribes every user, at most {@code parallelism} handshakes at a time. */
    static User[] connect(Vertx vertx, String host, int httpPort, int stompPort, String eventbusPath, String[] tokens,
                          int parallelism) throws InterruptedException {
        User[] clients = new User[users];
        ConnectGate gate = new ConnectGate(parallelism);
        net = ClientVertx.netClient(vertx);
        boolean stomp = mode.equals("stomp");
        int port = stomp ? stompPort : httpPort;
        AtomicInteger connected = new AtomicInteger();
        long connectStart = System.nanoTime();
        for (int c = 0; c < users; c++) {
            ConnectGate.Permit permit = gate.enter();
            int id = c;
            net.connect(port, host).onSuccess(socket -> {
                User client = new User(keys[id], permit);
                String address = "user." + client.name + ".orders";
                client.connection = stomp
                    ? new StompTcpClient(socket, new StompSubscriber(StompFrames.connect("localhost", client.name, tokens[id]),
                        List.of(StompFrames.subscribe("s", address, "sub")), true, client))
                    : new SockJsClient(socket, new WebSocketTarget(host, port, SockJsClient.websocketPath(eventbusPath, tokens[id]), false),
                        List.of(address), client);
                clients[id] = client;
                connected.incrementAndGet();
                socket.closeHandler(v -> {
                    if (!stopping) {
                        if (disconnects.incrementAndGet() <= 5) {
                            System.err.printf(Locale.ROOT, "connection of %s closed %.1f s after the start%n", client.name, (System.nanoTime() - connectStart) / 1e9);
                        }
                    }
                    permit.release();
                });
                client.connection.start();
                if (client.connection instanceof SockJsClient sockJs) {
                    sockJs.keepAlive(vertx, id, users);
                }
            }).onFailure(e -> {
                if (errors.incrementAndGet() <= 5) {
                    System.err.println("connect failed: " + e);
                }
                permit.release();
            });
        }
        if (!gate.awaitSettled(180, TimeUnit.SECONDS)) {
            throw new IllegalStateException("clients did not connect: " + subscribed.get() + " of " + users);
        }
        if (subscribed.get() < users || connected.get() < users) {
            throw new IllegalStateException("only " + subscribed.get() + " of " + users + " clients subscribed");
        }
        return clients;
    }

    /** Probe records to every user that has not received one, every second, until all have (at most 120 s). */
    static void probe(User[] clients) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (probed.get() < users) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("probes reached only " + probed.get() + " of " + users + " users");
            }
            for (int i = 0; i < users; i++) {
                if (!clients[i].gotProbe) {
                    producer.send(new ProducerRecord<>(topic, keys[i], "{\"pad\":\"\",\"to\":\"" + keys[i] + "\",\"n\":-1,\"sentNs\":0}"));
                }
            }
            producer.flush();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (probed.get() < users && System.nanoTime() < until) {
                Thread.sleep(10);
            }
        }
        Thread.sleep(500); // let straggling probe copies arrive
    }

    /**
     * Produces at {@code rate} records/s for the warm-up and the window, then waits for the backlog to drain, and judges
     * the window.
     */
    static Step runStep(int index, String phase, int rate) throws Exception {
        return runStep(index, phase, rate, warmupSec, seconds);
    }

    static Step runStep(int index, String phase, int rate, int warmupSec, int seconds) throws Exception {
        arrivalsInWindow.reset();
        deliveredOfWindow.reset();
        latencies.reset();
        window.open(warmupSec, seconds);
        PacedRun.Result run = PacedRun.run(rate, window, new CpuMeter(gatewayPid, clkTck, "brokerAndOther"), sentNs -> {
            int user = random.nextInt(users);
            producer.send(new ProducerRecord<>(topic, keys[user],
                    "{\"pad\":\"" + pad + "\",\"to\":\"" + keys[user] + "\",\"n\":" + sentPerUser[user] + ",\"sentNs\":" + sentNs + "}"),
                (metadata, e) -> {
                    if (e != null && producerErrors.incrementAndGet() <= 5) {
                        System.err.println("produce failed: " + e);
                    }
                });
            sentPerUser[user]++;
            sentTotal++;
        });
        long offered = run.offered();
        long arrivals = arrivalsInWindow.sum();
        producer.flush();
        double drainSec = Backlog.drain(receivedTotal::sum, sentTotal, drainWaitSec);
        long backlog = Math.max(0, sentTotal - receivedTotal.sum());

        long[] sorted = latencies.sorted();
        double p50 = LatencySamples.percentileMs(sorted, 0.50);
        double p99 = LatencySamples.percentileMs(sorted, 0.99);
        double p999 = LatencySamples.percentileMs(sorted, 0.999);
        double gatewaySec = run.cpu().serverSeconds();
        Map<String, Double> byThread = run.cpu().serverSecondsByThread();
        double pacing = offered / ((double) rate * seconds);
        double deliveredRatio = offered == 0 ? 0 : arrivals / (double) offered;
        String reason;
        if (pacing < MIN_PACING) {
            reason = String.format(Locale.ROOT, "generator offered only %.3f of the target rate", pacing);
        } else if (deliveredRatio < minDeliveredRatio) {
            reason = String.format(Locale.ROOT, "delivered %.4f of offered < %s", deliveredRatio, num(minDeliveredRatio));
        } else if (!(p99 < p99LimitMs)) {
            reason = String.format(Locale.ROOT, "p99 %s ms >= %s ms", num(p99), num(p99LimitMs));
        } else {
            reason = "pass";
        }
        Step step = new Step(index, phase, rate, offered, pacing, arrivals, deliveredOfWindow.sum(), p50, p99, p999,
            latencies.maxMs(), sorted.length, run.cpu().generatorSeconds() / seconds,
            gatewaySec / seconds, arrivals == 0 ? Double.NaN : gatewaySec * 1e6 / arrivals,
            arrivals == 0 || !byThread.containsKey("eventLoop") ? Double.NaN : byThread.get("eventLoop") * 1e6 / arrivals,
            byThread, drainSec, backlog, seconds, reason.equals("pass"), reason);
        System.out.println("step " + step.toJson());
        System.out.flush();
        return step;
    }

    /** Bisection midpoints on a coarse grid, so steps read well: multiples of 100 records/s (10 below 1000). */
    static int roundRate(int rate) {
        int grid = rate >= 1000 ? 100 : 10;
        return Math.max(grid, Math.round(rate / (float) grid) * grid);
    }
}
