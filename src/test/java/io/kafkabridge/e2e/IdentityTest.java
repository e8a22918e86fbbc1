package io.kafkabridge.e2e;

import io.kafkabridge.auth.PasswordHasher;
import io.kafkabridge.config.AdminOptions;
import io.kafkabridge.config.AuthOptions;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.NodeClient;
import io.kafkabridge.testing.RawStompClient;
import io.kafkabridge.testing.RawStompClient.Received;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Authentication and identity-bound permissions, end to end, on one node with an {@code auth} section (JWTs and a user
 * file) and the rules {@code user\.{user}\.orders} (regex), {@code inbox.{user}} (exact) and {@code ops.alerts}
 * (authority {@code ops}): each user reaches exactly their own addresses over SockJS, STOMP over WebSocket and STOMP
 * over TCP, with the real npm clients and byte-level clients; every refusal carries its precise code.
 */
@ExtendWith({VertxExtension.class, KafkaBroker.class})
class IdentityTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String ORDERS_TOPIC = "identity.orders.status";
    /** HS256 secrets; a "buffer" in JWTAuthOptions JSON is base64url. */
    private static final String SECRET = base64Url("identity-test-secret-long-enough-for-hmac-sha256");
    private static final String FOREIGN_SECRET = base64Url("another-secret-of-another-issuer-entirely");
    private static final String ISSUER = "test-issuer";
    private static final String AUDIENCE = "gateway";
    private static final String CAROL_PASSWORD = "carol's secret";
    private static final String ALICE = "user.alice.orders";
    private static final String OPS_ALERTS = "ops.alerts";
    /** The nodes' stats (admin.statsAddress, its default), for the admin authority alone. */
    private static final String STATS = AdminOptions.DEFAULT_STATS_ADDRESS;
    private static final String ECHO = "echo.in";
    /** Inbound only (no outbound rule, so no bridge consumer): point-to-point sends reach the test's consumer. */
    private static final String ECHO_SEND = "echo.send";
    private static final AtomicLong PROBES = new AtomicLong();

    /** Addresses alice must never reach: other users', and every spelling trick around her own. */
    private static final List<String> NOT_ALICES = List.of(
        "user.bob.orders",
        // regex metacharacters: the user id is quoted, and addresses are compared, never interpreted
        "user.*.orders", "user..*.orders", "user.(alice|bob).orders", "user.alice|bob.orders", "user\\.bob\\.orders",
        "user\\.alice\\.orders", "user.[a-z]+.orders", "user.alice.orders|user.bob.orders", ".*", "user.\\Qalice\\E.orders",
        "user.alic.orders", "user.alice?.orders",
        // the placeholder itself
        "user.{user}.orders", "inbox.{user}",
        // case
        "user.ALICE.orders", "User.alice.orders", "user.Alice.orders", "user.alice.ORDERS",
        // whitespace
        " user.alice.orders", "user.alice.orders ", "\tuser.alice.orders", "user.alice.orders\t", "user.alice.orders\n",
        "user.alice.orders\r\n", "user. alice.orders", "user.alice .orders",
        // unicode look-alikes and invisible characters
        "user.\u0430lice.orders", "user.alic\u0435.orders", "user.\uff41lice.orders", "user.alice\u200b.orders",
        "user.a\u0301lice.orders",
        // prefixes and suffixes
        "user.alice.orders.x", "xuser.alice.orders", "user.alice.ordersx", "user.alice.orders.", ".user.alice.orders",
        "user.alice", "user.alice.", "user..orders", "user.alice.bob.orders", "user.bob.alice.orders",
        // other rules: bob's inbox, alice's inbox with extensions, an authority alice lacks
        "inbox.bob", "inbox.alice.x", "inbox.alice ", "inbox.*", OPS_ALERTS);

    @TempDir
    static Path tempDir;

    private static Vertx vertx;
    private static GatewayNode node;
    private static KafkaProducer<String, String> producer;
    private static JWTAuth signer;
    private static JWTAuth foreignSigner;

    @BeforeAll
    static void startNode(EmbeddedKafka kafka) throws IOException {
        vertx = Vertx.vertx();
        KafkaBroker.createTopics(kafka, List.of(ORDERS_TOPIC), 3);
        Path users = tempDir.resolve("users.json");
        Files.writeString(users, new JsonObject().put("users", new JsonObject()
            .put("carol", new JsonObject().put("password", PasswordHasher.hash(CAROL_PASSWORD)).put("roles", new JsonArray().add("ops")))
            .put("erin", new JsonObject().put("password", PasswordHasher.hash("erin's secret")))).encodePrettily());
        JsonObject jwt = new JsonObject()
            .put("pubSecKeys", new JsonArray().add(new JsonObject().put("algorithm", "HS256").put("buffer", SECRET)))
            .put("jwtOptions", new JsonObject().put("issuer", ISSUER).put("audience", new JsonArray().add(AUDIENCE)));
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", ORDERS_TOPIC).put("address", "user.{key}.orders"));
        JsonObject bridge = new JsonObject()
            .put("inboundPermitteds", new JsonArray().add(new JsonObject().put("address", ECHO))
                .add(new JsonObject().put("address", ECHO_SEND)))
            .put("outboundPermitteds", new JsonArray()
                .add(new JsonObject().put("addressRegex", "user\\.{user}\\.orders"))
                .add(new JsonObject().put("address", "inbox.{user}"))
                .add(new JsonObject().put("address", OPS_ALERTS).put("requiredAuthority", "ops"))
                .add(new JsonObject().put("address", STATS).put("requiredAuthority", "admin"))
                .add(new JsonObject().put("address", ECHO)));
        JsonObject config = GatewayNode.config(kafka, "identity", routes, bridge)
            .put("auth", new JsonObject().put("jwt", jwt).put("users", users.toString()).put("rolesClaim", "roles"));
        node = GatewayNode.deploy(vertx, config);
        producer = KafkaBroker.createProducer(kafka);
        signer = JWTAuth.create(vertx, new JWTAuthOptions(new JsonObject().put("pubSecKeys", jwt.getJsonArray("pubSecKeys"))));
        foreignSigner = JWTAuth.create(vertx, new JWTAuthOptions(new JsonObject().put("pubSecKeys", new JsonArray()
            .add(new JsonObject().put("algorithm", "HS256").put("buffer", FOREIGN_SECRET)))));
    }

    @AfterAll
    static void stopNode() {
        producer.close();
        node.undeploy();
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // tokens

    private static JWTOptions validOptions() {
        return new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)).setExpiresInSeconds(300);
    }

    private static JsonObject claims(String sub, String... roles) {
        JsonObject claims = new JsonObject().put("sub", sub);
        if (roles.length > 0) {
            claims.put("roles", new JsonArray(List.of((Object[]) roles)));
        }
        return claims;
    }

    /** A valid token for five minutes. */
    private static String token(String sub, String... roles) {
        return signer.generateToken(claims(sub, roles), validOptions());
    }

    /** A valid token whose {@code exp} is {@code seconds} from now (negative: in the past). */
    private static String tokenExpiringIn(String sub, long seconds) {
        return tokenExpiringAt(sub, System.currentTimeMillis() / 1000 + seconds);
    }

    private static String tokenExpiringAt(String sub, long expEpochSeconds) {
        return signer.generateToken(claims(sub).put("exp", expEpochSeconds),
            new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)));
    }

    private static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Tokens the node must refuse, each with the code it must answer. */
    enum BadToken {
        EXPIRED("token_expired"),
        SIGNED_WITH_ANOTHER_KEY("invalid_token"),
        FOR_ANOTHER_AUDIENCE("invalid_token"),
        FROM_ANOTHER_ISSUER("invalid_token"),
        MALFORMED("invalid_token"),
        UNSIGNED_WITH_ALG_NONE("invalid_token"),
        WITH_A_TAMPERED_SUBJECT("invalid_token"),
        WITHOUT_A_SUBJECT("invalid_token"),
        WITHOUT_EXP("invalid_token"),
        VALID_FOR_LONGER_THAN_THE_MAXIMUM_LIFETIME("invalid_token");

        final String code;

        BadToken(String code) {
            this.code = code;
        }

        String token() {
            switch (this) {
                case EXPIRED:
                    return tokenExpiringIn("alice", -60);
                case SIGNED_WITH_ANOTHER_KEY:
                    return foreignSigner.generateToken(claims("alice"), validOptions());
                case FOR_ANOTHER_AUDIENCE:
                    return signer.generateToken(claims("alice"), validOptions().setAudience(List.of("another-service")));
                case FROM_ANOTHER_ISSUER:
                    return signer.generateToken(claims("alice"), validOptions().setIssuer("another-issuer"));
                case MALFORMED:
                    return "abc.def.ghi";
                case UNSIGNED_WITH_ALG_NONE:
                    return base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + base64Url(new JsonObject().put("sub", "alice")
                        .put("iss", ISSUER).put("aud", new JsonArray().add(AUDIENCE))
                        .put("exp", System.currentTimeMillis() / 1000 + 300).encode()) + ".";
                case WITH_A_TAMPERED_SUBJECT: {
                    String[] alices = IdentityTest.token("alice").split("\\.");
                    String[] bobs = IdentityTest.token("bob").split("\\.");
                    return alices[0] + "." + bobs[1] + "." + alices[2];
                }
                case WITHOUT_A_SUBJECT:
                    return signer.generateToken(new JsonObject().put("roles", new JsonArray().add("ops")), validOptions());
                case WITHOUT_EXP:
                    return signer.generateToken(claims("alice"), new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)));
                case VALID_FOR_LONGER_THAN_THE_MAXIMUM_LIFETIME:
                    return tokenExpiringIn("alice", AuthOptions.DEFAULT_MAX_TOKEN_LIFETIME_SECONDS + 3600);
                default:
                    throw new IllegalStateException(name());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // clients and probes

    enum Stomp {
        TCP, WEBSOCKET;

        RawStompClient open() {
            return this == TCP ? RawStompClient.connectTcp(vertx, node.stompPort()) : RawStompClient.connectWebSocket(vertx, node.httpPort());
        }

        /** A connection from another loopback address: failed logins are backed off per address. */
        RawStompClient openFrom(String localAddress) {
            return this == TCP
                ? RawStompClient.connectTcp(vertx, "127.0.0.1", node.stompPort(), new NetClientOptions().setLocalAddress(localAddress))
                : RawStompClient.connectWebSocket(vertx, "127.0.0.1", node.httpPort(), "/stomp",
                    new WebSocketClientOptions().setLocalAddress(localAddress));
        }
    }

    private static SockJsWire sockJs(String token) {
        return SockJsWire.connect(node.httpPort(), token == null ? null
            : "access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    /**
     * The SockJS bridge protocol over the raw WebSocket endpoint {@code /eventbus/websocket}, like
     * {@code testing.RawSockJsClient}, but reading binary messages too: on this endpoint Vert.x's SockJS socket sends
     * what the bridge writes as a Buffer (every bridge frame) as a binary WebSocket message, which
     * {@code RawSockJsClient} (text messages only) never sees. A close is {@code {"type":"closed"}}.
     */
    private static final class SockJsWire implements AutoCloseable {

        private final WebSocketClient client;
        private final ClientWebSocket socket;
        private final LinkedBlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
        private final CountDownLatch closed = new CountDownLatch(1);

        private SockJsWire(WebSocketClient client) {
            this.client = client;
            // handlers set before connecting: a refusal at connection time (err, then close) may follow the handshake at once
            this.socket = client.webSocket();
            socket.textMessageHandler(this::add);
            socket.binaryMessageHandler(data -> add(data.toString(StandardCharsets.UTF_8)));
            socket.closeHandler(v -> {
                received.add(new JsonObject().put("type", "closed"));
                closed.countDown();
            });
        }

        private void add(String text) {
            try {
                received.add(new JsonObject(text));
            } catch (RuntimeException e) {
                received.add(new JsonObject().put("type", "unparsed").put("text", text));
            }
        }

        static SockJsWire connect(int httpPort, String query) {
            // Vert.x's client can lose the frames of a refusal that arrive with the handshake (the err, then the close):
            // the attempt then fails "WebSocket is closed" with nothing received. That is the client missing what the
            // server sent, not the server's answer: such an attempt is made again, a few times at most.
            for (int attempt = 1; ; attempt++) {
                SockJsWire wire = new SockJsWire(vertx.createWebSocketClient());
                try {
                    GatewayNode.await(wire.socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(httpPort)
                        .setURI("/eventbus/websocket" + (query == null ? "" : "?" + query))), TIMEOUT);
                    return wire;
                } catch (IllegalStateException e) {
                    if (!String.valueOf(e.getMessage()).contains("WebSocket is closed")) {
                        throw e;
                    }
                    if (!wire.received.isEmpty() && wire.received.stream().anyMatch(f -> !"closed".equals(f.getString("type")))) {
                        // the refusal arrived before the close: the failed attempt is the close (no close handler runs)
                        if (wire.closed.getCount() > 0) {
                            wire.received.add(new JsonObject().put("type", "closed"));
                            wire.closed.countDown();
                        }
                        return wire;
                    }
                    wire.client.close();
                    if (attempt == 5) {
                        throw new AssertionError("5 connections closed during their handshake with nothing received", e);
                    }
                }
            }
        }

        SockJsWire send(JsonObject frame) {
            socket.writeTextMessage(frame.encode());
            return this;
        }

        SockJsWire sendText(String text) {
            socket.writeTextMessage(text);
            return this;
        }

        SockJsWire register(String address) {
            return send(new JsonObject().put("type", "register").put("address", address));
        }

        /** Waits for the next frame satisfying {@code condition}, skipping others. */
        JsonObject await(Predicate<JsonObject> condition, Duration timeout, String what) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    JsonObject frame = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
                    if (frame == null) {
                        throw new AssertionError("no " + what + " within " + timeout);
                    }
                    if (condition.test(frame)) {
                        return frame;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }

        JsonObject awaitClose(Duration timeout) {
            return await(f -> "closed".equals(f.getString("type")), timeout, "close");
        }

        @Override
        public void close() {
            socket.close();
            client.close();
        }
    }

    private static JsonObject nextFrame(SockJsWire client, String what) {
        return client.await(f -> true, TIMEOUT, what);
    }

    /** Sends CONNECT (STOMP 1.2, no heart-beats) with the given headers. */
    private static RawStompClient stompConnect(Stomp transport, String... headerPairs) {
        return stompConnect(transport.open(), headerPairs);
    }

    private static RawStompClient stompConnect(RawStompClient client, String... headerPairs) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("accept-version", "1.2");
        headers.put("host", "localhost");
        headers.put("heart-beat", "0,0");
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            headers.put(headerPairs[i], headerPairs[i + 1]);
        }
        client.send("CONNECT", headers, null);
        return client;
    }

    private static RawStompClient stompConnected(Stomp transport, String... headerPairs) {
        RawStompClient client = stompConnect(transport, headerPairs);
        Received connected = client.next(TIMEOUT);
        assertThat(connected.command()).as("answer to CONNECT over %s: %s", transport, connected).isEqualTo("CONNECTED");
        return client;
    }

    /** STOMP 1.2 header escaping (for every frame but CONNECT/CONNECTED). */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace(":", "\\c");
    }

    private static String unescape(String value) {
        if (value == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                out.append(next == 'n' ? '\n' : next == 'r' ? '\r' : next == 'c' ? ':' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String printable(String address) {
        StringBuilder out = new StringBuilder();
        address.codePoints().forEach(cp -> out.append(cp >= 0x20 && cp < 0x7f ? Character.toString(cp) : String.format("\\u%04x", cp)));
        return out.toString();
    }

    private static JsonObject probeBody() {
        return new JsonObject().put("probe", PROBES.incrementAndGet());
    }

    /** Publishes probes on the event bus until {@code received} holds, so that a subscription is known live. */
    private static <T> T whileProbing(String address, Supplier<T> received) {
        long timer = vertx.setPeriodic(100, id -> vertx.eventBus().publish(address, probeBody()));
        try {
            return received.get();
        } finally {
            vertx.cancelTimer(timer);
        }
    }

    private static boolean isProbeEvent(JsonObject event, String address) {
        return "message".equals(event.getString("event"))
            && address.equals(event.getString("address", event.getString("destination")))
            && String.valueOf(event.getValue("body")).contains("\"probe\"");
    }

    private static void awaitProbe(NodeClient client, String address) {
        whileProbing(address, () -> client.await(e -> isProbeEvent(e, address), TIMEOUT, "probe on " + address));
    }

    private static boolean isProbeFrame(JsonObject frame, String address) {
        return "rec".equals(frame.getString("type")) && address.equals(frame.getString("address"))
            && frame.getValue("body") instanceof JsonObject && frame.getJsonObject("body").containsKey("probe");
    }

    /**
     * @return the frames other than probes (on any address) that arrived before the first probe on {@code address}
     */
    private static List<JsonObject> awaitProbe(SockJsWire client, String address) {
        List<JsonObject> before = new ArrayList<>();
        whileProbing(address, () -> client.await(f -> {
            if (isProbeFrame(f, address)) {
                return true;
            }
            if (!isProbeFrame(f, f.getString("address", ""))) {
                before.add(f);
            }
            return false;
        }, TIMEOUT, "probe on " + address));
        return before;
    }

    private static Received awaitProbe(RawStompClient client, String address) {
        return whileProbing(address, () -> {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                Received frame = client.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                assertThat(frame.command()).as("frame while waiting for a probe on %s: %s", address, frame).isEqualTo("MESSAGE");
                if (address.equals(unescape(frame.header("destination"))) && frame.body().contains("\"probe\"")) {
                    return frame;
                }
            }
        });
    }

    private static RecordMetadata produceOrder(String key, String json) {
        return KafkaBroker.produce(producer, new ProducerRecord<>(ORDERS_TOPIC, key, json));
    }

    private static Predicate<JsonObject> kafkaMessageAt(RecordMetadata metadata) {
        return e -> "message".equals(e.getString("event")) && e.getJsonObject("headers") != null
            && String.valueOf(metadata.offset()).equals(e.getJsonObject("headers").getString("kafka.offset"))
            && String.valueOf(metadata.partition()).equals(e.getJsonObject("headers").getString("kafka.partition"));
    }

    private static Predicate<JsonObject> kafkaFrameAt(RecordMetadata metadata) {
        return f -> "rec".equals(f.getString("type")) && f.getJsonObject("headers") != null
            && String.valueOf(metadata.offset()).equals(f.getJsonObject("headers").getString("kafka.offset"))
            && String.valueOf(metadata.partition()).equals(f.getJsonObject("headers").getString("kafka.partition"));
    }

    private static void assertErrFrame(JsonObject frame, String code, int status, String address) {
        assertThat(frame.getString("type")).as("frame %s", frame).isEqualTo("err");
        assertThat(frame.getString("body")).as("code of %s", frame).isEqualTo(code);
        assertThat(frame.getString("failureType")).as("failureType of %s", frame).isEqualTo(code);
        assertThat(frame.getInteger("failureCode")).as("failureCode of %s", frame).isEqualTo(status);
        assertThat(frame.getString("message")).as("message of %s", frame).isNotBlank();
        assertThat(frame.getString("address")).as("address of %s", frame).isEqualTo(address);
    }

    private static void assertStompError(RawStompClient client, String code, String destination, String what) {
        Received error = client.next(TIMEOUT);
        assertThat(error.command()).as("answer to %s: %s", what, error).isEqualTo("ERROR");
        assertThat(error.header("message")).as("message header of the ERROR for %s", what).isEqualTo(code);
        if (destination != null) {
            assertThat(unescape(error.header("destination"))).as("destination header of the ERROR for %s", what).isEqualTo(destination);
        }
        assertThat(client.next(TIMEOUT).command()).as("after the ERROR for %s", what).isEqualTo("CLOSED");
    }

    private static void assertStompSubscribeRefused(Stomp transport, String token, String destination, String code) {
        try (RawStompClient client = stompConnected(transport, "login", "anyone", "passcode", token)) {
            client.send("SUBSCRIBE", "id", "s1", "destination", escape(destination), "receipt", "r1");
            assertStompError(client, code, destination, "SUBSCRIBE " + printable(destination) + " over " + transport);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 1. alice receives her own orders over every protocol

    @Test
    void aliceReceivesHerOrdersOverTheEventBusClientWithTheTokenInTheSockJsUrl() {
        // no default headers: the record can only arrive if sockjs-client carried ?access_token= to the server
        try (NodeClient client = NodeClient.start("eventbus-auth-client.js", node.httpBase(), "query", token("alice"), ALICE)) {
            client.awaitEvent("open", TIMEOUT);
            awaitProbe(client, ALICE);

            RecordMetadata metadata = produceOrder("alice", "{\"orderId\":\"I-1\",\"status\":\"PAID\"}");

            JsonObject message = client.await(kafkaMessageAt(metadata), TIMEOUT, "alice's record");
            assertThat(message.getString("address")).isEqualTo(ALICE);
            assertThat(message.getJsonObject("body")).isEqualTo(new JsonObject().put("orderId", "I-1").put("status", "PAID"));
            assertThat(message.getJsonObject("headers").getString("kafka.key")).isEqualTo("alice");
        }
    }

    @Test
    void aliceReceivesHerOrdersOverTheEventBusClientWithTheTokenInDefaultHeaders() {
        try (NodeClient client = NodeClient.start("eventbus-auth-client.js", node.httpBase(), "header", token("alice"), ALICE)) {
            client.awaitEvent("open", TIMEOUT);
            awaitProbe(client, ALICE);

            RecordMetadata metadata = produceOrder("alice", "{\"orderId\":\"I-2\",\"status\":\"SHIPPED\"}");

            JsonObject message = client.await(kafkaMessageAt(metadata), TIMEOUT, "alice's record");
            assertThat(message.getJsonObject("body")).isEqualTo(new JsonObject().put("orderId", "I-2").put("status", "SHIPPED"));
        }
    }

    @ParameterizedTest(name = "token in the CONNECT {0}")
    @ValueSource(strings = {"passcode", "header"})
    void aliceReceivesHerOrdersOverStompJsOverWebSocket(String mode) {
        try (NodeClient client = NodeClient.start("stomp-auth-client.js", node.stompWebSocketUrl(), mode, token("alice"), ALICE)) {
            client.awaitEvent("connected", TIMEOUT);
            awaitProbe(client, ALICE);

            RecordMetadata metadata = produceOrder("alice", "{\"orderId\":\"I-3\",\"status\":\"DELIVERED\"}");

            JsonObject message = client.await(kafkaMessageAt(metadata), TIMEOUT, "alice's record");
            assertThat(message.getString("destination")).isEqualTo(ALICE);
            assertThat(new JsonObject(message.getString("body"))).isEqualTo(new JsonObject().put("orderId", "I-3").put("status", "DELIVERED"));
        }
    }

    @Test
    void aliceReceivesHerOrdersOverStompOverTcpWithTheTokenAsPasscode() throws Exception {
        assertVertxStompClientReceivesOrders("alice", token("alice"), "alice");
    }

    @Test
    void carolReceivesHerOrdersOverStompOverTcpWithLoginAndPasscodeFromTheUserFile() throws Exception {
        assertVertxStompClientReceivesOrders("carol", CAROL_PASSWORD, "carol");
    }

    private static void assertVertxStompClientReceivesOrders(String login, String passcode, String user) throws Exception {
        String address = "user." + user + ".orders";
        StompClient client = StompClient.create(vertx, new StompClientOptions().setLogin(login).setPasscode(passcode)
            .setHeartbeat(new JsonObject().put("x", 0).put("y", 0)));
        try {
            StompClientConnection connection = GatewayNode.await(client.connect(node.stompPort(), "127.0.0.1"), TIMEOUT);
            LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
            GatewayNode.await(connection.subscribe(address, frames::add), TIMEOUT);
            whileProbing(address, () -> pollFrame(frames, f -> f.getBodyAsString().contains("\"probe\""), "probe on " + address));

            RecordMetadata metadata = produceOrder(user, "{\"orderId\":\"T-1\",\"status\":\"PAID\"}");

            Frame frame = pollFrame(frames, f -> String.valueOf(metadata.offset()).equals(f.getHeader("kafka.offset"))
                && String.valueOf(metadata.partition()).equals(f.getHeader("kafka.partition")), "the record of " + user);
            assertThat(frame.getHeader(Frame.DESTINATION)).isEqualTo(address);
            assertThat(new JsonObject(frame.getBodyAsString())).isEqualTo(new JsonObject().put("orderId", "T-1").put("status", "PAID"));
            GatewayNode.await(connection.disconnect(), TIMEOUT);
        } finally {
            GatewayNode.await(client.close(), TIMEOUT);
        }
    }

    private static Frame pollFrame(LinkedBlockingQueue<Frame> frames, Predicate<Frame> condition, String what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                Frame frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (frame != null && condition.test(frame)) {
                    return frame;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("no " + what + " within " + TIMEOUT);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2. alice reaches nothing but her own addresses

    @Test
    void aliceIsRefusedEveryAddressThatIsNotExactlyHerOwnOverSockJs() {
        try (SockJsWire client = sockJs(token("alice"))) {
            for (String address : NOT_ALICES) {
                client.register(address);
                assertErrFrame(nextFrame(client, "answer to register " + printable(address)), "access_denied", 403, address);
            }
            // the connection still works, for exactly alice's addresses, and none of the refused ones leaked
            NOT_ALICES.forEach(address -> vertx.eventBus().publish(address, new JsonObject().put("leak", address)));
            client.register(ALICE);
            assertThat(awaitProbe(client, ALICE)).as("frames before alice's probe").isEmpty();
            client.register("inbox.alice");
            assertThat(awaitProbe(client, "inbox.alice")).as("frames before alice's inbox probe").isEmpty();
        }
    }

    @Test
    void aliceIsRefusedSendsAndPublishesToAddressesNoInboundRuleNamesOverSockJs() {
        try (SockJsWire client = sockJs(token("alice"))) {
            for (String address : List.of("user.bob.orders", ALICE, "inbox.bob", "echo.in ", "ECHO.IN", "echo.in.x")) {
                for (String type : List.of("send", "publish")) {
                    client.send(new JsonObject().put("type", type).put("address", address).put("body", new JsonObject().put("x", 1)));
                    assertErrFrame(nextFrame(client, type + " to " + printable(address)), "access_denied", 403, address);
                }
            }
        }
    }

    @ParameterizedTest(name = "STOMP over {0}")
    @EnumSource(Stomp.class)
    void aliceIsRefusedEveryDestinationThatIsNotExactlyHerOwnOverStomp(Stomp transport) {
        String alice = token("alice");
        for (String destination : NOT_ALICES) {
            assertStompSubscribeRefused(transport, alice, destination, "access_denied");
        }
        try (RawStompClient client = stompConnected(transport, "login", "anyone", "passcode", alice)) {
            client.send("SUBSCRIBE", "id", "s1", "destination", ALICE, "receipt", "r1");
            assertThat(client.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            client.send("SUBSCRIBE", "id", "s2", "destination", "inbox.alice", "receipt", "r2");
            assertThat(client.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            assertThat(awaitProbe(client, ALICE).header("subscription")).isEqualTo("s1");
        }
    }

    @ParameterizedTest(name = "STOMP over {0}")
    @EnumSource(Stomp.class)
    void aStompLoginNamingAnotherUserDoesNotChangeTheTokensIdentity(Stomp transport) {
        try (RawStompClient client = stompConnected(transport, "login", "alice", "passcode", token("bob"))) {
            client.send("SUBSCRIBE", "id", "s1", "destination", ALICE);
            assertStompError(client, "access_denied", ALICE, "SUBSCRIBE " + ALICE + " as bob with login alice");
        }
    }

    @ParameterizedTest(name = "STOMP over {0}")
    @EnumSource(Stomp.class)
    void aRepeatedDestinationHeaderCannotSmuggleInAnotherUsersAddress(Stomp transport) {
        // STOMP 1.2: the first occurrence of a repeated header counts; the check and the subscription must agree
        try (RawStompClient client = stompConnected(transport, "login", "anyone", "passcode", token("alice"))) {
            client.sendRaw("SUBSCRIBE\nid:s1\ndestination:user.bob.orders\ndestination:" + ALICE + "\n\n\u0000");
            assertStompError(client, "access_denied", "user.bob.orders", "SUBSCRIBE bob's orders first, alice's second");
        }
        try (RawStompClient client = stompConnected(transport, "login", "anyone", "passcode", token("alice"))) {
            client.sendRaw("SUBSCRIBE\nid:s1\ndestination:" + ALICE + "\ndestination:user.bob.orders\nreceipt:r1\n\n\u0000");
            assertThat(client.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            vertx.eventBus().publish("user.bob.orders", new JsonObject().put("leak", true));
            Received first = awaitProbe(client, ALICE);
            assertThat(first.body()).doesNotContain("leak");
        }
    }

    @Test
    void aRepeatedAddressKeyInASockJsFrameCannotSmuggleInAnotherUsersAddress() {
        try (SockJsWire client = sockJs(token("alice"))) {
            client.sendText("{\"type\":\"register\",\"address\":\"" + ALICE + "\",\"address\":\"user.bob.orders\"}");
            client.sendText("{\"type\":\"register\",\"address\":\"user.bob.orders\",\"address\":\"" + ALICE + "\"}");
            client.register("inbox.alice");
            vertx.eventBus().publish("user.bob.orders", new JsonObject().put("leak", true));
            List<JsonObject> before = awaitProbe(client, "inbox.alice");
            assertThat(before).as("frames before the probe").noneMatch(f -> "rec".equals(f.getString("type")));
            assertThat(before).as("frames before the probe").allMatch(f -> "err".equals(f.getString("type"))
                && "user.bob.orders".equals(f.getString("address")) && "access_denied".equals(f.getString("body")));
        }
    }

    @Test
    void aSockJsConnectionCannotSwitchToAnotherUsersTokenMidway() {
        try (SockJsWire client = sockJs(token("alice"))) {
            client.register(ALICE);
            awaitProbe(client, ALICE);
            client.send(new JsonObject().put("type", "register").put("address", "user.bob.orders")
                .put("headers", new JsonObject().put("Authorization", "Bearer " + token("bob"))));
            JsonObject refusal = nextFrame(client, "answer to register user.bob.orders with bob's token");
            assertThat(refusal.getString("type")).isEqualTo("err");
            assertThat(refusal.getString("body")).isIn("invalid_token", "access_denied");
            // whatever the refusal, bob's messages never reach this connection
            vertx.eventBus().publish("user.bob.orders", new JsonObject().put("leak", true));
            JsonObject next = whileProbing(ALICE, () -> client.await(f -> "closed".equals(f.getString("type"))
                || isProbeFrame(f, ALICE) || "user.bob.orders".equals(f.getString("address")), TIMEOUT, "close or probe"));
            assertThat(next.getString("address")).as("frame after the refusal: %s", next).isNotEqualTo("user.bob.orders");
            if ("invalid_token".equals(refusal.getString("body"))) {
                assertThat(next.getString("type")).as("a refused token closes the socket").isEqualTo("closed");
            }
        }
    }

    @Test
    void aliceIsRefusedBobsOrdersOverTheEventBusClientAndKeepsReceivingHerOwn() {
        try (SockJsWire bob = sockJs(token("bob"));
             NodeClient client = NodeClient.start("eventbus-auth-client.js", node.httpBase(), "query", token("alice"),
            "user.bob.orders", "user.*.orders", ALICE)) {
            bob.register("user.bob.orders");
            assertThat(awaitProbe(bob, "user.bob.orders")).isEmpty();
            client.awaitEvent("open", TIMEOUT);
            for (String address : List.of("user.bob.orders", "user.*.orders")) {
                JsonObject error = client.await(e -> "error".equals(e.getString("event")) && address.equals(e.getString("address")),
                    TIMEOUT, "refusal of " + address);
                assertThat(error.getJsonObject("error").getString("failureType")).isEqualTo("access_denied");
                assertThat(error.getJsonObject("error").getInteger("failureCode")).isEqualTo(403);
            }
            awaitProbe(client, ALICE);
            // bob's record reaches bob, then alice's reaches alice: bob's, published before, never reached alice
            RecordMetadata bobs = produceOrder("bob", "{\"orderId\":\"B-1\"}");
            bob.await(kafkaFrameAt(bobs), TIMEOUT, "bob's record at bob");
            RecordMetadata alices = produceOrder("alice", "{\"orderId\":\"A-1\"}");
            client.await(kafkaMessageAt(alices), TIMEOUT, "alice's record");
            assertThat(client.seen()).as("events of alice's client").noneMatch(kafkaMessageAt(bobs));
        }
    }

    @Test
    void aliceIsRefusedBobsOrdersOverStompJsWithAnErrorFrameAndAClose() {
        try (NodeClient client = NodeClient.start("stomp-auth-client.js", node.stompWebSocketUrl(), "header", token("alice"),
            "user.bob.orders")) {
            client.awaitEvent("connected", TIMEOUT);
            JsonObject error = client.awaitEvent("error", TIMEOUT);
            assertThat(error.getJsonObject("headers").getString("message")).isEqualTo("access_denied");
            assertThat(error.getJsonObject("headers").getString("destination")).isEqualTo("user.bob.orders");
            client.awaitEvent("close", TIMEOUT);
        }
    }

    static Stream<Arguments> usersWithMetacharacters() {
        return Stream.of(
            Arguments.of("a.b", List.of("user.aXb.orders", "user.a.orders", "user.b.orders", "user.a\\.b.orders")),
            Arguments.of(".*", List.of("user.anything.orders", "user..orders", "user.x.*.orders", "user.\\.\\*.orders")),
            Arguments.of("alice|bob", List.of(ALICE, "user.alice", "bob.orders", "user.alicebob.orders")),
            Arguments.of("bob.orders", List.of("user.bobXorders.orders", "user.bob.orders.orders.x")),
            Arguments.of("\\E|.*", List.of("user.\\E.orders", "user.anything.orders", "user.\\Q\\E|.*\\E.orders")),
            Arguments.of("[a-z]+", List.of("user.abc.orders", ALICE)));
    }

    @ParameterizedTest(name = "user id \"{0}\"")
    @MethodSource("usersWithMetacharacters")
    void aUserWhoseIdHoldsRegexMetacharactersReachesOnlyTheirOwnExactAddress(String sub, List<String> tricks) {
        String own = "user." + sub + ".orders";
        String token = token(sub);
        List<String> forbidden = new ArrayList<>(tricks);
        forbidden.add("user.bob.orders");
        forbidden.add("inbox.bob");
        try (SockJsWire client = sockJs(token)) {
            for (String address : forbidden) {
                client.register(address);
                assertErrFrame(nextFrame(client, "answer to register " + address + " as " + sub), "access_denied", 403, address);
            }
            client.register(own);
            client.register("inbox." + sub);
            awaitProbe(client, own);
            awaitProbe(client, "inbox." + sub);

            RecordMetadata metadata = produceOrder(sub, "{\"orderId\":\"M-1\"}");
            JsonObject record = client.await(kafkaFrameAt(metadata), TIMEOUT, "the record keyed " + sub);
            assertThat(record.getString("address")).isEqualTo(own);
        }
        for (String destination : forbidden) {
            assertStompSubscribeRefused(Stomp.TCP, token, destination, "access_denied");
        }
        try (RawStompClient client = stompConnected(Stomp.TCP, "login", "anyone", "passcode", token)) {
            client.send("SUBSCRIBE", "id", "s1", "destination", escape(own), "receipt", "r1");
            assertThat(client.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            awaitProbe(client, own);
        }
    }

    @Test
    void anAnonymousSockJsConnectionIsToldToAuthenticate() {
        try (SockJsWire client = sockJs(null)) {
            for (String address : List.of(ALICE, "user.{user}.orders", "inbox.{user}", "user..orders", OPS_ALERTS)) {
                client.register(address);
                assertErrFrame(nextFrame(client, "answer to anonymous register " + address), "auth_required", 401, address);
            }
            client.send(new JsonObject().put("type", "publish").put("address", ECHO).put("body", "hello"));
            assertErrFrame(nextFrame(client, "answer to anonymous publish"), "auth_required", 401, ECHO);
        }
    }

    @Test
    void anAnonymousEventBusClientIsToldToAuthenticate() {
        try (NodeClient client = NodeClient.start("eventbus-auth-client.js", node.httpBase(), "none", "-", ALICE)) {
            client.awaitEvent("open", TIMEOUT);
            JsonObject error = client.awaitEvent("error", TIMEOUT);
            assertThat(error.getString("address")).isEqualTo(ALICE);
            assertThat(error.getJsonObject("error").getString("failureType")).isEqualTo("auth_required");
            assertThat(error.getJsonObject("error").getInteger("failureCode")).isEqualTo(401);
        }
    }

    @ParameterizedTest(name = "STOMP over {0}")
    @EnumSource(Stomp.class)
    void aStompConnectWithoutCredentialsIsToldToAuthenticate(Stomp transport) {
        try (RawStompClient client = stompConnect(transport)) {
            assertStompError(client, "auth_required", null, "CONNECT without credentials over " + transport);
        }
    }

    @Test
    void onlyATokenWithTheOpsRoleMayRegisterOpsAlertsOverSockJs() {
        try (SockJsWire ops = sockJs(token("dave", "ops"));
             SockJsWire stringRole = sockJs(signer.generateToken(new JsonObject().put("sub", "frank").put("roles", "ops audit"),
                 validOptions()));
             SockJsWire otherRoles = sockJs(token("alice", "orders", "OPS", "ops "));
             SockJsWire noRoles = sockJs(token("grace"))) {
            otherRoles.register(OPS_ALERTS);
            assertErrFrame(nextFrame(otherRoles, "answer to register ops.alerts without the ops role"), "access_denied", 403, OPS_ALERTS);
            noRoles.register(OPS_ALERTS);
            assertErrFrame(nextFrame(noRoles, "answer to register ops.alerts without roles"), "access_denied", 403, OPS_ALERTS);

            ops.register(OPS_ALERTS);
            assertThat(awaitProbe(ops, OPS_ALERTS)).isEmpty();
            stringRole.register(OPS_ALERTS);
            assertThat(awaitProbe(stringRole, OPS_ALERTS)).isEmpty();
        }
    }

    @Test
    void onlyATokenWithTheAdminRoleMayFollowTheNodesStatsOverSockJs() {
        try (SockJsWire operator = sockJs(token("olivia", "admin"));
             SockJsWire others = sockJs(token("alice", "ops", "ADMIN", "admin "))) {
            others.register(STATS);
            assertErrFrame(nextFrame(others, "answer to register the stats without the admin role"), "access_denied", 403, STATS);

            operator.register(STATS);
            JsonObject stats = operator.await(f -> "rec".equals(f.getString("type")) && STATS.equals(f.getString("address")),
                TIMEOUT, "the node's stats within a second or so").getJsonObject("body");
            assertThat(stats.getString("node")).isEqualTo("127.0.0.1:" + node.httpPort());
            assertThat(stats.getJsonArray("partitions")).as("the partitions the node owns, in %s", stats)
                .contains(ORDERS_TOPIC + "-0", ORDERS_TOPIC + "-1", ORDERS_TOPIC + "-2");
            assertThat(stats.getJsonObject("connections").getInteger("sockjs")).as("SockJS connections in %s", stats)
                .isGreaterThanOrEqualTo(2);
            assertThat(stats.getJsonObject("subscriptions").getInteger("sockjs")).as("SockJS subscriptions in %s", stats)
                .isGreaterThanOrEqualTo(1);
            assertThat(stats.getJsonObject("traffic").getJsonObject("refusals").getLong("access_denied"))
                .as("the refusal just counted, in %s", stats).isGreaterThanOrEqualTo(1);
        }
    }

    @ParameterizedTest(name = "STOMP over {0}")
    @EnumSource(Stomp.class)
    void onlyAUserWithTheOpsRoleMaySubscribeToOpsAlertsOverStomp(Stomp transport) {
        try (RawStompClient client = stompConnected(transport, "login", "erin", "passcode", "erin's secret")) {
            client.send("SUBSCRIBE", "id", "s1", "destination", OPS_ALERTS);
            assertStompError(client, "access_denied", OPS_ALERTS, "erin's SUBSCRIBE to ops.alerts");
        }
        assertStompSubscribeRefused(transport, token("alice"), OPS_ALERTS, "access_denied");
        try (RawStompClient client = stompConnected(transport, "login", "carol", "passcode", CAROL_PASSWORD)) {
            client.send("SUBSCRIBE", "id", "s1", "destination", OPS_ALERTS, "receipt", "r1");
            assertThat(client.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            awaitProbe(client, OPS_ALERTS);
        }
        try (RawStompClient client = stompConnected(transport, "Authorization", "Bearer " + token("dave", "ops"))) {
            client.send("SUBSCRIBE", "id", "s1", "destination", OPS_ALERTS, "receipt", "r1");
            assertThat(client.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            awaitProbe(client, OPS_ALERTS);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3. refused credentials, each with its code

    @ParameterizedTest(name = "STOMP over {0}")
    @EnumSource(Stomp.class)
    void wrongStompLoginsAreRefusedWithBadCredentials(Stomp transport) {
        String[][] attempts = {
            {"carol", "wrong password"}, {"carol", ""}, {"carol", CAROL_PASSWORD + " "}, {"Carol", CAROL_PASSWORD},
            {"mallory", CAROL_PASSWORD}, {"mallory", "anything"}, {"", CAROL_PASSWORD}};
        // each from an address of its own: after a failure, an address waits (login_throttled, see HostileConnectionsTest)
        int host = 20 + transport.ordinal() * 20;
        for (String[] attempt : attempts) {
            try (RawStompClient client = stompConnect(transport.openFrom("127.0.0." + host++), "login", attempt[0], "passcode", attempt[1])) {
                assertStompError(client, "bad_credentials", null, "CONNECT as '" + attempt[0] + "' with '" + attempt[1] + "'");
            }
        }
        try (RawStompClient client = stompConnect(transport.openFrom("127.0.0." + host), "login", "carol")) {
            assertStompError(client, "bad_credentials", null, "CONNECT as carol without passcode");
        }
        stompConnected(transport, "login", "carol", "passcode", CAROL_PASSWORD).close();
    }

    @ParameterizedTest(name = "a token {0}")
    @EnumSource(BadToken.class)
    void aBadTokenInTheSockJsUrlIsRefusedWithItsCodeAndTheSocketClosed(BadToken bad) {
        try (SockJsWire client = sockJs(bad.token())) {
            assertErrFrame(nextFrame(client, "refusal of the token " + bad), bad.code, 401, null);
            client.awaitClose(TIMEOUT);
        }
    }

    @ParameterizedTest(name = "a token {0}")
    @EnumSource(BadToken.class)
    void aBadTokenInAnAuthorizationFrameHeaderIsRefusedWithItsCodeAndTheSocketClosed(BadToken bad) {
        try (SockJsWire client = sockJs(null)) {
            client.send(new JsonObject().put("type", "register").put("address", ALICE)
                .put("headers", new JsonObject().put("Authorization", "Bearer " + bad.token())));
            assertErrFrame(nextFrame(client, "refusal of the token " + bad), bad.code, 401, null);
            client.awaitClose(TIMEOUT);
        }
    }

    @ParameterizedTest(name = "token in the {0}")
    @ValueSource(strings = {"query", "header"})
    void aTokenSignedWithAnotherKeyIsRefusedOverTheEventBusClientWithInvalidToken(String mode) {
        try (NodeClient client = NodeClient.start("eventbus-auth-client.js", node.httpBase(), mode,
            BadToken.SIGNED_WITH_ANOTHER_KEY.token(), ALICE)) {
            JsonObject error = client.awaitEvent("error", TIMEOUT);
            assertThat(error.getJsonObject("error").getString("body")).isEqualTo("invalid_token");
            assertThat(error.getJsonObject("error").getInteger("failureCode")).isEqualTo(401);
            client.awaitEvent("close", TIMEOUT);
            assertThat(client.seen()).noneMatch(e -> "message".equals(e.getString("event")));
        }
    }

    @Test
    void anExpiredTokenIsRefusedOverTheEventBusClient() {
        try (NodeClient client = NodeClient.start("eventbus-auth-client.js", node.httpBase(), "header",
            BadToken.EXPIRED.token(), ALICE)) {
            client.awaitEvent("open", TIMEOUT);
            JsonObject error = client.awaitEvent("error", TIMEOUT);
            assertThat(error.getJsonObject("error").getString("body")).isEqualTo("token_expired");
            client.awaitEvent("close", TIMEOUT);
        }
    }

    static Stream<Arguments> badTokensOverStomp() {
        List<Arguments> arguments = new ArrayList<>();
        for (BadToken bad : BadToken.values()) {
            for (Stomp transport : Stomp.values()) {
                arguments.add(Arguments.of(bad, transport, "passcode"));
                arguments.add(Arguments.of(bad, transport, "Authorization"));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "a token {0} over STOMP over {1} in the CONNECT {2}")
    @MethodSource("badTokensOverStomp")
    void aBadTokenInAStompConnectIsRefusedWithItsCodeAndTheConnectionClosed(BadToken bad, Stomp transport, String where) {
        String token = bad.token();
        try (RawStompClient client = "passcode".equals(where)
            ? stompConnect(transport, "login", "alice", "passcode", token)
            : stompConnect(transport, "Authorization", "Bearer " + token)) {
            assertStompError(client, bad.code, null, "CONNECT with a token " + bad);
        }
    }

    @Test
    void anExpiredTokenIsRefusedOverStompJs() {
        try (NodeClient client = NodeClient.start("stomp-auth-client.js", node.stompWebSocketUrl(), "passcode",
            BadToken.EXPIRED.token(), ALICE)) {
            JsonObject error = client.awaitEvent("error", TIMEOUT);
            assertThat(error.getJsonObject("headers").getString("message")).isEqualTo("token_expired");
            client.awaitEvent("close", TIMEOUT);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 4. a token that expires during the connection

    @Test
    void everyConnectionIsClosedWithTokenExpiredWhenItsTokenExpires() {
        long expiresAt = (System.currentTimeMillis() / 1000 + 6) * 1000;
        String token = tokenExpiringAt("alice", expiresAt / 1000);
        try (NodeClient eventBus = NodeClient.start("eventbus-auth-client.js", node.httpBase(), "query", token, ALICE);
             NodeClient stompJs = NodeClient.start("stomp-auth-client.js", node.stompWebSocketUrl(), "passcode", token, ALICE);
             SockJsWire sockJs = sockJs(token);
             RawStompClient tcp = stompConnected(Stomp.TCP, "login", "alice", "passcode", token)) {
            sockJs.register(ALICE);
            tcp.send("SUBSCRIBE", "id", "s1", "destination", ALICE, "receipt", "r1");
            assertThat(tcp.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            assertThat(awaitProbe(sockJs, ALICE)).isEmpty();
            awaitProbe(eventBus, ALICE);
            awaitProbe(stompJs, ALICE);
            assertThat(System.currentTimeMillis()).as("all clients live before the token expires").isLessThan(expiresAt);

            JsonObject err = sockJs.await(f -> "err".equals(f.getString("type")), TIMEOUT, "expiry err");
            assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(expiresAt);
            assertErrFrame(err, "token_expired", 401, null);
            sockJs.awaitClose(TIMEOUT);

            Received error = tcp.next("ERROR", TIMEOUT);
            assertThat(error.header("message")).isEqualTo("token_expired");
            assertThat(tcp.next("CLOSED", TIMEOUT)).isNotNull();

            // the err frame itself does not reach vertx-eventbus.js: see theEventBusClientIsToldTokenExpiredBeforeTheClose
            eventBus.awaitEvent("close", TIMEOUT);

            JsonObject stompError = stompJs.awaitEvent("error", TIMEOUT);
            assertThat(stompError.getJsonObject("headers").getString("message")).isEqualTo("token_expired");
            stompJs.awaitEvent("close", TIMEOUT);
            assertThat(System.currentTimeMillis()).as("all closed soon after the expiry").isLessThan(expiresAt + 10_000);
        }
    }

    @Test
    void theEventBusClientIsToldTokenExpiredBeforeTheClose() {
        long expiresAt = (System.currentTimeMillis() / 1000 + 4) * 1000;
        try (NodeClient eventBus = NodeClient.start("eventbus-auth-client.js", node.httpBase(), "query",
            tokenExpiringAt("alice", expiresAt / 1000), ALICE)) {
            awaitProbe(eventBus, ALICE);
            assertThat(System.currentTimeMillis()).as("subscribed before the token expires").isLessThan(expiresAt);
            JsonObject error = eventBus.awaitEvent("error", TIMEOUT);
            assertThat(error.getJsonObject("error").getString("body")).isEqualTo("token_expired");
            assertThat(error.getJsonObject("error").getInteger("failureCode")).isEqualTo(401);
            eventBus.awaitEvent("close", TIMEOUT);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 5. the server sets the user header of inbound messages

    private static LinkedBlockingQueue<Message<Object>> echoConsumer(List<MessageConsumer<Object>> registered) {
        LinkedBlockingQueue<Message<Object>> received = new LinkedBlockingQueue<>();
        for (String address : List.of(ECHO, ECHO_SEND)) {
            MessageConsumer<Object> consumer = vertx.eventBus().consumer(address, received::add);
            GatewayNode.await(consumer.completion(), TIMEOUT);
            registered.add(consumer);
        }
        return received;
    }

    private static MultiMap nextEcho(LinkedBlockingQueue<Message<Object>> received, String what) {
        try {
            Message<Object> message = received.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(message).as("message on echo.in from " + what).isNotNull();
            return message.headers();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void unregister(List<MessageConsumer<Object>> consumers) {
        consumers.forEach(c -> GatewayNode.await(c.unregister(), TIMEOUT));
    }

    @Test
    void theUserHeaderOfMessagesSentOverSockJsIsSetByTheServer() {
        List<MessageConsumer<Object>> consumers = new ArrayList<>();
        LinkedBlockingQueue<Message<Object>> echoes = echoConsumer(consumers);
        try (SockJsWire viaUrl = sockJs(token("alice"));
             SockJsWire viaHeader = sockJs(null)) {
            for (String type : List.of("publish", "send")) {
                viaUrl.send(new JsonObject().put("type", type).put("address", "send".equals(type) ? ECHO_SEND : ECHO)
                    .put("body", new JsonObject().put("n", 1))
                    .put("headers", new JsonObject().put("user", "mallory").put("USER", "eve").put("x-trace", "t-" + type)));
                MultiMap headers = nextEcho(echoes, "a SockJS " + type);
                assertThat(headers.getAll("user")).as("user headers of a SockJS " + type).containsExactly("alice");
                assertThat(headers.get("x-trace")).isEqualTo("t-" + type);
            }
            viaHeader.send(new JsonObject().put("type", "publish").put("address", ECHO).put("body", "hi")
                .put("headers", new JsonObject().put("Authorization", "Bearer " + token("alice")).put("user", "mallory")));
            MultiMap headers = nextEcho(echoes, "a SockJS publish with an Authorization header");
            assertThat(headers.getAll("user")).containsExactly("alice");
            assertThat(headers.contains("Authorization")).as("the token is not forwarded").isFalse();
        } finally {
            unregister(consumers);
        }
        consumers.clear();
        echoes = echoConsumer(consumers);
        try (NodeClient client = NodeClient.start("eventbus-auth-client.js", node.httpBase(), "header", token("alice"),
            "publish:" + ECHO)) {
            client.awaitEvent("published", TIMEOUT);
            MultiMap headers = nextEcho(echoes, "the eventbus client");
            assertThat(headers.getAll("user")).containsExactly("alice");
            assertThat(headers.contains("Authorization")).as("the token is not forwarded").isFalse();
        } finally {
            unregister(consumers);
        }
    }

    @ParameterizedTest(name = "STOMP over {0}")
    @EnumSource(Stomp.class)
    void theUserHeaderOfMessagesSentOverStompIsSetByTheServer(Stomp transport) {
        List<MessageConsumer<Object>> consumers = new ArrayList<>();
        LinkedBlockingQueue<Message<Object>> echoes = echoConsumer(consumers);
        try {
            try (RawStompClient alice = stompConnected(transport, "login", "anyone", "passcode", token("alice"));
                 RawStompClient carol = stompConnected(transport, "login", "carol", "passcode", CAROL_PASSWORD)) {
                alice.sendRaw("SEND\ndestination:" + ECHO + "\nuser:mallory\nUser:eve\nx-trace:t-1\nreceipt:r1\n\n{\"n\":1}\u0000");
                assertThat(alice.next(TIMEOUT).command()).isEqualTo("RECEIPT");
                MultiMap headers = nextEcho(echoes, "alice's SEND");
                assertThat(headers.getAll("user")).as("user headers of alice's SEND").containsExactly("alice");
                assertThat(headers.get("x-trace")).isEqualTo("t-1");

                carol.send("SEND", "destination", ECHO, "user", "alice", "receipt", "r1");
                assertThat(carol.next(TIMEOUT).command()).isEqualTo("RECEIPT");
                assertThat(nextEcho(echoes, "carol's SEND").getAll("user")).containsExactly("carol");
            }
            if (transport == Stomp.WEBSOCKET) {
                try (NodeClient client = NodeClient.start("stomp-auth-client.js", node.stompWebSocketUrl(), "passcode", token("alice"),
                    "send:" + ECHO)) {
                    client.awaitEvent("sent", TIMEOUT);
                    assertThat(nextEcho(echoes, "stompjs").getAll("user")).containsExactly("alice");
                }
            }
        } finally {
            unregister(consumers);
        }
    }

    @Test
    void aSockJsSubscriberOfEchoSeesTheSendersUserAsSetByTheServer() {
        try (SockJsWire bob = sockJs(token("bob"));
             RawStompClient alice = stompConnected(Stomp.TCP, "login", "anyone", "passcode", token("alice"))) {
            bob.register(ECHO);
            assertThat(awaitProbe(bob, ECHO)).isEmpty();
            alice.send("SEND", "destination", ECHO, "user", "bob", "receipt", "r1");
            assertThat(alice.next(TIMEOUT).command()).isEqualTo("RECEIPT");
            JsonObject rec = bob.await(f -> "rec".equals(f.getString("type")) && !isProbeFrame(f, ECHO), TIMEOUT, "alice's message");
            assertThat(rec.getJsonObject("headers").getString("user")).isEqualTo("alice");
        }
    }
}
