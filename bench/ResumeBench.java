import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

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
 * Prints one line of JSON. Run: {@code java -cp target/kafka-eventbus-bridge.jar -DstompPort=P -Dbootstrap=B
 * -Dtopic=T bench/ResumeBench.java}; the node routes T to {@code bench.resume.{key}}.
 */
public class ResumeBench {

    /** Held for the whole run: Vert.x 5 closes a NetClient, and its connections, once it is garbage-collected. */
    static NetClient net;
    static Vertx vertx;
    static KafkaProducer<String, String> producer;
    static String topic;
    static int port;

    static String prop(String name, String fallback) {
        String value = System.getProperty(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    /**
     * A STOMP frame, read only as far as asked: the generator reads tens of thousands of frames a second on the core it
     * shares with the broker, and a frame it only counts must cost it no more than finding its end.
     */
    static final class Frame {
        private final Buffer bytes;
        private final int headersEnd;
        final String command;

        Frame(Buffer bytes) {
            int at = 0;
            while (at < bytes.length() && (bytes.getByte(at) == '\n' || bytes.getByte(at) == '\r')) {
                at++;
            }
            int eol = indexOf(bytes, "\n", at);
            this.bytes = bytes;
            this.command = bytes.getString(at, eol < 0 ? bytes.length() : eol, "UTF-8");
            int end = indexOf(bytes, "\n\n", at);
            this.headersEnd = end < 0 ? bytes.length() : end;
        }

        String command() {
            return command;
        }

        /**
         * @return the first value of the header, or {@code null}
         */
        String header(String name) {
            int at = indexOf(bytes.slice(0, headersEnd), "\n" + name + ":", 0);
            if (at < 0) {
                return null;
            }
            int from = at + name.length() + 2;
            int eol = indexOf(bytes, "\n", from);
            return bytes.getString(from, eol < 0 ? headersEnd : Math.min(eol, headersEnd), "UTF-8");
        }

        String body() {
            return headersEnd + 2 <= bytes.length() ? bytes.getString(headersEnd + 2, bytes.length(), "UTF-8") : "";
        }

        @Override
        public String toString() {
            return bytes.getString(0, headersEnd, "UTF-8");
        }

        private static int indexOf(Buffer bytes, String ascii, int from) {
            outer:
            for (int i = from; i <= bytes.length() - ascii.length(); i++) {
                for (int j = 0; j < ascii.length(); j++) {
                    if (bytes.getByte(i + j) != ascii.charAt(j)) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    /** A STOMP connection over TCP; frames are handed to {@link #onFrame} on its event loop. */
    static final class Client {
        final NetSocket socket;
        Buffer pending = Buffer.buffer();
        volatile Consumer<Frame> onFrame = f -> { };

        Client(NetSocket socket) {
            this.socket = socket;
            socket.handler(this::receive);
        }

        void receive(Buffer data) {
            pending.appendBuffer(data);
            int start = 0;
            for (int i = 0; i < pending.length(); i++) {
                if (pending.getByte(i) == 0) {
                    onFrame.accept(new Frame(pending.getBuffer(start, i)));
                    start = i + 1;
                }
            }
            pending = pending.getBuffer(start, pending.length());
        }

        void send(String command, String... headerPairs) {
            StringBuilder frame = new StringBuilder(command).append('\n');
            for (int i = 0; i < headerPairs.length; i += 2) {
                frame.append(headerPairs[i]).append(':').append(headerPairs[i + 1]).append('\n');
            }
            socket.write(Buffer.buffer(frame.append("\n\0").toString()));
        }
    }

    static Future<Client> connect() {
        Promise<Client> connected = Promise.promise();
        net.connect(port, "127.0.0.1").onFailure(connected::fail).onSuccess(socket -> {
            Client client = new Client(socket);
            client.onFrame = f -> {
                if (f.command().equals("CONNECTED")) {
                    connected.tryComplete(client);
                } else {
                    connected.tryFail(f.toString());
                }
            };
            client.send("CONNECT", "accept-version", "1.2", "host", "localhost", "heart-beat", "0,0");
        });
        return connected.future();
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
            client.onFrame = f -> {
                if (f.command().equals("MESSAGE")) {
                    token.tryComplete(f.header("resume"));
                } else if (f.command().equals("ERROR")) {
                    token.tryFail(f.toString());
                }
            };
            client.send("SUBSCRIBE", "id", "s", "destination", "bench.resume." + key, "since", "time:" + System.currentTimeMillis());
            // produced after the SUBSCRIBE: its timestamp is at or after the since time, so its replay or its live
            // stream gets it, whichever comes first
            produce(key, 0);
            return token.future().onComplete(done -> client.socket.close());
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
            client.onFrame = f -> {
                if (f.command().equals("MESSAGE")) {
                    if ("true".equals(f.header("gap"))) {
                        done.tryFail("gap: " + f.body());
                    } else if (++received[0] == count) {
                        done.tryComplete((System.nanoTime() - start) / 1e6);
                    }
                } else if (f.command().equals("ERROR")) {
                    done.tryFail(f.toString());
                }
            };
            client.send("SUBSCRIBE", "id", "s", "destination", "bench.resume." + key, "since", token);
            return done.future().onComplete(d -> client.socket.close());
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
        port = Integer.parseInt(prop("stompPort", "61613"));
        topic = prop("topic", "bench.resume");
        // the live records on a topic of their own: what the bursts' records do to them in one partition's order is
        // Kafka's head-of-line, not the node's cost
        String liveTopic = prop("liveTopic", "bench.resume.live");
        int noiseRate = Integer.parseInt(prop("noiseRate", "10000"));
        int liveRate = Integer.parseInt(prop("liveRate", "100"));
        int live = Integer.parseInt(prop("live", "200"));
        int missed = Integer.parseInt(prop("missed", "1000"));
        int sequential = Integer.parseInt(prop("sequential", "20"));
        int concurrent = Integer.parseInt(prop("concurrent", "100"));
        int bursts = Integer.parseInt(prop("bursts", "3"));
        int windowSeconds = Integer.parseInt(prop("windowSeconds", "20"));
        vertx = Vertx.vertx();
        net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, prop("bootstrap", "127.0.0.1:9092"),
            ProducerConfig.LINGER_MS_CONFIG, "2", ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));

        // the live subscribers
        for (int i = 0; i < live; i++) {
            Client client = await(connect(), 30);
            client.onFrame = f -> {
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
            };
            client.send("SUBSCRIBE", "id", "s", "destination", "bench.resume.live");
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
