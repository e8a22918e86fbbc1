package io.kafkabridge.e2e;

import io.kafkabridge.bridge.ErrorCodes;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that stop reading their sockets (a small receive buffer, reading paused: the server's writes back up for
 * real) while a flood of 1 KB messages goes to their address: each is handled by {@code limits.slowClientPolicy}, and
 * the clients that read get every message, once, in order.
 */
@ExtendWith(KafkaBroker.class)
class SlowClientsTest {

    private static final int QUEUE_BYTES = 64 * 1024;
    /** Many times what a stalled connection can hold (its queue, the write window and the kernel's buffers). */
    private static final int FLOOD = 20_000;
    private static final String PAD = "x".repeat(1000);
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    /** Messages the flood may run ahead of a reading client: well under what its queue and the sockets hold. */
    private static final int AHEAD = 40;

    private Vertx vertx;
    private GatewayNode node;
    private String address;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
        address = "slow.feed." + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        GatewayNode.await(vertx.close(), Duration.ofSeconds(30));
    }

    private void deploy(EmbeddedKafka kafka, String policy) {
        deploy(kafka, policy, null);
    }

    /**
     * @param rulePolicy the {@code slowClientPolicy} of the address's outbound rule, or {@code null}
     */
    private void deploy(EmbeddedKafka kafka, String policy, String rulePolicy) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        JsonObject rule = new JsonObject().put("address", address);
        if (rulePolicy != null) {
            rule.put("slowClientPolicy", rulePolicy);
        }
        JsonObject config = GatewayNode.config(kafka, "slow-" + id,
                new JsonArray().add(new JsonObject().put("topic", "slow." + id).put("address", address)),
                new JsonObject().put("outboundPermitteds", new JsonArray().add(rule)))
            .put("limits", new JsonObject().put("maxQueuedBytesPerConnection", QUEUE_BYTES)
                .put("maxQueuedMessagesPerConnection", 1000).put("slowClientPolicy", policy));
        KafkaBroker.createTopics(kafka, List.of("slow." + id), 1);
        node = GatewayNode.deploy(vertx, config);
    }

    private <T extends AutoCloseable> T track(T client) {
        clients.add(client);
        return client;
    }

    private RawStompClient stompOverTcp(int receiveBuffer) {
        return subscribed(RawStompClient.connectTcp(vertx, node.stompPort(), new NetClientOptions().setReceiveBufferSize(receiveBuffer)));
    }

    private RawStompClient stompOverWebSocket(int receiveBuffer) {
        return subscribed(RawStompClient.connectWebSocket(vertx, node.httpPort(), "/stomp",
            new WebSocketClientOptions().setReceiveBufferSize(receiveBuffer)));
    }

    /** CONNECTs, subscribes to the address and waits until a probe arrives. */
    private RawStompClient subscribed(RawStompClient stomp) {
        track(stomp);
        BridgeProbes.stompConnect(stomp, "0,0");
        BridgeProbes.stompSubscribe(stomp, "feed", address);
        BridgeProbes.awaitStompProbe(vertx, stomp, address);
        return stomp;
    }

    private RawSockJsClient sockJs(int receiveBuffer) {
        RawSockJsClient client = track(RawSockJsClient.connect(vertx, node.httpPort(), null,
            new WebSocketClientOptions().setReceiveBufferSize(receiveBuffer)));
        client.register(address);
        BridgeProbes.awaitSockJsProbe(vertx, client, address);
        return client;
    }

    /** Publishes the flood on the node's event bus, as the Kafka source does, with a key per message. */
    private void flood(int keys) {
        flood(keys, null, List.of());
    }

    /**
     * @param routePolicy the {@code slow-client-policy} header a route with its own policy puts on its messages, or
     *                    {@code null}
     * @param readers     the frames each reading client received so far: the flood runs at most {@link #AHEAD}
     *                    messages ahead of the slowest, so that only the clients that stopped reading fall behind
     *                    (however the test's threads are scheduled)
     */
    private void flood(int keys, String routePolicy, List<IntSupplier> readers) {
        int[] before = readers.stream().mapToInt(IntSupplier::getAsInt).toArray();
        for (int n = 0; n < FLOOD; n++) {
            for (int r = 0; r < readers.size(); r++) {
                awaitRead(readers.get(r), before[r] + n - AHEAD);
            }
            DeliveryOptions options = new DeliveryOptions().addHeader("kafka.topic", "flood").addHeader("kafka.partition", "0")
                .addHeader("kafka.offset", Integer.toString(n)).addHeader("kafka.key", "k" + n % keys);
            if (routePolicy != null) {
                options.addHeader(RecordRouter.HEADER_SLOW_CLIENT_POLICY, routePolicy);
            }
            vertx.eventBus().publish(address, new JsonObject().put("n", n).put("key", "k" + n % keys).put("pad", PAD), options);
        }
    }

    private static void awaitRead(IntSupplier received, int frames) {
        long deadline = System.nanoTime() + DELIVERY.toNanos();
        while (received.getAsInt() < frames) {
            assertThat(System.nanoTime()).as("a reading client got %d frames", frames).isLessThan(deadline);
            LockSupport.parkNanos(50_000);
        }
    }

    /** A message as a client got it: its number, its key and the {@code dropped} header. */
    private record Got(int n, String key, int dropped) {
    }

    private static Got fromStomp(RawStompClient.Received frame) {
        JsonObject body = new JsonObject(frame.body());
        String dropped = frame.header("dropped");
        return new Got(body.getInteger("n"), body.getString("key"), dropped == null ? 0 : Integer.parseInt(dropped));
    }

    private static Got fromSockJs(JsonObject frame) {
        JsonObject body = frame.getJsonObject("body");
        String dropped = frame.getJsonObject("headers", new JsonObject()).getString("dropped");
        return new Got(body.getInteger("n"), body.getString("key"), dropped == null ? 0 : Integer.parseInt(dropped));
    }

    /** Reads flood messages until the last one, or until the connection ends (then the list ends with null). */
    private static List<Got> readStomp(RawStompClient stomp) {
        List<Got> got = new ArrayList<>();
        String lastResume = null;
        String lastOffset = null;
        while (true) {
            RawStompClient.Received frame = stomp.next(DELIVERY);
            if (!"MESSAGE".equals(frame.command())) {
                if ("ERROR".equals(frame.command())) {
                    assertThat(frame.header("message")).isEqualTo(ErrorCodes.SLOW_CONSUMER);
                    // where the subscription resumes: after the last message it was sent
                    assertThat(frame.header("resume")).as("ERROR %s", frame).isEqualTo(lastResume);
                    assertThat(frame.header("resume.feed")).as("ERROR %s", frame).isEqualTo(lastResume);
                    // and the Kafka position of that message
                    assertThat(frame.header("kafka.offset")).as("ERROR %s", frame).isEqualTo(lastOffset);
                    continue;
                }
                got.add(null);
                return got;
            }
            lastResume = frame.header("resume");
            lastOffset = frame.header("kafka.offset");
            if (frame.body().contains("\"n\"")) {
                got.add(fromStomp(frame));
                if (got.get(got.size() - 1).n() == FLOOD - 1) {
                    return got;
                }
            }
        }
    }

    private static List<Got> readSockJs(RawSockJsClient client) {
        List<Got> got = new ArrayList<>();
        String lastResume = null;
        String lastOffset = null;
        while (true) {
            JsonObject frame = client.await(f -> true, DELIVERY, "a frame");
            if ("err".equals(frame.getString("type"))) {
                assertThat(frame.getString("body")).isEqualTo(ErrorCodes.SLOW_CONSUMER);
                // where each registered address resumes: after the last message it was sent
                assertThat(frame.getJsonObject("headers").getString("resume")).as("err %s", frame).isEqualTo(lastResume);
                assertThat(frame.getJsonObject("resume").getString(frame.getString("address"))).as("err %s", frame)
                    .isEqualTo(lastResume);
                // and the Kafka position of that message
                assertThat(frame.getJsonObject("headers").getString("kafka.offset")).as("err %s", frame).isEqualTo(lastOffset);
                continue;
            }
            if (!"rec".equals(frame.getString("type"))) {
                got.add(null);
                return got;
            }
            lastResume = frame.getJsonObject("headers").getString("resume");
            lastOffset = frame.getJsonObject("headers").getString("kafka.offset");
            if (frame.getValue("body") instanceof JsonObject body && body.containsKey("n")) {
                got.add(fromSockJs(frame));
                if (got.get(got.size() - 1).n() == FLOOD - 1) {
                    return got;
                }
            }
        }
    }

    /**
     * A STOMP subscriber on a plain blocking socket (4 KiB receive buffer) that reads up to its RECEIPT and never again.
     */
    private Socket blockingStompSubscriber() {
        try {
            Socket socket = new Socket();
            track(socket);
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", node.stompPort()), 10_000);
            socket.setSoTimeout((int) DELIVERY.toMillis());
            socket.getOutputStream().write(("CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\u0000SUBSCRIBE\nid:feed\n"
                + "destination:" + address + "\nreceipt:subscribed\n\n\u0000").getBytes(StandardCharsets.UTF_8));
            StringBuilder read = new StringBuilder();
            byte[] chunk = new byte[512];
            while (read.indexOf("receipt-id:subscribed") < 0) {
                int n = socket.getInputStream().read(chunk);
                assertThat(n).as("the RECEIPT of the subscription").isPositive();
                read.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
            }
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A SockJS client over a raw WebSocket on a plain blocking socket (4 KiB receive buffer): registers the address,
     * reads up to the first message there and never again.
     */
    private Socket blockingSockJsSubscriber() {
        try {
            Socket socket = new Socket();
            track(socket);
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", node.httpPort()), 10_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /eventbus/websocket HTTP/1.1\r\nHost: 127.0.0.1:" + node.httpPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder read = new StringBuilder();
            byte[] chunk = new byte[512];
            // the frame after the upgrade's answer: before it, the server still reads HTTP
            while (read.indexOf("\r\n\r\n") < 0) {
                int n = socket.getInputStream().read(chunk);
                assertThat(n).as("the upgrade's answer").isPositive();
                read.append(new String(chunk, 0, n, StandardCharsets.ISO_8859_1));
            }
            socket.getOutputStream().write(maskedFrame(0x1, new JsonObject().put("type", "register").put("address", address)
                .encode().getBytes(StandardCharsets.UTF_8)));
            long probing = vertx.setPeriodic(1, 100, id -> vertx.eventBus().publish(address, BridgeProbes.probe()));
            try {
                while (read.indexOf("\"probe\"") < 0) {
                    int n;
                    try {
                        n = socket.getInputStream().read(chunk);
                    } catch (java.net.SocketTimeoutException e) {
                        throw new AssertionError("no first message, only: " + read, e);
                    }
                    assertThat(n).as("the upgrade and a first message").isPositive();
                    read.append(new String(chunk, 0, n, StandardCharsets.ISO_8859_1));
                }
            } finally {
                vertx.cancelTimer(probing);
            }
            assertThat(read.toString()).startsWith("HTTP/1.1 101");
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client-to-server WebSocket frame: FIN, the opcode, masked with a zero key (payload under 126 bytes). */
    private static byte[] maskedFrame(int opcode, byte[] payload) {
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) (0x80 | opcode);
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(payload, 0, frame, 6, payload.length);
        return frame;
    }

    /** Writes WebSocket pings from a socket that never reads until a write fails: the server reset the connection. */
    private static void assertWebSocketConnectionReset(Socket socket) {
        assertConnectionReset(socket, maskedFrame(0x9, new byte[0]));
    }

    /** Writes heart-beats from a socket that never reads until a write fails: the server reset the connection. */
    private static void assertConnectionReset(Socket socket) {
        assertConnectionReset(socket, new byte[]{'\n'});
    }

    private static void assertConnectionReset(Socket socket, byte[] heartBeat) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try {
            while (System.nanoTime() < deadline) {
                socket.getOutputStream().write(heartBeat);
                socket.getOutputStream().flush();
                LockSupport.parkNanos(50_000_000);
            }
        } catch (IOException reset) {
            return;
        }
        throw new AssertionError("the connection of a client that does not read was still open 10 s after its disconnect");
    }

    private static void assertEveryMessageOnceInOrder(List<Got> got) {
        assertThat(got).hasSize(FLOOD);
        for (int n = 0; n < FLOOD; n++) {
            assertThat(got.get(n).n()).isEqualTo(n);
        }
    }

    private static void assertInOrder(List<Got> got) {
        for (int i = 1; i < got.size(); i++) {
            assertThat(got.get(i).n()).as("message %d after %d", got.get(i).n(), got.get(i - 1).n()).isGreaterThan(got.get(i - 1).n());
        }
    }

    private JsonObject slowClients() {
        return BridgeProbes.health(node.httpPort()).getJsonObject("slowClients");
    }

    @Test
    void stalledClientsOnEveryTransportAreDisconnectedWhileTheOthersGetEveryMessage(EmbeddedKafka kafka) {
        deploy(kafka, "disconnect");
        RawStompClient readingStomp = stompOverTcp(64 * 1024);
        RawSockJsClient readingSockJs = sockJs(64 * 1024);
        List<RawStompClient> stalledStomp = List.of(stompOverTcp(4096), stompOverWebSocket(4096));
        Socket neverReads = blockingStompSubscriber();
        Socket neverReadsSockJs = blockingSockJsSubscriber();
        RawSockJsClient stalledSockJs = sockJs(4096);
        stalledStomp.forEach(RawStompClient::pauseReading);
        stalledSockJs.pauseReading();

        flood(1, null, List.of(readingStomp::framesReceived, readingSockJs::framesReceived));

        assertEveryMessageOnceInOrder(readStomp(readingStomp));
        assertEveryMessageOnceInOrder(readSockJs(readingSockJs));
        assertThat(slowClients().getLong("disconnect")).as("stalled clients disconnected").isEqualTo(5);
        // once they read again: what they were sent, in order, then the end of the connection
        for (RawStompClient stalled : stalledStomp) {
            stalled.resumeReading();
            List<Got> got = readStomp(stalled);
            assertThat(got).last().isNull();
            assertInOrder(got.subList(0, got.size() - 1));
            assertThat(got.size() - 1).as("a stalled STOMP client got only part of the flood").isLessThan(FLOOD);
        }
        stalledSockJs.resumeReading();
        List<Got> got = readSockJs(stalledSockJs);
        assertThat(got).last().isNull();
        assertInOrder(got.subList(0, got.size() - 1));
        // and a client that never reads again is not left connected until it does: its connection is reset (Vert.x's
        // own close would wait forever for the megabytes pending to it to be flushed)
        assertConnectionReset(neverReads);
        assertWebSocketConnectionReset(neverReadsSockJs);
        assertThat(BridgeProbes.openConnections(node.httpPort())).isEqualTo(2);
    }

    @Test
    void underDropOldestAStalledClientEndsWithTheNewestMessagesAndCountsWhatItMissed(EmbeddedKafka kafka) {
        // the address's outbound rule overrides the node's policy
        deploy(kafka, "disconnect", "drop-oldest");
        RawStompClient stalledStomp = stompOverTcp(4096);
        RawSockJsClient stalledSockJs = sockJs(4096);
        stalledStomp.pauseReading();
        stalledSockJs.pauseReading();

        flood(1);
        stalledStomp.resumeReading();
        stalledSockJs.resumeReading();

        for (List<Got> got : List.of(readStomp(stalledStomp), readSockJs(stalledSockJs))) {
            assertThat(got).last().isNotNull().extracting(Got::n).isEqualTo(FLOOD - 1);
            assertInOrder(got);
            int dropped = got.stream().mapToInt(Got::dropped).sum();
            assertThat(dropped).as("messages dropped").isPositive();
            // every message is either received or counted in the dropped header of the next one received
            assertThat(got.size() + dropped).isEqualTo(FLOOD);
        }
        assertThat(slowClients().getLong("drop-oldest")).isPositive();
        assertThat(slowClients().getLong("disconnect")).isZero();
    }

    @Test
    void underConflateAStalledClientEndsWithTheNewestValueOfEveryKey(EmbeddedKafka kafka) {
        // the route of the messages names conflate; the node's policy is disconnect
        deploy(kafka, "disconnect");
        RawStompClient stalledStomp = stompOverTcp(4096);
        RawSockJsClient stalledSockJs = sockJs(4096);
        stalledStomp.pauseReading();
        stalledSockJs.pauseReading();
        int keys = 10;

        flood(keys, "conflate", List.of());
        stalledStomp.resumeReading();
        stalledSockJs.resumeReading();

        for (List<Got> got : List.of(readStomp(stalledStomp), readSockJs(stalledSockJs))) {
            assertThat(got).doesNotContainNull();
            assertInOrder(got);
            Map<String, Integer> newest = new HashMap<>();
            got.forEach(g -> newest.put(g.key(), g.n()));
            for (int k = 0; k < keys; k++) {
                int last = FLOOD - keys + k;
                assertThat(newest).containsEntry("k" + (last % keys), last);
            }
            assertThat(got.size()).as("replaced messages were not sent").isLessThan(FLOOD);
        }
        assertThat(slowClients().getLong("conflate")).isPositive();
        assertThat(slowClients().getLong("disconnect")).isZero();
    }
}
