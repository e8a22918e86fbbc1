package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.ClosedAfterEach;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.kafkabridge.testing.StompTransport;
import io.kafkabridge.testing.WellBehavedClients;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.kafkabridge.testing.BridgeProbes.TIMEOUT;
import static io.kafkabridge.testing.BridgeProbes.awaitSockJsProbe;
import static io.kafkabridge.testing.BridgeProbes.awaitStompProbe;
import static io.kafkabridge.testing.BridgeProbes.awaitStompRefusal;
import static io.kafkabridge.testing.BridgeProbes.stompConnect;
import static io.kafkabridge.testing.BridgeProbes.stompSubscribe;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code limits} section, end to end: a client that exceeds a limit gets the documented refusal (SockJS {@code err}
 * frame with a code, STOMP ERROR frame then close) while two well-behaved clients subscribed on the same node keep
 * receiving event-bus messages and Kafka records published after the refusal.
 */
@ExtendWith({VertxExtension.class, KafkaBroker.class})
class LimitsTest {

    private static final String TOPIC = "limits.orders.status";
    private static final String ALICE = "user.alice.orders";
    private static final int MAX_FRAME_BYTES = 1024;
    private static final int MAX_SUBSCRIPTIONS = 3;
    private static final int MAX_CONNECTIONS = 6;
    private static final int MAX_RATE = 5;
    private static final long IDLE_TIMEOUT_MS = 1500;
    private static final long CONNECT_TIMEOUT_MS = 800;
    private static final int MAX_ADDRESS_LENGTH = 40;
    private static final int MAX_OUTBOUND_MESSAGE_BYTES = 2048;
    private static final Duration REFUSAL = Duration.ofSeconds(10);

    private static Vertx vertx;
    private static KafkaProducer<String, String> producer;
    private static EmbeddedKafka kafka;
    /** The node with small limits shared by the tests that do not count connections. */
    private static GatewayNode node;

    @RegisterExtension
    final ClosedAfterEach closed = new ClosedAfterEach();
    private final List<GatewayNode> ownNodes = new ArrayList<>();

    @BeforeAll
    static void startNode(EmbeddedKafka broker) {
        kafka = broker;
        vertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(TOPIC), 3);
        producer = KafkaBroker.createProducer(kafka);
        node = GatewayNode.deploy(vertx, config("limits-shared", MAX_CONNECTIONS));
    }

    @AfterAll
    static void stopNode() {
        producer.close();
        if (node != null) {
            node.undeploy();
        }
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    @AfterEach
    void closeClients() throws Exception {
        try {
            closed.closeAll();
            // every connection of this test is gone before the next test counts its own
            BridgeProbes.awaitOpenConnections(vertx, node.httpPort(), 0);
        } finally {
            for (GatewayNode own : ownNodes) {
                own.undeploy();
            }
        }
    }

    private static JsonObject config(String groupId, int maxConnections) {
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", TOPIC).put("address", "user.{key}.orders"));
        JsonObject bridge = new JsonObject()
            .put("outboundPermitteds", new JsonArray()
                .add(new JsonObject().put("addressRegex", "user\\.[a-z]+\\.orders"))
                .add(new JsonObject().put("addressRegex", "t\\..+")))
            .put("inboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "in\\..+")));
        return GatewayNode.config(kafka, groupId, routes, bridge)
            .put("limits", new JsonObject()
                .put("maxFrameBytes", MAX_FRAME_BYTES)
                .put("maxSubscriptionsPerConnection", MAX_SUBSCRIPTIONS)
                .put("maxConnectionsPerNode", maxConnections)
                .put("maxInboundMessagesPerSecond", MAX_RATE)
                .put("idleTimeoutMs", IDLE_TIMEOUT_MS)
                .put("connectTimeoutMs", CONNECT_TIMEOUT_MS)
                .put("maxAddressLength", MAX_ADDRESS_LENGTH)
                .put("maxOutboundMessageBytes", MAX_OUTBOUND_MESSAGE_BYTES));
    }

    private WellBehavedClients wellBehavedClients(GatewayNode on) {
        return closed.add(WellBehavedClients.subscribe(vertx, on, ALICE));
    }

    private RawSockJsClient sockJs(GatewayNode on) {
        return closed.add(RawSockJsClient.connect(vertx, on.httpPort(), null));
    }

    private RawStompClient stomp(StompTransport transport, GatewayNode on) {
        return closed.add(transport.connect(vertx, on));
    }

    /**
     * A client connected (CONNECT/CONNECTED) and sending heart-beats, so that only the limit under test can cut it.
     */
    private RawStompClient connectedStomp(StompTransport transport, GatewayNode on) {
        RawStompClient client = stomp(transport, on);
        closed.add(BridgeProbes.stompHeartBeats(vertx, client, 250));
        stompConnect(client, "0,0");
        return client;
    }

    /**
     * Receives what the event bus carries to {@code address} (e.g. a client's SEND or publish).
     */
    private LinkedBlockingQueue<Object> busMessages(String address) {
        LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        MessageConsumer<Object> consumer = vertx.eventBus().consumer(address, message -> queue.add(message.body()));
        GatewayNode.await(consumer.completion(), TIMEOUT);
        closed.add(() -> GatewayNode.await(consumer.unregister(), TIMEOUT));
        return queue;
    }

    private static Object nextBusMessage(LinkedBlockingQueue<Object> queue) throws InterruptedException {
        Object body = queue.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(body).as("a message on the event bus").isNotNull();
        return body;
    }

    /**
     * Publishes a marker on {@code address} and returns everything the bus carried there before it: what a client
     * sent before this call (the bridge publishes a client's message before it answers or closes).
     */
    private List<Object> busMessagesBeforeMarker(LinkedBlockingQueue<Object> queue, String address) throws InterruptedException {
        String marker = "marker-" + System.nanoTime();
        vertx.eventBus().publish(address, marker);
        List<Object> before = new ArrayList<>();
        Object body;
        while (!marker.equals(body = nextBusMessage(queue))) {
            before.add(body);
        }
        return before;
    }

    private static RecordMetadata produceOrder(String json) {
        return KafkaBroker.produce(producer, new ProducerRecord<>(TOPIC, "alice", json));
    }

    private static void assertStillDelivered(WellBehavedClients clients, String orderId) {
        clients.assertStillReceiveMessages();
        clients.assertReceiveRecord(produceOrder("{\"orderId\":\"" + orderId + "\"}"));
    }

    private static void assertSockJsError(JsonObject err, String code, int failureCode) {
        assertThat(err.getString("type")).isEqualTo("err");
        assertThat(err.getString("body")).as("err " + err.encode()).isEqualTo(code);
        assertThat(err.getString("failureType")).isEqualTo(code);
        assertThat(err.getInteger("failureCode")).isEqualTo(failureCode);
        assertThat(err.getString("message")).isNotBlank();
    }

    private static String padded(String prefix, int length) {
        return prefix + "x".repeat(length - prefix.length());
    }

    private static JsonObject publishFrame(String address, Object body) {
        return new JsonObject().put("type", "publish").put("address", address).put("body", body);
    }

    /**
     * A publish frame whose JSON encoding is exactly {@code bytes} long (ASCII).
     */
    private static JsonObject publishFrameOfSize(String address, int bytes) {
        int overhead = publishFrame(address, "").encode().length();
        JsonObject frame = publishFrame(address, "y".repeat(bytes - overhead));
        assertThat(frame.encode()).hasSize(bytes);
        return frame;
    }

    // ---- Kafka records ----

    @Test
    void aRecordOverMaxOutboundMessageBytesIsNotDeliveredAndIsCountedForItsRouteWhileTheNextOneIs() {
        WellBehavedClients clients = wellBehavedClients(node);
        long before = tooLargeOfRoute(0);
        // one key, one partition: the small record comes right after the big one
        produceOrder(padded("{\"orderId\":\"big\",\"pad\":\"", MAX_OUTBOUND_MESSAGE_BYTES - 1) + "\"}");
        RecordMetadata small = produceOrder("{\"orderId\":\"small\"}");
        clients.assertNextRecordIs(small);
        assertThat(tooLargeOfRoute(0)).isEqualTo(before + 1);
        JsonObject route = BridgeProbes.health(node.httpPort()).getJsonObject("routes").getJsonObject("routes[0]");
        assertThat(route.getString("topic")).isEqualTo(TOPIC);
        assertThat(route.getString("address")).isEqualTo("user.{key}.orders");
        assertThat(BridgeProbes.health(node.httpPort()).getJsonObject("topics").getJsonObject(TOPIC).getLong("tooLarge"))
            .isEqualTo(before + 1);
    }

    @Test
    void aRecordOfExactlyMaxOutboundMessageBytesIsDelivered() {
        WellBehavedClients clients = wellBehavedClients(node);
        String value = padded("{\"orderId\":\"edge\",\"pad\":\"", MAX_OUTBOUND_MESSAGE_BYTES - 2) + "\"}";
        assertThat(value).hasSize(MAX_OUTBOUND_MESSAGE_BYTES);
        clients.assertNextRecordIs(produceOrder(value));
    }

    private long tooLargeOfRoute(int index) {
        JsonObject route = BridgeProbes.health(node.httpPort()).getJsonObject("routes").getJsonObject("routes[" + index + "]");
        return route == null ? 0 : route.getJsonObject("undelivered").getLong("too_large");
    }

    // ---- SockJS ----

    @Test
    void aSockJsFrameOverMaxFrameBytesIsRefusedWithFrameTooLargeAndNotPublishedWhileTheConnectionStaysOpen() throws Exception {
        WellBehavedClients watchers = wellBehavedClients(node);
        LinkedBlockingQueue<Object> bus = busMessages("in.big");
        RawSockJsClient client = sockJs(node);

        client.send(publishFrameOfSize("in.big", MAX_FRAME_BYTES + 1));

        JsonObject err = client.awaitError(null, REFUSAL);
        assertSockJsError(err, "frame_too_large", 413);
        assertThat(err.getString("message")).contains(String.valueOf(MAX_FRAME_BYTES));
        assertThat(busMessagesBeforeMarker(bus, "in.big")).as("published from the oversized frame").isEmpty();

        client.send(publishFrame("in.big", "small"));
        assertThat(nextBusMessage(bus)).as("the next frame of the same connection").isEqualTo("small");
        client.register("t.after.big");
        awaitSockJsProbe(vertx, client, "t.after.big");
        assertStillDelivered(watchers, "big-1");
    }

    @Test
    void aSockJsFrameFarOverMaxFrameBytesIsRefusedWithFrameTooLargeWhileTheConnectionStaysOpen() throws Exception {
        WellBehavedClients watchers = wellBehavedClients(node);
        LinkedBlockingQueue<Object> bus = busMessages("in.huge");
        RawSockJsClient client = sockJs(node);

        client.send(publishFrameOfSize("in.huge", 4 * MAX_FRAME_BYTES));

        JsonObject answer = client.await(f -> true, REFUSAL, "an answer to the huge frame");
        assertThat(answer.getString("type")).as("answer " + answer.encode()).isEqualTo("err");
        assertSockJsError(answer, "frame_too_large", 413);
        client.send(publishFrame("in.huge", "small"));
        assertThat(nextBusMessage(bus)).as("the next frame of the same connection").isEqualTo("small");
        assertStillDelivered(watchers, "huge-1");
    }

    @Test
    void aSockJsFrameOfExactlyMaxFrameBytesIsAccepted() throws Exception {
        LinkedBlockingQueue<Object> bus = busMessages("in.exact");
        RawSockJsClient client = sockJs(node);
        JsonObject frame = publishFrameOfSize("in.exact", MAX_FRAME_BYTES);

        client.send(frame);

        assertThat(nextBusMessage(bus)).isEqualTo(frame.getString("body"));
    }

    @Test
    void aSockJsClientRegisteringBeyondMaxSubscriptionsGetsTooManySubscriptionsAndKeepsItsRegistrations() {
        WellBehavedClients watchers = wellBehavedClients(node);
        RawSockJsClient client = sockJs(node);
        for (String address : List.of("t.sub.a", "t.sub.b", "t.sub.c")) {
            client.register(address);
        }
        awaitSockJsProbe(vertx, client, "t.sub.c");

        client.register("t.sub.d");

        JsonObject err = client.awaitError("t.sub.d", REFUSAL);
        assertSockJsError(err, "too_many_subscriptions", 429);
        assertThat(err.getString("message")).contains(String.valueOf(MAX_SUBSCRIPTIONS));
        for (String address : List.of("t.sub.a", "t.sub.b", "t.sub.c")) {
            awaitSockJsProbe(vertx, client, address);
        }
        assertStillDelivered(watchers, "subs-1");
    }

    @Test
    void aSockJsUnregisterFreesARegistrationSlot() {
        RawSockJsClient client = sockJs(node);
        for (String address : List.of("t.slot.a", "t.slot.b", "t.slot.c")) {
            client.register(address);
        }
        awaitSockJsProbe(vertx, client, "t.slot.c");

        client.send(new JsonObject().put("type", "unregister").put("address", "t.slot.a"));
        client.register("t.slot.d");

        awaitSockJsProbe(vertx, client, "t.slot.d");
    }

    @Test
    void aSockJsAddressLongerThanMaxAddressLengthIsRefusedWithAddressTooLongWhileOneOfExactlyTheMaximumIsAccepted() throws Exception {
        WellBehavedClients watchers = wellBehavedClients(node);
        LinkedBlockingQueue<Object> bus = busMessages(padded("in.", MAX_ADDRESS_LENGTH + 1));
        RawSockJsClient client = sockJs(node);

        client.register(padded("t.", MAX_ADDRESS_LENGTH + 1));
        assertSockJsError(client.awaitError(null, REFUSAL), "address_too_long", 400);
        client.send(publishFrame(padded("in.", MAX_ADDRESS_LENGTH + 1), "too long"));
        assertSockJsError(client.awaitError(null, REFUSAL), "address_too_long", 400);
        assertThat(busMessagesBeforeMarker(bus, padded("in.", MAX_ADDRESS_LENGTH + 1))).isEmpty();

        String longest = padded("t.", MAX_ADDRESS_LENGTH);
        client.register(longest);
        awaitSockJsProbe(vertx, client, longest);
        assertStillDelivered(watchers, "address-1");
    }

    @Test
    void sockJsFramesBeyondTheRateAreAnsweredWithRateLimitedAndDroppedWhileTheConnectionStaysOpen() throws Exception {
        WellBehavedClients watchers = wellBehavedClients(node);
        LinkedBlockingQueue<Object> bus = busMessages("in.rate");
        RawSockJsClient client = sockJs(node);
        int sent = 2 * MAX_RATE;

        for (int i = 0; i < sent; i++) {
            client.send(publishFrame("in.rate", i));
        }

        // every frame is either published or answered with rate_limited; the bucket starts full
        List<JsonObject> errors = new ArrayList<>();
        List<Object> published = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (errors.size() + published.size() < sent && System.nanoTime() < deadline) {
            try {
                errors.add(client.awaitError("in.rate", Duration.ofMillis(100)));
            } catch (AssertionError none) {
                bus.drainTo(published);
            }
        }
        bus.drainTo(published);
        assertThat(errors.size() + published.size()).as("frames published or refused").isEqualTo(sent);
        assertThat(published).as("published").startsWith(0, 1, 2, 3, 4).hasSizeLessThan(sent);
        for (JsonObject err : errors) {
            assertSockJsError(err, "rate_limited", 429);
        }

        // once the bucket refilled (after a second), the same connection is served again
        GatewayNode.await(vertx.timer(1000), TIMEOUT);
        client.register("t.after.rate");
        awaitSockJsProbe(vertx, client, "t.after.rate");
        assertStillDelivered(watchers, "rate-1");
    }

    @Test
    void sockJsPingsDoNotCountAgainstTheRate() {
        RawSockJsClient client = sockJs(node);
        for (int i = 0; i < 4 * MAX_RATE; i++) {
            client.send(new JsonObject().put("type", "ping"));
        }

        client.register("t.after.pings");

        awaitSockJsProbe(vertx, client, "t.after.pings");
    }

    @Test
    void aSilentSockJsClientIsCutWithIdleTimeoutWhileAPingingOneStaysConnectedPastTheTimeout() {
        WellBehavedClients watchers = wellBehavedClients(node);
        RawSockJsClient pinging = sockJs(node);
        pinging.register("t.idle.pinging");
        awaitSockJsProbe(vertx, pinging, "t.idle.pinging");
        closed.add(BridgeProbes.sockJsPings(vertx, pinging, 250));
        long start = System.nanoTime();
        RawSockJsClient silent = sockJs(node);

        JsonObject err = silent.awaitError(null, REFUSAL);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        silent.awaitClose(REFUSAL);

        assertSockJsError(err, "idle_timeout", 408);
        assertThat(elapsedMs).as("cut after (ms)").isBetween(IDLE_TIMEOUT_MS - 100, IDLE_TIMEOUT_MS + 3000);
        // the silent client was cut: the pinging one, older and only pinging since, is still served
        awaitSockJsProbe(vertx, pinging, "t.idle.pinging");
        assertStillDelivered(watchers, "idle-1");
    }

    @Test
    void malformedSockJsFramesAreAnsweredWithInvalidJsonInvalidFrameOrUnknownTypeAndTheConnectionStaysOpen() {
        WellBehavedClients watchers = wellBehavedClients(node);
        RawSockJsClient client = sockJs(node);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("not json", "invalid_json");
        expected.put("[1,2]", "invalid_frame");
        expected.put("{\"address\":\"t.x\"}", "invalid_frame");
        expected.put("{\"type\":\"bogus\",\"address\":\"t.x\"}", "unknown_type");
        expected.put("{\"type\":\"register\"}", "invalid_frame");
        expected.put("{\"type\":\"publish\",\"address\":\"in.x\",\"headers\":\"nope\"}", "invalid_frame");

        expected.forEach((text, code) -> {
            client.sendText(text);
            JsonObject err = client.awaitError(null, REFUSAL);
            assertThat(err.getString("body")).as("answer to " + text).isEqualTo(code);
            assertSockJsError(err, code, 400);
        });

        client.register("t.after.malformed");
        awaitSockJsProbe(vertx, client, "t.after.malformed");
        assertStillDelivered(watchers, "malformed-1");
    }

    // ---- STOMP ----

    private static String sendFrameWithContentLength(String destination, String body) {
        return "SEND\ndestination:" + destination + "\ncontent-length:" + body.length() + "\n\n" + body + "\u0000";
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void aStompBodyOverMaxFrameBytesIsRefusedWithFrameTooLargeAndNotPublished(StompTransport transport) throws Exception {
        WellBehavedClients watchers = wellBehavedClients(node);
        LinkedBlockingQueue<Object> bus = busMessages("in.big");
        RawStompClient client = connectedStomp(transport, node);

        client.sendRaw(sendFrameWithContentLength("in.big", "z".repeat(MAX_FRAME_BYTES + 1)));

        RawStompClient.Received error = awaitStompRefusal(client, REFUSAL);
        assertThat(error.header("message")).isEqualTo("frame_too_large");
        assertThat(busMessagesBeforeMarker(bus, "in.big")).isEmpty();
        assertStillDelivered(watchers, "stomp-big-" + transport);
    }

    @Test
    void aStompBodyOverMaxFrameBytesWithoutContentLengthIsRefusedWithFrameTooLarge() {
        RawStompClient client = connectedStomp(StompTransport.TCP, node);

        client.send("SEND", Map.of("destination", "in.big"), "z".repeat(MAX_FRAME_BYTES + 1));

        assertThat(awaitStompRefusal(client, REFUSAL).header("message")).isEqualTo("frame_too_large");
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void aStompFrameWhoseHeadersAndBodyAreExactlyMaxFrameBytesIsAccepted(StompTransport transport) throws Exception {
        LinkedBlockingQueue<Object> bus = busMessages("in.exact");
        RawStompClient client = connectedStomp(transport, node);
        // header lines count with their LF; the body gets the rest of the limit
        String fixedHeaders = "destination:in.exact\nreceipt:exact\n";
        int bodyLength = MAX_FRAME_BYTES - fixedHeaders.length();
        while (fixedHeaders.length() + ("content-length:" + bodyLength + "\n").length() + bodyLength > MAX_FRAME_BYTES) {
            bodyLength--;
        }
        String body = "e".repeat(bodyLength);
        assertThat(fixedHeaders.length() + ("content-length:" + bodyLength + "\n").length() + bodyLength).isEqualTo(MAX_FRAME_BYTES);

        client.sendRaw("SEND\n" + fixedHeaders + "content-length:" + body.length() + "\n\n" + body + "\u0000");

        RawStompClient.Received answer = client.next(REFUSAL);
        assertThat(answer.command()).as("answer " + answer).isEqualTo("RECEIPT");
        assertThat(nextBusMessage(bus)).isEqualTo(body);
    }

    @Test
    void aStompBodyOverMaxFrameBytesArrivingInTwoPartsIsRefusedWithFrameTooLargeAndNotPublished() throws Exception {
        WellBehavedClients watchers = wellBehavedClients(node);
        LinkedBlockingQueue<Object> bus = busMessages("in.big");
        RawStompClient client = connectedStomp(StompTransport.WEBSOCKET, node);
        String body = "s".repeat(2 * MAX_FRAME_BYTES);

        // two WebSocket messages: the parser sees two buffers, whatever the network does
        client.sendRaw("SEND\ndestination:in.big\nreceipt:split\ncontent-length:" + body.length() + "\n\n"
            + body.substring(0, MAX_FRAME_BYTES + 100));
        client.sendRaw(body.substring(MAX_FRAME_BYTES + 100) + "\u0000");

        RawStompClient.Received answer = client.next(REFUSAL);
        assertThat(answer.command()).as("answer " + answer).isEqualTo("ERROR");
        assertThat(answer.header("message")).isEqualTo("frame_too_large");
        assertThat(client.next(REFUSAL).command()).isEqualTo("CLOSED");
        assertThat(busMessagesBeforeMarker(bus, "in.big")).isEmpty();
        assertStillDelivered(watchers, "split-1");
    }

    @ParameterizedTest(name = "content-length:{0}")
    @ValueSource(strings = {"abc", "-5"})
    void aStompFrameWithAnInvalidContentLengthIsRefusedWithInvalidFrame(String contentLength) {
        WellBehavedClients watchers = wellBehavedClients(node);
        RawStompClient client = connectedStomp(StompTransport.TCP, node);

        client.sendRaw("SEND\ndestination:in.x\ncontent-length:" + contentLength + "\n\nhello\u0000");

        RawStompClient.Received error = awaitStompRefusal(client, Duration.ofMillis(IDLE_TIMEOUT_MS / 2));
        assertThat(error.header("message")).isEqualTo("invalid_frame");
        assertStillDelivered(watchers, "content-length-" + contentLength);
    }

    @Test
    void aStompFrameWithTooManyHeadersIsRefusedWithInvalidFrame() {
        WellBehavedClients watchers = wellBehavedClients(node);
        RawStompClient client = connectedStomp(StompTransport.TCP, node);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("destination", "in.headers");
        for (int i = 0; i < 100; i++) {
            headers.put("h" + i, "v");
        }

        client.send("SEND", headers, "many headers");

        assertThat(awaitStompRefusal(client, REFUSAL).header("message")).isEqualTo("invalid_frame");
        assertStillDelivered(watchers, "headers-1");
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void aStompClientSubscribingBeyondMaxSubscriptionsGetsTooManySubscriptionsNamingTheDestination(StompTransport transport) {
        WellBehavedClients watchers = wellBehavedClients(node);
        RawStompClient client = connectedStomp(transport, node);
        stompSubscribe(client, "a", "t.ssub.a");
        stompSubscribe(client, "b", "t.ssub.b");
        stompSubscribe(client, "c", "t.ssub.c");
        awaitStompProbe(vertx, client, "t.ssub.c");

        client.send("SUBSCRIBE", "id", "d", "destination", "t.ssub.d");

        RawStompClient.Received error = awaitStompRefusal(client, REFUSAL);
        assertThat(error.header("message")).isEqualTo("too_many_subscriptions");
        assertThat(error.header("destination")).isEqualTo("t.ssub.d");
        assertThat(error.body()).contains(String.valueOf(MAX_SUBSCRIPTIONS));
        assertStillDelivered(watchers, "stomp-subs-" + transport);
    }

    @Test
    void aStompUnsubscribeFreesASubscriptionSlot() {
        RawStompClient client = connectedStomp(StompTransport.TCP, node);
        stompSubscribe(client, "a", "t.sslot.a");
        stompSubscribe(client, "b", "t.sslot.b");
        stompSubscribe(client, "c", "t.sslot.c");

        client.send("UNSUBSCRIBE", "id", "a");
        stompSubscribe(client, "d", "t.sslot.d");

        awaitStompProbe(vertx, client, "t.sslot.d");
    }

    @Test
    void aStompDestinationLongerThanMaxAddressLengthIsRefusedWithAddressTooLongWhileOneOfExactlyTheMaximumIsAccepted() throws Exception {
        WellBehavedClients watchers = wellBehavedClients(node);
        String tooLongIn = padded("in.", MAX_ADDRESS_LENGTH + 1);
        LinkedBlockingQueue<Object> bus = busMessages(tooLongIn);

        RawStompClient subscriber = connectedStomp(StompTransport.TCP, node);
        subscriber.send("SUBSCRIBE", "id", "long", "destination", padded("t.", MAX_ADDRESS_LENGTH + 1));
        assertThat(awaitStompRefusal(subscriber, REFUSAL).header("message")).isEqualTo("address_too_long");

        RawStompClient sender = connectedStomp(StompTransport.TCP, node);
        sender.send("SEND", Map.of("destination", tooLongIn), "too long");
        assertThat(awaitStompRefusal(sender, REFUSAL).header("message")).isEqualTo("address_too_long");
        assertThat(busMessagesBeforeMarker(bus, tooLongIn)).isEmpty();

        RawStompClient longest = connectedStomp(StompTransport.TCP, node);
        stompSubscribe(longest, "max", padded("t.", MAX_ADDRESS_LENGTH));
        awaitStompProbe(vertx, longest, padded("t.", MAX_ADDRESS_LENGTH));
        assertStillDelivered(watchers, "stomp-address-1");
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void stompFramesBeyondTheRateAreRefusedWithRateLimitedAfterTheAllowedOnesWerePublished(StompTransport transport) throws Exception {
        WellBehavedClients watchers = wellBehavedClients(node);
        LinkedBlockingQueue<Object> bus = busMessages("in.rate");
        RawStompClient client = connectedStomp(transport, node);
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 2 * MAX_RATE; i++) {
            burst.append("SEND\ndestination:in.rate\n\n").append(i).append('\u0000');
        }

        client.sendRaw(burst.toString());

        RawStompClient.Received error = awaitStompRefusal(client, REFUSAL);
        assertThat(error.header("message")).isEqualTo("rate_limited");
        assertThat(busMessagesBeforeMarker(bus, "in.rate")).as("published before the refusal")
            .containsExactly("0", "1", "2", "3", "4");
        assertStillDelivered(watchers, "stomp-rate-" + transport);
    }

    @Test
    void stompHeartBeatsDoNotCountAgainstTheRate() {
        RawStompClient client = connectedStomp(StompTransport.TCP, node);

        client.sendRaw("\n".repeat(4 * MAX_RATE));
        stompSubscribe(client, "after-beats", "t.after.beats");

        awaitStompProbe(vertx, client, "t.after.beats");
    }

    // ---- connections per node (own nodes, so that no other test's connections count) ----

    private GatewayNode ownNode(String groupId, int maxConnections) {
        GatewayNode own = GatewayNode.deploy(vertx, config(groupId, maxConnections));
        ownNodes.add(own);
        return own;
    }

    @Test
    void connectionsBeyondMaxConnectionsPerNodeAreRefusedOnEveryTransportUntilOneCloses() throws Exception {
        GatewayNode small = ownNode("limits-connections", 3);
        WellBehavedClients watchers = wellBehavedClients(small);
        RawStompClient third = connectedStomp(StompTransport.WEBSOCKET, small);
        BridgeProbes.awaitOpenConnections(vertx, small.httpPort(), 3);

        RawSockJsClient sockJs = sockJs(small);
        JsonObject err = sockJs.awaitError(null, REFUSAL);
        assertSockJsError(err, "too_many_connections", 503);
        sockJs.awaitClose(REFUSAL);
        for (StompTransport transport : StompTransport.values()) {
            RawStompClient refused = stomp(transport, small);
            RawStompClient.Received error = awaitStompRefusal(refused, REFUSAL);
            assertThat(error.header("message")).as("over " + transport).isEqualTo("too_many_connections");
        }
        assertStillDelivered(watchers, "connections-1");

        third.close();
        BridgeProbes.awaitOpenConnections(vertx, small.httpPort(), 2);
        RawStompClient fourth = connectedStomp(StompTransport.TCP, small);
        stompSubscribe(fourth, "freed", "t.freed");
        awaitStompProbe(vertx, fourth, "t.freed");
        assertStillDelivered(watchers, "connections-2");
    }

    @Test
    void connectionsTheServerCutsGiveTheirSlotBack() throws Exception {
        GatewayNode small = ownNode("limits-slots", 3);
        WellBehavedClients watchers = wellBehavedClients(small);

        for (int i = 0; i < 3; i++) {
            RawStompClient early = stomp(StompTransport.TCP, small);
            early.send("SUBSCRIBE", "id", "early", "destination", "t.early");
            assertThat(awaitStompRefusal(early, REFUSAL).header("message")).isEqualTo("not_connected");
        }
        RawStompClient tooSlow = stomp(StompTransport.WEBSOCKET, small);
        assertThat(awaitStompRefusal(tooSlow, REFUSAL).header("message")).isEqualTo("connect_timeout");
        RawStompClient tooLarge = connectedStomp(StompTransport.TCP, small);
        tooLarge.sendRaw(sendFrameWithContentLength("in.big", "z".repeat(MAX_FRAME_BYTES + 1)));
        assertThat(awaitStompRefusal(tooLarge, REFUSAL).header("message")).isEqualTo("frame_too_large");
        RawSockJsClient silent = sockJs(small);
        assertSockJsError(silent.awaitError(null, REFUSAL), "idle_timeout", 408);
        silent.awaitClose(REFUSAL);

        BridgeProbes.awaitOpenConnections(vertx, small.httpPort(), 2);
        RawSockJsClient last = sockJs(small);
        last.register("t.slot");
        awaitSockJsProbe(vertx, last, "t.slot");
        assertStillDelivered(watchers, "slots-1");
    }
}
