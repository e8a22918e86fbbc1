package io.kafkabridge.e2e;

import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.kafkabridge.testing.BridgeProbes.TIMEOUT;
import static io.kafkabridge.testing.BridgeProbes.awaitSockJsProbe;
import static io.kafkabridge.testing.BridgeProbes.awaitStompProbe;
import static io.kafkabridge.testing.BridgeProbes.nextSockJsMessage;
import static io.kafkabridge.testing.BridgeProbes.nextStompMessage;
import static io.kafkabridge.testing.BridgeProbes.stompConnect;
import static io.kafkabridge.testing.BridgeProbes.stompSubscribe;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code http.websocketCompression}: clients offer {@code permessage-deflate} the way browsers do on every WebSocket.
 * By default the node declines it (a record fanned out to N clients would otherwise be compressed N times); with the
 * key set it accepts it, and records still arrive intact over SockJS and STOMP over WebSocket. Each node runs in its
 * own Vert.x instance, so each delivers only its own copy of a record.
 */
@ExtendWith({VertxExtension.class, KafkaBroker.class})
class WebSocketCompressionTest {

    private static final String TOPIC = "compression.dashboard";
    private static final String ADDRESS = "dashboard.compression";
    /** A client that offers permessage-deflate, as browsers do. */
    private static final WebSocketClientOptions OFFERING_COMPRESSION = new WebSocketClientOptions()
        .setTryUsePerMessageCompression(true);

    private static Vertx plainVertx;
    private static Vertx compressingVertx;
    private static KafkaProducer<String, String> producer;
    private static GatewayNode plain;
    private static GatewayNode compressing;

    @BeforeAll
    static void startNodes(EmbeddedKafka kafka) {
        KafkaBroker.createTopics(kafka, List.of(TOPIC), 1);
        producer = KafkaBroker.createProducer(kafka);
        plainVertx = Vertx.vertx();
        compressingVertx = Vertx.vertx();
        plain = GatewayNode.deploy(plainVertx, config(kafka, "compression-off"));
        JsonObject compressingConfig = config(kafka, "compression-on");
        compressingConfig.getJsonObject("http").put("websocketCompression", true);
        compressing = GatewayNode.deploy(compressingVertx, compressingConfig);
    }

    private static JsonObject config(EmbeddedKafka kafka, String groupId) {
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", TOPIC).put("address", ADDRESS));
        JsonObject bridge = new JsonObject()
            .put("outboundPermitteds", new JsonArray().add(new JsonObject().put("address", ADDRESS)));
        return GatewayNode.config(kafka, groupId, routes, bridge);
    }

    @AfterAll
    static void stopNodes() {
        try {
            if (producer != null) {
                producer.close();
            }
        } finally {
            stop(plainVertx, plain);
            stop(compressingVertx, compressing);
        }
    }

    private static void stop(Vertx vertx, GatewayNode node) {
        if (vertx == null) {
            return;
        }
        try {
            if (node != null) {
                node.undeploy();
            }
        } finally {
            GatewayNode.await(vertx.close(), TIMEOUT);
        }
    }

    /**
     * @return a compressible record value (repeated fields), unique to {@code name}
     */
    private static JsonObject produceRecord(String name) {
        JsonArray points = new JsonArray();
        for (int i = 0; i < 100; i++) {
            points.add(new JsonObject().put("series", name).put("index", i).put("value", i * 0.5));
        }
        JsonObject value = new JsonObject().put("name", name).put("points", points);
        KafkaBroker.produce(producer, new ProducerRecord<>(TOPIC, name, value.encode()));
        return value;
    }

    @Test
    void byDefaultTheNodeDeclinesCompressionOnSockJsAndDeliversRecords() {
        assertSockJsDelivers(plainVertx, plain, null);
    }

    @Test
    void withWebsocketCompressionTheNodeAcceptsPermessageDeflateOnSockJsAndRecordsArriveIntact() {
        assertSockJsDelivers(compressingVertx, compressing, "permessage-deflate");
    }

    @Test
    void byDefaultTheNodeDeclinesCompressionOnStompOverWebSocketAndDeliversRecords() {
        assertStompDelivers(plainVertx, plain, null);
    }

    @Test
    void withWebsocketCompressionTheNodeAcceptsPermessageDeflateOnStompOverWebSocketAndRecordsArriveIntact() {
        assertStompDelivers(compressingVertx, compressing, "permessage-deflate");
    }

    /**
     * @param extension the extension the node must accept, {@code null} for none
     */
    private static void assertSockJsDelivers(Vertx vertx, GatewayNode node, String extension) {
        try (RawSockJsClient client = RawSockJsClient.connect(vertx, node.httpPort(), null, OFFERING_COMPRESSION)) {
            assertAccepted(client.webSocketExtensions(), extension);
            client.register(ADDRESS);
            awaitSockJsProbe(vertx, client, ADDRESS);

            JsonObject value = produceRecord("sockjs-" + extension);

            JsonObject rec = nextSockJsMessage(client, f -> value.equals(f.getValue("body")), "the record");
            assertThat(rec.getString("address")).isEqualTo(ADDRESS);
        }
    }

    private static void assertStompDelivers(Vertx vertx, GatewayNode node, String extension) {
        try (RawStompClient client = RawStompClient.connectWebSocket(vertx, "127.0.0.1", node.httpPort(), "/stomp",
            OFFERING_COMPRESSION)) {
            assertAccepted(client.webSocketExtensions(), extension);
            stompConnect(client, "0,0");
            stompSubscribe(client, "s", ADDRESS);
            awaitStompProbe(vertx, client, ADDRESS);

            JsonObject value = produceRecord("stomp-" + extension);

            RawStompClient.Received message = nextStompMessage(client, f -> f.body().contains("stomp-" + extension), TIMEOUT,
                "the record");
            assertThat(new JsonObject(message.body())).isEqualTo(value);
        }
    }

    private static void assertAccepted(String accepted, String extension) {
        if (extension == null) {
            assertThat(accepted).as("Sec-WebSocket-Extensions accepted by default").isNull();
        } else {
            assertThat(accepted).as("Sec-WebSocket-Extensions accepted").startsWith(extension);
        }
    }
}
