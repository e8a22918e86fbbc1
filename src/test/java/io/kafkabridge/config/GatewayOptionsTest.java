package io.kafkabridge.config;

import io.kafkabridge.delivery.SlowClientPolicy;
import io.kafkabridge.routing.PayloadFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayOptionsTest {

    private static final String MINIMAL_ROUTES = "[{\"topic\":\"t\",\"address\":\"a\"}]";

    // ---- helpers ----

    private static JsonObject shippedConfig() throws IOException {
        return new JsonObject(Files.readString(Path.of("conf/config.json"), StandardCharsets.UTF_8));
    }

    /** A valid config (one route) with {@code sectionJson} merged in at the top level. */
    private static JsonObject withRoutes(String sectionJson) {
        JsonObject json = new JsonObject(sectionJson);
        if (!json.containsKey("routes")) {
            json.put("routes", new JsonArray(MINIMAL_ROUTES));
        }
        return json;
    }

    private static GatewayOptions parse(String json) {
        return new GatewayOptions(withRoutes(json));
    }

    private static void assertRejected(String json, String messagePrefix) {
        assertThatThrownBy(() -> parse(json))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith(messagePrefix);
    }

    private static JsonObject bridgeRule(String direction, JsonObject rule) {
        return new JsonObject().put("bridge", new JsonObject().put(direction, new JsonArray().add(rule)));
    }

    // ---- shipped config ----

    @Test
    void shippedConfigParses() throws IOException {
        GatewayOptions options = new GatewayOptions(shippedConfig());

        assertThat(options.getRoutes()).hasSize(3);
        assertThat(options.getRoutes()).extracting(RouteOptions::getTopic).containsExactly("orders.status", "metrics", "chat.messages");
        assertThat(options.getRoutes()).extracting(RouteOptions::getAddress).containsExactly("user.{key}.orders", "dashboard.metrics", "chat.room.{key}");
        assertThat(options.getKafka().isEmbedded()).isTrue();
        assertThat(options.getKafka().getEmbedded().getPort()).isEqualTo(9092);
        assertThat(options.getKafka().getEmbedded().getDataDir()).isEqualTo("data/kafka");
        assertThat(options.getHttp().getPort()).isEqualTo(8080);
        assertThat(options.getStomp().getPort()).isEqualTo(61613);
        assertThat(options.getBridge().getOutboundPermitteds()).hasSize(4);
        assertThat(options.getBridge().getOutboundPermitteds().get(3).getAddress()).isEqualTo(options.getAdmin().getStatsAddress());
        assertThat(options.getBridge().getInboundPermitteds()).hasSize(1);
        assertThat(options.getDemo().isEnabled()).isTrue();
    }

    @Test
    void shippedConfigRoundTripsThroughToJson() throws IOException {
        JsonObject json = new GatewayOptions(shippedConfig()).toJson();

        assertThat(new GatewayOptions(json).toJson()).isEqualTo(json);
    }

    // ---- defaults ----

    @Test
    void missingSectionsTakeTheirDefaults() {
        GatewayOptions options = parse("{}");

        assertThat(options.getHttp().getHost()).isEqualTo(HttpEndpointOptions.DEFAULT_HOST);
        assertThat(options.getHttp().getPort()).isEqualTo(8080);
        assertThat(options.getHttp().getEventbusPath()).isEqualTo("/eventbus");
        assertThat(options.getHttp().getStompPath()).isEqualTo("/stomp");
        assertThat(options.getStomp().getPort()).isEqualTo(61613);
        assertThat(options.getStomp().isTcpEnabled()).isTrue();
        assertThat(options.getStomp().getHeartbeat()).isEqualTo("10000,10000");
        assertThat(options.getLimits().getMaxFrameBytes()).isEqualTo(64 * 1024);
        assertThat(options.getKafka().getBootstrapServers()).isEqualTo("embedded");
        assertThat(options.getKafka().getGroupId()).isEqualTo(KafkaOptions.DEFAULT_GROUP_ID);
        assertThat(options.getKafka().getAutoOffsetReset()).isEqualTo("latest");
        assertThat(options.getKafka().getCommitIntervalMs()).isEqualTo(1000);
        assertThat(options.getKafka().getStartupTimeoutMs()).isEqualTo(30_000);
        assertThat(options.getKafka().getEmbedded().getPort()).isEqualTo(9092);
        assertThat(options.getKafka().getEmbedded().getPartitions()).isEqualTo(3);
        assertThat(options.getKafka().getConsumer()).isEmpty();
        assertThat(options.getBridge().getInboundPermitteds()).isEmpty();
        assertThat(options.getBridge().getOutboundPermitteds()).isEmpty();
        assertThat(options.getDemo().isEnabled()).isFalse();
        assertThat(options.getDemo().getUsers()).containsExactly("alice", "bob", "carol");
    }

    @Test
    void missingKeysInsideASectionTakeTheirDefaults() {
        GatewayOptions options = parse("{\"http\":{\"port\":9000},\"kafka\":{\"embedded\":{\"port\":0}}}");

        assertThat(options.getHttp().getPort()).isEqualTo(9000);
        assertThat(options.getHttp().getHost()).isEqualTo("0.0.0.0");
        assertThat(options.getHttp().isWebsocketCompression()).isFalse();
        assertThat(options.getKafka().getEmbedded().getPort()).isZero();
        assertThat(options.getKafka().getEmbedded().getDataDir()).isEqualTo("data/kafka");
    }

    @Test
    void websocketCompressionCanBeTurnedOn() {
        assertThat(parse("{\"http\":{\"websocketCompression\":true}}").getHttp().isWebsocketCompression()).isTrue();
    }

    @Test
    void routeFormatDefaultsToJson() {
        assertThat(parse("{}").getRoutes().get(0).getFormat()).isEqualTo(PayloadFormat.JSON);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"routes\":[]}", "{\"routes\":null}", "{\"http\":{\"port\":8081}}"})
    void routesAreRequired(String json) {
        assertThatThrownBy(() -> new GatewayOptions(new JsonObject(json)))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("routes: at least one route");
    }

    @Test
    void validateOfEmptyOptionsRequiresRoutes() {
        assertThatThrownBy(() -> new GatewayOptions().validate())
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("routes: at least one route");
    }

    // ---- unknown keys ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"htpp\":{}}                                             | htpp:",
        "{\"http\":{\"prot\":1}}                                   | http.prot:",
        "{\"stomp\":{\"tcpPort\":1}}                               | stomp.tcpPort:",
        "{\"kafka\":{\"bootstrap.servers\":\"a:1\"}}               | kafka.bootstrap.servers:",
        "{\"kafka\":{\"embedded\":{\"partition\":1}}}              | kafka.embedded.partition:",
        "{\"bridge\":{\"outbound\":[]}}                            | bridge.outbound:",
        "{\"bridge\":{\"outboundPermitteds\":[{\"adress\":\"a\"}]}} | bridge.outboundPermitteds[0].adress:",
        "{\"demo\":{\"enable\":true}}                              | demo.enable:",
        "{\"routes\":[{\"topic\":\"t\",\"address\":\"a\"},{\"topic\":\"t\",\"adress\":\"a\"}]} | routes[1].adress:",
    })
    void unknownKeyIsRejectedWithItsPath(String json, String prefix) {
        assertThatThrownBy(() -> parse(json))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith(prefix)
            .hasMessageContaining("unknown key");
    }

    @Test
    void unknownKeyErrorListsTheKnownKeys() {
        assertThatThrownBy(() -> parse("{\"http\":{\"prot\":1}}"))
            .hasMessageContaining("port")
            .hasMessageContaining("host");
    }

    @Test
    void configExceptionExposesThePath() {
        assertThatThrownBy(() -> parse("{\"http\":{\"prot\":1}}"))
            .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.path()).isEqualTo("http.prot"));
    }

    // ---- wrong types ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"http\":{\"port\":\"abc\"}}             | http.port: expected an integer",
        "{\"http\":{\"port\":80.5}}                | http.port: expected an integer",
        "{\"http\":{\"port\":true}}                | http.port: expected an integer",
        "{\"http\":{\"port\":4294967376}}          | http.port: expected an integer",
        "{\"http\":{\"host\":5}}                   | http.host: expected a string",
        "{\"http\":\"localhost\"}                  | http: expected an object",
        "{\"stomp\":[]}                            | stomp: expected an object",
        "{\"kafka\":{\"commitIntervalMs\":\"x\"}}  | kafka.commitIntervalMs: expected an integer",
        "{\"kafka\":{\"embedded\":1}}              | kafka.embedded: expected an object",
        "{\"kafka\":{\"consumer\":{\"a\":{}}}}     | kafka.consumer.a:",
        "{\"kafka\":{\"consumer\":{\"a\":null}}}   | kafka.consumer.a:",
        "{\"demo\":{\"enabled\":\"yes\"}}          | demo.enabled: expected true or false",
        "{\"http\":{\"websocketCompression\":1}} | http.websocketCompression: expected true or false",
        "{\"demo\":{\"users\":[\"a\",1]}}          | demo.users[1]:",
        "{\"routes\":{}}                           | routes: expected an array",
        "{\"routes\":[\"t\"]}                      | routes[0]: expected an object",
        "{\"routes\":[{\"topic\":1,\"address\":\"a\"}]} | routes[0].topic: expected a string",
        "{\"bridge\":{\"inboundPermitteds\":{}}}   | bridge.inboundPermitteds: expected an array",
        "{\"bridge\":{\"inboundPermitteds\":[\"a\"]}} | bridge.inboundPermitteds[0]: expected an object",
    })
    void wrongTypeIsRejectedWithItsPath(String json, String prefix) {
        assertRejected(json, prefix);
    }

    @Test
    void numericStringsAndWholeNumbersAreAcceptedForIntegers() {
        GatewayOptions options = parse("{\"http\":{\"port\":\" 8081 \"},\"stomp\":{\"port\":61614.0},"
            + "\"kafka\":{\"commitIntervalMs\":\"250\"},\"demo\":{\"enabled\":\"true\"}}");

        assertThat(options.getHttp().getPort()).isEqualTo(8081);
        assertThat(options.getStomp().getPort()).isEqualTo(61614);
        assertThat(options.getKafka().getCommitIntervalMs()).isEqualTo(250);
        assertThat(options.getDemo().isEnabled()).isTrue();
    }

    @Test
    void kafkaConsumerPropertiesAreKeptAsStrings() {
        GatewayOptions options = parse("{\"kafka\":{\"consumer\":{\"max.poll.records\":100,\"check.crcs\":false,\"client.rack\":\"r1\"}}}");

        assertThat(options.getKafka().getConsumer())
            .containsExactlyInAnyOrderEntriesOf(Map.of("max.poll.records", "100", "check.crcs", "false", "client.rack", "r1"));
    }

    // ---- ports ----

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 8080, 65535})
    void httpPortInRangeIsAccepted(int port) {
        assertThat(parse("{\"http\":{\"port\":" + port + "}}").getHttp().getPort()).isEqualTo(port);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536, 100000})
    void httpPortOutOfRangeIsRejected(int port) {
        assertRejected("{\"http\":{\"port\":" + port + "}}", "http.port: port must be between 0 and 65535");
    }

    @ParameterizedTest
    @ValueSource(ints = {-2, 65536})
    void stompPortOutOfRangeIsRejected(int port) {
        assertRejected("{\"stomp\":{\"port\":" + port + "}}", "stomp.port:");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536})
    void embeddedKafkaPortOutOfRangeIsRejected(int port) {
        assertRejected("{\"kafka\":{\"embedded\":{\"port\":" + port + "}}}", "kafka.embedded.port:");
    }

    @Test
    void stompPortMinusOneDisablesTcp() {
        StompEndpointOptions stomp = parse("{\"stomp\":{\"port\":-1}}").getStomp();

        assertThat(stomp.getPort()).isEqualTo(StompEndpointOptions.DISABLED);
        assertThat(stomp.isTcpEnabled()).isFalse();
    }

    @Test
    void stompPortEqualToHttpPortIsRejected() {
        assertRejected("{\"http\":{\"port\":9000},\"stomp\":{\"port\":9000}}", "stomp.port: must differ from http.port (9000)");
    }

    @Test
    void stompPortEqualToDefaultHttpPortIsRejected() {
        assertRejected("{\"stomp\":{\"port\":8080}}", "stomp.port:");
    }

    @Test
    void bothPortsZeroMeanTwoFreePortsAndAreAccepted() {
        GatewayOptions options = parse("{\"http\":{\"port\":0},\"stomp\":{\"port\":0}}");

        assertThat(options.getHttp().getPort()).isZero();
        assertThat(options.getStomp().getPort()).isZero();
    }

    @Test
    void disabledStompTcpDoesNotClashWithHttpPort() {
        assertThat(parse("{\"http\":{\"port\":8080},\"stomp\":{\"port\":-1}}").getStomp().isTcpEnabled()).isFalse();
    }

    // ---- other section values ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"http\":{\"host\":\" \"}}              | http.host:",
        "{\"http\":{\"eventbusPath\":\"eventbus\"}} | http.eventbusPath:",
        "{\"http\":{\"eventbusPath\":\"/\"}}       | http.eventbusPath:",
        "{\"http\":{\"stompPath\":\"/stomp/\"}}    | http.stompPath:",
        "{\"stomp\":{\"heartbeat\":\"10s\"}}       | stomp.heartbeat:",
        "{\"limits\":{\"maxFrameBytes\":0}}       | limits.maxFrameBytes:",
        "{\"limits\":{\"maxConnectionsPerAddress\":0}} | limits.maxConnectionsPerAddress:",
        "{\"limits\":{\"socketSendBufferBytes\":1024}} | limits.socketSendBufferBytes:",
        "{\"http\":{\"idleTimeoutMs\":0}}          | http.idleTimeoutMs:",
        "{\"http\":{\"requestHeaderTimeoutMs\":\"10s\"}} | http.requestHeaderTimeoutMs:",
        "{\"http\":{\"allowedOrigins\":\"*\"}}    | http.allowedOrigins:",
        "{\"http\":{\"allowedOrigins\":[1]}}       | http.allowedOrigins[0]:",
        "{\"http\":{\"allowedOrigins\":[\"*\",\"https://app.example.com/path\"]}} | http.allowedOrigins[1]:",
        "{\"http\":{\"allowedOrigins\":[\"app.example.com\"]}} | http.allowedOrigins[0]:",
        "{\"routes\":[{\"topic\":\"t\",\"address\":\"kafka-eventbus-bridge.node.reconnect-clients\"}]} | routes[0].address:",
        "{\"sinks\":[{\"address\":\"__vertx.reply.1\",\"topic\":\"t\"}]} | sinks[0].address:",
        "{\"limits\":{\"maxQueuedBytesPerConnection\":0}} | limits.maxQueuedBytesPerConnection:",
        "{\"limits\":{\"maxQueuedBytesPerConnection\":\"1MB\"}} | limits.maxQueuedBytesPerConnection:",
        "{\"limits\":{\"maxQueuedMessagesPerConnection\":-5}} | limits.maxQueuedMessagesPerConnection:",
        "{\"limits\":{\"slowClientPolicy\":\"drop\"}} | limits.slowClientPolicy:",
        "{\"limits\":{\"slowClientPolicy\":1}}   | limits.slowClientPolicy:",
        "{\"limits\":{\"maxInFlightRecords\":0}} | limits.maxInFlightRecords:",
        "{\"limits\":{\"maxInFlightBytes\":true}} | limits.maxInFlightBytes:",
        "{\"limits\":{\"maxOutboundMessageBytes\":0}} | limits.maxOutboundMessageBytes:",
        "{\"bridge\":{\"outboundPermitteds\":[{\"address\":\"a\",\"slowClientPolicy\":\"later\"}]}} | bridge.outboundPermitteds[0].slowClientPolicy:",
        "{\"routes\":[{\"topic\":\"t\",\"address\":\"a\",\"slowClientPolicy\":\"oldest\"}]} | routes[0].slowClientPolicy:",
        "{\"bridge\":{\"inboundPermitteds\":[{\"address\":\"a\",\"slowClientPolicy\":\"conflate\"}]}} | bridge.inboundPermitteds[0].slowClientPolicy: unknown key",
        "{\"kafka\":{\"groupId\":\"\"}}            | kafka.groupId:",
        "{\"kafka\":{\"commitIntervalMs\":0}}      | kafka.commitIntervalMs:",
        "{\"kafka\":{\"startupTimeoutMs\":-1}}     | kafka.startupTimeoutMs:",
        "{\"kafka\":{\"embedded\":{\"partitions\":0}}} | kafka.embedded.partitions:",
        "{\"kafka\":{\"embedded\":{\"dataDir\":\"\"}}} | kafka.embedded.dataDir:",
        "{\"demo\":{\"intervalMs\":5}}             | demo.intervalMs:",
        "{\"resume\":{\"maxRecords\":0}}          | resume.maxRecords:",
        "{\"resume\":{\"maxRecords\":\"many\"}}     | resume.maxRecords:",
        "{\"resume\":{\"maxScanRecords\":-1}}     | resume.maxScanRecords:",
        "{\"resume\":{\"timeoutMs\":10}}          | resume.timeoutMs:",
        "{\"resume\":{\"maxConcurrent\":0}}       | resume.maxConcurrent:",
        "{\"resume\":{\"maxConcurrent\":65}}      | resume.maxConcurrent:",
        "{\"resume\":{\"maxPending\":-1}}         | resume.maxPending:",
        "{\"resume\":{\"maxReplayedPerSecond\":0}} | resume.maxReplayedPerSecond:",
        "{\"resume\":{\"history\":1}}             | resume.history: unknown key",
        "{\"resume\":[]}                          | resume:",
        "{\"metrics\":{\"enabled\":\"yes\"}}       | metrics.enabled:",
        "{\"metrics\":{\"path\":\"metrics\"}}      | metrics.path:",
        "{\"metrics\":{\"path\":\"/\"}}            | metrics.path:",
        "{\"metrics\":{\"path\":\"/eventbus/m\"}}  | metrics.path: must not be a bridge path",
        "{\"metrics\":{\"path\":\"/ready\"}}       | metrics.path: must not be a bridge path",
        "{\"metrics\":{\"port\":-2}}             | metrics.port:",
        "{\"metrics\":{\"port\":8080}}           | metrics.port: must differ",
        "{\"metrics\":{\"host\":\"\"}}             | metrics.host:",
        "{\"metrics\":{\"scrapeMs\":1}}          | metrics.scrapeMs: unknown key",
        "{\"admin\":{\"statsAddress\":\"\"}}    | admin.statsAddress:",
        "{\"admin\":{\"statsAddress\":\"__vertx.stats\"}} | admin.statsAddress: must not start with",
        "{\"admin\":{\"statsIntervalMs\":10}}   | admin.statsIntervalMs: must be at least 100",
        "{\"admin\":{\"feed\":1}}               | admin.feed: unknown key",
        "{\"routes\":[{\"topic\":\"t\",\"address\":\"gateway.stats\"}]} | routes[0].address: is gateway.stats, the address of the nodes' stats",
        "{\"bridge\":{\"inboundPermitteds\":[{\"address\":\"gateway.stats\"}]}} | bridge.inboundPermitteds[0].address: is gateway.stats",
        "{\"demo\":{\"users\":[]}}                 | demo.users:",
        "{\"demo\":{\"ordersTopic\":\"bad topic\"}} | demo.ordersTopic:",
        "{\"auth\":{\"jwt\":{\"pubSecKeys\":[{\"algorithm\":\"HS256\",\"buffer\":\"s3cret\"}],\"requireExp\":\"no\"}}} | auth.jwt.requireExp:",
        "{\"auth\":{\"jwt\":{\"pubSecKeys\":[{\"algorithm\":\"HS256\",\"buffer\":\"s3cret\"}],\"maxTokenLifetimeSeconds\":-1}}} | auth.jwt.maxTokenLifetimeSeconds:",
        "{\"auth\":{\"jwt\":{\"pubSecKeys\":[{\"algorithm\":\"HS256\",\"buffer\":\"s3cret\"}],\"maxTokenLifetimeSeconds\":\"1d\"}}} | auth.jwt.maxTokenLifetimeSeconds:",
    })
    void invalidSectionValueIsRejectedWithItsPath(String json, String prefix) {
        assertRejected(json, prefix);
    }

    @Test
    void hostileClientLimitsHaveDefaultsAndAreRead() {
        GatewayOptions defaults = parse("{}");
        assertThat(defaults.getLimits().getMaxConnectionsPerAddress()).isEqualTo(1000);
        assertThat(defaults.getLimits().getSocketSendBufferBytes()).isEqualTo(256 * 1024);
        assertThat(defaults.getHttp().getIdleTimeoutMs()).isEqualTo(120_000);
        assertThat(defaults.getHttp().getRequestHeaderTimeoutMs()).isEqualTo(10_000);
        assertThat(defaults.getHttp().getAllowedOrigins()).isEmpty();

        GatewayOptions options = parse("{\"limits\":{\"maxConnectionsPerAddress\":7},\"http\":{\"idleTimeoutMs\":5000,"
            + "\"requestHeaderTimeoutMs\":2000,\"allowedOrigins\":[\"https://*.example.com\",\"http://localhost:3000\"]}}");
        assertThat(options.getLimits().getMaxConnectionsPerAddress()).isEqualTo(7);
        assertThat(options.getHttp().getIdleTimeoutMs()).isEqualTo(5000);
        assertThat(options.getHttp().getRequestHeaderTimeoutMs()).isEqualTo(2000);
        assertThat(options.getHttp().getAllowedOrigins()).containsExactly("https://*.example.com", "http://localhost:3000");
        assertThat(new HttpEndpointOptions(options.getHttp().toJson()).getAllowedOrigins())
            .containsExactly("https://*.example.com", "http://localhost:3000");
    }

    @Test
    void tokensMustExpireWithinADayUnlessConfiguredOtherwise() {
        String jwt = "\"jwt\":{\"pubSecKeys\":[{\"algorithm\":\"HS256\",\"buffer\":\"s3cret\"}]";
        AuthOptions defaults = parse("{\"auth\":{" + jwt + "}}}").getAuth();
        assertThat(defaults.isRequireExp()).isTrue();
        assertThat(defaults.getMaxTokenLifetimeSeconds()).isEqualTo(86400);

        AuthOptions relaxed = parse("{\"auth\":{" + jwt + ",\"requireExp\":false,\"maxTokenLifetimeSeconds\":0}}}").getAuth();
        assertThat(relaxed.isRequireExp()).isFalse();
        assertThat(relaxed.getMaxTokenLifetimeSeconds()).isZero();
        assertThat(relaxed.getJwt().containsKey("requireExp")).as("not passed to vertx-auth-jwt").isFalse();
        assertThat(new AuthOptions(relaxed.toJson()).isRequireExp()).isFalse();
    }

    @Test
    void flowControlLimitsHaveDefaultsAndAreRead() {
        LimitsOptions defaults = parse("{}").getLimits();
        assertThat(defaults.getMaxQueuedBytesPerConnection()).isEqualTo(1024 * 1024);
        assertThat(defaults.getSlowClientPolicy()).isEqualTo(SlowClientPolicy.DISCONNECT);

        LimitsOptions limits = parse("{\"limits\":{\"maxQueuedBytesPerConnection\":65536,\"maxQueuedMessagesPerConnection\":50,"
            + "\"slowClientPolicy\":\"conflate\",\"maxInFlightRecords\":500,\"maxInFlightBytes\":1000000,"
            + "\"maxOutboundMessageBytes\":2048}}").getLimits();
        assertThat(limits.getMaxQueuedBytesPerConnection()).isEqualTo(65536);
        assertThat(limits.getMaxQueuedMessagesPerConnection()).isEqualTo(50);
        assertThat(limits.getSlowClientPolicy()).isEqualTo(SlowClientPolicy.CONFLATE);
        assertThat(limits.getMaxInFlightRecords()).isEqualTo(500);
        assertThat(limits.getMaxInFlightBytes()).isEqualTo(1_000_000L);
        assertThat(limits.getMaxOutboundMessageBytes()).isEqualTo(2048);
        assertThat(new LimitsOptions(limits.toJson()).toJson()).isEqualTo(limits.toJson());
    }

    @Test
    void resumeBoundsHaveDefaultsAndAreRead() {
        ResumeOptions defaults = parse("{}").getResume();
        assertThat(defaults.getMaxRecords()).isEqualTo(10_000);
        assertThat(defaults.getMaxScanRecords()).isEqualTo(1_000_000);
        assertThat(defaults.getTimeoutMs()).isEqualTo(10_000);
        assertThat(defaults.getMaxConcurrent()).isEqualTo(4);
        assertThat(defaults.getMaxReplayedPerSecond()).isEqualTo(10_000);

        ResumeOptions resume = parse("{\"resume\":{\"maxRecords\":40,\"maxScanRecords\":5000,\"timeoutMs\":2000,"
            + "\"maxConcurrent\":2,\"maxPending\":10,\"maxReplayedPerSecond\":500}}").getResume();
        assertThat(resume.getMaxRecords()).isEqualTo(40);
        assertThat(resume.getMaxScanRecords()).isEqualTo(5000);
        assertThat(resume.getTimeoutMs()).isEqualTo(2000);
        assertThat(resume.getMaxConcurrent()).isEqualTo(2);
        assertThat(resume.getMaxPending()).isEqualTo(10);
        assertThat(resume.getMaxReplayedPerSecond()).isEqualTo(500);
        assertThat(new ResumeOptions(resume.toJson()).toJson()).isEqualTo(resume.toJson());
    }

    @Test
    void anOutboundRuleMayNameItsOwnSlowClientPolicy() {
        PermissionsOptions bridge = parse("{\"bridge\":{\"outboundPermitteds\":[{\"address\":\"prices\",\"slowClientPolicy\":"
            + "\"conflate\"},{\"addressRegex\":\"user\\\\..+\"}]}}").getBridge();

        assertThat(bridge.getOutboundPolicies()).containsExactly(SlowClientPolicy.CONFLATE, null);
        assertThat(new PermissionsOptions(bridge.toJson()).getOutboundPolicies()).containsExactly(SlowClientPolicy.CONFLATE, null);
    }

    @Test
    void aRouteMayNameItsOwnSlowClientPolicy() {
        GatewayOptions options = parse("{\"routes\":[{\"topic\":\"prices\",\"address\":\"prices.{key}\",\"slowClientPolicy\":\"conflate\"},"
            + "{\"topic\":\"orders\",\"address\":\"o\"}]}");

        assertThat(options.getRoutes()).extracting(RouteOptions::getSlowClientPolicy).containsExactly(SlowClientPolicy.CONFLATE, null);
        assertThat(new GatewayOptions(options.toJson()).toJson()).isEqualTo(options.toJson());
    }

    @Test
    void stompHeartbeatIsExposedAsJson() {
        StompEndpointOptions stomp = parse("{\"stomp\":{\"heartbeat\":\"5000,0\"}}").getStomp();

        assertThat(stomp.heartbeatJson()).isEqualTo(new JsonObject().put("x", 5000L).put("y", 0L));
    }

    // ---- kafka ----

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "localhost:9092", "kafka-1:9092,kafka-2:9093", "10.0.0.1:9092, 10.0.0.2:9092", "[::1]:9092"})
    void bootstrapServersAcceptsEmbeddedOrHostPortList(String servers) {
        GatewayOptions options = parse(new JsonObject().put("kafka", new JsonObject().put("bootstrapServers", servers)).encode());

        assertThat(options.getKafka().getBootstrapServers()).isEqualTo(servers);
        assertThat(options.getKafka().isEmbedded()).isEqualTo("embedded".equals(servers));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "localhost", "localhost:", "localhost:abc", "Embedded",
        "a:1,,b:2", "PLAINTEXT://localhost:9092", "local host:9092"})
    void bootstrapServersRejectsAnythingElse(String servers) {
        assertRejected(new JsonObject().put("kafka", new JsonObject().put("bootstrapServers", servers)).encode(),
            "kafka.bootstrapServers:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"latest", "earliest"})
    void autoOffsetResetAcceptsLatestAndEarliest(String value) {
        assertThat(parse("{\"kafka\":{\"autoOffsetReset\":\"" + value + "\"}}").getKafka().getAutoOffsetReset()).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "LATEST", "smallest", ""})
    void autoOffsetResetRejectsOtherValues(String value) {
        assertRejected("{\"kafka\":{\"autoOffsetReset\":\"" + value + "\"}}", "kafka.autoOffsetReset:");
    }

    // ---- routes ----

    private static String routes(String second) {
        return "{\"routes\":[{\"topic\":\"ok\",\"address\":\"a\"}," + second + "]}";
    }

    @Test
    void routeWithBothTopicAndTopicPatternIsRejected() {
        assertRejected(routes("{\"topic\":\"t\",\"topicPattern\":\"t.*\",\"address\":\"a\"}"),
            "routes[1]: give exactly one of \"topic\" or \"topicPattern\"");
    }

    @Test
    void routeWithNeitherTopicNorTopicPatternIsRejected() {
        assertRejected(routes("{\"address\":\"a\"}"), "routes[1]: give exactly one of");
    }

    @Test
    void routeWithoutAddressIsRejected() {
        assertRejected(routes("{\"topic\":\"t\"}"), "routes[1].address: missing");
    }

    @Test
    void routeWithBadRegexIsRejected() {
        assertRejected(routes("{\"topicPattern\":\"chat[\",\"address\":\"a\"}"), "routes[1].topicPattern: invalid regular expression");
    }

    @ParameterizedTest
    @ValueSource(strings = {"xml", "JSON", "text", ""})
    void routeWithUnknownFormatIsRejected(String format) {
        assertRejected(routes("{\"topic\":\"t\",\"address\":\"a\",\"format\":\"" + format + "\"}"),
            "routes[1].format: format must be one of json, string, base64");
    }

    @ParameterizedTest
    @CsvSource({"json, JSON", "string, STRING", "base64, BASE64"})
    void routeFormatIsParsed(String format, PayloadFormat expected) {
        GatewayOptions options = parse(routes("{\"topic\":\"t\",\"address\":\"a\",\"format\":\"" + format + "\"}"));

        assertThat(options.getRoutes().get(1).getFormat()).isEqualTo(expected);
    }

    @Test
    void routeWithUnknownPlaceholderIsRejected() {
        assertRejected(routes("{\"topic\":\"t\",\"address\":\"user.{user}\"}"), "routes[1].address: unknown placeholder {user}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"user.{key", "user}", ""})
    void routeWithMalformedAddressIsRejected(String address) {
        assertRejected(routes("{\"topic\":\"t\",\"address\":\"" + address + "\"}"), "routes[1].address:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad topic", "", "a/b", "ü"})
    void routeWithInvalidTopicNameIsRejected(String topic) {
        assertRejected(routes("{\"topic\":\"" + topic + "\",\"address\":\"a\"}"), "routes[1].topic: not a valid Kafka topic name");
    }

    @Test
    void patternRouteIsParsed() {
        RouteOptions route = parse(routes("{\"topicPattern\":\"chat\\\\..+\",\"address\":\"chat.{topic}\",\"format\":\"string\"}"))
            .getRoutes().get(1);

        assertThat(route.getTopic()).isNull();
        assertThat(route.getTopicPattern()).isEqualTo("chat\\..+");
        assertThat(route.getAddress()).isEqualTo("chat.{topic}");
    }

    // ---- bridge ----

    @Test
    void theNodesStatsHaveDefaultsAndAreRead() {
        assertThat(parse("{}").getAdmin().toJson()).isEqualTo(new JsonObject().put("enabled", true)
            .put("statsAddress", "gateway.stats").put("statsIntervalMs", 1000L));
        AdminOptions admin = parse("{\"admin\":{\"enabled\":false,\"statsAddress\":\"ops.stats\",\"statsIntervalMs\":5000}}").getAdmin();
        assertThat(admin.isEnabled()).isFalse();
        assertThat(admin.getStatsAddress()).isEqualTo("ops.stats");
        assertThat(admin.getStatsIntervalMs()).isEqualTo(5000);
    }

    @Test
    void routesAndRulesThatCouldReachTheStatsAddressAreAcceptedAndTheRouterAndRulesKeepItClosed() {
        // a placeholder or a regex may reach it: refused at run time, as reserved addresses are
        GatewayOptions options = parse("{\"routes\":[{\"topic\":\"raw\",\"address\":\"{key}\"}],"
            + "\"bridge\":{\"inboundPermitteds\":[{\"addressRegex\":\".*\"}]}}");
        assertThat(options.nodeAddresses()).containsExactly("gateway.stats");
        assertThat(parse("{\"admin\":{\"enabled\":false}}").nodeAddresses()).isEmpty();
        // stats off: the address is free
        assertThat(parse("{\"admin\":{\"enabled\":false},\"bridge\":{\"inboundPermitteds\":[{\"address\":\"gateway.stats\"}]}}")
            .getBridge().getInboundPermitteds()).hasSize(1);
    }

    @Test
    void bridgeRulesAreParsed() {
        GatewayOptions options = parse("{\"bridge\":{\"inboundPermitteds\":[{\"address\":\"in\",\"match\":{\"type\":\"x\"}}],"
            + "\"outboundPermitteds\":[{\"addressRegex\":\"user\\\\..+\"},{\"address\":\"dashboard.metrics\"}]}}");

        List<PermittedOptions> inbound = options.getBridge().getInboundPermitteds();
        List<PermittedOptions> outbound = options.getBridge().getOutboundPermitteds();
        assertThat(inbound).hasSize(1);
        assertThat(inbound.get(0).getAddress()).isEqualTo("in");
        assertThat(inbound.get(0).getMatch()).isEqualTo(new JsonObject().put("type", "x"));
        assertThat(outbound).extracting(PermittedOptions::getAddressRegex).containsExactly("user\\..+", null);
        assertThat(outbound).extracting(PermittedOptions::getAddress).containsExactly(null, "dashboard.metrics");
    }

    @ParameterizedTest
    @ValueSource(strings = {"inboundPermitteds", "outboundPermitteds"})
    void bridgeRuleWithoutAddressOrRegexIsRejected(String direction) {
        assertThatThrownBy(() -> new GatewayOptions(withRoutes(bridgeRule(direction, new JsonObject()).encode())))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("bridge." + direction + "[0]: give \"address\" or \"addressRegex\"");
    }

    @Test
    void bridgeRuleWithOnlyMatchIsRejected() {
        assertRejected(bridgeRule("outboundPermitteds", new JsonObject().put("match", new JsonObject().put("a", 1))).encode(),
            "bridge.outboundPermitteds[0]: give \"address\" or \"addressRegex\"");
    }

    @Test
    void bridgeRuleWithBothAddressAndRegexIsRejected() {
        assertRejected(bridgeRule("outboundPermitteds", new JsonObject().put("address", "a").put("addressRegex", "a.*")).encode(),
            "bridge.outboundPermitteds[0]: give \"address\" or \"addressRegex\", not both");
    }

    @Test
    void bridgeRuleWithBadRegexIsRejected() {
        assertRejected(bridgeRule("outboundPermitteds", new JsonObject().put("addressRegex", "user.[")).encode(),
            "bridge.outboundPermitteds[0].addressRegex: invalid regular expression");
    }

    @Test
    void bridgeRuleErrorNamesTheRuleIndex() {
        JsonObject json = new JsonObject().put("bridge", new JsonObject().put("outboundPermitteds", new JsonArray()
            .add(new JsonObject().put("address", "ok"))
            .add(new JsonObject().put("addressRegex", "("))));

        assertRejected(json.encode(), "bridge.outboundPermitteds[1].addressRegex:");
    }

    @Test
    void bridgeRuleWithRequiredAuthorityIsRejected() {
        assertRejected(bridgeRule("inboundPermitteds", new JsonObject().put("address", "a").put("requiredAuthority", "admin")).encode(),
            "bridge.inboundPermitteds[0].requiredAuthority:");
    }

    @Test
    void bridgeRuleWithNonObjectMatchIsRejected() {
        assertRejected(bridgeRule("inboundPermitteds", new JsonObject().put("address", "a").put("match", "x")).encode(),
            "bridge.inboundPermitteds[0].match: expected an object");
    }

    // ---- toJson ----

    @Test
    void fullConfigRoundTripsThroughToJson() {
        JsonObject json = new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("eventbusPath", "/eb").put("stompPath", "/st")
                .put("websocketCompression", true))
            .put("stomp", new JsonObject().put("host", "127.0.0.1").put("port", -1).put("heartbeat", "0,0"))
            .put("kafka", new JsonObject().put("bootstrapServers", "k1:9092,k2:9092").put("groupId", "g").put("autoOffsetReset", "earliest")
                .put("commitIntervalMs", 200).put("startupTimeoutMs", 5000)
                .put("embedded", new JsonObject().put("port", 0).put("dataDir", "/tmp/k").put("partitions", 1))
                .put("consumer", new JsonObject().put("max.poll.records", "10")))
            .put("routes", new JsonArray()
                .add(new JsonObject().put("topic", "orders.status").put("address", "user.{key}.orders").put("format", "json"))
                .add(new JsonObject().put("topicPattern", "chat\\..+").put("address", "{topic}").put("format", "base64")))
            .put("bridge", new JsonObject()
                .put("inboundPermitteds", new JsonArray().add(new JsonObject().put("address", "in").put("match", new JsonObject().put("a", 1))))
                .put("outboundPermitteds", new JsonArray().add(new JsonObject().put("addressRegex", "user\\..+"))))
            .put("demo", new JsonObject().put("enabled", true).put("intervalMs", 50).put("ordersTopic", "o").put("metricsTopic", "m")
                .put("users", new JsonArray().add("zoë")));
        GatewayOptions options = new GatewayOptions(json);

        JsonObject once = options.toJson();
        GatewayOptions again = new GatewayOptions(once);

        assertThat(again.toJson()).isEqualTo(once);
        assertThat(again.getHttp().isWebsocketCompression()).isTrue();
        assertThat(again.getStomp().isTcpEnabled()).isFalse();
        assertThat(again.getKafka().getBootstrapServers()).isEqualTo("k1:9092,k2:9092");
        assertThat(again.getRoutes()).extracting(RouteOptions::getFormat).containsExactly(PayloadFormat.JSON, PayloadFormat.BASE64);
        assertThat(again.getBridge().getInboundPermitteds().get(0).getMatch()).isEqualTo(new JsonObject().put("a", 1));
        assertThat(again.getDemo().getUsers()).containsExactly("zoë");
    }

    @Test
    void defaultConfigRoundTripsThroughToJson() {
        JsonObject once = parse("{}").toJson();

        assertThat(new GatewayOptions(once).toJson()).isEqualTo(once);
    }

    @Test
    void toJsonWritesEverySectionAndLeavesOutTheAbsentOptionalOnes() {
        assertThat(parse("{}").toJson().fieldNames())
            .containsExactlyInAnyOrder("http", "stomp", "kafka", "routes", "bridge", "demo", "limits", "resume", "metrics",
                "admin");
    }

    // ---- topic patterns are combined into one subscription ----

    @Test
    void topicPatternsWhoseNamedGroupsCollideAreRejectedNamingTheSecondRoute() {
        JsonObject json = new JsonObject().put("routes", new JsonArray()
            .add(new JsonObject().put("topicPattern", "(?<room>chat)\\..+").put("address", "{topic}"))
            .add(new JsonObject().put("topicPattern", "(?<room>news)\\..+").put("address", "{topic}")));

        assertThatThrownBy(() -> new GatewayOptions(json))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("routes[1].topicPattern: cannot be combined");
    }

    @Test
    void topicPatternWithABackReferenceIsRejected() {
        JsonObject json = new JsonObject().put("routes", new JsonArray()
            .add(new JsonObject().put("topicPattern", "(a)\\1").put("address", "{topic}")));

        assertThatThrownBy(() -> new GatewayOptions(json))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("routes[0].topicPattern: back-references are not supported");
    }

    @ParameterizedTest
    @ValueSource(strings = {"broker:99999", "broker:9092,", ",broker:9092"})
    void bootstrapServersWithABadPortOrAnEmptyEntryAreRejected(String servers) {
        JsonObject json = withRoutes("{}").put("kafka", new JsonObject().put("bootstrapServers", servers));

        assertThatThrownBy(() -> new GatewayOptions(json))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("kafka.bootstrapServers:");
    }

    @ParameterizedTest
    @ValueSource(strings = {".", ".."})
    void dotAndDotDotAreNotTopicNames(String topic) {
        JsonObject json = new JsonObject().put("routes", new JsonArray().add(new JsonObject().put("topic", topic).put("address", "a")));

        assertThatThrownBy(() -> new GatewayOptions(json))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("routes[0].topic:");
    }
}
