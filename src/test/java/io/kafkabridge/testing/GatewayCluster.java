package io.kafkabridge.testing;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway nodes of one test, each the fat jar in its own JVM started with {@code -cluster}, in a Hazelcast cluster
 * of the test's own (its own {@code cluster-name}, so nothing else on the machine can join it) and one consumer group of
 * the test's own on the given broker; and the STOMP-over-TCP clients of those nodes. Closing it closes the clients and
 * stops the nodes still running.
 * <p>
 * Each node's output is watched for the partitions Kafka assigns to it and revokes from it
 * ({@code Kafka partitions assigned to this node: [...]}), so a test can wait for an assignment and tell which node
 * owns which partition. Besides the gateway's own log, the nodes log the Kafka consumer's offset decisions (committed
 * offset found, offset reset) to help explain a failure: {@code target/gateway-processes/node-<pid>.log}.
 */
public final class GatewayCluster implements AutoCloseable {

    public static final Path JAR = Path.of(System.getProperty("kebb.test.jar", "target/kafka-eventbus-bridge.jar"));
    public static final Duration STARTUP = Duration.ofSeconds(120);
    public static final Duration DELIVERY = Duration.ofSeconds(90);
    public static final Pattern STARTED = Pattern.compile("Gateway node started: HTTP on port (\\d+), STOMP over TCP on port (\\d+)");
    private static final Pattern ASSIGNED = Pattern.compile("Kafka partitions assigned to this node: \\[([^\\]]*)\\]");
    private static final Pattern REVOKED = Pattern.compile("Kafka partitions revoked from this node: \\[([^\\]]*)\\]");
    private static final Pattern LOST = Pattern.compile("Kafka partitions \\[([^\\]]*)\\] were lost");
    private static final String LOGBACK = """
        <configuration>
          <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
          </appender>
          <logger name="io.kafkabridge" level="INFO"/>
          <logger name="kafka" level="WARN"/>
          <logger name="org.apache.kafka" level="WARN"/>
          <logger name="state.change.logger" level="WARN"/>
          <!-- where each partition starts: "Setting offset for partition ...", "Found no committed offset ...",
               "Resetting offset for partition ...", and the consumer's view of each rebalance -->
          <logger name="org.apache.kafka.clients.consumer.internals.ConsumerCoordinator" level="INFO"/>
          <logger name="org.apache.kafka.clients.consumer.internals.SubscriptionState" level="INFO"/>
          <logger name="com.hazelcast" level="INFO"/>
          <root level="INFO"><appender-ref ref="STDOUT"/></root>
        </configuration>
        """;

    private final Path dir;
    private final EmbeddedKafka kafka;
    private final Vertx vertx;
    private final String id;
    private final Path clusterXml;
    private final Path logback;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Client> clients = new ArrayList<>();
    /** Guards every node's {@code owned} set; notified on each assignment change. */
    private final Object assignments = new Object();
    private int configs;

    /**
     * @param dir   the test's temporary directory: working directory of the nodes, their config files
     * @param kafka the broker
     * @param vertx the Vert.x of the test's clients
     */
    public GatewayCluster(Path dir, EmbeddedKafka kafka, Vertx vertx) throws IOException {
        this.dir = dir;
        this.kafka = kafka;
        this.vertx = vertx;
        this.id = UUID.randomUUID().toString().substring(0, 8);
        String xml = ClusteredVertx.clusterXml("gateway-it-" + id);
        assertThat(xml).contains("gateway-it-" + id);
        clusterXml = Files.writeString(dir.resolve("cluster.xml"), xml);
        logback = Files.writeString(dir.resolve("logback-test-node.xml"), LOGBACK);
    }

    /**
     * @return a short id of this test's own, also in the cluster name and the group id; handy for topic names
     */
    public String id() {
        return id;
    }

    public String groupId() {
        return "gateway-it-" + id;
    }

    /**
     * @return a node config of this test: HTTP and STOMP over TCP on free loopback ports, the broker, this test's group
     * ({@code autoOffsetReset} earliest, commits every 500 ms), a 10-minute idle timeout; no route and no rule yet
     */
    public JsonObject config() {
        return new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
            .put("stomp", new JsonObject().put("host", "127.0.0.1").put("port", 0))
            .put("kafka", new JsonObject().put("bootstrapServers", kafka.bootstrapServers()).put("groupId", groupId())
                .put("autoOffsetReset", "earliest").put("commitIntervalMs", 500))
            .put("limits", new JsonObject().put("idleTimeoutMs", 600_000));
    }

    /**
     * @return {@link #config()} with {@code overrides} merged in (objects merged key by key, anything else replaced)
     */
    public JsonObject config(JsonObject overrides) {
        return config().mergeIn(overrides, true);
    }

    /**
     * Writes a config file for the nodes.
     */
    public Path writeConfig(JsonObject config) {
        try {
            return Files.writeString(dir.resolve("node-" + (++configs) + ".json"), config.encodePrettily());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a node process with {@code -cluster} and returns at once; {@link Node#awaitStarted()} waits for it.
     */
    public Node launch(Path config) {
        GatewayProcess process = GatewayProcess.start(JAR, dir, Map.of(),
            List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dvertx.hazelcast.config=" + clusterXml.toAbsolutePath(),
                "-Dlogback.configurationFile=" + logback.toAbsolutePath()),
            "run", "io.kafkabridge.MainVerticle", "-cluster", "-cluster-host", "127.0.0.1", "-conf", config.toAbsolutePath().toString());
        Node node = new Node(process, nodes.size() + 1);
        nodes.add(node);
        process.onLine(node::watch);
        return node;
    }

    /**
     * Starts one node and waits until it has started.
     */
    public Node start(Path config) {
        return launch(config).awaitStarted();
    }

    /**
     * Starts the node processes together (they join the cluster in parallel) and waits until each has started.
     */
    public List<Node> start(Path config, int count) {
        List<Node> launched = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            launched.add(launch(config));
        }
        launched.forEach(Node::awaitStarted);
        return launched;
    }

    /**
     * A STOMP client over TCP, CONNECTed to the node (no subscription yet).
     */
    public Client connect(Node node) {
        Client client = new Client(node, RawStompClient.connectTcp(vertx, node.stompPort()));
        clients.add(client);
        client.stomp.send("CONNECT", "accept-version", "1.2", "host", "localhost", "heart-beat", "0,0");
        RawStompClient.Received connected = client.read(Duration.ofSeconds(30));
        assertThat(connected.command()).as("answer to CONNECT from %s: %s", node, connected).isEqualTo("CONNECTED");
        return client;
    }

    /**
     * A client of the node subscribed to the destinations; returns once the subscriptions are live cluster-wide (the
     * bridge sends the RECEIPT after the registration completed).
     */
    public Client subscribe(Node node, Collection<String> destinations) {
        Client client = connect(node);
        client.subscribe(destinations);
        return client;
    }

    /**
     * Waits until the nodes' assignments, as their logs tell, satisfy {@code condition} (read it with
     * {@link Node#owned(String)}).
     */
    public void awaitAssignment(String description, BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (assignments) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + description + " within " + timeout + "; assignments: " + assignmentsNow());
                }
                try {
                    assignments.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted");
                }
            }
        }
    }

    private String assignmentsNow() {
        synchronized (assignments) {
            return nodes.stream().map(n -> n + (n.process.isAlive() ? "" : " (ended)") + "=" + new TreeSet<>(n.owned))
                .collect(Collectors.joining(", "));
        }
    }

    /**
     * @return the nodes launched so far, in launch order
     */
    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    @Override
    public void close() throws InterruptedException {
        for (Client client : clients) {
            client.close();
        }
        for (Node node : nodes) {
            node.process.close();
        }
    }

    private static Set<String> partitions(String list) {
        Set<String> partitions = new LinkedHashSet<>();
        for (String partition : list.split(",")) {
            if (!partition.isBlank()) {
                partitions.add(partition.trim());
            }
        }
        return partitions;
    }

    /**
     * @return {@code topic-partition@offset}, the position a MESSAGE frame's headers name
     */
    public static String position(RecordMetadata metadata) {
        return metadata.topic() + "-" + metadata.partition() + "@" + metadata.offset();
    }

    /**
     * Each address receives the records of one partition in offset order, once each. Vert.x orders messages per sender
     * and handler, so records of one partition that go to different addresses may interleave differently.
     */
    public static void assertInPartitionOrderPerAddress(List<Seen> seen) {
        Map<String, Long> last = new HashMap<>();
        for (Seen record : seen) {
            String stream = record.destination() + " / " + record.topic() + "-" + record.partition();
            Long previous = last.put(stream, record.offset());
            assertThat(previous == null || previous < record.offset())
                .as("%s: offset %d after %d", stream, record.offset(), previous)
                .isTrue();
        }
    }

    /**
     * @return the deliveries of a position seen more than once (every delivery of it, the first included)
     */
    public static List<Seen> duplicates(List<Seen> seen) {
        Map<String, Integer> counts = new HashMap<>();
        seen.forEach(s -> counts.merge(s.destination() + " " + s.position(), 1, Integer::sum));
        return seen.stream().filter(s -> counts.get(s.destination() + " " + s.position()) > 1).toList();
    }

    /**
     * A record as a client saw it ({@code timestamp}: the record's Kafka timestamp, here set by the producer).
     */
    public record Seen(String destination, String topic, int partition, long offset, String key, long timestamp, String body) {

        public String position() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /**
     * A gateway node process, its actual ports once started, and the partitions it owns according to its log.
     */
    public final class Node {
        private final GatewayProcess process;
        private final int number;
        /** {@code topic-partition} strings; guarded by {@code assignments}. */
        private final Set<String> owned = new HashSet<>();
        private int httpPort = -1;
        private int stompPort = -1;

        private Node(GatewayProcess process, int number) {
            this.process = process;
            this.number = number;
        }

        private void watch(String line) {
            Matcher assigned = ASSIGNED.matcher(line);
            Matcher revoked = REVOKED.matcher(line);
            Matcher lost = LOST.matcher(line);
            synchronized (assignments) {
                if (assigned.find()) {
                    owned.addAll(partitions(assigned.group(1)));
                } else if (revoked.find()) {
                    owned.removeAll(partitions(revoked.group(1)));
                } else if (lost.find()) {
                    owned.removeAll(partitions(lost.group(1)));
                } else {
                    return;
                }
                assignments.notifyAll();
            }
        }

        /**
         * Waits for the node's "started" line and reads its ports from it.
         */
        public Node awaitStarted() {
            Matcher line = STARTED.matcher(process.awaitLine(l -> STARTED.matcher(l).find(), STARTUP));
            assertThat(line.find()).isTrue();
            httpPort = Integer.parseInt(line.group(1));
            stompPort = Integer.parseInt(line.group(2));
            return this;
        }

        /**
         * Waits for an output line (after those already awaited) in which {@code pattern} is found.
         */
        public String awaitLine(Pattern pattern, Duration timeout) {
            return process.awaitLine(l -> pattern.matcher(l).find(), timeout);
        }

        /**
         * @return the partitions of {@code topic} this node owns according to its log (the last known state of a node
         * that was killed)
         */
        public Set<Integer> owned(String topic) {
            synchronized (assignments) {
                return owned.stream().filter(p -> p.startsWith(topic + "-") && p.lastIndexOf('-') == topic.length())
                    .map(p -> Integer.parseInt(p.substring(topic.length() + 1))).collect(Collectors.toCollection(TreeSet::new));
            }
        }

        public int httpPort() {
            return httpPort;
        }

        public int stompPort() {
            return stompPort;
        }

        public GatewayProcess process() {
            return process;
        }

        /**
         * Sends a signal: {@code KILL}, {@code STOP}, {@code CONT}, {@code TERM}.
         */
        public void signal(String name) throws IOException, InterruptedException {
            process.signal(name);
        }

        @Override
        public String toString() {
            return "node " + number + " (pid " + process.pid() + ")";
        }
    }

    /**
     * A STOMP-over-TCP client of one node. Every MESSAGE frame it reads, whatever the method, is kept in {@link #seen()}.
     */
    public final class Client implements AutoCloseable {
        private final Node node;
        private final RawStompClient stomp;
        private final List<Seen> seen = new ArrayList<>();
        private final Set<String> positions = new HashSet<>();
        private final Map<String, Long> subscribedAt = new HashMap<>();
        private int receipts;
        private boolean ended;

        private Client(Node node, RawStompClient stomp) {
            this.node = node;
            this.stomp = stomp;
        }

        /**
         * Subscribes to each destination in turn, waiting for each RECEIPT (MESSAGE frames that arrive meanwhile are
         * kept).
         *
         * @return the wall-clock time (epoch ms) after the last RECEIPT
         */
        public long subscribe(Collection<String> destinations) {
            for (String destination : destinations) {
                String receipt = "r-" + (++receipts);
                stomp.send("SUBSCRIBE", "id", destination, "destination", destination, "receipt", receipt);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (true) {
                    RawStompClient.Received frame = read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    if ("RECEIPT".equals(frame.command())) {
                        assertThat(frame.header("receipt-id")).isEqualTo(receipt);
                        break;
                    }
                    assertThat(frame.command()).as("while subscribing to %s on %s: %s", destination, node, frame)
                        .isEqualTo("MESSAGE");
                }
                subscribedAt.put(destination, System.currentTimeMillis());
            }
            return System.currentTimeMillis();
        }

        /**
         * @return the next frame (or {@code CLOSED}); a MESSAGE is also kept in {@link #seen()}
         * @throws AssertionError when nothing arrives in time
         */
        public RawStompClient.Received read(Duration timeout) {
            RawStompClient.Received frame = stomp.next(timeout);
            if ("MESSAGE".equals(frame.command())) {
                Seen record = new Seen(frame.header("destination"), frame.header("kafka.topic"),
                    Integer.parseInt(frame.header("kafka.partition")), Long.parseLong(frame.header("kafka.offset")),
                    frame.header("kafka.key"), Long.parseLong(frame.header("kafka.timestamp")), frame.body());
                seen.add(record);
                positions.add(record.position());
            } else if ("ERROR".equals(frame.command()) || "CLOSED".equals(frame.command())) {
                ended = true;
            }
            return frame;
        }

        /**
         * Reads MESSAGE frames until every expected position was seen, the connection ends or the time runs out;
         * asserts that none is missing.
         *
         * @return every message this client saw so far
         */
        public List<Seen> collect(Set<String> expected, Duration timeout) {
            assertThat(awaitAll(expected, timeout)).as("records never delivered to a client of %s", node).isEmpty();
            return seen();
        }

        /**
         * Reads MESSAGE frames until every expected position was seen, the connection ends or the time runs out.
         *
         * @return the expected positions not seen, sorted
         */
        public Set<String> awaitAll(Set<String> expected, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!ended && !positions.containsAll(expected) && System.nanoTime() < deadline) {
                try {
                    read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                } catch (AssertionError timedOut) {
                    break;
                }
            }
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(positions);
            return missing;
        }

        /**
         * Reads MESSAGE frames until what was seen satisfies {@code condition}.
         */
        public void awaitSeen(String description, Predicate<List<Seen>> condition, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.test(seen)) {
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    throw new AssertionError("a client of " + node + " did not see " + description + " within " + timeout
                        + (ended ? " (the connection ended)" : "") + "; it saw " + seen.size() + " message(s)");
                }
                try {
                    read(Duration.ofNanos(left));
                } catch (AssertionError timedOut) {
                    // checked above
                }
            }
        }

        /**
         * Reads until the node ends the connection (ERROR or close) and returns that frame.
         */
        public RawStompClient.Received awaitEnd(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the connection to " + node + " did not end within " + timeout);
                }
                RawStompClient.Received frame = read(Duration.ofNanos(left));
                if ("ERROR".equals(frame.command()) || "CLOSED".equals(frame.command())) {
                    return frame;
                }
            }
        }

        /**
         * @return the MESSAGE frames read so far, in arrival order
         */
        public List<Seen> seen() {
            return List.copyOf(seen);
        }

        /**
         * @return the wall-clock time (epoch ms) at which the RECEIPT of this destination arrived
         */
        public long subscribedAt(String destination) {
            Long at = subscribedAt.get(destination);
            assertThat(at).as("subscribed to %s", destination).isNotNull();
            return at;
        }

        /**
         * @return the destinations this client subscribed to
         */
        public Set<String> destinations() {
            return Set.copyOf(subscribedAt.keySet());
        }

        public Node node() {
            return node;
        }

        @Override
        public void close() {
            stomp.close();
        }
    }
}
