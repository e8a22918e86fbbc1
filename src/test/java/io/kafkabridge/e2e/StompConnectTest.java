package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.ClosedAfterEach;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.kafkabridge.testing.BridgeProbes.TIMEOUT;
import static io.kafkabridge.testing.BridgeProbes.awaitStompProbe;
import static io.kafkabridge.testing.BridgeProbes.awaitStompRefusal;
import static io.kafkabridge.testing.BridgeProbes.stompConnect;
import static io.kafkabridge.testing.BridgeProbes.stompSubscribe;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The STOMP CONNECT policy, end to end over TCP and WebSocket: nothing but CONNECT (or STOMP) before CONNECTED, CONNECT
 * within {@code limits.connectTimeoutMs}, one CONNECT per connection, only client commands, and after CONNECTED
 * something (a frame or a heart-beat) at least every {@code limits.idleTimeoutMs}. Every refusal is an ERROR frame
 * whose {@code message} header is the code, then the close; well-behaved clients of the node are not affected.
 */
@ExtendWith({VertxExtension.class, KafkaBroker.class})
class StompConnectTest {

    private static final String TOPIC = "connect.orders.status";
    private static final String ALICE = "user.alice.orders";
    private static final long CONNECT_TIMEOUT_MS = 800;
    private static final long IDLE_TIMEOUT_MS = 1500;
    /** What the server offers: it can send heart-beats every 500 ms and wants the client's every 500 ms. */
    private static final String SERVER_HEART_BEAT = "500,500";
    private static final Duration REFUSAL = Duration.ofSeconds(10);

    private static Vertx vertx;
    private static KafkaProducer<String, String> producer;
    private static GatewayNode node;

    @RegisterExtension
    final ClosedAfterEach closed = new ClosedAfterEach();

    @BeforeAll
    static void startNode(EmbeddedKafka kafka) {
        vertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(TOPIC), 1);
        producer = KafkaBroker.createProducer(kafka);
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", TOPIC).put("address", "user.{key}.orders"));
        JsonObject bridge = new JsonObject()
            .put("outboundPermitteds", new JsonArray()
                .add(new JsonObject().put("addressRegex", "user\\.[a-z]+\\.orders"))
                .add(new JsonObject().put("addressRegex", "t\\..+")))
            .put("inboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "in\\..+")));
        JsonObject config = GatewayNode.config(kafka, "stomp-connect", routes, bridge)
            .put("limits", new JsonObject().put("connectTimeoutMs", CONNECT_TIMEOUT_MS).put("idleTimeoutMs", IDLE_TIMEOUT_MS));
        config.getJsonObject("stomp").put("heartbeat", SERVER_HEART_BEAT);
        node = GatewayNode.deploy(vertx, config);
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
        closed.closeAll();
        BridgeProbes.awaitOpenConnections(vertx, node.httpPort(), 0);
    }

    private RawStompClient stomp(StompTransport transport) {
        return closed.add(transport.connect(vertx, node));
    }

    private WellBehavedClients wellBehavedClients() {
        return closed.add(WellBehavedClients.subscribe(vertx, node, ALICE));
    }

    private static void assertStillDelivered(WellBehavedClients clients, String orderId) {
        clients.assertStillReceiveMessages();
        clients.assertReceiveRecord(KafkaBroker.produce(producer, new ProducerRecord<>(TOPIC, "alice", "{\"orderId\":\"" + orderId + "\"}")));
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    // ---- before CONNECTED ----

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void aSubscribeBeforeConnectIsRefusedWithNotConnectedAndTheConnectionIsClosed(StompTransport transport) {
        WellBehavedClients watchers = wellBehavedClients();
        RawStompClient client = stomp(transport);

        client.send("SUBSCRIBE", "id", "1", "destination", ALICE);

        RawStompClient.Received error = awaitStompRefusal(client, REFUSAL);
        assertThat(error.header("message")).isEqualTo("not_connected");
        assertThat(error.body()).contains("CONNECT");
        assertStillDelivered(watchers, "early-subscribe-" + transport);
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void aSendBeforeConnectIsRefusedWithNotConnectedAndNothingIsPublished(StompTransport transport) throws Exception {
        LinkedBlockingQueue<Object> bus = new LinkedBlockingQueue<>();
        MessageConsumer<Object> consumer = vertx.eventBus().consumer("in.early", message -> bus.add(message.body()));
        GatewayNode.await(consumer.completion(), TIMEOUT);
        closed.add(() -> GatewayNode.await(consumer.unregister(), TIMEOUT));
        RawStompClient client = stomp(transport);

        client.send("SEND", Map.of("destination", "in.early"), "too early");

        assertThat(awaitStompRefusal(client, REFUSAL).header("message")).isEqualTo("not_connected");
        vertx.eventBus().publish("in.early", "marker");
        assertThat(bus.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).as("first message on in.early").isEqualTo("marker");
    }

    @Test
    void anUnknownCommandBeforeConnectIsRefusedWithNotConnected() {
        RawStompClient client = stomp(StompTransport.TCP);

        client.send("HELLO", "x", "y");

        assertThat(awaitStompRefusal(client, REFUSAL).header("message")).isEqualTo("not_connected");
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void aClientThatNeverSendsConnectIsCutAtTheConnectTimeoutWithConnectTimeout(StompTransport transport) {
        WellBehavedClients watchers = wellBehavedClients();
        long start = System.nanoTime();
        RawStompClient client = stomp(transport);

        RawStompClient.Received error = awaitStompRefusal(client, REFUSAL);

        assertThat(error.header("message")).isEqualTo("connect_timeout");
        assertThat(millisSince(start)).as("cut after (ms)").isBetween(CONNECT_TIMEOUT_MS - 100, CONNECT_TIMEOUT_MS + 3000);
        assertStillDelivered(watchers, "connect-timeout-" + transport);
    }

    @Test
    void heartBeatsBeforeConnectDoNotStopTheConnectTimeout() {
        long start = System.nanoTime();
        RawStompClient client = stomp(StompTransport.TCP);
        closed.add(BridgeProbes.stompHeartBeats(vertx, client, 100));

        RawStompClient.Received error = awaitStompRefusal(client, REFUSAL);

        assertThat(error.header("message")).isEqualTo("connect_timeout");
        assertThat(millisSince(start)).as("cut after (ms)").isGreaterThanOrEqualTo(CONNECT_TIMEOUT_MS - 100);
    }

    @Test
    void aClientThatStopsInTheMiddleOfItsConnectFrameIsCutAtTheConnectTimeout() {
        long start = System.nanoTime();
        RawStompClient client = stomp(StompTransport.TCP);

        client.sendRaw("CONNECT\naccept-version:1.2\nhost:localhost\n");

        assertThat(awaitStompRefusal(client, REFUSAL).header("message")).isEqualTo("connect_timeout");
        assertThat(millisSince(start)).as("cut after (ms)").isGreaterThanOrEqualTo(CONNECT_TIMEOUT_MS - 100);
    }

    // ---- CONNECT ----

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void aSecondConnectIsRefusedWithAlreadyConnected(StompTransport transport) {
        WellBehavedClients watchers = wellBehavedClients();
        RawStompClient client = stomp(transport);
        stompConnect(client, "0,0");

        client.send("CONNECT", "accept-version", "1.2", "host", "localhost");

        assertThat(awaitStompRefusal(client, REFUSAL).header("message")).isEqualTo("already_connected");
        assertStillDelivered(watchers, "second-connect-" + transport);
    }

    @Test
    void theStompCommandConnectsLikeConnectAndCountsAsTheOneConnect() {
        RawStompClient client = stomp(StompTransport.TCP);

        client.send("STOMP", "accept-version", "1.2", "host", "localhost", "heart-beat", "0,0");
        RawStompClient.Received connected = client.next(TIMEOUT);
        assertThat(connected.command()).isEqualTo("CONNECTED");
        assertThat(connected.header("version")).isEqualTo("1.2");
        stompSubscribe(client, "s", "t.stomp.command");
        awaitStompProbe(vertx, client, "t.stomp.command");

        client.send("CONNECT", "accept-version", "1.2", "host", "localhost");
        assertThat(awaitStompRefusal(client, REFUSAL).header("message")).isEqualTo("already_connected");
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void anUnknownCommandAfterConnectIsRefusedWithUnknownType(StompTransport transport) {
        WellBehavedClients watchers = wellBehavedClients();
        RawStompClient client = stomp(transport);
        stompConnect(client, "0,0");

        client.send("HELLO", "x", "y");

        assertThat(awaitStompRefusal(client, REFUSAL).header("message")).isEqualTo("unknown_type");
        assertStillDelivered(watchers, "unknown-" + transport);
    }

    @Test
    void aServerCommandSentByTheClientIsRefusedWithUnknownType() {
        RawStompClient client = stomp(StompTransport.TCP);
        stompConnect(client, "0,0");

        client.send("MESSAGE", "destination", ALICE, "subscription", "x", "message-id", "forged");

        assertThat(awaitStompRefusal(client, REFUSAL).header("message")).isEqualTo("unknown_type");
    }

    // ---- heart-beats and the idle timeout ----

    @Test
    void theServerSendsHeartBeatsAtTheIntervalTheClientAskedFor() {
        RawStompClient client = stomp(StompTransport.TCP);
        closed.add(BridgeProbes.stompHeartBeats(vertx, client, 250));

        RawStompClient.Received connected = stompConnect(client, "0,500");
        long connectedAt = System.nanoTime();

        assertThat(connected.header("heart-beat")).isEqualTo(SERVER_HEART_BEAT);
        long first = client.nextHeartBeat(REFUSAL);
        long second = client.nextHeartBeat(REFUSAL);
        long third = client.nextHeartBeat(REFUSAL);
        assertThat(TimeUnit.NANOSECONDS.toMillis(first - connectedAt)).as("first heart-beat after (ms)").isGreaterThanOrEqualTo(300);
        assertThat(TimeUnit.NANOSECONDS.toMillis(third - first)).as("two intervals (ms)").isBetween(700L, 2000L);
        assertThat(second).isBetween(first, third);
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(StompTransport.class)
    void aClientSendingHeartBeatsStaysConnectedPastTheIdleTimeoutWhileASilentOneIsCutWithIdleTimeout(StompTransport transport) {
        WellBehavedClients watchers = wellBehavedClients();
        RawStompClient beating = stomp(transport);
        stompConnect(beating, "500,500");
        stompSubscribe(beating, "hb", "t.heart.beats");
        awaitStompProbe(vertx, beating, "t.heart.beats");
        closed.add(BridgeProbes.stompHeartBeats(vertx, beating, 250));

        RawStompClient silent = stomp(transport);
        stompConnect(silent, "0,500");
        long connectedAt = System.nanoTime();
        RawStompClient.Received error = awaitStompRefusal(silent, REFUSAL);

        assertThat(error.header("message")).isEqualTo("idle_timeout");
        assertThat(millisSince(connectedAt)).as("silent client cut after (ms)").isBetween(IDLE_TIMEOUT_MS - 100, IDLE_TIMEOUT_MS + 3000);
        // the silent client, connected after the beating one, was cut: the beating one, silent but for heart-beats
        // since, is still served
        awaitStompProbe(vertx, beating, "t.heart.beats");
        assertStillDelivered(watchers, "heart-beats-" + transport);
    }

    @Test
    void aClientThatPromisedHeartBeatsAndFallsSilentIsCutWithIdleTimeout() {
        RawStompClient client = stomp(StompTransport.TCP);
        stompConnect(client, "500,500");

        RawStompClient.Received refusal = client.next(REFUSAL);

        assertThat(refusal.command()).as("first thing after falling silent: " + refusal).isEqualTo("ERROR");
        assertThat(refusal.header("message")).isEqualTo("idle_timeout");
        assertThat(client.next(REFUSAL).command()).isEqualTo("CLOSED");
    }
}
