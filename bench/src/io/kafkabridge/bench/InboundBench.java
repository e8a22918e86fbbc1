package io.kafkabridge.bench;

import io.kafkabridge.bench.clients.ClientVertx;
import io.kafkabridge.bench.clients.StompFrame;
import io.kafkabridge.bench.clients.StompFrames;
import io.kafkabridge.bench.clients.StompHandler;
import io.kafkabridge.bench.clients.StompSender;
import io.kafkabridge.bench.clients.StompTcpClient;
import io.kafkabridge.bench.measure.LatencySamples;
import io.kafkabridge.bench.measure.ProcStats;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator of the inbound benchmark: many STOMP-over-TCP clients SEND to a Kafka sink with a receipt each and
 * keep a window of unacknowledged messages; a RECEIPT arrives only once Kafka acknowledged the record (acks=all).
 * Prints one line of JSON: acknowledged messages per second after the warm-up, receipt latency percentiles, errors,
 * and the generator's own CPU use.
 * <p>
 * Run (after {@code bench/build.sh}): {@code java -cp target/kafka-eventbus-bridge.jar:bench/target/classes
 * io.kafkabridge.bench.InboundBench <stompPort> <clients> <window> <warmupSec> <seconds>}
 */
public class InboundBench {

    /** Held for the whole run (see {@link ClientVertx}). */
    static NetClient net;

    static final byte[] BODY = ("{\"name\":\"bench\",\"text\":\"" + "x".repeat(100) + "\"}").getBytes(StandardCharsets.UTF_8);
    static final AtomicLong acked = new AtomicLong();
    static final AtomicLong errors = new AtomicLong();
    static final LatencySamples latencies = new LatencySamples(8_000_000);
    /** The measured window: receipts in it count. */
    static volatile long measureStart = Long.MAX_VALUE;
    static volatile long measureEnd = Long.MAX_VALUE;

    /**
     * One client: once CONNECTED it sends a window of SENDs, and each RECEIPT sends the next. State confined to its
     * connection's event loop.
     */
    static final class WindowedSender implements StompHandler {
        final String destination;
        final long[] sentAt;
        final CountDownLatch connected;
        StompTcpClient client;
        long sequence;

        WindowedSender(String destination, int window, CountDownLatch connected) {
            this.destination = destination;
            this.sentAt = new long[window];
            this.connected = connected;
        }

        @Override
        public void frame(StompSender connection, Buffer buf, int start, int end) {
            switch (buf.getByte(start)) {
                case 'C' -> {
                    for (int i = 0; i < sentAt.length; i++) {
                        sendOne();
                    }
                    connected.countDown();
                }
                case 'R' -> {
                    long id = Long.parseLong(new StompFrame(buf, start, end).header("receipt-id").trim());
                    long now = System.nanoTime();
                    if (now >= measureStart && now < measureEnd) {
                        acked.incrementAndGet();
                        latencies.add(now - sentAt[(int) (id % sentAt.length)]);
                    }
                    sendOne();
                }
                case 'E' -> {
                    errors.incrementAndGet();
                    System.err.println("ERROR frame: " + buf.getString(start, end).replace('\n', ' '));
                }
                default -> {
                    // nothing else is expected
                }
            }
        }

        void sendOne() {
            long n = sequence++;
            sentAt[(int) (n % sentAt.length)] = System.nanoTime();
            client.send(StompFrames.send(destination, Long.toString(n), BODY));
        }
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int clients = Integer.parseInt(args[1]);
        int window = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        Vertx vertx = ClientVertx.create();
        net = ClientVertx.netClient(vertx);
        List<StompTcpClient> connections = new CopyOnWriteArrayList<>();
        CountDownLatch connected = new CountDownLatch(clients);

        for (int c = 0; c < clients; c++) {
            WindowedSender sender = new WindowedSender("bench.in." + c, window, connected);
            net.connect(port, "127.0.0.1").onSuccess(socket -> {
                sender.client = new StompTcpClient(socket, StompFrames.connect("localhost", null, null), sender);
                connections.add(sender.client);
                sender.client.start();
            }).onFailure(e -> {
                System.err.println("connect failed: " + e);
                connected.countDown();
            });
        }
        if (!connected.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("clients did not connect");
        }
        long cpuBefore = ProcStats.generatorCpuNanos();
        long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
        measureEnd = start + TimeUnit.SECONDS.toNanos(seconds);
        measureStart = start;
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup + seconds) + 200);
        long cpuUsed = ProcStats.generatorCpuNanos() - cpuBefore;
        long[] sorted = latencies.sorted();
        System.out.printf("{\"clients\":%d,\"window\":%d,\"seconds\":%d,\"acked\":%d,\"perSecond\":%.0f,"
                + "\"p50Ms\":%.2f,\"p99Ms\":%.2f,\"p999Ms\":%.2f,\"errors\":%d,\"generatorCpuCores\":%.2f}%n",
            clients, window, seconds, acked.get(), acked.get() / (double) seconds,
            LatencySamples.percentileMs(sorted, 0.50), LatencySamples.percentileMs(sorted, 0.99),
            LatencySamples.percentileMs(sorted, 0.999), errors.get(), cpuUsed / 1e9 / (warmup + seconds));
        connections.forEach(connection -> connection.socket().close());
        ClientVertx.closeAndExit(vertx);
    }
}
