package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.GatewayCluster;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.GatewayCluster.Client;
import io.kafkabridge.testing.GatewayCluster.Node;
import io.kafkabridge.testing.GatewayCluster.Seen;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawStompClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.kafkabridge.testing.GatewayCluster.DELIVERY;
import static io.kafkabridge.testing.GatewayCluster.STARTUP;
import static io.kafkabridge.testing.GatewayCluster.assertInPartitionOrderPerAddress;
import static io.kafkabridge.testing.GatewayCluster.duplicates;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Partitions changing owner in a live cluster of gateway nodes (each the fat jar in its own JVM, {@code -cluster}, one
 * consumer group on a real broker): a node joining, a node killed, partitions added to a topic, a new topic matching a
 * pattern route, and scale-out, scale-in and a rolling restart under continuous traffic. Whatever the partition's history
 * (never had a record, new), its records all reach the clients: a partition that changes owner continues exactly where its
 * old owner stopped and {@code auto.offset.reset} (here {@code latest}, the default) only places a new group (DESIGN.md 4-5).
 */
@ExtendWith(KafkaBroker.class)
class ClusterHandoverIT {

    private static final List<String> USERS = List.of("alice", "bob", "carol", "dave", "erin", "frank");
    private static final Pattern MEMBER_JOINED = Pattern.compile("Cluster member joined");
    private static final Pattern MEMBER_LEFT = Pattern.compile("Cluster member left");
    private static final Pattern SETTLED = Pattern.compile("Cluster settled");

    private static EmbeddedKafka kafka;
    private static KafkaProducer<String, String> producer;
    private static Admin admin;
    private static Vertx vertx;

    private GatewayCluster cluster;
    private Traffic traffic;

    @BeforeAll
    static void startClients(EmbeddedKafka broker) {
        kafka = broker;
        producer = KafkaBroker.createProducer(kafka);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopClients() {
        producer.close();
        admin.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @AfterEach
    void stopNodes() throws InterruptedException {
        if (traffic != null) {
            traffic.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A record as produced: where it went, its sequence number (also in its value) and when. */
    private record Sent(String topic, int partition, long offset, String key, int seq, long sentAt, long ackedAt) {
        String position() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    private static Sent send(String topic, Integer partition, String key, int seq) {
        long sentAt = System.currentTimeMillis();
        RecordMetadata metadata = KafkaBroker.produce(producer, new ProducerRecord<>(topic, partition, key,
            new JsonObject().put("seq", seq).put("key", key).encode()));
        return new Sent(metadata.topic(), metadata.partition(), metadata.offset(), key, seq, sentAt, System.currentTimeMillis());
    }

    /**
     * Pacing of a producer (not a wait for an event): returns at {@code epochMs}.
     */
    private static void pace(long epochMs) {
        long wait = epochMs - System.currentTimeMillis();
        if (wait > 0) {
            GatewayNode.await(vertx.timer(wait), Duration.ofMillis(wait + 5_000));
        }
    }

    /**
     * A node config: {@code auto.offset.reset} latest (the default, and what the group falls back to when nothing is
     * committed), the routes, every routed address permitted, and extra {@code kafka} settings.
     */
    private Path config(JsonArray routes, Collection<String> addresses, JsonObject kafkaSettings) {
        JsonArray rules = new JsonArray();
        addresses.forEach(address -> rules.add(new JsonObject().put("address", address)));
        return cluster.writeConfig(cluster.config(new JsonObject()
            .put("kafka", new JsonObject().put("autoOffsetReset", "latest").mergeIn(kafkaSettings))
            .put("routes", routes)
            .put("bridge", new JsonObject().put("outboundPermitteds", rules))));
    }

    private static JsonObject route(String topic, String address) {
        return new JsonObject().put("topic", topic).put("address", address);
    }

    /** The consumer sees new partitions and topics within a second or two. */
    private static JsonObject fastMetadata() {
        return new JsonObject().put("consumer", new JsonObject().put("metadata.max.age.ms", "1000"));
    }

    /**
     * Waits until the client has every record of {@code expected}; fails naming the missing ones (seq, key,
     * partition, offset, when produced relative to the first expected record).
     */
    private static List<Seen> assertDelivered(String what, Client client, Collection<Sent> expected, Duration timeout) {
        return assertDelivered(what, client, expected, timeout, "the first of them",
            expected.stream().mapToLong(Sent::sentAt).min().orElse(0));
    }

    /**
     * Waits until the client has every record of {@code expected}; fails naming the missing ones (seq, key,
     * partition, offset, when produced relative to {@code reference}).
     */
    private static List<Seen> assertDelivered(String what, Client client, Collection<Sent> expected, Duration timeout,
                                              String referenceName, long reference) {
        Map<String, Sent> byPosition = new LinkedHashMap<>();
        expected.forEach(s -> byPosition.put(s.position(), s));
        Set<String> missing = client.awaitAll(byPosition.keySet(), timeout);
        if (!missing.isEmpty()) {
            Map<String, List<String>> perPartition = new TreeMap<>();
            missing.stream().map(byPosition::get).sorted((a, b) -> Integer.compare(a.seq(), b.seq())).forEach(s ->
                perPartition.computeIfAbsent(s.topic() + "-" + s.partition(), p -> new ArrayList<>())
                    .add("seq " + s.seq() + " (" + s.key() + ", offset " + s.offset() + ", produced " + (s.sentAt() - reference)
                        + " ms after " + referenceName + ")"));
            throw new AssertionError(what + ": " + missing.size() + " of " + expected.size() + " records never reached the client of "
                + client.node() + " (it received " + client.seen().size() + " messages); missing per partition: " + perPartition);
        }
        return client.seen();
    }

    /**
     * Records of one key of one topic reach an address in the order they were produced (the key is in one partition).
     */
    private static void assertInKeyOrder(List<Seen> seen) {
        Map<String, Integer> last = new HashMap<>();
        for (Seen record : seen) {
            int seq = new JsonObject(record.body()).getInteger("seq");
            // Kafka orders a key within its topic (one partition); the same key in two topics has no order
            Integer previous = last.put(record.destination() + " / " + record.topic() + " / " + record.key(), seq);
            assertThat(previous == null || previous < seq).as("%s, topic %s, key %s: seq %d after %d", record.destination(),
                record.topic(), record.key(), seq, previous).isTrue();
        }
    }

    /**
     * Exactly once, in order: every delivered position once, per partition in offset order, per key in production
     * order.
     */
    private static void assertExactlyOnceInOrder(String who, List<Seen> seen) {
        assertThat(duplicates(seen)).as("records delivered more than once to %s", who).isEmpty();
        assertInPartitionOrderPerAddress(seen);
        assertInKeyOrder(seen);
    }

    @Test
    void recordsProducedWhileAnIdlePartitionMovesToAJoiningNodeAllReachTheClient(@TempDir Path dir) throws Exception {
        cluster = new GatewayCluster(dir, kafka, vertx);
        String topic = "handover." + cluster.id();
        KafkaBroker.createTopics(kafka, List.of(topic), 3);
        Path config = config(new JsonArray().add(route(topic, "feed.all")), List.of("feed.all"), new JsonObject());

        // node A alone, fresh group: it owns the three partitions, none of which has a record
        Node a = cluster.start(config);
        cluster.awaitAssignment("node A owning the 3 partitions", () -> a.owned(topic).size() == 3, STARTUP);
        // node B joins; once it has started, a client on A subscribes, and 3 s later the records come, 30 every 2 s
        Node b = cluster.launch(config).awaitStarted();
        Client client = cluster.subscribe(a, List.of("feed.all"));
        long subscribed = client.subscribedAt("feed.all");
        List<Sent> sent = new ArrayList<>();
        for (int batch = 0; batch < 4; batch++) {
            pace(subscribed + 3_000 + 2_000L * batch);
            for (int i = 0; i < 30; i++) {
                int seq = batch * 30 + i;
                sent.add(send(topic, null, "k" + (seq % 10), seq));
            }
        }
        assertThat(sent.stream().map(Sent::partition).collect(Collectors.toSet())).as("keys k0..k9 cover the 3 partitions").hasSize(3);

        cluster.awaitAssignment("a partition moved from node A to node B", () -> !b.owned(topic).isEmpty(), DELIVERY);
        Set<Integer> moved = b.owned(topic);
        System.out.printf("Join: partition(s) %s moved from A to B; partitions of the records: %s%n", moved,
            sent.stream().collect(Collectors.groupingBy(Sent::partition, TreeMap::new, Collectors.counting())));
        List<Seen> seen = assertDelivered("a partition moving to a joining node", client, sent, DELIVERY);
        System.out.printf("Join: the client on A received %d messages for %d records%n", seen.size(), sent.size());
        assertThat(seen).hasSize(sent.size());
        assertExactlyOnceInOrder("the client", seen);
    }

    @Test
    void recordsInANeverUsedPartitionSurviveTheSigkillOfItsOwner(@TempDir Path dir) throws Exception {
        cluster = new GatewayCluster(dir, kafka, vertx);
        String topic = "sigkill." + cluster.id();
        KafkaBroker.createTopics(kafka, List.of(topic), 4);
        Path config = config(new JsonArray().add(route(topic, "kill.feed")), List.of("kill.feed"), new JsonObject());

        List<Node> nodes = cluster.start(config, 2);
        Node survivor = nodes.get(0);
        Node victim = nodes.get(1);
        cluster.awaitAssignment("the 4 partitions shared out between the two nodes", () -> {
            Set<Integer> mine = survivor.owned(topic);
            Set<Integer> theirs = victim.owned(topic);
            return !mine.isEmpty() && !theirs.isEmpty() && mine.size() + theirs.size() == 4 && mine.stream().noneMatch(theirs::contains);
        }, STARTUP);
        List<Integer> survivorPartitions = List.copyOf(survivor.owned(topic));
        List<Integer> victimPartitions = List.copyOf(victim.owned(topic));
        // the victim's first partition gets records before the kill, its others never had one until after it
        int used = victimPartitions.get(0);
        List<Integer> neverUsed = victimPartitions.subList(1, victimPartitions.size());
        Client client = cluster.subscribe(survivor, List.of("kill.feed"));

        List<Integer> before = new ArrayList<>(survivorPartitions);
        before.add(used);
        AtomicReference<List<Integer>> targets = new AtomicReference<>(before);
        traffic = new Traffic("sigkill", 100, seq -> {
            List<Integer> partitions = targets.get();
            int partition = partitions.get(seq % partitions.size());
            return new ProducerRecord<>(topic, partition, "p" + partition, new JsonObject().put("seq", seq).encode());
        });
        // the victim publishes its partition's records: they reach the survivor's client
        client.awaitSeen("5 records of partition " + used, s -> s.stream().filter(r -> r.partition() == used).count() >= 5, DELIVERY);

        long killedAt = System.currentTimeMillis();
        victim.signal("KILL");
        targets.set(List.of(0, 1, 2, 3));
        System.out.printf("SIGKILL of %s (partitions %s; %s never had a record) at %d; %s keeps %s%n", victim, victimPartitions,
            neverUsed, killedAt, survivor, survivorPartitions);
        cluster.awaitAssignment("the survivor owning the killed node's partitions", () -> survivor.owned(topic).size() == 4,
            Duration.ofSeconds(90));
        long takenOverAt = System.currentTimeMillis();
        traffic.awaitMore(20, Duration.ofSeconds(30));
        List<Sent> sent = traffic.stop();

        System.out.printf("SIGKILL: the survivor was assigned the killed node's partitions %d ms after the kill; %d records produced%n",
            takenOverAt - killedAt, sent.size());
        assertThat(sent).as("records produced into a never-used partition while it had no owner")
            .anyMatch(s -> neverUsed.contains(s.partition()) && s.sentAt() >= killedAt && s.ackedAt() < takenOverAt);
        List<Seen> seen = assertDelivered("the SIGKILL of the owner of never-used partitions", client, sent, DELIVERY, "the kill", killedAt);
        List<Seen> duplicates = duplicates(seen);
        Map<String, Sent> byPosition = sent.stream().collect(Collectors.toMap(Sent::position, s -> s));
        System.out.printf("SIGKILL: the survivor's client received %d messages for %d records, %d record(s) twice%n",
            seen.size(), sent.size(), duplicates.stream().map(Seen::position).distinct().count());
        // at least once: re-delivered only what the killed node may not have committed (its last seconds)
        assertThat(duplicates).allSatisfy(d -> assertThat(byPosition.get(d.position()).sentAt())
            .as("%s delivered twice, produced %d ms before the kill", d.position(), killedAt - byPosition.get(d.position()).sentAt())
            .isGreaterThanOrEqualTo(killedAt - 5_000));
        // the first delivery of each record comes in partition order
        Set<String> first = new HashSet<>();
        assertInPartitionOrderPerAddress(seen.stream().filter(s -> first.add(s.position())).toList());
    }

    @Test
    void partitionsAddedToALiveTopicAreReadFromTheirBeginning(@TempDir Path dir) throws Exception {
        cluster = new GatewayCluster(dir, kafka, vertx);
        String topic = "grow." + cluster.id();
        KafkaBroker.createTopics(kafka, List.of(topic), 2);
        Path config = config(new JsonArray().add(route(topic, "grow.feed")), List.of("grow.feed"), fastMetadata());

        Node node = cluster.start(config);
        cluster.awaitAssignment("the node owning the 2 partitions", () -> node.owned(topic).size() == 2, STARTUP);
        Client client = cluster.subscribe(node, List.of("grow.feed"));
        List<Sent> sent = new ArrayList<>();
        int seq = 0;
        for (; seq < 10; seq++) {
            sent.add(send(topic, seq % 2, "k" + seq % 2, seq));
        }
        assertDelivered("records of the live topic", client, sent, DELIVERY);

        admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all().get(30, TimeUnit.SECONDS);
        long grownAt = System.currentTimeMillis();
        for (; seq < 30; seq++) {
            sent.add(send(topic, 2 + seq % 2, "k" + (2 + seq % 2), seq));
        }
        cluster.awaitAssignment("the node owning the 2 new partitions", () -> node.owned(topic).size() == 4, Duration.ofSeconds(60));
        System.out.printf("Partitions added: the node was assigned them %d ms after they were created%n", System.currentTimeMillis() - grownAt);
        for (; seq < 50; seq++) {
            sent.add(send(topic, seq % 4, "k" + seq % 4, seq));
        }

        List<Seen> seen = assertDelivered("partitions added to a live topic", client, sent, DELIVERY, "the partitions were created", grownAt);
        assertThat(seen).hasSize(sent.size());
        assertExactlyOnceInOrder("the client", seen);
    }

    @Test
    void aNewTopicMatchingAPatternRouteIsReadFromItsBeginning(@TempDir Path dir) throws Exception {
        cluster = new GatewayCluster(dir, kafka, vertx);
        String prefix = "pattern" + cluster.id();
        String existing = prefix + ".a";
        String created = prefix + ".b";
        KafkaBroker.createTopics(kafka, List.of(existing), 2);
        Path config = config(new JsonArray().add(new JsonObject().put("topicPattern", prefix + "\\..+").put("address", "pattern.feed")),
            List.of("pattern.feed"), fastMetadata());

        Node node = cluster.start(config);
        cluster.awaitAssignment("the node owning the matching topic's partitions", () -> node.owned(existing).size() == 2, STARTUP);
        Client client = cluster.subscribe(node, List.of("pattern.feed"));
        List<Sent> sent = new ArrayList<>();
        int seq = 0;
        for (; seq < 10; seq++) {
            sent.add(send(existing, seq % 2, "a" + seq % 2, seq));
        }
        assertDelivered("records of the existing topic", client, sent, DELIVERY);

        KafkaBroker.createTopics(kafka, List.of(created), 2);
        long createdAt = System.currentTimeMillis();
        for (; seq < 30; seq++) {
            sent.add(send(created, seq % 2, "b" + seq % 2, seq));
        }
        cluster.awaitAssignment("the node owning the new topic's partitions", () -> node.owned(created).size() == 2, Duration.ofSeconds(60));
        System.out.printf("New topic: the node was assigned it %d ms after it was created%n", System.currentTimeMillis() - createdAt);
        for (; seq < 50; seq++) {
            sent.add(send(seq % 2 == 0 ? existing : created, (seq / 2) % 2, "c" + (seq / 2) % 2, seq));
        }

        List<Seen> seen = assertDelivered("a new topic matching a pattern route", client, sent, DELIVERY, "the topic was created", createdAt);
        assertThat(seen).hasSize(sent.size());
        assertExactlyOnceInOrder("the client", seen);
    }

    @Test
    void aNodeTerminatedWhileARebalanceIsUnderWayCommitsWhatItPublished(@TempDir Path dir) throws Exception {
        cluster = new GatewayCluster(dir, kafka, vertx);
        String topic = "midrebalance." + cluster.id();
        KafkaBroker.createTopics(kafka, List.of(topic), 6);
        Path config = config(new JsonArray().add(route(topic, "feed.all")), List.of("feed.all"), new JsonObject());

        List<Node> nodes = cluster.start(config, 2);
        Node leaving = nodes.get(0);
        Node staying = nodes.get(1);
        cluster.awaitAssignment("the 6 partitions shared out between the two nodes", () -> !leaving.owned(topic).isEmpty()
            && !staying.owned(topic).isEmpty() && leaving.owned(topic).size() + staying.owned(topic).size() == 6, STARTUP);
        Client client = cluster.subscribe(staying, List.of("feed.all"));
        traffic = new Traffic("rebalance", 50, seq -> new ProducerRecord<>(topic, seq % 6, "k" + seq % 6,
            new JsonObject().put("seq", seq).put("key", "k" + seq % 6).encode()));
        client.awaitSeen("records of the 6 partitions", s -> s.stream().map(Seen::partition).distinct().count() == 6, DELIVERY);

        // a third node joins: the leaving node gives up its first partitions and rejoins the group for the second
        // round of the cooperative rebalance; it is stopped right then, while the rebalance is under way
        Node joining = cluster.launch(config);
        leaving.awaitLine(Pattern.compile("Cluster member joined.*\\(3 member"), STARTUP);
        leaving.awaitLine(Pattern.compile("Kafka partitions revoked from this node"), STARTUP);
        terminate(leaving, List.of());
        joining.awaitStarted();
        staying.awaitLine(MEMBER_LEFT, Duration.ofSeconds(60));
        staying.awaitLine(SETTLED, Duration.ofSeconds(60));
        awaitFlowing(client, System.currentTimeMillis());
        List<Sent> sent = traffic.stop();

        List<Seen> seen = assertDelivered("a node terminated while a rebalance is under way", client, sent, DELIVERY);
        List<Seen> duplicates = duplicates(seen);
        System.out.printf("Mid-rebalance SIGTERM: %d records, %d messages, %d record(s) twice; the stopped node %s its partitions lost%n",
            sent.size(), seen.size(), duplicates.stream().map(Seen::position).distinct().count(),
            leaving.process().output().contains("were lost by this member") ? "reported" : "did not report");
        // a node that leaves commits what it published: a client of another node receives every record once
        assertExactlyOnceInOrder("the client of the node that stayed", seen);
    }

    /** A client on a node that was terminated, and when the node was signalled. */
    private record Terminated(Client client, long signalledAt) {
    }

    @Test
    void scaleOutScaleInAndARollingRestartUnderContinuousTrafficLoseNothing(@TempDir Path dir) throws Exception {
        long began = System.currentTimeMillis();
        cluster = new GatewayCluster(dir, kafka, vertx);
        String topic = "rolling." + cluster.id();
        KafkaBroker.createTopics(kafka, List.of(topic), 6);
        List<String> addresses = USERS.stream().map(user -> "user." + user + ".orders").toList();
        Path config = config(new JsonArray().add(route(topic, "user.{key}.orders")), addresses, new JsonObject());
        List<String> phases = new ArrayList<>();

        Node n1 = cluster.start(config);
        cluster.awaitAssignment("node 1 owning the 6 partitions", () -> n1.owned(topic).size() == 6, STARTUP);
        // every user's address but the last one: that one is subscribed to for the first time while node 2 joins
        Client c1 = cluster.subscribe(n1, addresses.subList(0, 5));
        traffic = new Traffic("rolling", 250, seq -> {
            String user = USERS.get(seq % USERS.size());
            return new ProducerRecord<>(topic, user, new JsonObject().put("seq", seq).put("key", user).encode());
        });
        phases.add("node 1 up, traffic on: +" + (System.currentTimeMillis() - began) + " ms");

        // scale out: node 2 joins (a new address gets its first subscriber meanwhile), then node 3
        Node n2 = cluster.launch(config);
        n1.awaitLine(MEMBER_JOINED, STARTUP);
        Client c1b = cluster.subscribe(n1, addresses.subList(5, 6));
        n2.awaitStarted();
        Client c2 = cluster.subscribe(n2, addresses);
        phases.add("node 2 up: +" + (System.currentTimeMillis() - began) + " ms");
        Node n3 = cluster.start(config);
        Client c3 = cluster.subscribe(n3, addresses);
        phases.add("node 3 up: +" + (System.currentTimeMillis() - began) + " ms");

        // scale in: node 2 stopped; the replacement of node 1 starts meanwhile (the rolling restart begins)
        List<Terminated> terminated = new ArrayList<>();
        awaitFlowing(c3, System.currentTimeMillis());
        long n2Signalled = terminate(n2, List.of(c2));
        terminated.add(new Terminated(c2, n2Signalled));
        Node n4 = cluster.start(config);
        Client c4 = cluster.subscribe(n4, addresses);
        awaitSettled(List.of(n1, n3));
        awaitFlowing(c4, System.currentTimeMillis());
        phases.add("node 2 stopped, node 4 up, settled: +" + (System.currentTimeMillis() - began) + " ms");

        // rolling restart: node 1 replaced by node 4, node 3 by node 5
        long n1Signalled = terminate(n1, List.of(c1, c1b));
        terminated.add(new Terminated(c1, n1Signalled));
        terminated.add(new Terminated(c1b, n1Signalled));
        Node n5 = cluster.start(config);
        Client c5 = cluster.subscribe(n5, addresses);
        awaitSettled(List.of(n3, n4));
        awaitFlowing(c5, System.currentTimeMillis());
        phases.add("node 1 stopped, node 5 up, settled: +" + (System.currentTimeMillis() - began) + " ms");
        long n3Signalled = terminate(n3, List.of(c3));
        terminated.add(new Terminated(c3, n3Signalled));
        awaitSettled(List.of(n4, n5));
        awaitFlowing(c4, System.currentTimeMillis());
        List<Sent> sent = traffic.stop();
        phases.add("node 3 stopped, settled, traffic off: +" + (System.currentTimeMillis() - began) + " ms");
        System.out.printf("Rolling: %d records; %s%n", sent.size(), phases);

        // clients connected until the end: every record produced after their RECEIPT, exactly once, in order
        for (Client client : List.of(c4, c5)) {
            List<Sent> expected = sent.stream().filter(s -> s.sentAt() >= client.subscribedAt("user." + s.key() + ".orders")).toList();
            List<Seen> seen = assertDelivered("a client connected to the end", client, expected, DELIVERY);
            System.out.printf("Rolling: a client of %s (to the end) expected %d records and received %d messages (%d record(s) twice)%n",
                client.node(), expected.size(), seen.size(), duplicates(seen).stream().map(Seen::position).distinct().count());
            assertExactlyOnceInOrder("a client of " + client.node() + " (to the end)", seen);
        }
        // clients of a terminated node: every record acked more than 2 s before the node was signalled, once, in order
        for (Terminated client : terminated) {
            Set<String> destinations = client.client().destinations();
            List<Sent> expected = sent.stream().filter(s -> destinations.contains("user." + s.key() + ".orders")
                && s.sentAt() >= client.client().subscribedAt("user." + s.key() + ".orders")
                && s.ackedAt() < client.signalledAt() - 2_000).toList();
            List<Seen> seen = assertDelivered("a client of a terminated node", client.client(), expected, Duration.ofSeconds(1));
            System.out.printf("Rolling: a client of %s (terminated, %d address(es)) expected %d records and received %d messages%n",
                client.client().node(), destinations.size(), expected.size(), seen.size());
            assertExactlyOnceInOrder("a client of " + client.client().node() + " (terminated)", seen);
        }
        System.out.printf("Rolling: done in %d ms%n", System.currentTimeMillis() - began);
    }

    /**
     * SIGTERM: the node's clients are told {@code node_shutdown}, and it exits.
     *
     * @return when the node was signalled
     */
    private static long terminate(Node node, List<Client> clients) throws Exception {
        long signalledAt = System.currentTimeMillis();
        node.signal("TERM");
        for (Client client : clients) {
            RawStompClient.Received end = client.awaitEnd(Duration.ofSeconds(60));
            assertThat(end.command()).as("what a client of %s got at its shutdown: %s", node, end).isEqualTo("ERROR");
            assertThat(end.header("message")).isEqualTo("node_shutdown");
        }
        // 143 = 128 + SIGTERM: the JVM's status after its shutdown hooks ran
        assertThat(node.process().awaitExit(Duration.ofSeconds(60))).isIn(0, 143);
        assertThat(node.process().output()).contains("Graceful shutdown done");
        return signalledAt;
    }

    /**
     * Waits until the witness (a client of every address) has received, from each partition the traffic used so far, a
     * record produced after {@code since}: records are flowing, and whatever was held while the cluster settled was
     * published. A node is signalled only then, so that "acknowledged more than 2 s before the signal" means
     * "published before the signal" rather than "held in Kafka by a settling cluster".
     */
    private void awaitFlowing(Client witness, long since) {
        Set<Integer> partitions = traffic.sent().stream().map(Sent::partition).collect(Collectors.toSet());
        witness.awaitSeen("a record produced after " + since + " from each of the partitions " + partitions,
            seen -> seen.stream().filter(s -> s.timestamp() >= since).map(Seen::partition).collect(Collectors.toSet())
                .containsAll(partitions), DELIVERY);
    }

    /**
     * Waits until each node saw a member leave and then settled (publishing again).
     */
    private static void awaitSettled(List<Node> nodes) {
        for (Node node : nodes) {
            node.awaitLine(MEMBER_LEFT, Duration.ofSeconds(60));
            node.awaitLine(SETTLED, Duration.ofSeconds(60));
        }
    }

    /**
     * A producer on a thread of its own: one record every {@code intervalMs}, each acknowledged before the next.
     */
    private static final class Traffic implements AutoCloseable {
        private final Thread thread;
        private final List<Sent> sent = new ArrayList<>();
        private final IntFunction<ProducerRecord<String, String>> records;
        private final long intervalMs;
        private volatile boolean stopped;
        private volatile RuntimeException failure;

        Traffic(String name, long intervalMs, IntFunction<ProducerRecord<String, String>> records) {
            this.intervalMs = intervalMs;
            this.records = records;
            thread = new Thread(this::run, "traffic-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                long next = System.currentTimeMillis();
                for (int seq = 0; !stopped; seq++) {
                    ProducerRecord<String, String> record = records.apply(seq);
                    long sentAt = System.currentTimeMillis();
                    RecordMetadata metadata = KafkaBroker.produce(producer, record);
                    Sent done = new Sent(metadata.topic(), metadata.partition(), metadata.offset(), record.key(), seq, sentAt,
                        System.currentTimeMillis());
                    synchronized (sent) {
                        sent.add(done);
                        sent.notifyAll();
                    }
                    next += intervalMs;
                    pace(next);
                }
            } catch (RuntimeException e) {
                failure = e;
                synchronized (sent) {
                    sent.notifyAll();
                }
            }
        }

        /**
         * Waits until {@code count} more records were acknowledged.
         */
        void awaitMore(int count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (sent) {
                int target = sent.size() + count;
                while (sent.size() < target && failure == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError("the producer did not produce " + count + " records within " + timeout);
                    }
                    sent.wait(Math.max(1, left / 1_000_000));
                }
            }
        }

        /**
         * @return the records produced (acknowledged) so far
         */
        List<Sent> sent() {
            synchronized (sent) {
                return List.copyOf(sent);
            }
        }

        /**
         * Stops producing.
         *
         * @return every record produced (acknowledged)
         */
        List<Sent> stop() throws InterruptedException {
            stopped = true;
            thread.join(60_000);
            if (failure != null) {
                throw failure;
            }
            synchronized (sent) {
                return List.copyOf(sent);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            thread.join(60_000);
        }
    }
}
