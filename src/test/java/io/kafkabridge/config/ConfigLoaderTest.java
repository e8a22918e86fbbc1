package io.kafkabridge.config;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

class ConfigLoaderTest {

    // ---- helpers ----

    private static JsonObject base() {
        return new JsonObject()
            .put("http", new JsonObject().put("host", "0.0.0.0").put("port", 8080))
            .put("stomp", new JsonObject().put("port", 61613))
            .put("kafka", new JsonObject().put("bootstrapServers", "embedded").put("groupId", "g")
                .put("embedded", new JsonObject().put("port", 9092).put("dataDir", "data/kafka")))
            .put("routes", new JsonArray().add(new JsonObject().put("topic", "t").put("address", "a")));
    }

    /** The value at a dotted path, or {@code null}. */
    private static Object valueAt(JsonObject json, String path) {
        String[] segments = path.split("\\.");
        JsonObject node = json;
        for (int i = 0; i < segments.length - 1; i++) {
            node = node.getJsonObject(segments[i]);
            if (node == null) {
                return null;
            }
        }
        return node.getValue(segments[segments.length - 1]);
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, SECONDS);
    }

    // ---- applyOverrides: environment names ----

    @Test
    void environmentNamesLandOnTheirPathsAndOverrideFileValues() {
        JsonObject flat = new JsonObject()
            .put("HTTP_PORT", "9000")
            .put("STOMP_PORT", "-1")
            .put("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
            .put("KAFKA_EMBEDDED_PORT", "19092");

        JsonObject config = ConfigLoader.applyOverrides(base(), flat);

        assertThat(valueAt(config, "http.port")).isEqualTo("9000");
        assertThat(valueAt(config, "stomp.port")).isEqualTo("-1");
        assertThat(valueAt(config, "kafka.bootstrapServers")).isEqualTo("kafka-1:9092,kafka-2:9092");
        assertThat(valueAt(config, "kafka.embedded.port")).isEqualTo("19092");
    }

    @Test
    void environmentOverridesKeepTheOtherValuesOfTheirSection() {
        JsonObject config = ConfigLoader.applyOverrides(base(), new JsonObject().put("HTTP_PORT", "9000").put("KAFKA_EMBEDDED_PORT", "1"));

        assertThat(valueAt(config, "http.host")).isEqualTo("0.0.0.0");
        assertThat(valueAt(config, "kafka.groupId")).isEqualTo("g");
        assertThat(valueAt(config, "kafka.embedded.dataDir")).isEqualTo("data/kafka");
        assertThat(config.getJsonArray("routes")).isEqualTo(base().getJsonArray("routes"));
    }

    @Test
    void overriddenConfigParsesWithTheOverrideValues() {
        JsonObject flat = new JsonObject()
            .put("HTTP_PORT", "9000")
            .put("STOMP_PORT", "-1")
            .put("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092")
            .put("KAFKA_EMBEDDED_PORT", "19092")
            .put("DEMO_ENABLED", "true");

        GatewayOptions options = new GatewayOptions(ConfigLoader.applyOverrides(base(), flat));

        assertThat(options.getHttp().getPort()).isEqualTo(9000);
        assertThat(options.getStomp().isTcpEnabled()).isFalse();
        assertThat(options.getKafka().getBootstrapServers()).isEqualTo("kafka-1:9092");
        assertThat(options.getKafka().getEmbedded().getPort()).isEqualTo(19092);
        assertThat(options.getDemo().isEnabled()).isTrue();
    }

    static Stream<Arguments> environmentKeys() {
        return ConfigLoader.ENVIRONMENT_KEYS.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest
    @MethodSource("environmentKeys")
    void everyDocumentedEnvironmentNameLandsOnItsPath(String name, String path) {
        JsonObject config = ConfigLoader.applyOverrides(base(), new JsonObject().put(name, "value-of-" + name));

        assertThat(valueAt(config, path)).isEqualTo("value-of-" + name);
    }

    @Test
    void documentedEnvironmentNamesCoverTheMainSettings() {
        assertThat(ConfigLoader.ENVIRONMENT_KEYS)
            .containsEntry("HTTP_PORT", "http.port")
            .containsEntry("STOMP_PORT", "stomp.port")
            .containsEntry("KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrapServers")
            .containsEntry("KAFKA_EMBEDDED_PORT", "kafka.embedded.port");
    }

    @Test
    void environmentOverrideCreatesMissingSections() {
        JsonObject config = ConfigLoader.applyOverrides(new JsonObject(), new JsonObject().put("KAFKA_EMBEDDED_PORT", "0"));

        assertThat(config).isEqualTo(new JsonObject().put("kafka", new JsonObject().put("embedded", new JsonObject().put("port", "0"))));
    }

    // ---- applyOverrides: gateway.* system properties ----

    @ParameterizedTest
    @CsvSource({
        "gateway.http.port, http.port",
        "gateway.stomp.port, stomp.port",
        "gateway.kafka.groupId, kafka.groupId",
        "gateway.kafka.embedded.port, kafka.embedded.port",
        "gateway.demo.enabled, demo.enabled",
    })
    void gatewayPropertyLandsOnThePathAfterThePrefix(String property, String path) {
        JsonObject config = ConfigLoader.applyOverrides(base(), new JsonObject().put(property, "42"));

        assertThat(valueAt(config, path)).isEqualTo("42");
    }

    @Test
    void gatewayPropertyOverridesFileValue() {
        JsonObject config = ConfigLoader.applyOverrides(base(), new JsonObject().put("gateway.http.port", "8081"));

        assertThat(new GatewayOptions(config).getHttp().getPort()).isEqualTo(8081);
        assertThat(valueAt(config, "http.host")).isEqualTo("0.0.0.0");
    }

    @Test
    void laterGatewayPropertyWinsOverEarlierEnvironmentValue() {
        // the env store comes before the sys store, so a flat object lists environment values first
        JsonObject flat = new JsonObject().put("HTTP_PORT", "9000").put("gateway.http.port", "9001");

        assertThat(valueAt(ConfigLoader.applyOverrides(base(), flat), "http.port")).isEqualTo("9001");
    }

    // ---- applyOverrides: everything else ----

    @ParameterizedTest
    @ValueSource(strings = {"java.version", "PATH", "test", "HOME", "user.dir", "gateway.", "gateway", "GATEWAY.http.port",
        "http.port", "http_port", "HTTP_PORTS", "XHTTP_PORT"})
    void unrelatedFlatKeysAreIgnored(String key) {
        JsonObject config = ConfigLoader.applyOverrides(base(), new JsonObject().put(key, "1234"));

        assertThat(config).isEqualTo(base());
    }

    @Test
    void baseIsNotMutated() {
        JsonObject base = base();
        JsonObject flat = new JsonObject()
            .put("HTTP_PORT", "9000")
            .put("KAFKA_EMBEDDED_PORT", "1")
            .put("gateway.stomp.port", "2")
            .put("gateway.newsection.key", "3");

        JsonObject config = ConfigLoader.applyOverrides(base, flat);

        assertThat(base).isEqualTo(base());
        assertThat(config).isNotSameAs(base);
        assertThat(valueAt(config, "newsection.key")).isEqualTo("3");
    }

    @Test
    void emptyOverridesGiveAnEqualCopy() {
        JsonObject base = base();

        JsonObject config = ConfigLoader.applyOverrides(base, new JsonObject());

        assertThat(config).isEqualTo(base).isNotSameAs(base);
    }

    // ---- load with a real Vert.x ----

    private Vertx vertx;

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void closeVertx() throws Exception {
        await(vertx.close());
    }

    @Test
    void loadAppliesGatewaySystemPropertyOverGivenJson() throws Exception {
        String previous = System.getProperty("gateway.http.port");
        System.setProperty("gateway.http.port", "9999");
        try {
            JsonObject config = await(ConfigLoader.load(vertx, base()));

            GatewayOptions options = new GatewayOptions(config);
            assertThat(options.getHttp().getPort()).isEqualTo(9999);
            assertThat(options.getHttp().getHost()).isEqualTo("0.0.0.0");
            assertThat(config.getJsonArray("routes")).isEqualTo(base().getJsonArray("routes"));
        } finally {
            if (previous == null) {
                System.clearProperty("gateway.http.port");
            } else {
                System.setProperty("gateway.http.port", previous);
            }
        }
    }

    @Test
    void loadDoesNotMutateTheGivenJson() throws Exception {
        JsonObject given = base();

        await(ConfigLoader.load(vertx, given));

        assertThat(given).isEqualTo(base());
    }

    @Test
    void loadWithEmptyJsonReadsTheShippedConfigFile() throws Exception {
        JsonObject file = new JsonObject(Files.readString(Path.of(ConfigLoader.DEFAULT_CONFIG_FILE), StandardCharsets.UTF_8));

        JsonObject config = await(ConfigLoader.load(vertx, new JsonObject()));

        // routes and bridge cannot be overridden by environment variables, so they are exactly the file's
        assertThat(config.getJsonArray("routes")).isEqualTo(file.getJsonArray("routes"));
        assertThat(config.getJsonObject("bridge")).isEqualTo(file.getJsonObject("bridge"));
        assertThat(new GatewayOptions(config).getRoutes()).hasSize(3);
    }

    @Test
    void loadWithNullJsonReadsTheShippedConfigFile() throws Exception {
        JsonObject file = new JsonObject(Files.readString(Path.of(ConfigLoader.DEFAULT_CONFIG_FILE), StandardCharsets.UTF_8));

        JsonObject config = await(ConfigLoader.load(vertx, null));

        assertThat(config.getJsonArray("routes")).isEqualTo(file.getJsonArray("routes"));
    }
}
