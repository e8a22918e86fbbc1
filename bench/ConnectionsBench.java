import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator of the connections benchmark: opens N idle connections to one gateway node (STOMP over TCP, or the
 * SockJS bridge's raw WebSocket endpoint), each subscribed to one shared address, holds them while the driving script
 * measures the node, then proves they are all alive with ONE Kafka record that every connection must receive.
 * <p>
 * The clients are hand-written over Vert.x NetSockets (STOMP frames split on NUL; HTTP upgrade and RFC 6455 framing
 * with masked client frames for /eventbus/websocket) so that one idle connection costs the generator little: a small
 * object plus the NetSocket. The generator reports its own heap per connection so that can be checked.
 * <p>
 * It is driven over stdin/stdout by bench/run-connections.sh, one line each way per step:
 * <ol>
 *   <li>opens a canary connection of the same protocol and produces probe records every 500 ms until the canary got
 *       one: the gateway's Kafka consumer (which starts at {@code latest}) then has its partition, and the node has
 *       served one connection and one delivery (classes loaded) before the baseline. Prints {@code READY};</li>
 *   <li>on the line {@code connect}: opens N connections, at most P connecting at once (STOMP: CONNECT with
 *       {@code heart-beat:0,0}, SUBSCRIBE with a receipt; SockJS: upgrade, {@code register}), then polls the node's
 *       {@code /health} until it counts the subscriptions (a SockJS register has no reply). Prints
 *       {@code HOLDING n} with n the connections held;</li>
 *   <li>on the line {@code deliver}: produces one record to the routed topic and waits until every held connection
 *       received it (at most {@code -DdeliveryTimeoutSec}), then closes all connections, waits until the node counts
 *       none open, and prints one JSON line with the results.</li>
 * </ol>
 * End of input at any point makes it exit. The connections are silent while held: no heart-beats (STOMP
 * {@code heart-beat:0,0}) and no SockJS pings, so the node's {@code limits.idleTimeoutMs} must exceed the holding time
 * (bench/connections.json: 10 minutes).
 * <p>
 * JSON fields: {@code requested}, {@code held} (client side: STOMP receipts / SockJS upgrades with the register sent),
 * {@code gatewayOpen} and {@code gatewaySubscriptions} (the node's /health while holding, canary excluded),
 * {@code connectSec} (first connect to all counted by the node), {@code connectErrors}, {@code errorFrames},
 * {@code disconnects} (closed by the node or the network while held), {@code delivered} (held connections that got
 * the record), {@code deliveryFirstMs}, {@code deliveryLastMs} (producer send() to the first / last arrival),
 * {@code stillOpenAfterDelivery}, {@code closeSec} (until the node counts no connection), {@code generatorHeapPerConnKb}
 * (this JVM's used heap after GC, held minus before, per connection).
 * <p>
 * Run (single-file source, against the fat jar's classes):
 * {@code java -cp target/kafka-eventbus-bridge.jar bench/ConnectionsBench.java <stomp|sockjs> <httpPort> <stompPort>
 * <kafkaBootstrap> <connections>}
 * <p>
 * System properties: {@code -Dhost=127.0.0.1 -Dtopic=bench.idle -Daddress=bench.idle -DeventbusPath=/eventbus
 * -DconnectParallelism=200 -DconnectTimeoutSec=600 -DdeliveryTimeoutSec=60}.
 */
public class ConnectionsBench {

    /** Held for the whole run: Vert.x 5 closes a NetClient, and all its connections, once it is garbage-collected. */
    static NetClient net;

    /** The value of the one record that proves the connections alive; probes for the canary carry another marker. */
    static final String DELIVER_MARKER = "\"deliver\":true";
    static final byte[] DELIVER_BYTES = DELIVER_MARKER.getBytes(StandardCharsets.US_ASCII);

    static final AtomicInteger held = new AtomicInteger();
    static final AtomicInteger delivered = new AtomicInteger();
    static final AtomicLong connectErrors = new AtomicLong();
    static final AtomicLong errorFrames = new AtomicLong();
    static final AtomicLong disconnects = new AtomicLong();
    static final AtomicLong firstArrivalNs = new AtomicLong(Long.MAX_VALUE);
    static final AtomicLong lastArrivalNs = new AtomicLong();
    static volatile boolean canaryProbed;
    static volatile boolean stopping;

    /**
     * One connection: a NetSocket with a hand-written parser. State confined to the connection's event loop, except
     * the flags read after the phases.
     */
    abstract static class Client {
        final NetSocket socket;
        final boolean canary;
        /** Released once when the connection subscribed or failed: bounds the connects in flight. */
        Semaphore inFlight;
        boolean settled;
        boolean subscribed;
        boolean gotRecord;
        /** Unparsed bytes of an incomplete frame, or null. */
        Buffer pending;

        Client(NetSocket socket, boolean canary) {
            this.socket = socket;
            this.canary = canary;
        }

        abstract void start();

        /** Parses complete frames of {@code buf} from {@code from}; returns where the incomplete rest begins. */
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

        final void markSubscribed() {
            if (!subscribed) {
                subscribed = true;
                if (!canary) {
                    held.incrementAndGet();
                }
            }
            settle();
        }

        /** Once per connection: lets the next connection start. */
        final void settle() {
            if (!settled) {
                settled = true;
                if (inFlight != null) {
                    inFlight.release();
                }
            }
        }

        /** A message (STOMP MESSAGE / SockJS rec) in bytes [start, end) of buf. */
        final void received(Buffer buf, int start, int end) {
            if (canary) {
                canaryProbed = true;
                return;
            }
            if (gotRecord || !contains(buf, start, end, DELIVER_BYTES)) {
                return;
            }
            gotRecord = true;
            long now = System.nanoTime();
            delivered.incrementAndGet();
            long first;
            while (now < (first = firstArrivalNs.get()) && !firstArrivalNs.compareAndSet(first, now)) {
                // retry
            }
            long last;
            while (now > (last = lastArrivalNs.get()) && !lastArrivalNs.compareAndSet(last, now)) {
                // retry
            }
        }
    }

    /** STOMP 1.2: CONNECT (heart-beat 0,0), SUBSCRIBE with a receipt, then MESSAGE frames (NUL-terminated). */
    static final class StompClient extends Client {
        final int id;
        final String address;

        StompClient(NetSocket socket, boolean canary, int id, String address) {
            super(socket, canary);
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
                if (first == '\n' || first == '\r') { // end of line between frames
                    at++;
                    continue;
                }
                int nul = indexOfNul(buf, at, length);
                if (nul < 0) {
                    return at;
                }
                if (first == 'M') {
                    received(buf, at, nul);
                } else if (first == 'C') {
                    socket.write("SUBSCRIBE\nid:s" + id + "\ndestination:" + address + "\nack:auto\nreceipt:r" + id + "\n\n\0");
                } else if (first == 'R') {
                    markSubscribed();
                } else if (first == 'E') {
                    if (errorFrames.incrementAndGet() <= 5) {
                        System.err.println("ERROR frame: " + buf.getString(at, nul).replace('\n', ' '));
                    }
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

        SockJsClient(NetSocket socket, boolean canary, String host, int port, String eventbusPath, String address) {
            super(socket, canary);
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
                    if (connectErrors.incrementAndGet() <= 5) {
                        System.err.println("WebSocket upgrade refused: " + head.lines().findFirst().orElse(""));
                    }
                    socket.close();
                    return length;
                }
                upgraded = true;
                at = end;
                // no reply to a register: the node's /health confirms the subscriptions afterwards
                send("{\"type\":\"register\",\"address\":\"" + address + "\"}");
                markSubscribed();
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
                        received(buf, start, end);
                    } else if (errorFrames.incrementAndGet() <= 5) {
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
        if (args.length < 5) {
            System.err.println("usage: ConnectionsBench <stomp|sockjs> <httpPort> <stompPort> <kafkaBootstrap> <connections>");
            System.exit(2);
        }
        String mode = args[0];
        int httpPort = Integer.parseInt(args[1]);
        int stompPort = Integer.parseInt(args[2]);
        String bootstrap = args[3];
        int connections = Integer.parseInt(args[4]);
        String host = System.getProperty("host", "127.0.0.1");
        String topic = System.getProperty("topic", "bench.idle");
        String address = System.getProperty("address", "bench.idle");
        String eventbusPath = System.getProperty("eventbusPath", "/eventbus");
        int parallelism = Integer.getInteger("connectParallelism", 200);
        int connectTimeoutSec = Integer.getInteger("connectTimeoutSec", 600);
        int deliveryTimeoutSec = Integer.getInteger("deliveryTimeoutSec", 60);
        if (!mode.equals("stomp") && !mode.equals("sockjs")) {
            throw new IllegalArgumentException("mode must be stomp or sockjs, got " + mode);
        }
        boolean stomp = mode.equals("stomp");
        int port = stomp ? stompPort : httpPort;
        BufferedReader control = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI healthUri = URI.create("http://" + host + ":" + httpPort + "/health");

        Vertx vertx = Vertx.vertx(new VertxOptions().setBlockedThreadCheckInterval(60_000));
        net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(30_000));
        List<Client> clients = new ArrayList<>(connections);

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "connections-bench");
        KafkaProducer<String, String> producer = new KafkaProducer<>(props);
        producer.partitionsFor(topic); // metadata now, not on the timed send

        // 1. canary: the consumer has its partition and the node served one connection before the baseline
        Semaphore canaryDone = new Semaphore(0);
        Client canary = connect(net, stomp, host, port, eventbusPath, address, -1, true, canaryDone).get();
        if (!canaryDone.tryAcquire(30, TimeUnit.SECONDS) || canary == null || !canary.subscribed) {
            throw new IllegalStateException("the canary connection did not subscribe");
        }
        long probeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!canaryProbed) {
            if (System.nanoTime() > probeDeadline) {
                throw new IllegalStateException("no probe record reached the canary connection in 120 s");
            }
            producer.send(new ProducerRecord<>(topic, null, "{\"probe\":true}")).get(10, TimeUnit.SECONDS);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (!canaryProbed && System.nanoTime() < until) {
                Thread.sleep(10);
            }
        }
        Thread.sleep(1000); // straggling probe copies land before the measured connections exist
        say("READY");
        if (!"connect".equals(control.readLine())) {
            System.exit(1);
        }

        // 2. N connections, at most `parallelism` connecting at once
        long heapBefore = usedHeapAfterGc();
        Semaphore inFlight = new Semaphore(parallelism);
        long connectStart = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<Client>> opening = new ArrayList<>(connections);
        for (int id = 0; id < connections; id++) {
            if (!inFlight.tryAcquire(connectTimeoutSec, TimeUnit.SECONDS)) {
                break;
            }
            opening.add(connect(net, stomp, host, port, eventbusPath, address, id, false, inFlight));
        }
        boolean allSettled = inFlight.tryAcquire(parallelism, connectTimeoutSec, TimeUnit.SECONDS);
        if (allSettled) {
            inFlight.release(parallelism);
        } else {
            System.err.println("connect phase timed out after " + connectTimeoutSec + " s");
        }
        for (var future : opening) {
            Client client = future.getNow(null);
            if (client != null) {
                clients.add(client);
            }
        }
        int heldNow = held.get();
        // the node counts them (SockJS registers have no reply): canary + held subscriptions
        JsonObject health = null;
        long countDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < countDeadline) {
            health = readHealth(http, healthUri);
            if (health != null && subscriptions(health) >= heldNow + 1) {
                break;
            }
            Thread.sleep(50);
        }
        double connectSec = (System.nanoTime() - connectStart) / 1e9;
        int gatewayOpen = health == null ? -1 : open(health) - 1;
        int gatewaySubscriptions = health == null ? -1 : subscriptions(health) - 1;
        long heapHolding = usedHeapAfterGc();
        System.err.printf(Locale.ROOT, "%d of %d connections held after %.1f s (node: %d open, %d subscriptions)%n",
            heldNow, connections, connectSec, gatewayOpen, gatewaySubscriptions);
        say("HOLDING " + heldNow);
        if (!"deliver".equals(control.readLine())) {
            System.exit(1);
        }

        // 3. one record, every held connection must get it
        int heldAtDelivery = held.get() - (int) disconnects.get();
        long sendNs = System.nanoTime();
        producer.send(new ProducerRecord<>(topic, null, "{\"bench\":\"connections\"," + DELIVER_MARKER + "}")).get(10, TimeUnit.SECONDS);
        long deliveryDeadline = sendNs + TimeUnit.SECONDS.toNanos(deliveryTimeoutSec);
        while (delivered.get() < heldAtDelivery && System.nanoTime() < deliveryDeadline) {
            Thread.sleep(5);
        }
        int deliveredCount = delivered.get();
        double firstMs = deliveredCount == 0 ? Double.NaN : (firstArrivalNs.get() - sendNs) / 1e6;
        double lastMs = deliveredCount == 0 ? Double.NaN : (lastArrivalNs.get() - sendNs) / 1e6;
        JsonObject afterDelivery = readHealth(http, healthUri);
        int stillOpen = afterDelivery == null ? -1 : open(afterDelivery) - 1;

        // 4. close everything and wait until the node counts no connection
        stopping = true;
        long closeStart = System.nanoTime();
        for (Client client : clients) {
            client.socket.close();
        }
        canary.socket.close();
        int openAfterClose = -1;
        long closeDeadline = closeStart + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < closeDeadline) {
            JsonObject h = readHealth(http, healthUri);
            openAfterClose = h == null ? -1 : open(h);
            if (openAfterClose == 0) {
                break;
            }
            Thread.sleep(50);
        }
        double closeSec = (System.nanoTime() - closeStart) / 1e9;

        System.out.printf(Locale.ROOT,
            "{\"mode\":\"%s\",\"requested\":%d,\"held\":%d,\"gatewayOpen\":%d,\"gatewaySubscriptions\":%d,\"connectSec\":%.2f,"
                + "\"connectParallelism\":%d,\"connectErrors\":%d,\"errorFrames\":%d,\"disconnects\":%d,\"delivered\":%d,"
                + "\"deliveryFirstMs\":%s,\"deliveryLastMs\":%s,\"stillOpenAfterDelivery\":%d,\"closeSec\":%.2f,"
                + "\"openAfterClose\":%d,\"generatorHeapPerConnKb\":%s}%n",
            mode, connections, heldNow, gatewayOpen, gatewaySubscriptions, connectSec, parallelism, connectErrors.get(),
            errorFrames.get(), disconnects.get(), deliveredCount, num(firstMs), num(lastMs), stillOpen, closeSec,
            openAfterClose, heldNow == 0 ? "null" : num((heapHolding - heapBefore) / 1024.0 / heldNow));
        System.out.flush();
        producer.close(Duration.ofSeconds(5));
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // exiting anyway
        }
        System.exit(0);
    }

    /**
     * Opens one connection and starts its protocol; the future completes with the client once the TCP connection is
     * up (null when it failed). {@code done} is released once the connection subscribed or failed.
     */
    static java.util.concurrent.CompletableFuture<Client> connect(NetClient net, boolean stomp, String host, int port,
                                                                  String eventbusPath, String address, int id,
                                                                  boolean canary, Semaphore done) {
        var result = new java.util.concurrent.CompletableFuture<Client>();
        net.connect(port, host).onSuccess(socket -> {
            Client client = stomp ? new StompClient(socket, canary, id, address)
                : new SockJsClient(socket, canary, host, port, eventbusPath, address);
            client.inFlight = done;
            socket.closeHandler(v -> {
                if (!stopping && client.subscribed && !canary) {
                    disconnects.incrementAndGet();
                }
                client.settle();
            });
            socket.handler(client::handle);
            client.start();
            result.complete(client);
        }).onFailure(e -> {
            if (connectErrors.incrementAndGet() <= 5) {
                System.err.println("connect failed: " + e);
            }
            done.release();
            result.complete(null);
        });
        return result;
    }

    /** Writes one control line for the driving script. */
    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** @return the node's /health document (200 or 503), or null when it does not answer */
    static JsonObject readHealth(HttpClient http, URI uri) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
            return new JsonObject(response.body());
        } catch (Exception e) {
            System.err.println("cannot read " + uri + ": " + e);
            return null;
        }
    }

    static int open(JsonObject health) {
        return health.getJsonObject("connections", new JsonObject()).getInteger("open", -1);
    }

    static int subscriptions(JsonObject health) {
        return health.getJsonObject("subscriptions", new JsonObject()).getInteger("total", -1);
    }

    /** Used heap of this JVM after two full collections. */
    static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static int indexOfNul(Buffer buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf.getByte(i) == 0) {
                return i;
            }
        }
        return -1;
    }

    static boolean contains(Buffer buf, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i + needle.length <= to; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** A number for the JSON line: {@code null} when not a number. */
    static String num(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "null" : String.format(Locale.ROOT, "%.3f", value);
    }
}
