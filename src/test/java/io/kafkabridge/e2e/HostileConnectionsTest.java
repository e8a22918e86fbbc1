package io.kafkabridge.e2e;

import io.kafkabridge.auth.AuthFailure;
import io.kafkabridge.auth.PasswordHasher;
import io.kafkabridge.bridge.ErrorCodes;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.ClosedAfterEach;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.kafkabridge.testing.BridgeProbes.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on connections and authentication, replayed against a node with a user file, JWTs and short deadlines:
 * login floods, tokenless SockJS sockets, slow HTTP, one host holding many sockets, and pages of other sites. Each is
 * refused, and the legitimate client beside it gets in.
 */
@ExtendWith(KafkaBroker.class)
class HostileConnectionsTest {

    private static final String CAROL_PASSWORD = "carol's secret";
    private static final String SECRET = Base64.getUrlEncoder().withoutPadding()
        .encodeToString("hostile-test-secret-long-enough-for-hmac-sha256".getBytes(StandardCharsets.UTF_8));
    private static final long CONNECT_TIMEOUT_MS = 1_000;
    private static final long HEADER_TIMEOUT_MS = 1_000;
    private static final long HTTP_IDLE_TIMEOUT_MS = 3_000;
    private static final int MAX_CONNECTIONS_PER_ADDRESS = 20;
    private static final String FEED = "feed.news";

    @TempDir
    static Path tempDir;

    private static Vertx vertx;
    private static GatewayNode node;
    private static JWTAuth signer;

    @RegisterExtension
    final ClosedAfterEach closed = new ClosedAfterEach();

    @BeforeAll
    static void startNode(EmbeddedKafka kafka) throws Exception {
        vertx = Vertx.vertx();
        Path users = tempDir.resolve("users.json");
        Files.writeString(users, new JsonObject().put("users", new JsonObject()
            .put("carol", new JsonObject().put("password", PasswordHasher.hash(CAROL_PASSWORD)))).encodePrettily());
        JsonObject jwt = new JsonObject()
            .put("pubSecKeys", new JsonArray().add(new JsonObject().put("algorithm", "HS256").put("buffer", SECRET)));
        JsonObject bridge = new JsonObject().put("outboundPermitteds", new JsonArray().add(new JsonObject().put("address", FEED)));
        KafkaBroker.createTopics(kafka, List.of("hostile.news"), 1);
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", "hostile.news").put("address", FEED));
        JsonObject config = GatewayNode.config(kafka, "hostile-connections", routes, bridge)
            .put("auth", new JsonObject().put("jwt", jwt).put("users", users.toString()))
            .put("limits", new JsonObject().put("connectTimeoutMs", CONNECT_TIMEOUT_MS)
                .put("maxConnectionsPerAddress", MAX_CONNECTIONS_PER_ADDRESS))
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("requestHeaderTimeoutMs", HEADER_TIMEOUT_MS)
                .put("idleTimeoutMs", HTTP_IDLE_TIMEOUT_MS)
                .put("allowedOrigins", new JsonArray().add("https://*.example.com")));
        node = GatewayNode.deploy(vertx, config);
        signer = JWTAuth.create(vertx, new JWTAuthOptions(new JsonObject().put("pubSecKeys", jwt.getJsonArray("pubSecKeys"))));
    }

    @AfterAll
    static void stopNode() {
        node.undeploy();
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    private static String token(String user) {
        return signer.generateToken(new JsonObject().put("sub", user), new JWTOptions().setExpiresInSeconds(300));
    }

    /** A STOMP connection over TCP from {@code localAddress} (any 127.x.y.z is this host's loopback). */
    private RawStompClient stompFrom(String localAddress) {
        return closed.add(RawStompClient.connectTcp(vertx, "127.0.0.1", node.stompPort(),
            new NetClientOptions().setLocalAddress(localAddress)));
    }

    // ---- login flood (observed: 200 parallel wrong logins took both cores for 3.5 s and a correct one timed out) ----

    @Test
    void aLoginFloodFromOneAddressIsThrottledAndTheRightfulUserGetsInMeanwhile() {
        // as many as one address may hold (limits.maxConnectionsPerAddress), all at once
        int attempts = MAX_CONNECTIONS_PER_ADDRESS - 2;
        List<RawStompClient> attackers = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            RawStompClient attacker = stompFrom("127.0.0.3");
            attacker.send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "login", "carol",
                "passcode", "guess" + i, "heart-beat", "0,0"), null);
            attackers.add(attacker);
        }
        RawStompClient carol = stompFrom("127.0.0.2");
        carol.send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "login", "carol", "passcode", CAROL_PASSWORD,
            "heart-beat", "0,0"), null);

        assertThat(carol.next(Duration.ofSeconds(10)).command()).as("carol, beside the flood").isEqualTo("CONNECTED");
        Map<String, Integer> answers = new HashMap<>();
        for (RawStompClient attacker : attackers) {
            RawStompClient.Received refusal = attacker.next(TIMEOUT);
            assertThat(refusal.command()).isEqualTo("ERROR");
            answers.merge(refusal.header("message"), 1, Integer::sum);
        }
        System.out.printf("Login flood of %d: %s%n", attempts, answers);
        assertThat(answers.keySet()).isSubsetOf(AuthFailure.BAD_CREDENTIALS, AuthFailure.LOGIN_THROTTLED, AuthFailure.AUTH_BUSY);
        // one address may queue 4 checks; after its first failure it waits: only a handful were hashed
        assertThat(answers.getOrDefault(AuthFailure.BAD_CREDENTIALS, 0)).as("logins actually checked").isLessThanOrEqualTo(8);
    }

    @Test
    void aWrongLoginIsBackedOffForThatLoginAndAddressOnly() {
        RawStompClient first = stompFrom("127.0.0.5");
        first.send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "login", "carol", "passcode", "wrong"), null);
        assertThat(first.next(TIMEOUT).header("message")).isEqualTo(AuthFailure.BAD_CREDENTIALS);
        RawStompClient again = stompFrom("127.0.0.5");
        again.send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "login", "carol", "passcode", CAROL_PASSWORD), null);
        RawStompClient.Received throttled = again.next(TIMEOUT);
        assertThat(throttled.header("message")).isEqualTo(AuthFailure.LOGIN_THROTTLED);
        assertThat(throttled.body()).contains("retry in");

        RawStompClient elsewhere = stompFrom("127.0.0.6");
        elsewhere.send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "login", "carol", "passcode", CAROL_PASSWORD), null);
        assertThat(elsewhere.next(TIMEOUT).command()).as("carol from another address").isEqualTo("CONNECTED");
    }

    // ---- tokenless SockJS sockets (observed: they pinged and stayed forever, holding connection slots) ----

    @Test
    void aSockJsSocketWithoutATokenIsCutAfterTheConnectTimeoutWhileOneWithATokenStays() {
        RawSockJsClient tokenless = closed.add(RawSockJsClient.connect(vertx, node.httpPort(), null));
        closed.add(BridgeProbes.sockJsPings(vertx, tokenless, 200));
        RawSockJsClient alice = closed.add(RawSockJsClient.connect(vertx, node.httpPort(), "access_token=" + token("alice")));
        closed.add(BridgeProbes.sockJsPings(vertx, alice, 200));
        alice.register(FEED);
        BridgeProbes.awaitSockJsProbe(vertx, alice, FEED);

        JsonObject err = tokenless.awaitError(null, Duration.ofMillis(5 * CONNECT_TIMEOUT_MS));
        assertThat(err.getString("body")).isEqualTo(ErrorCodes.CONNECT_TIMEOUT);
        tokenless.awaitClose(TIMEOUT);
        // alice, connected as long, still receives
        BridgeProbes.awaitSockJsProbe(vertx, alice, FEED);
    }

    // ---- slow HTTP (observed: sockets trickling header lines, or silent, stayed open and counted nowhere) ----

    /** A raw TCP connection to the HTTP port; completes when the server closes it. */
    private Future<Void> rawHttp(String localAddress, Buffer first, Promise<NetSocket> opened) {
        NetClient client = vertx.createNetClient(new NetClientOptions().setLocalAddress(localAddress));
        closed.add(() -> GatewayNode.await(client.close(), TIMEOUT));
        Promise<Void> closed = Promise.promise();
        client.connect(node.httpPort(), "127.0.0.1").onSuccess(socket -> {
            socket.closeHandler(v -> closed.tryComplete());
            socket.handler(data -> { });
            if (first != null) {
                socket.write(first);
            }
            opened.complete(socket);
        }).onFailure(opened::fail);
        return closed.future();
    }

    @Test
    void slowAndSilentHttpClientsAreCutAtTheHeaderDeadlineWhileARealRequestIsServed() {
        long before = BridgeProbes.health(node.httpPort()).getJsonObject("http").getLong("headerTimeouts");
        Promise<NetSocket> trickling = Promise.promise();
        Future<Void> tricklingClosed = rawHttp("127.0.0.7", Buffer.buffer("GET /stomp HTTP/1.1\r\n"), trickling);
        NetSocket slowloris = GatewayNode.await(trickling.future(), TIMEOUT);
        long timer = vertx.setPeriodic(200, id -> slowloris.write("X-Slow-" + id + ": 1\r\n"));
        closed.add(() -> vertx.cancelTimer(timer));
        Future<Void> silentClosed = rawHttp("127.0.0.7", null, Promise.promise());

        GatewayNode.await(Future.all(tricklingClosed, silentClosed), Duration.ofMillis(10 * HEADER_TIMEOUT_MS));

        JsonObject http = BridgeProbes.health(node.httpPort()).getJsonObject("http");
        assertThat(http.getLong("headerTimeouts")).isGreaterThanOrEqualTo(before + 2);
    }

    @Test
    void aWebSocketThatCarriesNothingEitherWayIsClosedAfterTheHttpIdleTimeout() {
        RawStompClient silent = closed.add(RawStompClient.connectWebSocket(vertx, node.httpPort()));
        silent.send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "passcode", token("bob"), "heart-beat", "0,0"), null);
        assertThat(silent.next(TIMEOUT).command()).isEqualTo("CONNECTED");
        long connected = System.nanoTime();

        assertThat(silent.next(Duration.ofMillis(5 * HTTP_IDLE_TIMEOUT_MS)).command()).isEqualTo("CLOSED");
        assertThat(Duration.ofNanos(System.nanoTime() - connected)).isGreaterThanOrEqualTo(Duration.ofMillis(HTTP_IDLE_TIMEOUT_MS - 500));
    }

    @Test
    void oneAddressCannotHoldMoreConnectionsThanItsShare() {
        long refusedBefore = BridgeProbes.health(node.httpPort()).getJsonObject("http").getLong("refusedPerAddress");
        List<Future<Void>> closed = new ArrayList<>();
        for (int i = 0; i < MAX_CONNECTIONS_PER_ADDRESS + 5; i++) {
            closed.add(rawHttp("127.0.0.8", null, Promise.promise()));
        }
        // the five beyond the share are closed at once (the others later, at the header deadline)
        long refused = 0;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (refused < 5 && System.nanoTime() < deadline) {
            refused = BridgeProbes.health(node.httpPort()).getJsonObject("http").getLong("refusedPerAddress") - refusedBefore;
            GatewayNode.await(vertx.timer(50), TIMEOUT);
        }
        assertThat(refused).isEqualTo(5);
        // another address is served meanwhile: the health probe above, and a STOMP client
        RawStompClient other = stompFrom("127.0.0.9");
        other.send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "passcode", token("bob")), null);
        assertThat(other.next(TIMEOUT).command()).isEqualTo("CONNECTED");
        GatewayNode.await(Future.all(closed), TIMEOUT);
    }

    @Test
    void connectionsThatClosedGiveTheirAddressSlotBackOnEveryTransport() {
        // more connections one after the other than an address may hold at once: none may stay counted
        for (int i = 0; i < MAX_CONNECTIONS_PER_ADDRESS + 5; i++) {
            try (RawStompClient overWebSocket = RawStompClient.connectWebSocket(vertx, "127.0.0.1", node.httpPort(), "/stomp",
                     new WebSocketClientOptions().setLocalAddress("127.0.0.10"));
                 RawSockJsClient sockJs = RawSockJsClient.connect(vertx, node.httpPort(), "access_token=" + token("alice"),
                     new WebSocketClientOptions().setLocalAddress("127.0.0.10"));
                 RawStompClient overTcp = RawStompClient.connectTcp(vertx, "127.0.0.1", node.stompPort(),
                     new NetClientOptions().setLocalAddress("127.0.0.10"))) {
                for (RawStompClient stomp : List.of(overWebSocket, overTcp)) {
                    stomp.send("CONNECT", Map.of("accept-version", "1.2", "host", "localhost", "passcode", token("bob")), null);
                    assertThat(stomp.next(TIMEOUT).command()).as("connection %d", i).isEqualTo("CONNECTED");
                }
                sockJs.register(FEED);
                BridgeProbes.awaitSockJsProbe(vertx, sockJs, FEED);
            }
        }
    }

    // ---- other sites' pages (observed: any origin could open a session from a visitor's browser) ----

    /** The status code the server answers a raw request with. */
    private int statusOf(String request) {
        Promise<NetSocket> opened = Promise.promise();
        Promise<Integer> status = Promise.promise();
        StringBuilder response = new StringBuilder();
        rawHttp("127.0.0.1", null, opened);
        NetSocket socket = GatewayNode.await(opened.future(), TIMEOUT);
        socket.handler(data -> {
            response.append(data.toString());
            int end = response.indexOf("\r\n");
            if (end > 0) {
                status.tryComplete(Integer.parseInt(response.substring(0, end).split(" ")[1]));
            }
        });
        socket.write(request);
        try {
            return GatewayNode.await(status.future(), TIMEOUT);
        } finally {
            socket.close();
        }
    }

    private String webSocketUpgrade(String path, String origin) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + node.httpPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v12.stomp\r\n"
            + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n";
    }

    private String xhrOpen(String base, String origin) {
        return "POST " + base + "/000/" + System.nanoTime() + "/xhr HTTP/1.1\r\nHost: 127.0.0.1:" + node.httpPort()
            + "\r\nContent-Length: 0\r\n" + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n";
    }

    @Test
    void requestsFromOriginsNotAllowedAreRefusedOnEveryBridgeEndpoint() {
        String own = "http://127.0.0.1:" + node.httpPort();
        for (String path : List.of("/stomp", "/stomp/websocket", "/stomp/000/" + System.nanoTime() + "/websocket",
            "/eventbus/websocket")) {
            assertThat(statusOf(webSocketUpgrade(path, "https://evil.test"))).as("%s from evil.test", path).isEqualTo(403);
            assertThat(statusOf(webSocketUpgrade(path, "https://app.example.com.evil.test"))).as("%s, suffix trick", path).isEqualTo(403);
            assertThat(statusOf(webSocketUpgrade(path, "https://app.example.com"))).as("%s from an allowed origin", path).isEqualTo(101);
            assertThat(statusOf(webSocketUpgrade(path, own))).as("%s from the gateway's own pages", path).isEqualTo(101);
            assertThat(statusOf(webSocketUpgrade(path, null))).as("%s without Origin", path).isEqualTo(101);
        }
        for (String base : List.of("/eventbus", "/stomp")) {
            assertThat(statusOf(xhrOpen(base, "https://evil.test"))).as("%s xhr from evil.test", base).isEqualTo(403);
            assertThat(statusOf(xhrOpen(base, "https://a.b.example.com"))).as("%s xhr from a subdomain", base).isEqualTo(200);
            assertThat(statusOf("GET " + base + "/info HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.test\r\n\r\n"))
                .as("%s/info from evil.test", base).isEqualTo(403);
            assertThat(statusOf("GET " + base + "/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).as("%s/info without Origin", base)
                .isEqualTo(200);
        }
        assertThat(statusOf("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.test\r\n\r\n"))
            .as("pages and health are not bridge endpoints").isEqualTo(200);
    }
}
