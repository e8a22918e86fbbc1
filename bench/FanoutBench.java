import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Load generator of the fan-out benchmark: N subscribers of one address (STOMP over TCP or the SockJS bridge's raw
 * WebSocket endpoint) and a Kafka producer, in the same JVM, producing records at a fixed rate to one partition of the
 * routed topic. Every record's value carries {@code System.nanoTime()} taken just before {@code send()}; since
 * producer and subscribers share this JVM, the receive time minus that value is the end-to-end latency
 * (producer send -> broker -> gateway consumer -> event bus -> fan-out -> client socket). The clients are hand-written
 * over Vert.x NetSockets (STOMP frames split on NUL; HTTP upgrade and RFC 6455 framing with masked client frames for
 * /eventbus/websocket), so the generator's one core goes further than with general-purpose clients.
 * <p>
 * Phases: connect and subscribe all clients (STOMP: SUBSCRIBE with a receipt; SockJS: register), then probe records
 * (value with sentNs 0) every 500 ms until every client received one (this also proves the gateway's consumer has
 * its partition: it starts at {@code latest}), then warm-up W seconds at rate R, then the measured window of D
 * seconds, then a drain grace (default 5 s) during which the messages of window records still arriving are counted.
 * <p>
 * Prints one JSON line on stdout (diagnostics go to stderr):
 * <ul>
 *   <li>{@code offered}: records sent whose send time is in the window; {@code expected} = offered x subscribers</li>
 *   <li>{@code deliveredPerSecond}: messages received by all clients during the window / D (any send time)</li>
 *   <li>{@code deliveredRatio}: messages received during the window / expected, i.e. delivered / offered rate: below 1
 *       the gateway (or the generator: see its CPU) does not keep up and a backlog grows</li>
 *   <li>{@code windowDeliveredRatio}: messages of window records received by the end of the grace / expected (0 when
 *       the backlog from the warm-up alone outlasts window + grace)</li>
 *   <li>{@code p50Ms}/{@code p99Ms}/{@code p999Ms}/{@code maxMs}: latency of the messages received during the window
 *       (what clients experience then, queueing included), sampled: every k-th message of each client, k chosen so
 *       that at most {@value #MAX_SAMPLES} samples are kept</li>
 *   <li>{@code generatorCpuCores}: this JVM's process CPU over the window / D</li>
 *   <li>{@code gatewayCpuCores}, {@code gatewayCpuUsPerDelivered}: when the gateway's pid is given, its utime+stime
 *       from /proc/PID/stat over the window, per second and per message delivered in the window (the embedded broker
 *       runs in that process too)</li>
 *   <li>{@code gatewayCpuSecByThread}, {@code gatewayEventLoopUsPerDelivered}: the same from /proc/PID/task/*, by
 *       thread group, and the Vert.x event loops' share per delivered message (the fan-out itself)</li>
 * </ul>
 * Run (single-file source, against the fat jar's classes):
 * {@code java -cp target/kafka-eventbus-bridge.jar bench/FanoutBench.java <stomp|sockjs> <httpPort> <stompPort>
 * <kafkaBootstrap> <subscribers> <rate> <warmupSec> <seconds> [gatewayPid|0] [payloadBytes] [graceSec]}
 * <p>
 * System properties: {@code -Dhost=127.0.0.1 -Dtopic=bench.fanout -Daddress=bench.fanout -DclkTck=100
 * -DeventbusPath=/eventbus -DconnectParallelism=200}.
 */
public class FanoutBench {

    static final int MAX_SAMPLES = 1 << 20;
    static final byte[] SENT_KEY = "\"sentNs\":".getBytes();

    // measurement window, in System.nanoTime() units; records with sentNs <= 0 are probes
    static volatile long windowStart = Long.MAX_VALUE;
    static volatile long windowEnd = Long.MAX_VALUE;
    static volatile int sampleStride = 1;

    static final LongAdder arrivalsInWindow = new LongAdder();
    static final LongAdder deliveredOfWindow = new LongAdder();
    static final LongAdder receivedTotal = new LongAdder();
    static final LongAdder unparsed = new LongAdder();
    static final AtomicLong errors = new AtomicLong();
    static final AtomicLong disconnects = new AtomicLong();
    static final AtomicInteger probed = new AtomicInteger();
    static final AtomicInteger subscribed = new AtomicInteger();
    static final long[] samples = new long[MAX_SAMPLES];
    static final AtomicInteger sampleCount = new AtomicInteger();
    static final AtomicLong maxLatency = new AtomicLong();
    static volatile boolean stopping;

    /**
     * A subscriber on a plain TCP socket with a hand-written parser (cheaper than a general-purpose client, so the
     * generator's one core goes further). State confined to the connection's event loop.
     */
    abstract static class Client {
        final NetSocket socket;
        boolean gotProbe;
        long seen;
        boolean done;
        Semaphore inFlight;
        /** Unparsed bytes of an incomplete frame, or null. */
        Buffer pending;

        Client(NetSocket socket) {
            this.socket = socket;
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
        final void subscribedOrFailed(Semaphore semaphore) {
            if (!done) {
                done = true;
                (inFlight != null ? inFlight : semaphore).release();
            }
        }
    }

    /** STOMP 1.2: CONNECT (heart-beat 0,0), SUBSCRIBE with a receipt, then MESSAGE frames (NUL-terminated). */
    static final class StompClient extends Client {
        final int id;
        final String address;

        StompClient(NetSocket socket, int id, String address) {
            super(socket);
            this.id = id;
            this.address = address;
        }

        @Override
        void start() {
            socket.write("CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0");
        }

        @Override
        int parse(Buffer buf, int from) {
            int length = buf.length();
            int at = from;
            while (at < length) {
                byte first = buf.getByte(at);
                if (first == '\n' || first == '\r') { // heart-beat / end of line between frames
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
                    socket.write("SUBSCRIBE\nid:s" + id + "\ndestination:" + address + "\nack:auto\nreceipt:sub-" + id + "\n\n\0");
                } else if (first == 'R') {
                    subscribed.incrementAndGet();
                    subscribedOrFailed(null);
                } else if (first == 'E' && errors.incrementAndGet() <= 5) {
                    System.err.println("ERROR frame: " + buf.getString(at, nul).replace('\n', ' '));
                }
                at = nul + 1;
            }
            return at;
        }
    }

    /**
     * The SockJS bridge's raw WebSocket transport: HTTP upgrade, then one JSON text frame per message; client frames
     * are masked as RFC 6455 requires.
     */
    static final class SockJsClient extends Client {
        final String host;
        final int port;
        final String path;
        final String address;
        boolean upgraded;

        SockJsClient(NetSocket socket, String host, int port, String eventbusPath, String address) {
            super(socket);
            this.host = host;
            this.port = port;
            this.path = eventbusPath + "/websocket";
            this.address = address;
        }

        @Override
        void start() {
            socket.write("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        }

        void send(String text) {
            byte[] payload = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
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
                send("{\"type\":\"register\",\"address\":\"" + address + "\"}");
                subscribed.incrementAndGet();
                subscribedOrFailed(null);
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
                        System.err.println("SockJS frame: " + buf.getString(start, end));
                    }
                } else if (opcode == 8) {
                    socket.close();
                }
                at = end;
            }
            return at;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 8) {
            System.err.println("usage: FanoutBench <stomp|sockjs> <httpPort> <stompPort> <kafkaBootstrap> <subscribers> "
                + "<rate> <warmupSec> <seconds> [gatewayPid|0] [payloadBytes] [graceSec]");
            System.exit(2);
        }
        String mode = args[0];
        int httpPort = Integer.parseInt(args[1]);
        int stompPort = Integer.parseInt(args[2]);
        String bootstrap = args[3];
        int subscribers = Integer.parseInt(args[4]);
        int rate = Integer.parseInt(args[5]);
        int warmup = Integer.parseInt(args[6]);
        int seconds = Integer.parseInt(args[7]);
        long gatewayPid = args.length > 8 ? Long.parseLong(args[8]) : 0;
        int payloadBytes = args.length > 9 ? Integer.parseInt(args[9]) : 100;
        int grace = args.length > 10 ? Integer.parseInt(args[10]) : 5;
        String host = System.getProperty("host", "127.0.0.1");
        String topic = System.getProperty("topic", "bench.fanout");
        String address = System.getProperty("address", "bench.fanout");
        String eventbusPath = System.getProperty("eventbusPath", "/eventbus");
        int clkTck = Integer.getInteger("clkTck", 100);
        int parallelism = Integer.getInteger("connectParallelism", 200);
        if (!mode.equals("stomp") && !mode.equals("sockjs")) {
            throw new IllegalArgumentException("mode must be stomp or sockjs, got " + mode);
        }
        // at most ~200k messages/s arrive on one generator core: size the stride for that, not for what is offered
        long expectedMessages = Math.min((long) rate * subscribers, 200_000L) * seconds;
        sampleStride = (int) Math.max(1, (expectedMessages + MAX_SAMPLES - 1) / MAX_SAMPLES);

        Vertx vertx = Vertx.vertx(new VertxOptions().setBlockedThreadCheckInterval(60_000));
        ConcurrentLinkedQueue<Runnable> closeActions = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(parallelism);
        long subscribeStart = System.nanoTime();

        NetClient net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(30_000));
        boolean stomp = mode.equals("stomp");
        int port = stomp ? stompPort : httpPort;
        for (int c = 0; c < subscribers; c++) {
            inFlight.acquire();
            int id = c;
            net.connect(port, host).onSuccess(socket -> {
                closeActions.add(socket::close);
                Client client = stomp ? new StompClient(socket, id, address) : new SockJsClient(socket, host, port, eventbusPath, address);
                client.inFlight = inFlight;
                socket.closeHandler(v -> {
                    if (!stopping) {
                        disconnects.incrementAndGet();
                    }
                    client.subscribedOrFailed(inFlight);
                });
                socket.handler(client::handle);
                client.start();
                if (!stomp) {
                    // the bridge closes silent connections: ping every 20 s, staggered
                    long[] timer = {-1};
                    vertx.setTimer(1000 + (id * 20_000L / Math.max(1, subscribers)), t -> {
                        if (!stopping) {
                            ((SockJsClient) client).send("{\"type\":\"ping\"}");
                            timer[0] = vertx.setPeriodic(20_000, p -> {
                                if (!stopping) {
                                    ((SockJsClient) client).send("{\"type\":\"ping\"}");
                                }
                            });
                        }
                    });
                    closeActions.add(() -> vertx.cancelTimer(timer[0]));
                }
            }).onFailure(e -> {
                if (errors.incrementAndGet() <= 5) {
                    System.err.println("connect failed: " + e);
                }
                inFlight.release();
            });
        }
        if (!inFlight.tryAcquire(parallelism, 180, TimeUnit.SECONDS)) {
            throw new IllegalStateException("clients did not connect: " + subscribed.get() + " of " + subscribers);
        }
        inFlight.release(parallelism);
        if (subscribed.get() < subscribers) {
            throw new IllegalStateException("only " + subscribed.get() + " of " + subscribers + " clients subscribed");
        }

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "fanout-bench");
        KafkaProducer<String, String> producer = new KafkaProducer<>(props);
        producer.partitionsFor(topic); // metadata now, not on the first timed send
        String pad = "x".repeat(Math.max(0, payloadBytes - 40));

        // probes until every client got one: subscriptions are live end to end
        long probeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (probed.get() < subscribers) {
            if (System.nanoTime() > probeDeadline) {
                throw new IllegalStateException("probe reached only " + probed.get() + " of " + subscribers + " clients");
            }
            producer.send(new ProducerRecord<>(topic, 0, null, "{\"seq\":-1,\"pad\":\"\",\"sentNs\":0}")).get(10, TimeUnit.SECONDS);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (probed.get() < subscribers && System.nanoTime() < until) {
                Thread.sleep(10);
            }
        }
        double subscribeSec = (System.nanoTime() - subscribeStart) / 1e9;
        Thread.sleep(500); // let straggling probe copies arrive

        // fixed-rate producer on this thread
        long interval = 1_000_000_000L / rate;
        long begin = System.nanoTime();
        windowStart = begin + TimeUnit.SECONDS.toNanos(warmup);
        windowEnd = windowStart + TimeUnit.SECONDS.toNanos(seconds);
        long offered = 0;
        long sent = 0;
        AtomicLong producerErrors = new AtomicLong();
        long next = begin;
        long cpuBefore = -1;
        long gwBefore = -1;
        java.util.Map<String, Long> threadsBefore = java.util.Map.of();
        java.util.Map<String, Long> threadsUsed = new java.util.TreeMap<>();
        long cpuUsed = 0;
        long gwUsed = -1;
        boolean inWindow = false;
        while (true) {
            long now = System.nanoTime();
            if (!inWindow && now >= windowStart) {
                inWindow = true;
                cpuBefore = processCpuNanos();
                gwBefore = gatewayTicks(gatewayPid);
                threadsBefore = gatewayThreadTicks(gatewayPid);
            }
            if (now >= windowEnd) {
                cpuUsed = processCpuNanos() - cpuBefore;
                long gwAfter = gatewayTicks(gatewayPid);
                gwUsed = gwBefore >= 0 && gwAfter >= 0 ? gwAfter - gwBefore : -1;
                java.util.Map<String, Long> before = threadsBefore;
                gatewayThreadTicks(gatewayPid).forEach((group, ticks) -> threadsUsed.put(group, ticks - before.getOrDefault(group, 0L)));
                break;
            }
            while (next <= now) {
                long sentNs = System.nanoTime();
                if (sentNs >= windowEnd) {
                    break;
                }
                producer.send(new ProducerRecord<>(topic, 0, null, "{\"seq\":" + sent + ",\"pad\":\"" + pad + "\",\"sentNs\":" + sentNs + "}"),
                    (metadata, e) -> {
                        if (e != null && producerErrors.incrementAndGet() <= 5) {
                            System.err.println("produce failed: " + e);
                        }
                    });
                sent++;
                if (sentNs >= windowStart) {
                    offered++;
                }
                next += interval;
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, 1_000_000));
            }
        }
        long windowArrivals = arrivalsInWindow.sum();
        producer.flush();
        long expected = offered * subscribers;
        long graceEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(grace);
        while (deliveredOfWindow.sum() < expected && System.nanoTime() < graceEnd) {
            Thread.sleep(20);
        }
        long delivered = deliveredOfWindow.sum();
        stopping = true;

        int count = Math.min(sampleCount.get(), samples.length);
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        double gwSeconds = gwUsed >= 0 ? gwUsed / (double) clkTck : Double.NaN;
        System.out.printf(java.util.Locale.ROOT,
            "{\"mode\":\"%s\",\"subscribers\":%d,\"rate\":%d,\"warmupSec\":%d,\"seconds\":%d,\"graceSec\":%d,\"payloadBytes\":%d,"
                + "\"subscribeSec\":%.1f,\"offered\":%d,\"offeredPerSecond\":%.0f,\"deliveredPerSecond\":%.0f,"
                + "\"deliveredRatio\":%.4f,\"expected\":%d,\"deliveredOfWindow\":%d,\"windowDeliveredRatio\":%.4f,\"p50Ms\":%s,\"p99Ms\":%s,\"p999Ms\":%s,"
                + "\"maxMs\":%s,\"latencySamples\":%d,\"sampleStride\":%d,\"errors\":%d,\"disconnects\":%d,"
                + "\"producerErrors\":%d,\"unparsed\":%d,\"generatorCpuCores\":%.2f,\"gatewayCpuCores\":%s,"
                + "\"gatewayCpuUsPerDelivered\":%s,\"gatewayEventLoopUsPerDelivered\":%s,\"gatewayCpuSecByThread\":%s}%n",
            mode, subscribers, rate, warmup, seconds, grace, payloadBytes, subscribeSec, offered, offered / (double) seconds,
            windowArrivals / (double) seconds, expected == 0 ? 0.0 : windowArrivals / (double) expected,
            expected, delivered, expected == 0 ? 0.0 : delivered / (double) expected,
            num(percentile(sorted, 0.50)), num(percentile(sorted, 0.99)), num(percentile(sorted, 0.999)),
            count == 0 ? "null" : num(maxLatency.get() / 1e6),
            count, sampleStride, errors.get(), disconnects.get(), producerErrors.get(), unparsed.sum(),
            cpuUsed / 1e9 / seconds,
            Double.isNaN(gwSeconds) ? "null" : num(gwSeconds / seconds),
            windowArrivals == 0 ? "null" : num(gwSeconds * 1e6 / windowArrivals),
            windowArrivals == 0 || !threadsUsed.containsKey("eventLoop") ? "null"
                : num(threadsUsed.get("eventLoop") / (double) clkTck * 1e6 / windowArrivals),
            threadsUsed.isEmpty() ? "null" : threadsUsed.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":" + num(e.getValue() / (double) clkTck))
                .collect(java.util.stream.Collectors.joining(",", "{", "}")));
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

    /**
     * One message arrived, bytes [start, end) of buf: its value ends in {@code "sentNs":T}} (STOMP body) or
     * {@code "sentNs":T}}} (SockJS frame).
     */
    static void received(Client client, Buffer buf, int start, int end) {
        long now = System.nanoTime();
        long sentNs = parseSentNs(buf, start, end);
        if (sentNs < 0) {
            unparsed.increment();
            return;
        }
        if (!client.gotProbe) {
            client.gotProbe = true;
            probed.incrementAndGet();
        }
        if (sentNs == 0) {
            return;
        }
        receivedTotal.increment();
        if (sentNs >= windowStart && sentNs < windowEnd) {
            deliveredOfWindow.increment();
        }
        if (now >= windowStart && now < windowEnd) {
            arrivalsInWindow.increment();
            long latency = now - sentNs;
            if (client.seen++ % sampleStride == 0) {
                int index = sampleCount.getAndIncrement();
                if (index < samples.length) {
                    samples[index] = latency;
                }
            }
            long max;
            while (latency > (max = maxLatency.get()) && !maxLatency.compareAndSet(max, latency)) {
                // retry
            }
        }
    }

    /**
     * Scans backwards from the end over closing braces/whitespace, then the digits, and checks they follow
     * {@code "sentNs":}; -1 when the frame does not look like that.
     */
    static long parseSentNs(Buffer frame, int from, int to) {
        int end = to - 1;
        while (end >= from) {
            byte b = frame.getByte(end);
            if (b == '}' || b == '\n' || b == '\r' || b == ' ' || b == 0) {
                end--;
            } else {
                break;
            }
        }
        int start = end;
        while (start >= from && frame.getByte(start) >= '0' && frame.getByte(start) <= '9') {
            start--;
        }
        if (start == end || start + 1 - from < SENT_KEY.length) {
            return -1;
        }
        for (int i = 0; i < SENT_KEY.length; i++) {
            if (frame.getByte(start - SENT_KEY.length + 1 + i) != SENT_KEY[i]) {
                return -1;
            }
        }
        long value = 0;
        for (int i = start + 1; i <= end; i++) {
            value = value * 10 + (frame.getByte(i) - '0');
        }
        return value;
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

    /** A number for the JSON line: {@code null} when not a number. */
    static String num(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "null" : String.format(java.util.Locale.ROOT, "%.3f", value);
    }

    /**
     * @return utime+stime in clock ticks of the gateway's threads, grouped: Vert.x event loops, the Kafka consumer
     * thread, JIT compilers, the VM thread (GC with the serial collector a 1-CPU JVM picks), the rest (mostly the
     * embedded broker); empty when unknown. Threads that ended are missing from both snapshots.
     */
    static java.util.Map<String, Long> gatewayThreadTicks(long pid) {
        java.util.Map<String, Long> groups = new java.util.TreeMap<>();
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
