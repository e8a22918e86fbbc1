package io.kafkabridge.bench;

import io.kafkabridge.bench.clients.ClientVertx;
import io.kafkabridge.bench.clients.ConnectGate;
import io.kafkabridge.bench.clients.Connection;
import io.kafkabridge.bench.clients.HealthClient;
import io.kafkabridge.bench.clients.SockJsClient;
import io.kafkabridge.bench.clients.StompFrames;
import io.kafkabridge.bench.clients.StompSubscriber;
import io.kafkabridge.bench.clients.StompTcpClient;
import io.kafkabridge.bench.clients.SubscriberEvents;
import io.kafkabridge.bench.clients.WebSocketTarget;
import io.kafkabridge.bench.kafka.ProducerSettings;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.kafkabridge.bench.measure.JsonNumbers.num;

/**
 * Load generator of the connections benchmark: opens N idle connections to one gateway node (STOMP over TCP, or the
 * SockJS bridge's raw WebSocket endpoint), each subscribed to one shared address, holds them while the driving script
 * measures the node, then proves they are all alive with ONE Kafka record that every connection must receive.
 * <p>
 * The clients are the hand-written NetSocket clients of {@code io.kafkabridge.bench.clients}, so that one idle
 * connection costs the generator little: a few small objects plus the NetSocket. The generator reports its own heap per connection so that can be checked.
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
 * Run (after {@code bench/build.sh}): {@code java -cp target/kafka-eventbus-bridge.jar:bench/target/classes
 * io.kafkabridge.bench.ConnectionsBench <stomp|sockjs> <httpPort> <stompPort> <kafkaBootstrap> <connections>}
 * <p>
 * System properties: {@code -Dhost=127.0.0.1 -Dtopic=bench.idle -Daddress=bench.idle -DeventbusPath=/eventbus
 * -DconnectParallelism=200 -DconnectTimeoutSec=600 -DdeliveryTimeoutSec=60}.
 */
public class ConnectionsBench {

    /** Held for the whole run (see {@link ClientVertx}). */
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
     * One idle subscriber: whether it subscribed and got the record. State confined to its connection's event loop,
     * except the flags read after the phases.
     */
    static final class Idler implements SubscriberEvents {
        final boolean canary;
        /** Released once when the connection subscribed or failed: bounds the connects in flight. */
        final ConnectGate.Permit permit;
        Connection connection;
        boolean subscribed;
        boolean gotRecord;

        Idler(boolean canary, ConnectGate.Permit permit) {
            this.canary = canary;
            this.permit = permit;
        }

        @Override
        public void subscribed() {
            if (!subscribed) {
                subscribed = true;
                if (!canary) {
                    held.incrementAndGet();
                }
            }
            permit.release();
        }

        /** A message (STOMP MESSAGE / SockJS rec) in bytes [start, end) of buf. */
        @Override
        public void message(Buffer buf, int start, int end) {
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

        @Override
        public void error(String what) {
            if (errorFrames.incrementAndGet() <= 5) {
                System.err.println(what);
            }
        }

        @Override
        public void refused(String what) {
            if (connectErrors.incrementAndGet() <= 5) {
                System.err.println(what);
            }
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
        HealthClient node = new HealthClient(host, httpPort, Duration.ofSeconds(5));

        Vertx vertx = ClientVertx.create();
        net = ClientVertx.netClient(vertx);
        List<Idler> clients = new ArrayList<>(connections);
        KafkaProducer<String, String> producer = new ProducerSettings(bootstrap, "connections-bench").acknowledgeByLeader().create(topic);

        // 1. canary: the consumer has its partition and the node served one connection before the baseline
        ConnectGate canaryGate = new ConnectGate(1);
        Idler canary = connect(vertx, stomp, host, port, eventbusPath, address, -1, true, canaryGate.enter()).get();
        if (!canaryGate.awaitSettled(30, TimeUnit.SECONDS) || canary == null || !canary.subscribed) {
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
        ConnectGate gate = new ConnectGate(parallelism);
        long connectStart = System.nanoTime();
        List<CompletableFuture<Idler>> opening = new ArrayList<>(connections);
        for (int id = 0; id < connections; id++) {
            ConnectGate.Permit permit = gate.enter(connectTimeoutSec, TimeUnit.SECONDS);
            if (permit == null) {
                break;
            }
            opening.add(connect(vertx, stomp, host, port, eventbusPath, address, id, false, permit));
        }
        if (!gate.awaitSettled(connectTimeoutSec, TimeUnit.SECONDS)) {
            System.err.println("connect phase timed out after " + connectTimeoutSec + " s");
        }
        for (var future : opening) {
            Idler client = future.getNow(null);
            if (client != null) {
                clients.add(client);
            }
        }
        int heldNow = held.get();
        // the node counts them (SockJS registers have no reply): canary + held subscriptions
        JsonObject health = null;
        long countDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < countDeadline) {
            health = readHealth(node);
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
        JsonObject afterDelivery = readHealth(node);
        int stillOpen = afterDelivery == null ? -1 : open(afterDelivery) - 1;

        // 4. close everything and wait until the node counts no connection
        stopping = true;
        long closeStart = System.nanoTime();
        for (Idler client : clients) {
            client.connection.socket().close();
        }
        canary.connection.socket().close();
        int openAfterClose = -1;
        long closeDeadline = closeStart + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < closeDeadline) {
            JsonObject h = readHealth(node);
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
        ClientVertx.closeAndExit(vertx);
    }

    /**
     * Opens one connection and starts its protocol; the future completes with the client once the TCP connection is
     * up (null when it failed). The permit is released once the connection subscribed or failed. No keep-alive: the
     * connections stay silent while held.
     */
    static CompletableFuture<Idler> connect(Vertx vertx, boolean stomp, String host, int port, String eventbusPath,
                                            String address, int id, boolean canary, ConnectGate.Permit permit) {
        var result = new CompletableFuture<Idler>();
        net.connect(port, host).onSuccess(socket -> {
            Idler client = new Idler(canary, permit);
            client.connection = stomp
                ? new StompTcpClient(socket, new StompSubscriber(StompFrames.connect("localhost", null, null),
                    List.of(StompFrames.subscribe("s" + id, address, "r" + id)), true, client))
                : new SockJsClient(socket, new WebSocketTarget(host, port, SockJsClient.websocketPath(eventbusPath, null), false),
                    List.of(address), client);
            socket.closeHandler(v -> {
                if (!stopping && client.subscribed && !canary) {
                    disconnects.incrementAndGet();
                }
                permit.release();
            });
            client.connection.start();
            result.complete(client);
        }).onFailure(e -> {
            if (connectErrors.incrementAndGet() <= 5) {
                System.err.println("connect failed: " + e);
            }
            permit.release();
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
    static JsonObject readHealth(HealthClient node) {
        try {
            return node.read();
        } catch (Exception e) {
            System.err.println("cannot read " + node.uri() + ": " + e);
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
}
