import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Load generator of the per-user routing benchmark: U users, one connection each with its own JWT (sub {@code u<i>}),
 * each subscribed to its own address {@code user.u<i>.orders}; a Kafka producer in the same JVM sends records keyed
 * {@code u<i>} (i uniformly random) to the routed topic, so every record goes to exactly one client. A knee search
 * finds the highest rate at which the gateway delivers (nearly) everything with a p99 latency under the limit.
 * <p>
 * Every record's value ends in {@code "to":"u<i>","n":<per-user sequence>,"sentNs":<System.nanoTime()>}: since producer
 * and clients share this JVM, receive time minus sentNs is the end-to-end latency on one clock (producer send ->
 * broker -> gateway consumer -> event bus -> the user's connection), "to" proves the record reached its own user
 * (anything else is counted as misrouted) and n finds per-user duplicates and reordering. The clients are hand-written
 * over Vert.x NetSockets (STOMP frames split on NUL; HTTP upgrade and RFC 6455 framing for /eventbus/websocket), so
 * the generator's one core goes further than with general-purpose clients.
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
 * Run (single-file source, against the fat jar's classes):
 * {@code java -cp target/kafka-eventbus-bridge.jar bench/PerUserBench.java <stomp|sockjs> <httpPort> <stompPort>
 * <kafkaBootstrap> <users> [gatewayPid|0]}
 * <p>
 * System properties (defaults): {@code -DstartRate=5000 -DmaxRate=1000000 -DminRate=500 -Dbisections=3
 * -DmaxSteps=20 -DwarmupSec=2 -Dseconds=5 -DdrainWaitSec=60 -Dp99LimitMs=50 -DminDeliveredRatio=0.99
 * -DpreheatSec=10 -DpayloadBytes=100 -Dconfig=bench/peruser.json -Dhost=127.0.0.1 -Dtopic=bench.users -DeventbusPath=/eventbus
 * -DclkTck=100 -DconnectParallelism=200 -DtokenTtlSec=3600 -DlingerMs=1}.
 */
public class PerUserBench {

    static final int MAX_SAMPLES = 1 << 22;
    static final byte[] SENT_KEY = "\"sentNs\":".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SEQ_KEY = "\"n\":".getBytes(StandardCharsets.US_ASCII);
    /** A step whose generator paced less than this share of the target rate measured the generator, not the gateway. */
    static final double MIN_PACING = 0.98;

    // the measured window of the current step, in System.nanoTime() units; probes have sentNs 0
    static volatile long windowStart = Long.MAX_VALUE;
    static volatile long windowEnd = Long.MAX_VALUE;

    /** Per step: messages received during the window, latency samples of those, the largest latency. */
    static final LongAdder arrivalsInWindow = new LongAdder();
    static final LongAdder deliveredOfWindow = new LongAdder();
    static final long[] samples = new long[MAX_SAMPLES];
    static final AtomicInteger sampleCount = new AtomicInteger();
    static final AtomicLong maxLatency = new AtomicLong();

    /** Over the whole run. */
    static final LongAdder receivedTotal = new LongAdder();
    static final AtomicLong lastArrivalNs = new AtomicLong();
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
     * One user's connection with a hand-written parser. State confined to the connection's event loop, except the
     * fields other threads read (volatile).
     */
    abstract static class Client {
        final NetSocket socket;
        final String user;
        /** {@code "to":"u<i>"}: the tail every value addressed to this user carries before {@code ,"n":}. */
        final byte[] toTag;
        volatile boolean gotProbe;
        volatile long received;
        long nextSeq;
        boolean done;
        Semaphore inFlight;
        /** Unparsed bytes of an incomplete frame, or null. */
        Buffer pending;

        Client(NetSocket socket, String user) {
            this.socket = socket;
            this.user = user;
            this.toTag = ("\"to\":\"" + user + "\"").getBytes(StandardCharsets.US_ASCII);
        }

        abstract void start();

        /** Parses complete frames from {@code buf} starting at {@code from}; returns where the incomplete rest begins. */
        abstract int parse(Buffer buf, int from);

        final void handle(Buffer data) {
            Buffer buf = data;
            if (pending != null) {
                buf = pending.appendBuffer(data);
                pending = null;
            }
            int rest = parse(buf, 0);
            if (rest < buf.length()) {
                pending = buf.getBuffer(rest, buf.length());
            }
        }

        /** Once per connection: lets the next connection start. */
        final void subscribedOrFailed() {
            if (!done) {
                done = true;
                inFlight.release();
            }
        }
    }

    /** STOMP 1.2: CONNECT (token as passcode, heart-beat 0,0), SUBSCRIBE with a receipt, then MESSAGE frames. */
    static final class StompClient extends Client {
        final String token;

        StompClient(NetSocket socket, String user, String token) {
            super(socket, user);
            this.token = token;
        }

        @Override
        void start() {
            socket.write("CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\nlogin:" + user + "\npasscode:" + token + "\n\n\0");
        }

        @Override
        int parse(Buffer buf, int from) {
            int length = buf.length();
            int at = from;
            while (at < length) {
                byte first = buf.getByte(at);
                if (first == '\n' || first == '\r') { // end of line between frames
                    at++;
                    continue;
                }
                int nul = -1;
                for (int i = at; i < length; i++) {
                    if (buf.getByte(i) == 0) {
                        nul = i;
                        break;
                    }
                }
                if (nul < 0) {
                    return at;
                }
                if (first == 'M') {
                    received(this, buf, at, nul);
                } else if (first == 'C') {
                    socket.write("SUBSCRIBE\nid:s\ndestination:user." + user + ".orders\nack:auto\nreceipt:sub\n\n\0");
                } else if (first == 'R') {
                    subscribed.incrementAndGet();
                    subscribedOrFailed();
                } else if (first == 'E' && errors.incrementAndGet() <= 5) {
                    System.err.println("ERROR frame to " + user + ": " + buf.getString(at, nul).replace('\n', ' '));
                }
                at = nul + 1;
            }
            return at;
        }
    }

    /**
     * The SockJS bridge's raw WebSocket transport with the token as {@code access_token}: HTTP upgrade, register, then
     * one JSON text frame per message; client frames are masked as RFC 6455 requires.
     */
    static final class SockJsClient extends Client {
        final String host;
        final int port;
        final String path;
        boolean upgraded;

        SockJsClient(NetSocket socket, String user, String token, String host, int port, String eventbusPath) {
            super(socket, user);
            this.host = host;
            this.port = port;
            this.path = eventbusPath + "/websocket?access_token=" + token;
        }

        @Override
        void start() {
            socket.write("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        }

        void send(String text) {
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            byte[] mask = {0x5a, 0x3c, 0x11, 0x7e};
            Buffer frame = Buffer.buffer(payload.length + 8).appendByte((byte) 0x81);
            if (payload.length < 126) {
                frame.appendByte((byte) (0x80 | payload.length));
            } else {
                frame.appendByte((byte) (0x80 | 126)).appendShort((short) payload.length);
            }
            frame.appendBytes(mask);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            socket.write(frame.appendBytes(payload));
        }

        @Override
        int parse(Buffer buf, int from) {
            int length = buf.length();
            int at = from;
            if (!upgraded) {
                int end = -1;
                for (int i = at; i + 3 < length; i++) {
                    if (buf.getByte(i) == '\r' && buf.getByte(i + 1) == '\n' && buf.getByte(i + 2) == '\r' && buf.getByte(i + 3) == '\n') {
                        end = i + 4;
                        break;
                    }
                }
                if (end < 0) {
                    return at;
                }
                String head = buf.getString(at, end);
                if (!head.startsWith("HTTP/1.1 101")) {
                    if (errors.incrementAndGet() <= 5) {
                        System.err.println("WebSocket upgrade refused: " + head.lines().findFirst().orElse(""));
                    }
                    socket.close();
                    return length;
                }
                upgraded = true;
                at = end;
                // the node authenticates the token asynchronously and queues this frame meanwhile; a refusal is an err
                send("{\"type\":\"register\",\"address\":\"user." + user + ".orders\"}");
                subscribed.incrementAndGet();
                subscribedOrFailed();
            }
            while (at + 2 <= length) {
                int opcode = buf.getByte(at) & 0x0f;
                int len = buf.getByte(at + 1) & 0x7f;
                int header = 2;
                long payloadLength = len;
                if (len == 126) {
                    if (at + 4 > length) {
                        return at;
                    }
                    payloadLength = buf.getUnsignedShort(at + 2);
                    header = 4;
                } else if (len == 127) {
                    if (at + 10 > length) {
                        return at;
                    }
                    payloadLength = buf.getLong(at + 2);
                    header = 10;
                }
                if (at + header + payloadLength > length) {
                    return at;
                }
                int start = at + header;
                int end = (int) (start + payloadLength);
                if (opcode == 1 || opcode == 2 || opcode == 0) {
                    // {"type":"rec",...} or {"type":"err",...}
                    if (end - start > 10 && buf.getByte(start + 9) == 'r') {
                        received(this, buf, start, end);
                    } else if (errors.incrementAndGet() <= 5) {
                        System.err.println("SockJS frame to " + user + ": " + buf.getString(start, end));
                    }
                } else if (opcode == 8) {
                    socket.close();
                }
                at = end;
            }
            return at;
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

    /**
     * Held for the whole run: Vert.x closes a NetClient that became unreachable (a cleaner, on garbage collection), and
     * with it every connection it made.
     */
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

        Vertx vertx = Vertx.vertx(new VertxOptions().setBlockedThreadCheckInterval(60_000));
        String[] tokens = makeTokens(vertx, configPath, tokenTtlSec);
        keys = new String[users];
        for (int i = 0; i < users; i++) {
            keys[i] = "u" + i;
        }
        sentPerUser = new int[users];
        // the value is {"pad":"x..","to":"u<i>","n":<n>,"sentNs":<16 digits>}: about payloadBytes long
        pad = "x".repeat(Math.max(0, payloadBytes - 50 - String.valueOf(users).length()));

        Client[] clients = connect(vertx, host, httpPort, stompPort, eventbusPath, tokens, parallelism);
        ConcurrentLinkedQueue<Runnable> closeActions = new ConcurrentLinkedQueue<>();
        for (Client client : clients) {
            closeActions.add(client.socket::close);
        }
        producer = createProducer(bootstrap);
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
        closeActions.forEach(Runnable::run);
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // exiting anyway
        }
        System.exit(0);
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
    static Client[] connect(Vertx vertx, String host, int httpPort, int stompPort, String eventbusPath, String[] tokens,
                            int parallelism) throws InterruptedException {
        Client[] clients = new Client[users];
        Semaphore inFlight = new Semaphore(parallelism);
        net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(30_000));
        boolean stomp = mode.equals("stomp");
        int port = stomp ? stompPort : httpPort;
        AtomicInteger connected = new AtomicInteger();
        long connectStart = System.nanoTime();
        for (int c = 0; c < users; c++) {
            inFlight.acquire();
            int id = c;
            net.connect(port, host).onSuccess(socket -> {
                Client client = stomp ? new StompClient(socket, keys[id], tokens[id])
                    : new SockJsClient(socket, keys[id], tokens[id], host, port, eventbusPath);
                client.inFlight = inFlight;
                clients[id] = client;
                connected.incrementAndGet();
                socket.closeHandler(v -> {
                    if (!stopping) {
                        if (disconnects.incrementAndGet() <= 5) {
                            System.err.printf(Locale.ROOT, "connection of %s closed %.1f s after the start%n", client.user, (System.nanoTime() - connectStart) / 1e9);
                        }
                    }
                    client.subscribedOrFailed();
                });
                socket.handler(client::handle);
                client.start();
                if (!stomp) {
                    // the bridge closes silent connections: a ping every 20 s, staggered
                    vertx.setTimer(1000 + (id * 20_000L / Math.max(1, users)), t -> {
                        if (!stopping) {
                            ((SockJsClient) client).send("{\"type\":\"ping\"}");
                            vertx.setPeriodic(20_000, p -> {
                                if (!stopping) {
                                    ((SockJsClient) client).send("{\"type\":\"ping\"}");
                                }
                            });
                        }
                    });
                }
            }).onFailure(e -> {
                if (errors.incrementAndGet() <= 5) {
                    System.err.println("connect failed: " + e);
                }
                inFlight.release();
            });
        }
        if (!inFlight.tryAcquire(parallelism, 180, TimeUnit.SECONDS)) {
            throw new IllegalStateException("clients did not connect: " + subscribed.get() + " of " + users);
        }
        inFlight.release(parallelism);
        if (subscribed.get() < users || connected.get() < users) {
            throw new IllegalStateException("only " + subscribed.get() + " of " + users + " clients subscribed");
        }
        return clients;
    }

    static KafkaProducer<String, String> createProducer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        // linger 1 ms: small batches at low rates, so the embedded broker (on the gateway's core) costs more per record
        props.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(Integer.getInteger("lingerMs", 1)));
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "peruser-bench");
        KafkaProducer<String, String> created = new KafkaProducer<>(props);
        created.partitionsFor(topic); // metadata now, not on the first timed send
        return created;
    }

    /** Probe records to every user that has not received one, every second, until all have (at most 120 s). */
    static void probe(Client[] clients) throws Exception {
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
        sampleCount.set(0);
        maxLatency.set(0);
        long begin = System.nanoTime();
        long start = begin + TimeUnit.SECONDS.toNanos(warmupSec);
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        windowStart = start;
        windowEnd = end;
        double intervalNs = 1e9 / rate;
        long sent = 0;
        long offered = 0;
        boolean inWindow = false;
        long cpuBefore = 0;
        long cpuUsed = 0;
        long gatewayBefore = -1;
        long gatewayUsed = -1;
        Map<String, Long> threadsBefore = Map.of();
        Map<String, Long> threadsUsed = new TreeMap<>();
        while (true) {
            long now = System.nanoTime();
            if (!inWindow && now >= start) {
                inWindow = true;
                cpuBefore = processCpuNanos();
                gatewayBefore = gatewayTicks(gatewayPid);
                threadsBefore = gatewayThreadTicks(gatewayPid);
            }
            if (now >= end) {
                cpuUsed = processCpuNanos() - cpuBefore;
                long gatewayAfter = gatewayTicks(gatewayPid);
                gatewayUsed = gatewayBefore >= 0 && gatewayAfter >= 0 ? gatewayAfter - gatewayBefore : -1;
                Map<String, Long> before = threadsBefore;
                gatewayThreadTicks(gatewayPid).forEach((group, ticks) -> threadsUsed.put(group, ticks - before.getOrDefault(group, 0L)));
                break;
            }
            // the schedule is absolute (begin + k / rate): a late thread catches up instead of drifting
            while (begin + (long) (sent * intervalNs) <= now) {
                long sentNs = System.nanoTime();
                if (sentNs >= end) {
                    break;
                }
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
                sent++;
                if (sentNs >= start) {
                    offered++;
                }
            }
            long wait = begin + (long) (sent * intervalNs) - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, 1_000_000));
            }
        }
        long arrivals = arrivalsInWindow.sum();
        producer.flush();
        double drainSec = drain();
        long backlog = Math.max(0, sentTotal - receivedTotal.sum());

        int count = Math.min(sampleCount.get(), samples.length);
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        double p50 = percentile(sorted, 0.50);
        double p99 = percentile(sorted, 0.99);
        double p999 = percentile(sorted, 0.999);
        double gatewaySec = gatewayUsed >= 0 ? gatewayUsed / (double) clkTck : Double.NaN;
        Map<String, Double> byThread = new TreeMap<>();
        threadsUsed.forEach((group, ticks) -> byThread.put(group, ticks / (double) clkTck));
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
            count == 0 ? Double.NaN : maxLatency.get() / 1e6, count, cpuUsed / 1e9 / seconds,
            gatewaySec / seconds, arrivals == 0 ? Double.NaN : gatewaySec * 1e6 / arrivals,
            arrivals == 0 || !byThread.containsKey("eventLoop") ? Double.NaN : byThread.get("eventLoop") * 1e6 / arrivals,
            byThread, drainSec, backlog, seconds, reason.equals("pass"), reason);
        System.out.println("step " + step.toJson());
        System.out.flush();
        return step;
    }

    /**
     * Waits until every record sent so far was delivered, or nothing arrived for 3 s (what is missing then is lost,
     * not queued), at most {@code drainWaitSec}.
     *
     * @return the seconds waited
     */
    static double drain() throws InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + TimeUnit.SECONDS.toNanos(drainWaitSec);
        while (receivedTotal.sum() < sentTotal) {
            long now = System.nanoTime();
            if (now > deadline || now - Math.max(lastArrivalNs.get(), begin) > TimeUnit.SECONDS.toNanos(3)) {
                break;
            }
            Thread.sleep(20);
        }
        return (System.nanoTime() - begin) / 1e9;
    }

    /**
     * One message arrived for {@code client}, bytes [start, end) of buf: a STOMP MESSAGE frame or a SockJS rec frame
     * whose body ends in {@code "to":"u<i>","n":<n>,"sentNs":<t>}.
     */
    static void received(Client client, Buffer buf, int start, int end) {
        long now = System.nanoTime();
        // backwards: sentNs digits, "sentNs":, comma, n digits (a probe's is -1), "n":, comma, "to":"<user>"
        int at = skipClosing(buf, start, end - 1);
        int digitsEnd = at;
        long sentNs = 0;
        long scale = 1;
        while (at >= start && isDigit(buf.getByte(at))) {
            sentNs += (buf.getByte(at) - '0') * scale;
            scale *= 10;
            at--;
        }
        if (at == digitsEnd || !endsWith(buf, start, at, SENT_KEY)) {
            unparsed.increment();
            return;
        }
        at -= SENT_KEY.length;
        if (at < start || buf.getByte(at) != ',') {
            unparsed.increment();
            return;
        }
        at--;
        digitsEnd = at;
        long seq = 0;
        scale = 1;
        while (at >= start && isDigit(buf.getByte(at))) {
            seq += (buf.getByte(at) - '0') * scale;
            scale *= 10;
            at--;
        }
        if (at >= start && buf.getByte(at) == '-') {
            seq = -seq;
            at--;
        }
        if (at == digitsEnd || !endsWith(buf, start, at, SEQ_KEY)) {
            unparsed.increment();
            return;
        }
        at -= SEQ_KEY.length;
        if (at < start || buf.getByte(at) != ',') {
            unparsed.increment();
            return;
        }
        if (!endsWith(buf, start, at - 1, client.toTag)) {
            if (misrouted.sum() < 5) {
                System.err.println("misrouted to " + client.user + ": " + buf.getString(start, end));
            }
            misrouted.increment();
            return;
        }
        lastArrivalNs.lazySet(now);
        if (sentNs == 0) {
            if (!client.gotProbe) {
                client.gotProbe = true;
                probed.incrementAndGet();
            }
            return;
        }
        if (seq == client.nextSeq) {
            client.nextSeq = seq + 1;
        } else if (seq > client.nextSeq) {
            client.nextSeq = seq + 1; // a gap: the missing ones are counted as lost at the end unless they come late
        } else {
            outOfOrder.increment();
        }
        client.received = client.received + 1; // written by this connection's event loop only
        receivedTotal.increment();
        if (sentNs >= windowStart && sentNs < windowEnd) {
            deliveredOfWindow.increment();
        }
        if (now >= windowStart && now < windowEnd) {
            arrivalsInWindow.increment();
            long latency = now - sentNs;
            int index = sampleCount.getAndIncrement();
            if (index < samples.length) {
                samples[index] = latency;
            }
            long max;
            while (latency > (max = maxLatency.get()) && !maxLatency.compareAndSet(max, latency)) {
                // retry
            }
        }
    }

    static int skipClosing(Buffer buf, int from, int at) {
        while (at >= from) {
            byte b = buf.getByte(at);
            if (b == '}' || b == '\n' || b == '\r' || b == ' ' || b == 0) {
                at--;
            } else {
                break;
            }
        }
        return at;
    }

    static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Whether the bytes ending at {@code last} (inclusive) are {@code tail}. */
    static boolean endsWith(Buffer buf, int from, int last, byte[] tail) {
        int first = last - tail.length + 1;
        if (first < from) {
            return false;
        }
        for (int i = 0; i < tail.length; i++) {
            if (buf.getByte(first + i) != tail[i]) {
                return false;
            }
        }
        return true;
    }

    /** Bisection midpoints on a coarse grid, so steps read well: multiples of 100 records/s (10 below 1000). */
    static int roundRate(int rate) {
        int grid = rate >= 1000 ? 100 : 10;
        return Math.max(grid, Math.round(rate / (float) grid) * grid);
    }

    /**
     * @return utime+stime of the process in clock ticks, or -1 when unknown
     */
    static long gatewayTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields[0] is field 3 (state): utime is field 14, stime field 15
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (Exception e) {
            System.err.println("cannot read /proc/" + pid + "/stat: " + e);
            return -1;
        }
    }

    /**
     * @return utime+stime in clock ticks of the gateway's threads, grouped: Vert.x event loops, the Kafka consumer
     * thread, JIT compilers, the VM thread and GC, the rest (mostly the embedded broker); empty when unknown. Threads
     * that ended are missing from both snapshots.
     */
    static Map<String, Long> gatewayThreadTicks(long pid) {
        Map<String, Long> groups = new TreeMap<>();
        if (pid <= 0) {
            return groups;
        }
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    String group = name.startsWith("vert.x-eventloo") ? "eventLoop"
                        : name.startsWith("vert.x-kafka-co") ? "kafkaConsumer"
                        : name.contains("CompilerThre") ? "jit"
                        : name.equals("VM Thread") || name.startsWith("GC ") || name.startsWith("G1 ") ? "gcAndVm"
                        : "brokerAndOther";
                    groups.merge(group, ticks, Long::sum);
                } catch (Exception e) {
                    // the thread ended meanwhile
                }
            }
        } catch (Exception e) {
            System.err.println("cannot read /proc/" + pid + "/task: " + e);
        }
        return groups;
    }

    /** A number for the JSON line: {@code null} when not a number. */
    static String num(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "null" : String.format(Locale.ROOT, "%.3f", value);
    }

    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
