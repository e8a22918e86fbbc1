package io.kafkabridge.e2e;

import io.kafkabridge.MainVerticle;
import io.kafkabridge.config.ConfigException;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.NodeClient;
import io.kafkabridge.testing.RawStompClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.List;

import static io.kafkabridge.testing.BridgeProbes.TIMEOUT;
import static io.kafkabridge.testing.BridgeProbes.awaitStompProbe;
import static io.kafkabridge.testing.BridgeProbes.stompConnect;
import static io.kafkabridge.testing.BridgeProbes.stompSubscribe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code tls} section, end to end, with a self-signed certificate for {@code localhost} made at test time: the HTTP
 * server then speaks HTTPS/WSS and the STOMP TCP port STOMP over TLS, and clients that trust the certificate (and
 * check the host name) receive Kafka records over STOMP/WSS, STOMP/TLS and the real npm event-bus client over HTTPS;
 * clients that do not speak TLS or do not trust the certificate get nothing. A {@code tls} file that cannot be read
 * is a startup error naming its key.
 */
@ExtendWith({VertxExtension.class, KafkaBroker.class})
class TlsTest {

    private static final String TOPIC = "tls.orders.status";
    private static final String ALICE = "user.alice.orders";

    private static Vertx vertx;
    private static EmbeddedKafka kafka;
    private static KafkaProducer<String, String> producer;
    private static SelfSignedCertificate certificate;
    private static GatewayNode node;

    @BeforeAll
    static void startNode(EmbeddedKafka broker) {
        kafka = broker;
        vertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(TOPIC), 1);
        producer = KafkaBroker.createProducer(kafka);
        certificate = SelfSignedCertificate.create("localhost");
        node = GatewayNode.deploy(vertx, config(certificate.privateKeyPath(), certificate.certificatePath()));
    }

    @AfterAll
    static void stopNode() {
        producer.close();
        if (node != null) {
            node.undeploy();
        }
        GatewayNode.await(vertx.close(), TIMEOUT);
        certificate.delete();
    }

    private static JsonObject config(String keyFile, String certFile) {
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", TOPIC).put("address", "user.{key}.orders"));
        JsonObject bridge = new JsonObject()
            .put("outboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "user\\.[a-z]+\\.orders")));
        return GatewayNode.config(kafka, "tls", routes, bridge)
            .put("tls", new JsonObject().put("keyFile", keyFile).put("certFile", certFile));
    }

    private static RecordMetadata produceOrder(String orderId) {
        return KafkaBroker.produce(producer, new ProducerRecord<>(TOPIC, "alice", "{\"orderId\":\"" + orderId + "\"}"));
    }

    /** A client that trusts the test certificate and checks that it names the host it connects to. */
    private static WebSocketClientOptions trustingWebSocketOptions() {
        return new WebSocketClientOptions().setSsl(true).setTrustOptions(certificate.trustOptions()).setVerifyHost(true);
    }

    private static NetClientOptions trustingTcpOptions() {
        return new NetClientOptions().setSsl(true).setTrustOptions(certificate.trustOptions()).setHostnameVerificationAlgorithm("HTTPS");
    }

    private static void assertReceivesARecord(RawStompClient client, String orderId) {
        stompConnect(client, "0,0");
        stompSubscribe(client, "tls", ALICE);
        awaitStompProbe(vertx, client, ALICE);

        RecordMetadata metadata = produceOrder(orderId);

        RawStompClient.Received message = BridgeProbes.nextStompMessage(client,
            f -> String.valueOf(metadata.offset()).equals(f.header("kafka.offset")), TIMEOUT, "the Kafka record");
        assertThat(message.header("kafka.topic")).isEqualTo(TOPIC);
        assertThat(new JsonObject(message.body()).getString("orderId")).isEqualTo(orderId);
    }

    @Test
    void aStompClientOverWssReceivesAKafkaRecord() {
        try (RawStompClient client = RawStompClient.connectWebSocket(vertx, "localhost", node.httpPort(), "/stomp",
            trustingWebSocketOptions())) {
            assertReceivesARecord(client, "over-wss");
        }
    }

    @Test
    void aStompClientOverTlsReceivesAKafkaRecord() {
        try (RawStompClient client = RawStompClient.connectTcp(vertx, "localhost", node.stompPort(), trustingTcpOptions())) {
            assertReceivesARecord(client, "over-tls");
        }
    }

    @Test
    void theEventBusClientOverHttpsReceivesAKafkaRecordWhenNodeTrustsTheCertificate() {
        try (NodeClient client = NodeClient.start("with-extra-ca.js", Path.of(certificate.certificatePath()).toAbsolutePath().toString(),
            "eventbus-client.js", "https://localhost:" + node.httpPort(), ALICE)) {
            client.awaitEvent("open", TIMEOUT);
            long timer = vertx.setPeriodic(100, id -> vertx.eventBus().publish(ALICE, new JsonObject().put("probe", true)));
            try {
                client.await(e -> "message".equals(e.getString("event")) && e.getJsonObject("body").containsKey("probe"), TIMEOUT,
                    "a probe on " + ALICE);
            } finally {
                vertx.cancelTimer(timer);
            }

            RecordMetadata metadata = produceOrder("tls-node");

            JsonObject message = client.await(e -> "message".equals(e.getString("event"))
                && String.valueOf(metadata.offset()).equals(e.getJsonObject("headers").getString("kafka.offset")), TIMEOUT, "the Kafka record");
            assertThat(message.getJsonObject("body").getString("orderId")).isEqualTo("tls-node");
        }
    }

    @Test
    void aPlainTcpStompClientGetsNoConnected() {
        try (RawStompClient client = RawStompClient.connectTcp(vertx, node.stompPort())) {
            client.send("CONNECT", "accept-version", "1.2", "host", "localhost");

            RawStompClient.Received received;
            do {
                received = client.next(TIMEOUT);
                assertThat(received.command()).as("what a plain client gets from the TLS port").isNotEqualTo("CONNECTED");
            } while (!"CLOSED".equals(received.command()));
        }
    }

    @Test
    void aPlainWebSocketClientCannotConnect() {
        assertThatThrownBy(() -> RawStompClient.connectWebSocket(vertx, node.httpPort()).close())
            .as("a ws:// connection to the HTTPS port").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateCannotConnect() {
        assertThatThrownBy(() -> RawStompClient.connectWebSocket(vertx, "localhost", node.httpPort(), "/stomp",
            new WebSocketClientOptions().setSsl(true)).close())
            .as("a wss:// connection without the certificate in the trust store").isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> RawStompClient.connectTcp(vertx, "localhost", node.stompPort(),
            new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS")).close())
            .as("a TLS connection without the certificate in the trust store").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aClientConnectingUnderAnotherNameThanTheCertificatesCannotConnect() {
        assertThatThrownBy(() -> RawStompClient.connectTcp(vertx, "127.0.0.1", node.stompPort(), trustingTcpOptions()).close())
            .as("a TLS connection to 127.0.0.1 with a certificate for localhost").isInstanceOf(IllegalStateException.class);
    }

    private static Throwable deployFailure(JsonObject config) {
        Future<Throwable> failure = vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config))
            .transform(result -> Future.succeededFuture(result.failed() ? result.cause() : null));
        return GatewayNode.await(failure, TIMEOUT);
    }

    @Test
    void aMissingKeyFileIsAStartupErrorNamingTlsKeyFile() {
        String missing = Path.of("no-such-dir", "key.pem").toAbsolutePath().toString();

        Throwable failure = deployFailure(config(missing, certificate.certificatePath()));

        assertThat(failure).isInstanceOf(ConfigException.class).hasMessageStartingWith("tls.keyFile").hasMessageContaining(missing);
    }

    @Test
    void aMissingCertFileIsAStartupErrorNamingTlsCertFile() {
        String missing = Path.of("no-such-dir", "cert.pem").toAbsolutePath().toString();

        Throwable failure = deployFailure(config(certificate.privateKeyPath(), missing));

        assertThat(failure).isInstanceOf(ConfigException.class).hasMessageStartingWith("tls.certFile").hasMessageContaining(missing);
    }
}
