package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.NodeClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.stomp.Frame;
import io.vertx.ext.stomp.StompClient;
import io.vertx.ext.stomp.StompClientConnection;
import io.vertx.ext.stomp.StompClientOptions;
import io.vertx.junit5.VertxExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A record produced with a plain Kafka producer reaches the real clients: {@code @vertx/eventbus-bridge-client.js}
 * over SockJS, {@code @stomp/stompjs} over WebSocket and Vert.x's STOMP client over TCP, with body and headers intact;
 * addresses that no rule permits are refused without disturbing the other clients.
 */
@ExtendWith({VertxExtension.class, KafkaBroker.class})
class KafkaToClientsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String ORDERS_TOPIC = "e2e.orders.status";
    private static final String ALICE = "user.alice.orders";

    private static Vertx vertx;
    private static EmbeddedKafka kafka;
    private static GatewayNode node;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void startNode(EmbeddedKafka broker) {
        kafka = broker;
        vertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(ORDERS_TOPIC), 3);
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", ORDERS_TOPIC).put("address", "user.{key}.orders"));
        JsonObject bridge = new JsonObject()
            .put("outboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "user\\.[a-z]+\\.orders")));
        node = GatewayNode.deploy(vertx, GatewayNode.config(kafka, "e2e-clients", routes, bridge));
        producer = KafkaBroker.createProducer(kafka);
    }

    @AfterAll
    static void stopNode() {
        producer.close();
        node.undeploy();
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    private static RecordMetadata produceOrder(String user, String json) {
        ProducerRecord<String, String> record = new ProducerRecord<>(ORDERS_TOPIC, user, json);
        record.headers().add("trace-id", ("trace-" + user).getBytes(StandardCharsets.UTF_8));
        return KafkaBroker.produce(producer, record);
    }

    /**
     * Publishes probe messages on the event bus until the client shows one, so that its subscription is known live.
     */
    private static void awaitSubscribed(NodeClient client, String address) {
        long timer = vertx.setPeriodic(100, id -> vertx.eventBus().publish(address, new JsonObject().put("probe", true)));
        try {
            client.await(e -> "message".equals(e.getString("event")) && isProbe(e), TIMEOUT, "probe on " + address);
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    private static boolean isProbe(JsonObject event) {
        return event.getJsonObject("headers", new JsonObject()).getString("kafka.topic") == null;
    }

    private static Predicate<JsonObject> kafkaMessageAt(long offset, int partition) {
        return e -> "message".equals(e.getString("event")) && !isProbe(e)
            && String.valueOf(offset).equals(e.getJsonObject("headers").getString("kafka.offset"))
            && String.valueOf(partition).equals(e.getJsonObject("headers").getString("kafka.partition"));
    }

    private static void assertKafkaHeaders(JsonObject headers, RecordMetadata metadata, String key) {
        assertThat(headers.getString("kafka.topic")).isEqualTo(ORDERS_TOPIC);
        assertThat(headers.getString("kafka.partition")).isEqualTo(String.valueOf(metadata.partition()));
        assertThat(headers.getString("kafka.offset")).isEqualTo(String.valueOf(metadata.offset()));
        assertThat(headers.getString("kafka.timestamp")).isEqualTo(String.valueOf(metadata.timestamp()));
        assertThat(headers.getString("kafka.key")).isEqualTo(key);
        assertThat(headers.getString("kafka.format")).isEqualTo("json");
        assertThat(headers.getString("trace-id")).isEqualTo("trace-" + key);
    }

    @Test
    void eventBusClientOverSockJsReceivesTheRecordWithBodyAndKafkaHeaders() {
        try (NodeClient client = NodeClient.start("eventbus-client.js", node.httpBase(), ALICE)) {
            client.awaitEvent("open", TIMEOUT);
            awaitSubscribed(client, ALICE);

            RecordMetadata metadata = produceOrder("alice", "{\"orderId\":\"A-1\",\"status\":\"PAID\",\"amount\":12.5}");

            JsonObject message = client.await(kafkaMessageAt(metadata.offset(), metadata.partition()), TIMEOUT, "the Kafka record");
            assertThat(message.getString("address")).isEqualTo(ALICE);
            assertThat(message.getJsonObject("body"))
                .isEqualTo(new JsonObject().put("orderId", "A-1").put("status", "PAID").put("amount", 12.5));
            assertKafkaHeaders(message.getJsonObject("headers"), metadata, "alice");
        }
    }

    @Test
    void stompJsClientOverWebSocketReceivesTheRecordWithBodyAndKafkaHeaders() {
        try (NodeClient client = NodeClient.start("stomp-client.js", node.stompWebSocketUrl(), ALICE)) {
            client.awaitEvent("connected", TIMEOUT);
            awaitSubscribed(client, ALICE);

            RecordMetadata metadata = produceOrder("alice", "{\"orderId\":\"A-2\",\"status\":\"SHIPPED\"}");

            JsonObject message = client.await(kafkaMessageAt(metadata.offset(), metadata.partition()), TIMEOUT, "the Kafka record");
            assertThat(message.getString("destination")).isEqualTo(ALICE);
            assertThat(new JsonObject(message.getString("body")))
                .isEqualTo(new JsonObject().put("orderId", "A-2").put("status", "SHIPPED"));
            assertKafkaHeaders(message.getJsonObject("headers"), metadata, "alice");
        }
    }

    @Test
    void stompClientOverTcpReceivesTheRecordWithBodyAndKafkaHeaders() throws Exception {
        StompClient client = StompClient.create(vertx, new StompClientOptions().setHeartbeat(new JsonObject().put("x", 0).put("y", 0)));
        try {
            StompClientConnection connection = GatewayNode.await(client.connect(node.stompPort(), "127.0.0.1"), TIMEOUT);
            LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
            GatewayNode.await(connection.subscribe(ALICE, frames::add), TIMEOUT);
            awaitProbeFrame(frames, ALICE);

            RecordMetadata metadata = produceOrder("alice", "{\"orderId\":\"A-3\",\"status\":\"DELIVERED\"}");

            Frame frame = awaitKafkaFrame(frames, metadata);
            assertThat(frame.getHeader(Frame.DESTINATION)).isEqualTo(ALICE);
            assertThat(new JsonObject(frame.getBodyAsString())).isEqualTo(new JsonObject().put("orderId", "A-3").put("status", "DELIVERED"));
            assertKafkaHeaders(new JsonObject(new java.util.HashMap<>(frame.getHeaders())), metadata, "alice");
            GatewayNode.await(connection.disconnect(), TIMEOUT);
        } finally {
            GatewayNode.await(client.close(), TIMEOUT);
        }
    }

    private static void awaitProbeFrame(LinkedBlockingQueue<Frame> frames, String address) throws InterruptedException {
        long timer = vertx.setPeriodic(100, id -> vertx.eventBus().publish(address, new JsonObject().put("probe", true)));
        try {
            Frame frame = frames.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(frame).as("a probe frame on " + address).isNotNull();
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    private static Frame awaitKafkaFrame(LinkedBlockingQueue<Frame> frames, RecordMetadata metadata) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Frame frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (frame != null && String.valueOf(metadata.offset()).equals(frame.getHeader("kafka.offset"))
                && String.valueOf(metadata.partition()).equals(frame.getHeader("kafka.partition"))) {
                return frame;
            }
        }
        throw new AssertionError("no MESSAGE frame for " + metadata + " within " + TIMEOUT);
    }

    /**
     * The records of a burst are due to a connection in the same turns of its event loop and go out in coalesced writes
     * (several STOMP frames in one TCP write, one WebSocket or one SockJS message): every real client reads them all, in
     * order; and a lone record after the burst arrives on its own (the test waits for it, with no time bound but the
     * test's).
     */
    @Test
    void aBurstReachesEveryKindOfClientWholeAndInOrderAndALoneRecordAfterIt() throws Exception {
        String bob = "user.bob.orders";
        int burst = 100;
        List<NodeClient> clients = new ArrayList<>();
        StompClient tcpClient = StompClient.create(vertx, new StompClientOptions().setHeartbeat(new JsonObject().put("x", 0).put("y", 0)));
        try {
            clients.add(NodeClient.start("eventbus-client.js", node.httpBase(), bob));
            clients.add(NodeClient.start("stomp-client.js", node.stompWebSocketUrl(), bob));
            clients.add(NodeClient.start("stomp-client.js", "sockjs+websocket:" + node.httpBase() + "/stomp", bob));
            clients.add(NodeClient.start("stomp-client.js", "sockjs+xhr-streaming:" + node.httpBase() + "/stomp", bob));
            for (NodeClient client : clients) {
                awaitSubscribed(client, bob);
            }
            StompClientConnection tcp = GatewayNode.await(tcpClient.connect(node.stompPort(), "127.0.0.1"), TIMEOUT);
            LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
            GatewayNode.await(tcp.subscribe(bob, frames::add), TIMEOUT);
            awaitProbeFrame(frames, bob);

            JsonObject writesBefore = stompWrites();
            // sent together and flushed once: one batch on the broker, one poll for the source
            List<java.util.concurrent.Future<RecordMetadata>> sending = new ArrayList<>();
            for (int n = 0; n < burst; n++) {
                sending.add(producer.send(new ProducerRecord<>(ORDERS_TOPIC, "bob", "{\"n\":" + n + "}")));
            }
            producer.flush();
            List<RecordMetadata> produced = new ArrayList<>();
            for (var sent : sending) {
                produced.add(sent.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            }
            for (NodeClient client : clients) {
                for (int n = 0; n < burst; n++) {
                    RecordMetadata metadata = produced.get(n);
                    JsonObject message = client.await(e -> "message".equals(e.getString("event")) && !isProbe(e), TIMEOUT,
                        "record " + n + " of the burst");
                    assertThat(message.getJsonObject("headers").getString("kafka.offset")).as("record %d of the burst", n)
                        .isEqualTo(String.valueOf(metadata.offset()));
                    Object body = message.getValue("body");
                    assertThat(body instanceof String text ? new JsonObject(text) : body).isEqualTo(new JsonObject().put("n", n));
                }
            }
            for (int n = 0; n < burst; n++) {
                Frame frame = nextKafkaFrame(frames);
                assertThat(frame.getHeader("kafka.offset")).as("record %d of the burst over TCP", n)
                    .isEqualTo(String.valueOf(produced.get(n).offset()));
                assertThat(new JsonObject(frame.getBodyAsString())).isEqualTo(new JsonObject().put("n", n));
            }

            RecordMetadata lone = produceOrder("bob", "{\"lone\":true}");
            for (NodeClient client : clients) {
                client.await(kafkaMessageAt(lone.offset(), lone.partition()), TIMEOUT, "the lone record after the burst");
            }
            assertThat(nextKafkaFrame(frames).getHeader("kafka.offset")).isEqualTo(String.valueOf(lone.offset()));
            // every frame to the STOMP clients (WebSocket, SockJS twice, TCP) went through the loops' coalescing writers
            JsonObject writesAfter = stompWrites();
            long buffers = writesAfter.getLong("buffers") - writesBefore.getLong("buffers");
            long socketWrites = writesAfter.getLong("socket") - writesBefore.getLong("socket");
            assertThat(buffers).as("STOMP frames written").isGreaterThanOrEqualTo(4L * (burst + 1));
            assertThat(socketWrites).as("socket writes they took").isPositive().isLessThanOrEqualTo(buffers);
            System.out.printf("A burst of %d records to 4 STOMP clients: %d frames in %d socket writes%n", burst, buffers, socketWrites);
        } finally {
            clients.forEach(NodeClient::close);
            GatewayNode.await(tcpClient.close(), TIMEOUT);
        }
    }

    /**
     * @return the node's STOMP buffers written and socket writes, summed over its loops ({@code /health})
     */
    private static JsonObject stompWrites() {
        long buffers = 0;
        long socket = 0;
        for (Object loop : BridgeProbes.health(node.httpPort()).getJsonArray("loops")) {
            JsonObject writes = ((JsonObject) loop).getJsonObject("stompWrites");
            buffers += writes.getLong("buffers");
            socket += writes.getLong("socket");
        }
        return new JsonObject().put("buffers", buffers).put("socket", socket);
    }

    /**
     * @return the next MESSAGE frame of a Kafka record (probes skipped)
     */
    private static Frame nextKafkaFrame(LinkedBlockingQueue<Frame> frames) throws InterruptedException {
        while (true) {
            Frame frame = frames.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(frame).as("a record's MESSAGE frame over TCP").isNotNull();
            if (frame.getHeader("kafka.offset") != null) {
                return frame;
            }
        }
    }

    @Test
    void nonPermittedRegisterGetsAccessDeniedAndOtherClientsKeepReceiving() {
        try (NodeClient watcher = NodeClient.start("eventbus-client.js", node.httpBase(), ALICE);
             NodeClient intruder = NodeClient.start("eventbus-client.js", node.httpBase(), "admin.secrets")) {
            watcher.awaitEvent("open", TIMEOUT);
            awaitSubscribed(watcher, ALICE);

            JsonObject error = intruder.awaitEvent("error", TIMEOUT);
            assertThat(error.getJsonObject("error").encode()).contains("access_denied");

            RecordMetadata metadata = produceOrder("alice", "{\"orderId\":\"A-4\",\"status\":\"PLACED\"}");
            JsonObject message = watcher.await(kafkaMessageAt(metadata.offset(), metadata.partition()), TIMEOUT, "the record after the refusal");
            assertThat(message.getJsonObject("body").getString("orderId")).isEqualTo("A-4");
        }
    }

    @Test
    void nonPermittedStompSubscribeGetsAnErrorFrameNamingTheDestinationAndOtherClientsKeepReceiving() throws Exception {
        StompClient tcpClient = StompClient.create(vertx, new StompClientOptions().setHeartbeat(new JsonObject().put("x", 0).put("y", 0)));
        try (NodeClient watcher = NodeClient.start("stomp-client.js", node.stompWebSocketUrl(), ALICE);
             NodeClient intruder = NodeClient.start("stomp-client.js", node.stompWebSocketUrl(), "admin.secrets")) {
            watcher.awaitEvent("connected", TIMEOUT);
            awaitSubscribed(watcher, ALICE);

            JsonObject error = intruder.awaitEvent("error", TIMEOUT);
            assertThat(error.getJsonObject("headers").getString("message")).isEqualTo("access_denied");
            assertThat(error.getJsonObject("headers").getString("destination")).isEqualTo("admin.secrets");
            assertThat(error.getString("body")).contains("admin.secrets");
            intruder.awaitEvent("close", TIMEOUT);

            StompClientConnection tcp = GatewayNode.await(tcpClient.connect(node.stompPort(), "127.0.0.1"), TIMEOUT);
            LinkedBlockingQueue<Frame> errors = new LinkedBlockingQueue<>();
            tcp.errorHandler(errors::add);
            tcp.subscribe("admin.secrets", frame -> { });
            Frame tcpError = errors.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(tcpError).as("ERROR frame over TCP").isNotNull();
            assertThat(tcpError.getHeader("message")).isEqualTo("access_denied");
            assertThat(tcpError.getHeader(Frame.DESTINATION)).isEqualTo("admin.secrets");

            RecordMetadata metadata = produceOrder("alice", "{\"orderId\":\"A-5\",\"status\":\"PAID\"}");
            JsonObject message = watcher.await(kafkaMessageAt(metadata.offset(), metadata.partition()), TIMEOUT, "the record after the refusals");
            assertThat(new JsonObject(message.getString("body")).getString("orderId")).isEqualTo("A-5");
        } finally {
            GatewayNode.await(tcpClient.close(), TIMEOUT);
        }
    }
}
