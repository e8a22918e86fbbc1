package io.kafkabridge.bench;

import io.kafkabridge.bench.clients.ClientVertx;
import io.kafkabridge.bench.clients.StompFrame;
import io.kafkabridge.bench.clients.StompFrames;
import io.kafkabridge.bench.clients.StompHandler;
import io.kafkabridge.bench.clients.StompTcpClient;
import io.kafkabridge.bench.kafka.ProducerSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Generator of the resume benchmark (one JVM, STOMP over TCP): while {@code noiseRate} records/s (10,000) go to other
 * addresses and {@code liveRate} records/s to {@code live} subscribers of one address,
 * <ol>
 * <li>{@code sequential} times (20): a client takes a {@code resume} token on its own address and leaves, {@code missed}
 * records (1,000) are produced for the address, and a client subscribes with {@code since: <token>}: the time from
 * SUBSCRIBE to the last replayed record;</li>
 * <li>the live subscribers' latency (feed send to receive) over {@code windowSeconds} without resumes, then during
 * {@code bursts} bursts of {@code concurrent} (100) simultaneous resumes of {@code missed} records each.</li>
 * </ol>
 * Prints one line of JSON. Run (after {@code bench/build.sh}): {@code java -cp
 * target/kafka-eventbus-bridge.jar:bench/target/classes -DstompPort=P -Dbootstrap=B -Dtopic=T
 * io.kafkabridge.bench.ResumeBench}; the node routes T to {@code bench.resume.{key}}.
 */
public class ResumeBench {

    /** Held for the whole run (see {@link ClientVertx}). */
    static NetClient net;
    static Vertx vertx;
    static KafkaProducer<String, String> producer;
    static String topic;
    static int port;

    /** Frames read only as far as asked ({@link StompFrame}): this generator reads tens of thousands a second. */
    static StompHandler frames(Consumer<StompFrame> handler) {
        return (connection, buf, start, end) -> handler.accept(new StompFrame(buf, start, end));
    }

    /** A STOMP connection, once CONNECTED. */
    static Future<StompTcpClient> connect() {
        return net.connect(port, "127.0.0.1").compose(socket -> {
            Promise<Void> connected = Promise.promise();
            StompTcpClient client = new StompTcpClient(socket, StompFrames.connect("localhost", null, null), frames(f -> {
                if (f.command().equals("CONNECTED")) {
                    connected.tryComplete();
                } else {
                    connected.tryFail(f.toString());
                }
            }));
            client.start();
            return connected.future().map(client);
        });
    }

    static void produce(String key, long sentNs) {
        produce(topic, key, sentNs);
    }

    static void produce(String toTopic, String key, long sentNs) {
        producer.send(new ProducerRecord<>(toTopic, key, "{\"sentNs\":" + sentNs + ",\"pad\":\"" + "x".repeat(100) + "\"}"));
    }

    static <T> T await(Future<T> future, long seconds) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    }

    /**
     * A client of {@code bench.resume.<key>} subscribes from now ({@code since: time:}), a record is produced for the
     * key, and the client takes the {@code resume} token that comes with it and leaves.
     */
    static Future<String> takeToken(String key) {
        return connect().compose(client -> {
            Promise<String> token = Promise.promise();
            client.handleWith(frames(f -> {
                if (f.command().equals("MESSAGE")) {
                    token.tryComplete(f.header("resume"));
                } else if (f.command().equals("ERROR")) {
                    token.tryFail(f.toString());
                }
            }));
            client.send(StompFrames.frame("SUBSCRIBE", "id", "s", "destination", "bench.resume." + key, "since", "time:" + System.currentTimeMillis()));
            // produced after the SUBSCRIBE: its timestamp is at or after the since time, so its replay or its live
            // stream gets it, whichever comes first
            produce(key, 0);
            return token.future().onComplete(done -> client.socket().close());
        });
    }

    /**
     * Resumes {@code bench.resume.<key>} with the token: completes with the ms from SUBSCRIBE to the {@code count}-th
     * record, failing on a gap or an ERROR.
     */
    static Future<Double> resume(String key, String token, int count) {
        return connect().compose(client -> {
            Promise<Double> done = Promise.promise();
            long[] received = {0};
            long start = System.nanoTime();
            client.handleWith(frames(f -> {
                if (f.command().equals("MESSAGE")) {
                    if ("true".equals(f.header("gap"))) {
                        done.tryFail("gap: " + f.body());
                    } else if (++received[0] == count) {
                        done.tryComplete((System.nanoTime() - start) / 1e6);
                    }
                } else if (f.command().equals("ERROR")) {
                    done.tryFail(f.toString());
                }
            }));
            client.send(StompFrames.frame("SUBSCRIBE", "id", "s", "destination", "bench.resume." + key, "since", token));
            return done.future().onComplete(d -> client.socket().close());
        });
    }

    static double percentile(double[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    static JsonObject stats(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new JsonObject().put("n", sorted.length).put("p50", round(percentile(sorted, 0.5)))
            .put("p99", round(percentile(sorted, 0.99))).put("max", round(sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1]));
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** The live subscribers' latencies (ms) while {@link #recording} is set. */
    static final Samples liveLatencies = new Samples();

    /**
     * Latencies and when each was received (ns since the start of its burst, or of the quiet window), in arrays: a
     * million boxed samples would cost the generator's collector more than the measurement is worth.
     */
    static final class Samples {
        private double[] ms = new double[1 << 16];
        private long[] at = new long[1 << 16];
        private int size;

        synchronized void add(double latencyMs, long receivedAt) {
            if (size == ms.length) {
                ms = java.util.Arrays.copyOf(ms, size * 2);
                at = java.util.Arrays.copyOf(at, size * 2);
            }
            ms[size] = latencyMs;
            at[size++] = receivedAt;
        }

        synchronized List<Double> latencies() {
            List<Double> out = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                out.add(ms[i]);
            }
            return out;
        }

        /**
         * @return the latencies by the second they were received in
         */
        synchronized Map<Long, List<Double>> bySecond() {
            Map<Long, List<Double>> out = new java.util.TreeMap<>();
            for (int i = 0; i < size; i++) {
                out.computeIfAbsent(at[i] / 1_000_000_000L, k -> new ArrayList<>()).add(ms[i]);
            }
            return out;
        }

        synchronized void clear() {
            size = 0;
        }
    }
    static volatile long windowStartNs;
    static final AtomicBoolean recording = new AtomicBoolean();
    static final AtomicLong liveReceived = new AtomicLong();

    public static void main(String[] args) throws Exception {
        port = Props.integer("stompPort", 61613);
        topic = Props.string("topic", "bench.resume");
        // the live records on a topic of their own: what the bursts' records do to them in one partition's order is
        // Kafka's head-of-line, not the node's cost
        String liveTopic = Props.string("liveTopic", "bench.resume.live");
        int noiseRate = Props.integer("noiseRate", 10000);
        int liveRate = Props.integer("liveRate", 100);
        int live = Props.integer("live", 200);
        int missed = Props.integer("missed", 1000);
        int sequential = Props.integer("sequential", 20);
        int concurrent = Props.integer("concurrent", 100);
        int bursts = Props.integer("bursts", 3);
        int windowSeconds = Props.integer("windowSeconds", 20);
        vertx = ClientVertx.create();
        net = ClientVertx.netClient(vertx);
        producer = new ProducerSettings(Props.string("bootstrap", "127.0.0.1:9092"), "resume-bench").lingerMs(2).create(topic);

        // the live subscribers
        for (int i = 0; i < live; i++) {
            StompTcpClient client = await(connect(), 30);
            client.handleWith(frames(f -> {
                if (f.command().equals("MESSAGE")) {
                    liveReceived.incrementAndGet();
                    String body = f.body();
                    int at = body.indexOf("\"sentNs\":");
                    long sentNs = Long.parseLong(body.substring(at + 9, body.indexOf(',', at)));
                    if (recording.get()) {
                        double ms = (System.nanoTime() - sentNs) / 1e6;
                        liveLatencies.add(ms, System.nanoTime() - windowStartNs);
                    }
                }
            }));
            client.send(StompFrames.frame("SUBSCRIBE", "id", "s", "destination", "bench.resume.live"));
        }
        // the noise and the live feed, paced per 10 ms
        AtomicBoolean running = new AtomicBoolean(true);
        Thread feed = new Thread(() -> {
            long tick = System.nanoTime();
            long n = 0;
            long ticks = 0;
            while (running.get()) {
                for (int i = 0; i < noiseRate / 100; i++) {
                    produce("other-" + (n++ % 1000), 0);
                }
                if (liveRate >= 100) {
                    for (int i = 0; i < liveRate / 100; i++) {
                        produce(liveTopic, "live", System.nanoTime());
                    }
                } else if (ticks % (100 / Math.max(1, liveRate)) == 0) {
                    produce(liveTopic, "live", System.nanoTime());
                }
                ticks++;
                tick += 10_000_000L;
                long wait = tick - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
        }, "feed");
        feed.start();
        Thread.sleep(10_000); // warm-up; the live subscriptions are in place
        if (liveReceived.get() == 0) {
            throw new IllegalStateException("the live subscribers received nothing in 10 s");
        }

        // 1. sequential resumes
        List<Double> sequentialMs = new ArrayList<>();
        for (int i = 0; i < sequential; i++) {
            String key = "seq-" + i;
            String token = await(takeToken(key), 30);
            for (int m = 0; m < missed; m++) {
                produce(key, 0);
            }
            producer.flush();
            sequentialMs.add(await(resume(key, token, missed), 60));
        }

        // 2. live latency without, then with bursts of simultaneous resumes
        windowStartNs = System.nanoTime();
        recording.set(true);
        Thread.sleep(windowSeconds * 1000L);
        recording.set(false);
        List<Double> quiet = liveLatencies.latencies();
        liveLatencies.clear();
        List<Double> burstMs = new ArrayList<>();
        long burstNanos = 0;
        for (int b = 0; b < bursts; b++) {
            List<Future<String>> tokens = new ArrayList<>();
            for (int c = 0; c < concurrent; c++) {
                tokens.add(takeToken("burst-" + b + "-" + c));
            }
            await(Future.all(tokens), 120);
            for (int m = 0; m < missed; m++) {
                for (int c = 0; c < concurrent; c++) {
                    produce("burst-" + b + "-" + c, 0);
                }
            }
            producer.flush();
            // the resumes start once the node has published the burst's records (a record after them arrived): the
            // window measures the replays, not the source catching up
            await(takeToken("marker-" + b), 120);
            long start = System.nanoTime();
            windowStartNs = start;
            recording.set(true);
            List<Future<Double>> resumes = new ArrayList<>();
            for (int c = 0; c < concurrent; c++) {
                resumes.add(resume("burst-" + b + "-" + c, tokens.get(c).result(), missed));
            }
            await(Future.all(resumes), 600);
            recording.set(false);
            burstNanos += System.nanoTime() - start;
            resumes.forEach(r -> burstMs.add(r.result()));
        }
        List<Double> during = liveLatencies.latencies();
        // the live p99 per second since the start of a burst, the bursts together: where the latency comes from
        JsonArray timeline = new JsonArray();
        liveLatencies.bySecond().forEach((second, values) -> timeline.add(stats(values).put("second", second)));
        running.set(false);
        feed.join();
        JsonObject quietStats = stats(quiet);
        JsonObject duringStats = stats(during);
        System.out.println(new JsonObject()
            .put("noiseRate", noiseRate).put("liveRate", liveRate).put("live", live).put("missed", missed)
            .put("sequential", stats(sequentialMs)).put("sequentialMs", new JsonArray(sequentialMs))
            .put("concurrent", concurrent).put("bursts", bursts).put("burstResume", stats(burstMs))
            .put("burstSeconds", round(burstNanos / 1e9))
            .put("liveQuiet", quietStats).put("liveDuringBursts", duringStats).put("liveDuringBurstsBySecond", timeline)
            .put("liveP99Ratio", Math.round(duringStats.getDouble("p99") / quietStats.getDouble("p99") * 100) / 100.0)
            .encode());
        producer.close();
        System.exit(0);
    }

}
