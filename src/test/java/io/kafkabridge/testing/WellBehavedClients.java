package io.kafkabridge.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.RecordMetadata;

import static io.kafkabridge.testing.BridgeProbes.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two clients that respect every limit, subscribed to one address while a test makes another client exceed a limit:
 * a STOMP client over TCP (sending heart-beats) and a SockJS client (sending pings). The tests then check that both
 * still receive what is published after the refusal.
 */
public final class WellBehavedClients implements AutoCloseable {

    private static final long KEEP_ALIVE_MS = 250;

    private final Vertx vertx;
    private final String address;
    private final RawStompClient stomp;
    private final RawSockJsClient sockJs;
    private final AutoCloseable stompHeartBeats;
    private final AutoCloseable sockJsPings;

    private WellBehavedClients(Vertx vertx, String address, RawStompClient stomp, RawSockJsClient sockJs,
                               AutoCloseable stompHeartBeats, AutoCloseable sockJsPings) {
        this.vertx = vertx;
        this.address = address;
        this.stomp = stomp;
        this.sockJs = sockJs;
        this.stompHeartBeats = stompHeartBeats;
        this.sockJsPings = sockJsPings;
    }

    /**
     * Connects both clients, subscribes them to {@code address} and waits until both receive probes.
     */
    public static WellBehavedClients subscribe(Vertx vertx, GatewayNode node, String address) {
        RawStompClient stomp = RawStompClient.connectTcp(vertx, node.stompPort());
        AutoCloseable heartBeats = BridgeProbes.stompHeartBeats(vertx, stomp, KEEP_ALIVE_MS);
        BridgeProbes.stompConnect(stomp, "0,0");
        BridgeProbes.stompSubscribe(stomp, "watch", address);
        RawSockJsClient sockJs = RawSockJsClient.connect(vertx, node.httpPort(), null);
        AutoCloseable pings = BridgeProbes.sockJsPings(vertx, sockJs, KEEP_ALIVE_MS);
        sockJs.register(address);
        WellBehavedClients clients = new WellBehavedClients(vertx, address, stomp, sockJs, heartBeats, pings);
        try {
            BridgeProbes.awaitStompProbe(vertx, stomp, address);
            BridgeProbes.awaitSockJsProbe(vertx, sockJs, address);
            return clients;
        } catch (RuntimeException | Error e) {
            try {
                clients.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Publishes a fresh probe (repeatedly, until received) and checks that both clients receive it.
     */
    public void assertStillReceiveMessages() {
        JsonObject probe = BridgeProbes.probe();
        BridgeProbes.awaitStompProbe(vertx, stomp, address, probe);
        BridgeProbes.awaitSockJsProbe(vertx, sockJs, address, probe);
    }

    /**
     * Checks that both clients receive the Kafka record at {@code metadata}.
     */
    public void assertReceiveRecord(RecordMetadata metadata) {
        String offset = String.valueOf(metadata.offset());
        String partition = String.valueOf(metadata.partition());
        BridgeProbes.nextStompMessage(stomp, f -> offset.equals(f.header("kafka.offset")) && partition.equals(f.header("kafka.partition")),
            TIMEOUT, "the Kafka record " + metadata + " over STOMP");
        BridgeProbes.nextSockJsMessage(sockJs, f -> {
            JsonObject headers = f.getJsonObject("headers", new JsonObject());
            return offset.equals(headers.getString("kafka.offset")) && partition.equals(headers.getString("kafka.partition"));
        }, "the Kafka record " + metadata + " over SockJS");
    }

    /**
     * Checks that the next Kafka record both clients receive is the one at {@code metadata}: nothing produced before it
     * (since the last record they received) reached them.
     */
    public void assertNextRecordIs(RecordMetadata metadata) {
        RawStompClient.Received frame = BridgeProbes.nextStompMessage(stomp, f -> f.header("kafka.offset") != null,
            TIMEOUT, "a Kafka record over STOMP");
        assertThat(frame.header("kafka.partition") + "@" + frame.header("kafka.offset")).as("the next record over STOMP")
            .isEqualTo(metadata.partition() + "@" + metadata.offset());
        JsonObject message = BridgeProbes.nextSockJsMessage(sockJs, f -> f.getJsonObject("headers", new JsonObject())
            .getString("kafka.offset") != null, "a Kafka record over SockJS");
        JsonObject headers = message.getJsonObject("headers");
        assertThat(headers.getString("kafka.partition") + "@" + headers.getString("kafka.offset")).as("the next record over SockJS")
            .isEqualTo(metadata.partition() + "@" + metadata.offset());
    }

    @Override
    public void close() throws Exception {
        stompHeartBeats.close();
        sockJsPings.close();
        stomp.close();
        sockJs.close();
    }
}
