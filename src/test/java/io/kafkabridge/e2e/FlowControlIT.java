package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayCluster;
import io.kafkabridge.testing.GatewayCluster.Node;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.kafkabridge.testing.StalledSockJsSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flow control on a node started from the fat jar with its heap capped ({@code -Xmx256m}), fed by the real broker:
 * clients that stop reading, on every transport (STOMP over TCP and WebSocket, SockJS over raw WebSocket, xhr-streaming
 * and eventsource, and an xhr-polling session that never polls again), cost the reading clients nothing and the heap stays bounded; a burst
 * far above the node's delivery rate pauses the Kafka source instead of filling the heap, and every subscriber still
 * gets every record.
 */
@ExtendWith(KafkaBroker.class)
class FlowControlIT {

    private static final String ADDRESS = "flow.feed";
    /**
     * Heap in use after a full GC that the node under test must stay below (its heap is capped at 256 MiB): its own
     * baseline (about 20 MiB) plus every stalled connection's queue full (1 MiB and the 64 KiB write window each).
     */
    private static final long HEAP_BOUND = 64L * 1024 * 1024;
    private static final Duration DELIVERY = Duration.ofSeconds(120);
    /** Records the paced flood may run ahead of the slowest reader: about half of a connection's 1 MiB queue. */
    private static final int AHEAD = 500;

    private static EmbeddedKafka kafka;
    private static Vertx vertx;
    private GatewayCluster cluster;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeAll
    static void start(EmbeddedKafka broker) {
        kafka = broker;
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        GatewayNode.await(vertx.close(), Duration.ofSeconds(30));
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private Node startNode(Path dir, String topic, JsonObject limits) throws Exception {
        cluster = new GatewayCluster(dir, kafka, vertx);
        KafkaBroker.createTopics(kafka, List.of(topic), 3);
        JsonObject config = cluster.config(new JsonObject()
            .put("routes", new JsonArray().add(new JsonObject().put("topic", topic).put("address", ADDRESS)))
            .put("bridge", new JsonObject().put("outboundPermitteds", new JsonArray().add(new JsonObject().put("address", ADDRESS))))
            // a thousand subscribers and the health watch, all from 127.0.0.1
            .put("limits", limits.copy().put("maxConnectionsPerAddress", 10_000)));
        return cluster.start(cluster.writeConfig(config));
    }

    private static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ProducerConfig.LINGER_MS_CONFIG, "5",
            ProducerConfig.BATCH_SIZE_CONFIG, "262144",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
    }

    /**
     * Produces {@code count} records of about {@code size} bytes as fast as the broker takes them.
     *
     * @return their positions ({@code partition@offset})
     */
    private static Set<String> produce(String topic, int count, int size) throws Exception {
        String pad = "x".repeat(size);
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>(count);
        try (KafkaProducer<String, String> producer = producer()) {
            for (int n = 0; n < count; n++) {
                sent.add(producer.send(new ProducerRecord<>(topic, "k" + n % 30, "{\"n\":" + n + ",\"pad\":\"" + pad + "\"}")));
            }
            producer.flush();
        }
        Set<String> positions = new HashSet<>();
        for (java.util.concurrent.Future<RecordMetadata> metadata : sent) {
            positions.add(GatewayCluster.position(metadata.get()));
        }
        return positions;
    }

    /**
     * Positions received by one client, each asserted new and after the previous one of its partition; keeps only the
     * positions, so that a reader of 100,000 records of 1 KB costs the test little.
     */
    private static final class OrderCheck {
        private final String client;
        private final Set<String> seen = new HashSet<>();
        private final Map<String, Long> last = new HashMap<>();

        OrderCheck(String client) {
            this.client = client;
        }

        void accept(String topic, String partition, String offset) {
            String topicPartition = topic + "-" + partition;
            long position = Long.parseLong(offset);
            assertThat(seen.add(topicPartition + "@" + position)).as("%s: %s@%d delivered once", client, topicPartition, position).isTrue();
            Long previous = last.put(topicPartition, position);
            assertThat(previous == null || previous < position)
                .as("%s: partition %s: %d after %d", client, topicPartition, position, previous).isTrue();
        }

        boolean sawAll(Set<String> expected) {
            return seen.containsAll(expected);
        }

        int count() {
            return seen.size();
        }

        Set<String> seen() {
            return seen;
        }

        String progress(Set<String> expected) {
            return seen.size() + " of " + expected.size() + " so far";
        }
    }

    /**
     * Reads {@code rec} frames until every expected position was seen; asserts partition order and no duplicate.
     */
    private static void assertSockJsGetsEveryRecordOnceInOrder(RawSockJsClient client, Set<String> expected) {
        OrderCheck check = new OrderCheck("SockJS reader");
        while (!check.sawAll(expected)) {
            JsonObject headers = BridgeProbes.nextSockJsMessage(client, f -> true, "the records over SockJS ("
                + check.progress(expected) + ")").getJsonObject("headers");
            check.accept(headers.getString("kafka.topic"), headers.getString("kafka.partition"), headers.getString("kafka.offset"));
        }
    }

    /**
     * Reads MESSAGE frames until every expected position was seen; asserts partition order and no duplicate.
     */
    private static void assertStompGetsEveryRecordOnceInOrder(RawStompClient client, Set<String> expected) {
        OrderCheck check = new OrderCheck("STOMP reader");
        while (!check.sawAll(expected)) {
            RawStompClient.Received frame = BridgeProbes.nextStompMessage(client, f -> true, DELIVERY, "the records over STOMP ("
                + check.progress(expected) + ")");
            check.accept(frame.header("kafka.topic"), frame.header("kafka.partition"), frame.header("kafka.offset"));
        }
    }

    /** Runs both readers at once, so that neither's backlog piles up in the test's heap while the other reads. */
    private static void assertBothGetEveryRecordOnceInOrder(RawStompClient stomp, RawSockJsClient sockJs, Set<String> expected) {
        CompletableFuture<Void> overStomp = CompletableFuture.runAsync(() -> assertStompGetsEveryRecordOnceInOrder(stomp, expected));
        CompletableFuture<Void> overSockJs = CompletableFuture.runAsync(() -> assertSockJsGetsEveryRecordOnceInOrder(sockJs, expected));
        joinAll(List.of(overStomp, overSockJs));
    }

    private static void joinAll(List<? extends CompletableFuture<?>> readers) {
        for (CompletableFuture<?> reader : readers) {
            try {
                reader.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof AssertionError failed) {
                    throw failed;
                }
                throw e;
            }
        }
    }

    /**
     * Produces {@code count} records of about {@code size} bytes, at most {@link #AHEAD} ahead of what the slowest
     * reader has received, while both readers read: a reader on this shared machine gets every record however its
     * threads are scheduled (the node would rightly cut one that falls a queue behind), and the clients that stopped
     * reading still face the whole flood. Asserts that both got every record once, in partition order.
     */
    private static void floodWhileBothRead(String topic, int count, int size, RawStompClient stomp, RawSockJsClient sockJs)
        throws Exception {
        OrderCheck overStomp = new OrderCheck("STOMP reader");
        OrderCheck overSockJs = new OrderCheck("SockJS reader");
        CompletableFuture<Void> stompReader = CompletableFuture.runAsync(() -> {
            while (overStomp.count() < count) {
                RawStompClient.Received frame = BridgeProbes.nextStompMessage(stomp, f -> true, DELIVERY, "the records over STOMP ("
                    + overStomp.count() + " of " + count + " so far)");
                overStomp.accept(frame.header("kafka.topic"), frame.header("kafka.partition"), frame.header("kafka.offset"));
            }
        });
        CompletableFuture<Void> sockJsReader = CompletableFuture.runAsync(() -> {
            while (overSockJs.count() < count) {
                JsonObject headers = BridgeProbes.nextSockJsMessage(sockJs, f -> true, "the records over SockJS ("
                    + overSockJs.count() + " of " + count + " so far)").getJsonObject("headers");
                overSockJs.accept(headers.getString("kafka.topic"), headers.getString("kafka.partition"), headers.getString("kafka.offset"));
            }
        });
        int stompBefore = stomp.framesReceived();
        int sockJsBefore = sockJs.framesReceived();
        String pad = "x".repeat(size);
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>(count);
        try (KafkaProducer<String, String> producer = producer()) {
            for (int n = 0; n < count; n++) {
                // checked before every record: never more than AHEAD on their way to a reader, whatever the scheduling
                if (Math.min(stomp.framesReceived() - stompBefore, sockJs.framesReceived() - sockJsBefore) < n - AHEAD) {
                    producer.flush();
                    long deadline = System.nanoTime() + DELIVERY.toNanos();
                    while (Math.min(stomp.framesReceived() - stompBefore, sockJs.framesReceived() - sockJsBefore) < n - AHEAD) {
                        // a reader that failed (an ERROR, its connection closed) says why, rather than this wait timing out
                        throwIfFailed(stompReader);
                        throwIfFailed(sockJsReader);
                        assertThat(System.nanoTime()).as("the readers received %d records", n - AHEAD).isLessThan(deadline);
                        GatewayNode.await(vertx.timer(5), Duration.ofSeconds(5));
                    }
                }
                sent.add(producer.send(new ProducerRecord<>(topic, "k" + n % 30, "{\"n\":" + n + ",\"pad\":\"" + pad + "\"}")));
            }
            producer.flush();
        }
        joinAll(List.of(stompReader, sockJsReader));
        Set<String> expected = new HashSet<>();
        for (java.util.concurrent.Future<RecordMetadata> metadata : sent) {
            expected.add(GatewayCluster.position(metadata.get()));
        }
        assertThat(overStomp.seen()).as("records over STOMP").isEqualTo(expected);
        assertThat(overSockJs.seen()).as("records over SockJS").isEqualTo(expected);
    }

    private static void throwIfFailed(CompletableFuture<Void> reader) {
        if (reader.isCompletedExceptionally()) {
            joinAll(List.of(reader));
        }
    }

    /** Polls {@code /health} every 250 ms on its own thread and counts the polls that got no answer. */
    private static final class HealthWatch implements AutoCloseable {
        final AtomicInteger answered = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final Thread thread;
        private volatile boolean running = true;

        HealthWatch(int httpPort) {
            thread = new Thread(() -> {
                while (running) {
                    try {
                        BridgeProbes.health(httpPort);
                        answered.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(e.getMessage());
                    }
                    GatewayNode.await(vertx.timer(250), Duration.ofSeconds(5));
                }
            }, "health-watch");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }

    @Test
    void clientsThatStopReadingOnEveryTransportCostTheOthersNothingAndTheHeapStaysBounded(@TempDir Path dir) throws Exception {
        String topic = "flow.stalled." + UUID.randomUUID().toString().substring(0, 8);
        Node node = startNode(dir, topic, new JsonObject().put("idleTimeoutMs", 600_000));
        int records = 100_000;

        RawStompClient readingStomp = track(RawStompClient.connectTcp(vertx, node.stompPort()));
        BridgeProbes.stompConnect(readingStomp, "0,0");
        BridgeProbes.stompSubscribe(readingStomp, "feed", ADDRESS);
        RawSockJsClient readingSockJs = track(RawSockJsClient.connect(vertx, node.httpPort(), null));
        readingSockJs.register(ADDRESS);
        // both readers receive a first record: their subscriptions are live
        Set<String> first = produce(topic, 1, 10);
        assertBothGetEveryRecordOnceInOrder(readingStomp, readingSockJs, first);
        int stalled = 0;
        for (int i = 0; i < 4; i++) {
            RawStompClient tcp = track(RawStompClient.connectTcp(vertx, node.stompPort(), new NetClientOptions().setReceiveBufferSize(4096)));
            RawStompClient ws = track(RawStompClient.connectWebSocket(vertx, node.httpPort(), "/stomp",
                new WebSocketClientOptions().setReceiveBufferSize(4096)));
            for (RawStompClient stomp : List.of(tcp, ws)) {
                BridgeProbes.stompConnect(stomp, "0,0");
                BridgeProbes.stompSubscribe(stomp, "feed", ADDRESS);
                stomp.pauseReading();
            }
            RawSockJsClient sockJs = track(RawSockJsClient.connect(vertx, node.httpPort(), null,
                new WebSocketClientOptions().setReceiveBufferSize(4096)));
            sockJs.register(ADDRESS);
            sockJs.pauseReading();
            for (StalledSockJsSession.Transport transport : StalledSockJsSession.Transport.values()) {
                track(StalledSockJsSession.open(vertx, node.httpPort(), transport, ADDRESS));
            }
            stalled += 3 + StalledSockJsSession.Transport.values().length;
        }
        BridgeProbes.awaitOpenConnections(vertx, node.httpPort(), 2 + stalled);

        try (HealthWatch health = new HealthWatch(node.httpPort())) {
            floodWhileBothRead(topic, records, 1000, readingStomp, readingSockJs);
            assertThat(health.failures).as("/health answered throughout (%d answers)", health.answered.get()).isEmpty();
        }
        JsonObject slowClients = BridgeProbes.health(node.httpPort()).getJsonObject("slowClients");
        System.out.printf("Stalled clients: %s; %d stalled on 6 transports%n", slowClients, stalled);
        assertThat(slowClients.getLong("disconnect")).as("stalled clients disconnected").isEqualTo(stalled);
        long heap = node.process().heapUsedAfterGc();
        System.out.printf("Stalled clients: node heap after GC %.1f MiB (bound %d MiB, -Xmx256m)%n", heap / 1048576.0, HEAP_BOUND >> 20);
        assertThat(heap).isLessThan(HEAP_BOUND);
        assertThat(BridgeProbes.openConnections(node.httpPort())).isEqualTo(2);
    }

    /**
     * A STOMP subscriber over TCP that reads everything and only counts frames (the NUL that ends each), so that a
     * thousand of them cost the test little.
     */
    private static final class CountingSubscriber {
        final AtomicLong frames = new AtomicLong();
        NetSocket socket;

        Future<Void> connect(NetClient client, int port) {
            return client.connect(port, "127.0.0.1").map(connected -> {
                socket = connected;
                connected.handler(data -> {
                    int nul = 0;
                    for (int i = 0; i < data.length(); i++) {
                        if (data.getByte(i) == 0) {
                            nul++;
                        }
                    }
                    frames.addAndGet(nul);
                });
                connected.write("CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\u0000"
                    + "SUBSCRIBE\nid:feed\ndestination:" + ADDRESS + "\nreceipt:r\n\n\u0000");
                return null;
            });
        }
    }

    private static void awaitFrames(List<CountingSubscriber> subscribers, long frames, String what) {
        long deadline = System.nanoTime() + DELIVERY.toNanos();
        while (subscribers.stream().anyMatch(s -> s.frames.get() < frames) && System.nanoTime() < deadline) {
            GatewayNode.await(vertx.timer(100), Duration.ofSeconds(5));
        }
        long behind = subscribers.stream().filter(s -> s.frames.get() < frames).count();
        assertThat(behind).as("subscribers that did not get %s", what).isZero();
    }

    @Test
    void aBurstFarAboveTheDeliveryRatePausesTheSourceAndEverySubscriberGetsEveryRecord(@TempDir Path dir) throws Exception {
        String topic = "flow.burst." + UUID.randomUUID().toString().substring(0, 8);
        int bound = 100;
        Node node = startNode(dir, topic, new JsonObject().put("idleTimeoutMs", 600_000).put("maxInFlightRecords", bound));
        int records = 20 * bound;
        NetClient client = vertx.createNetClient(new NetClientOptions());
        List<CountingSubscriber> subscribers = new ArrayList<>();
        List<Future<Void>> connecting = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            CountingSubscriber subscriber = new CountingSubscriber();
            subscribers.add(subscriber);
            connecting.add(subscriber.connect(client, node.stompPort()));
        }
        GatewayNode.await(Future.all(connecting), Duration.ofSeconds(60));
        clients.add(client::close);
        // CONNECTED and the RECEIPT: every subscription is live
        awaitFrames(subscribers, 2, "CONNECTED and RECEIPT");

        try (HealthWatch health = new HealthWatch(node.httpPort())) {
            produce(topic, records, 100);
            awaitFrames(subscribers, 2 + records, "every record");
            assertThat(subscribers).allSatisfy(s -> assertThat(s.frames.get()).as("frames of a subscriber").isEqualTo(2 + records));
            assertThat(health.failures).as("/health answered throughout (%d answers)", health.answered.get()).isEmpty();
        }
        JsonObject health = BridgeProbes.health(node.httpPort());
        System.out.printf("Burst: %d records to 1,000 subscribers; source %s; slow clients %s%n", records,
            health.getJsonObject("source"), health.getJsonObject("slowClients"));
        assertThat(health.getJsonObject("source").getLong("pauses")).as("the source paused at least once").isPositive();
        assertThat(health.getJsonObject("source").getBoolean("paused")).isFalse();
        assertThat(health.getJsonObject("source").getLong("records")).as("records in flight once all were delivered").isZero();
        assertThat(health.getJsonObject("slowClients").getLong("disconnect")).isZero();
        long heap = node.process().heapUsedAfterGc();
        System.out.printf("Burst: node heap after GC %.1f MiB (bound %d MiB, -Xmx256m)%n", heap / 1048576.0, HEAP_BOUND >> 20);
        assertThat(heap).isLessThan(HEAP_BOUND);
    }

    private <T extends AutoCloseable> T track(T client) {
        clients.add(client);
        return client;
    }
}
