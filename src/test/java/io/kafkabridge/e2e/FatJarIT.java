package io.kafkabridge.e2e;

import io.kafkabridge.testing.GatewayProcess;
import io.kafkabridge.testing.NodeClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fat jar, run as a newcomer runs it: from a directory without {@code conf/} or {@code webroot/}, with the
 * launcher's {@code -conf} and {@code run ... -cluster} forms, and with broken configurations.
 */
class FatJarIT {

    private static final Path JAR = Path.of(System.getProperty("kebb.test.jar", "target/kafka-eventbus-bridge.jar"));
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Pattern STARTED = Pattern.compile("Gateway node started: HTTP on port (\\d+)");
    /** Every port on 0: the node picks free ones and logs them. */
    private static final Map<String, String> FREE_PORTS = Map.of("HTTP_PORT", "0", "STOMP_PORT", "0", "KAFKA_EMBEDDED_PORT", "0");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static int awaitStarted(GatewayProcess node) {
        Matcher matcher = STARTED.matcher(node.awaitLine(line -> STARTED.matcher(line).find(), STARTUP));
        assertThat(matcher.find()).isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject smallConfig(int routes) {
        JsonArray routeArray = new JsonArray();
        for (int i = 0; i < routes; i++) {
            routeArray.add(new JsonObject().put("topic", "jar.topic" + i).put("address", "jar.{key}." + i));
        }
        return new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
            .put("stomp", new JsonObject().put("port", -1))
            .put("kafka", new JsonObject().put("embedded", new JsonObject().put("port", 0).put("dataDir", "data/other")))
            .put("routes", routeArray)
            .put("bridge", new JsonObject().put("outboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "jar\\..+"))));
    }

    @Test
    void jarStartsWithItsDefaultConfigFromAnyDirectoryAndTheDemoPagesAndChatGoLiveInChromium(@TempDir Path dir) throws Exception {
        try (GatewayProcess node = GatewayProcess.start(JAR, dir, FREE_PORTS)) {
            int port = awaitStarted(node);

            HttpResponse<String> health = get(port, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            JsonObject status = new JsonObject(health.body());
            assertThat(status.getString("status")).isEqualTo("UP");
            assertThat(status.getJsonObject("kafka").getBoolean("reachable")).isTrue();
            assertThat(get(port, "/lib/vertx-eventbus.js").statusCode()).isEqualTo(200);
            assertThat(get(port, "/lib/stomp.umd.min.js").statusCode()).isEqualTo(200);
            assertThat(get(port, "/lib/sockjs.min.js").statusCode()).isEqualTo(200);
            // Prometheus metrics on the HTTP port: Vert.x's own (the launcher turns them on) and the gateway's
            HttpResponse<String> metrics = get(port, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
            assertThat(metrics.body()).contains("vertx_http_server_").contains("jvm_memory_used_bytes")
                .contains("gateway_connections{transport=\"sockjs\"}");

            Path shots = Files.createDirectories(Path.of("target", "screenshots"));
            try (NodeClient browser = NodeClient.start("browser-demo.js", "http://127.0.0.1:" + port, shots.toAbsolutePath().toString())) {
                JsonObject orders = browser.await(e -> Set.of("orders", "failure").contains(e.getString("event")), STARTUP, "the order page");
                assertThat(orders.getString("event")).as(orders.encode()).isEqualTo("orders");
                assertThat(orders.getString("state")).contains("live");
                assertThat(orders.getJsonArray("orders")).isNotEmpty();
                JsonObject first = orders.getJsonArray("orders").getJsonObject(0);
                assertThat(first.getString("status")).isIn("PLACED", "PAID", "PACKED", "SHIPPED", "DELIVERED");

                JsonObject dashboard = browser.await(e -> Set.of("dashboard", "failure").contains(e.getString("event")), STARTUP, "the dashboard");
                assertThat(dashboard.getString("event")).as(dashboard.encode()).isEqualTo("dashboard");
                assertThat(dashboard.getString("state")).contains("live");
                assertThat(dashboard.getInteger("count")).isGreaterThanOrEqualTo(2);
                assertThat(dashboard.getJsonArray("metrics")).isNotEmpty();
                // the same page in a browser without WebSocket: STOMP over SockJS, live records arriving
                JsonObject sockJs = browser.await(e -> Set.of("dashboard-sockjs", "failure").contains(e.getString("event")), STARTUP,
                    "the dashboard without WebSocket");
                assertThat(sockJs.getString("event")).as(sockJs.encode()).isEqualTo("dashboard-sockjs");
                assertThat(sockJs.getString("webSocket")).isEqualTo("undefined");
                assertThat(sockJs.getString("state")).contains("live");
                assertThat(sockJs.getString("transport")).as("an HTTP transport of SockJS").isIn("SockJS xhr-streaming", "SockJS xhr-polling",
                    "SockJS eventsource", "SockJS iframe-eventsource", "SockJS iframe-htmlfile", "SockJS iframe-xhr-polling");
                assertThat(sockJs.getInteger("count")).isGreaterThan(sockJs.getInteger("before") + 2);
                assertThat(sockJs.getJsonArray("metrics")).isNotEmpty();
                JsonObject chat = browser.await(e -> Set.of("chat", "failure").contains(e.getString("event")), STARTUP, "the chat");
                assertThat(chat.getString("event")).as(chat.encode()).isEqualTo("chat");
                assertThat(chat.getJsonArray("messages").getList()).contains(chat.getString("text"));
                assertThat(chat.getString("ack")).startsWith("stored in Kafka: chat.messages");
                browser.awaitEvent("done", STARTUP);
                assertThat(browser.seen()).noneMatch(e -> "pageerror".equals(e.getString("event")));
            }
        }
    }

    @Test
    void jsonLogsAreOneJsonObjectPerLineWithTheNodesAndTheClientsFields(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("other.json"), smallConfig(1).encodePrettily());
        try (GatewayProcess node = GatewayProcess.start(JAR, dir, Map.of("LOG_FORMAT", "json"), "-conf", "other.json")) {
            String started = node.awaitLine(line -> line.contains("Gateway node started"), STARTUP);
            JsonObject startup = new JsonObject(started);
            assertThat(startup.getString("level")).isEqualTo("INFO");
            assertThat(startup.getString("logger_name")).isEqualTo("io.kafkabridge.MainVerticle");
            assertThat(startup.getString("message")).startsWith("Gateway node started: HTTP on port");
            int port = startup.getInteger("httpPort");
            assertThat(startup.getString("message")).contains("HTTP on port " + port);

            // a client refused: its line names the client, the address and the code as fields of their own
            HttpClient http = HttpClient.newHttpClient();
            java.net.http.WebSocket socket = http.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/eventbus/websocket"), new java.net.http.WebSocket.Listener() { })
                .get(30, java.util.concurrent.TimeUnit.SECONDS);
            socket.sendText(new JsonObject().put("type", "register").put("address", "secret.plans").encode(), true)
                .get(30, java.util.concurrent.TimeUnit.SECONDS);
            JsonObject refused = new JsonObject(node.awaitLine(line -> line.contains("is not permitted"), STARTUP));
            assertThat(refused.getString("address")).isEqualTo("secret.plans");
            assertThat(refused.getString("code")).isEqualTo("access_denied");
            assertThat(refused.getString("client")).startsWith("127.0.0.1:");
            socket.abort();

            for (String line : node.output().split("\n")) {
                if (!line.isBlank()) {
                    assertThat(new JsonObject(line)).as("every line is a JSON object: %s", line).isNotNull();
                }
            }
        }
        // any other format is a startup failure naming LOG_FORMAT, not a node that logs nothing
        try (GatewayProcess bad = GatewayProcess.start(JAR, dir, Map.of("LOG_FORMAT", "yaml"), "-conf", "other.json")) {
            assertThat(bad.awaitExit(STARTUP)).isEqualTo(1);
            assertThat(bad.output()).contains("LOG_FORMAT must be \"text\" or \"json\", got \"yaml\"");
        }
    }

    @Test
    void confOptionReplacesTheDefaultConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("other.json"), smallConfig(1).encodePrettily());
        try (GatewayProcess node = GatewayProcess.start(JAR, dir, Map.of(), "-conf", "other.json")) {
            String started = node.awaitLine(line -> line.contains("Gateway node started"), STARTUP);
            assertThat(started).contains("1 route(s)").contains("STOMP over TCP on (disabled)").doesNotContain("demo feed");
            int port = awaitPort(started);
            assertThat(get(port, "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void runCommandWithClusterAndConfStartsAClusteredNode(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("other.json"), smallConfig(2).encodePrettily());
        try (GatewayProcess node = GatewayProcess.start(JAR, dir, Map.of(),
            "run", "io.kafkabridge.MainVerticle", "-cluster", "-cluster-host", "127.0.0.1", "-conf", "other.json")) {
            String started = node.awaitLine(line -> line.contains("Gateway node started"), STARTUP);
            assertThat(started).contains("2 route(s)");
            assertThat(node.output()).contains("Members {size:1");
            assertThat(get(awaitPort(started), "/health").statusCode()).isEqualTo(200);
        }
    }

    private static int awaitPort(String startedLine) {
        Matcher matcher = STARTED.matcher(startedLine);
        assertThat(matcher.find()).isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    @Test
    void brokenConfigStopsStartupWithAMessageNamingTheKey(@TempDir Path dir) throws Exception {
        JsonObject broken = smallConfig(1);
        broken.getJsonObject("http").put("port", "eighty");
        Files.writeString(dir.resolve("broken.json"), broken.encodePrettily());
        try (GatewayProcess node = GatewayProcess.start(JAR, dir, Map.of(), "-conf", "broken.json")) {
            int exit = node.awaitExit(STARTUP);
            assertThat(exit).isNotZero();
            assertThat(node.output()).contains("http.port: expected an integer, got the string \"eighty\"");
        }
    }

    @Test
    void embeddedKafkaPortInUseStopsStartupWithAMessageNamingTheKey(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             GatewayProcess node = GatewayProcess.start(JAR, dir, Map.of("HTTP_PORT", "0", "STOMP_PORT", "0",
                 "KAFKA_EMBEDDED_PORT", Integer.toString(taken.getLocalPort())))) {
            int exit = node.awaitExit(STARTUP);
            assertThat(exit).isNotZero();
            assertThat(node.output()).contains("kafka.embedded.port: port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
        }
    }
}
