package io.kafkabridge.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the configuration with vertx-config: the file (or the JSON given with {@code -conf}), then the documented
 * environment variables, then {@code -Dgateway.<path>=value} system properties, each overriding the one before.
 * <p>
 * {@code conf/config.json} is looked up in the working directory first and, when absent there, inside the jar.
 */
public final class ConfigLoader {

    /** The config file read when no {@code -conf} is given. */
    public static final String DEFAULT_CONFIG_FILE = "conf/config.json";
    /** Prefix of the system properties that override config keys: {@code -Dgateway.http.port=8081}. */
    public static final String SYSTEM_PROPERTY_PREFIX = "gateway.";

    /** The environment variables that override config keys, with the path each one sets. */
    public static final Map<String, String> ENVIRONMENT_KEYS;

    static {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("HTTP_HOST", "http.host");
        keys.put("HTTP_PORT", "http.port");
        keys.put("HTTP_INSTANCES", "http.instances");
        keys.put("STOMP_HOST", "stomp.host");
        keys.put("STOMP_PORT", "stomp.port");
        keys.put("KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrapServers");
        keys.put("KAFKA_GROUP_ID", "kafka.groupId");
        keys.put("KAFKA_AUTO_OFFSET_RESET", "kafka.autoOffsetReset");
        keys.put("KAFKA_EMBEDDED_PORT", "kafka.embedded.port");
        keys.put("KAFKA_EMBEDDED_DATA_DIR", "kafka.embedded.dataDir");
        keys.put("DEMO_ENABLED", "demo.enabled");
        keys.put("METRICS_ENABLED", "metrics.enabled");
        keys.put("METRICS_PORT", "metrics.port");
        ENVIRONMENT_KEYS = Map.copyOf(keys);
    }

    private ConfigLoader() {
    }

    /**
     * @param given the JSON given at deployment ({@code -conf FILE} or a test's config); empty to read
     *              {@link #DEFAULT_CONFIG_FILE}
     * @return the merged raw configuration, not yet validated
     */
    public static Future<JsonObject> load(Vertx vertx, JsonObject given) {
        ConfigStoreOptions base = given == null || given.isEmpty()
            ? new ConfigStoreOptions().setType("file").setFormat("json").setConfig(new JsonObject().put("path", DEFAULT_CONFIG_FILE))
            : new ConfigStoreOptions().setType("json").setConfig(given.copy());
        ConfigStoreOptions env = new ConfigStoreOptions().setType("env")
            .setConfig(new JsonObject().put("raw-data", true).put("keys", new JsonArray(ENVIRONMENT_KEYS.keySet().stream().toList())));
        ConfigStoreOptions sys = new ConfigStoreOptions().setType("sys")
            .setConfig(new JsonObject().put("raw-data", true).put("hierarchical", false).put("cache", false));
        String source = given == null || given.isEmpty() ? DEFAULT_CONFIG_FILE : "-conf";
        Future<JsonObject> file = retrieve(vertx, base).recover(e -> Future.failedFuture(
            new ConfigException(source, "cannot be read as a JSON object: " + e.getMessage(), e)));
        Future<JsonObject> overrides = retrieve(vertx, env, sys);
        return Future.all(file, overrides).map(done -> applyOverrides(file.result(), overrides.result()));
    }

    private static Future<JsonObject> retrieve(Vertx vertx, ConfigStoreOptions... stores) {
        ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(0);
        for (ConfigStoreOptions store : stores) {
            options.addStore(store);
        }
        ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
        return retriever.getConfig().onComplete(done -> retriever.close());
    }

    /**
     * Sets the override values (environment variables, {@code gateway.*} system properties; a flat object as the env
     * and sys stores give it) at their config paths; every other flat key is ignored.
     */
    static JsonObject applyOverrides(JsonObject base, JsonObject flat) {
        JsonObject config = base.copy();
        for (Map.Entry<String, Object> entry : flat) {
            String key = entry.getKey();
            if (ENVIRONMENT_KEYS.containsKey(key)) {
                setPath(config, ENVIRONMENT_KEYS.get(key), entry.getValue());
            } else if (key.startsWith(SYSTEM_PROPERTY_PREFIX) && key.length() > SYSTEM_PROPERTY_PREFIX.length()) {
                setPath(config, key.substring(SYSTEM_PROPERTY_PREFIX.length()), entry.getValue());
            }
        }
        return config;
    }

    private static void setPath(JsonObject config, String path, Object value) {
        String[] segments = path.split("\\.");
        JsonObject node = config;
        for (int i = 0; i < segments.length - 1; i++) {
            Object child = node.getValue(segments[i]);
            if (!(child instanceof JsonObject)) {
                child = new JsonObject();
                node.put(segments[i], child);
            }
            node = (JsonObject) child;
        }
        node.put(segments[segments.length - 1], value);
    }
}
