import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator of the inbound benchmark: many STOMP-over-TCP clients SEND to a Kafka sink with a receipt each and
 * keep a window of unacknowledged messages; a RECEIPT arrives only once Kafka acknowledged the record (acks=all).
 * Prints one line of JSON: acknowledged messages per second after the warm-up, receipt latency percentiles, errors,
 * and the generator's own CPU use.
 * <p>
 * Run (single-file source, against the fat jar's classes):
 * {@code java -cp target/kafka-eventbus-bridge.jar bench/InboundBench.java <stompPort> <clients> <window> <warmupSec> <seconds>}
 */
public class InboundBench {

    /** Held for the whole run: Vert.x 5 closes a NetClient, and all its connections, once it is garbage-collected. */
    static NetClient net;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int clients = Integer.parseInt(args[1]);
        int window = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        Vertx vertx = Vertx.vertx();
        net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
        AtomicLong acked = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long[] latencies = new long[8_000_000];
        AtomicLong latencyCount = new AtomicLong();
        long[] measuring = {Long.MAX_VALUE, Long.MAX_VALUE};
        List<NetSocket> sockets = new ArrayList<>();
        CountDownLatch connected = new CountDownLatch(clients);
        String body = "{\"name\":\"bench\",\"text\":\"" + "x".repeat(100) + "\"}";

        for (int c = 0; c < clients; c++) {
            int client = c;
            net.connect(port, "127.0.0.1").onSuccess(socket -> {
                sockets.add(socket);
                long[] sentAt = new long[window];
                long[] sequence = {0};
                StringBuilder pending = new StringBuilder();
                Runnable sendOne = () -> {
                    long n = sequence[0]++;
                    sentAt[(int) (n % window)] = System.nanoTime();
                    socket.write(Buffer.buffer("SEND\ndestination:bench.in." + client + "\nreceipt:" + n
                        + "\ncontent-type:application/json\ncontent-length:" + body.length() + "\n\n" + body + "\0"));
                };
                socket.handler(data -> {
                    pending.append(data.toString());
                    int end;
                    while ((end = pending.indexOf("\0")) >= 0) {
                        String frame = pending.substring(0, end).replaceFirst("^\\s+", "");
                        pending.delete(0, end + 1);
                        if (frame.startsWith("CONNECTED")) {
                            for (int i = 0; i < window; i++) {
                                sendOne.run();
                            }
                            connected.countDown();
                        } else if (frame.startsWith("RECEIPT")) {
                            int at = frame.indexOf("receipt-id:");
                            long id = Long.parseLong(frame.substring(at + 11, frame.indexOf('\n', at)).trim());
                            long now = System.nanoTime();
                            if (now >= measuring[0] && now < measuring[1]) {
                                acked.incrementAndGet();
                                long index = latencyCount.getAndIncrement();
                                if (index < latencies.length) {
                                    latencies[(int) index] = now - sentAt[(int) (id % window)];
                                }
                            }
                            sendOne.run();
                        } else if (frame.startsWith("ERROR")) {
                            errors.incrementAndGet();
                            System.err.println("ERROR frame: " + frame.replace('\n', ' '));
                        }
                    }
                });
                socket.write("CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0");
            }).onFailure(e -> {
                System.err.println("connect failed: " + e);
                connected.countDown();
            });
        }
        if (!connected.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("clients did not connect");
        }
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
        measuring[0] = start;
        measuring[1] = start + TimeUnit.SECONDS.toNanos(seconds);
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup + seconds) + 200);
        long cpuUsed = processCpuNanos() - cpuBefore;
        int count = (int) Math.min(latencyCount.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
        System.out.printf("{\"clients\":%d,\"window\":%d,\"seconds\":%d,\"acked\":%d,\"perSecond\":%.0f,"
                + "\"p50Ms\":%.2f,\"p99Ms\":%.2f,\"p999Ms\":%.2f,\"errors\":%d,\"generatorCpuCores\":%.2f}%n",
            clients, window, seconds, acked.get(), acked.get() / (double) seconds,
            percentile(sorted, 0.50), percentile(sorted, 0.99), percentile(sorted, 0.999), errors.get(),
            cpuUsed / 1e9 / (warmup + seconds));
        sockets.forEach(NetSocket::close);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        System.exit(0);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
