package io.kafkabridge.config;

import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * Where Kafka is and how the gateway consumes it ({@code kafka} section).
 */
public class KafkaOptions {

    /** The {@code bootstrapServers} value that starts the in-process dev broker. */
    public static final String EMBEDDED = "embedded";
    /** Default: the embedded dev broker. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = EMBEDDED;
    /** Default consumer group, shared by every node of a cluster so that partitions are spread over them. */
    public static final String DEFAULT_GROUP_ID = "kafka-eventbus-bridge";
    /** Default position of a group that has no committed offset: only new records. */
    public static final String DEFAULT_AUTO_OFFSET_RESET = "latest";
    /** Default interval between offset commits, in milliseconds. */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 1000;
    /** Default time Kafka has to acknowledge a client message before the sender is told it failed, in milliseconds. */
    public static final long DEFAULT_PRODUCER_TIMEOUT_MS = 5000;
    /** Default time allowed to reach Kafka at startup, in milliseconds. */
    public static final long DEFAULT_STARTUP_TIMEOUT_MS = 30_000;

    static final String SECTION = "kafka";
    private static final Set<String> KEYS = Set.of("bootstrapServers", "groupId", "autoOffsetReset",
        "commitIntervalMs", "startupTimeoutMs", "embedded", "consumer", "producer", "producerTimeoutMs");
    private static final Set<String> OFFSET_RESETS = Set.of("latest", "earliest");

    private String bootstrapServers;
    private String groupId;
    private String autoOffsetReset;
    private long commitIntervalMs;
    private long startupTimeoutMs;
    private EmbeddedKafkaOptions embedded;
    private Map<String, String> consumer;
    private Map<String, String> producer;
    private long producerTimeoutMs;

    public KafkaOptions() {
        bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
        groupId = DEFAULT_GROUP_ID;
        autoOffsetReset = DEFAULT_AUTO_OFFSET_RESET;
        commitIntervalMs = DEFAULT_COMMIT_INTERVAL_MS;
        startupTimeoutMs = DEFAULT_STARTUP_TIMEOUT_MS;
        embedded = new EmbeddedKafkaOptions();
        consumer = new LinkedHashMap<>();
        producer = new LinkedHashMap<>();
        producerTimeoutMs = DEFAULT_PRODUCER_TIMEOUT_MS;
    }

    public KafkaOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "bootstrapServers", () -> setBootstrapServers(readString(json, "bootstrapServers", SECTION, bootstrapServers)));
        applySetting(SECTION, "groupId", () -> setGroupId(readString(json, "groupId", SECTION, groupId)));
        applySetting(SECTION, "autoOffsetReset", () -> setAutoOffsetReset(readString(json, "autoOffsetReset", SECTION, autoOffsetReset)));
        applySetting(SECTION, "commitIntervalMs", () -> setCommitIntervalMs(readLong(json, "commitIntervalMs", SECTION, commitIntervalMs)));
        applySetting(SECTION, "startupTimeoutMs", () -> setStartupTimeoutMs(readLong(json, "startupTimeoutMs", SECTION, startupTimeoutMs)));
        embedded = new EmbeddedKafkaOptions(readObject(json, "embedded", SECTION));
        consumer = readProperties(json, "consumer");
        producer = readProperties(json, "producer");
        applySetting(SECTION, "producerTimeoutMs", () -> setProducerTimeoutMs(readLong(json, "producerTimeoutMs", SECTION, producerTimeoutMs)));
    }

    private static Map<String, String> readProperties(JsonObject json, String key) {
        Map<String, String> properties = new LinkedHashMap<>();
        JsonObject extra = readObject(json, key, SECTION);
        for (String name : extra.fieldNames()) {
            Object value = extra.getValue(name);
            if (value instanceof JsonObject || value instanceof io.vertx.core.json.JsonArray || value == null) {
                throw new ConfigException(path(path(SECTION, key), name), "expected a string, number or boolean Kafka property value");
            }
            properties.put(name, String.valueOf(value));
        }
        return properties;
    }

    public String getBootstrapServers() {
        return bootstrapServers;
    }

    /**
     * @param bootstrapServers {@code "embedded"} for the in-process dev broker, else Kafka's {@code host:port,...}
     */
    public KafkaOptions setBootstrapServers(String bootstrapServers) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must be \"embedded\" or a list host:port,host:port");
        }
        if (!EMBEDDED.equals(bootstrapServers)) {
            for (String server : bootstrapServers.split(",", -1)) {
                String trimmed = server.trim();
                if (!trimmed.matches("[^\\s:]+:\\d{1,5}|\\[[0-9a-fA-F:]+]:\\d{1,5}")
                    || Integer.parseInt(trimmed.substring(trimmed.lastIndexOf(':') + 1)) > 65535) {
                    throw new IllegalArgumentException("expected \"embedded\" or host:port[,host:port...], got \"" + bootstrapServers + "\"");
                }
            }
        }
        this.bootstrapServers = bootstrapServers;
        return this;
    }

    public boolean isEmbedded() {
        return EMBEDDED.equals(bootstrapServers);
    }

    public String getGroupId() {
        return groupId;
    }

    public KafkaOptions setGroupId(String groupId) {
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("groupId must not be empty");
        }
        this.groupId = groupId;
        return this;
    }

    public String getAutoOffsetReset() {
        return autoOffsetReset;
    }

    public KafkaOptions setAutoOffsetReset(String autoOffsetReset) {
        if (!OFFSET_RESETS.contains(autoOffsetReset)) {
            throw new IllegalArgumentException("autoOffsetReset must be \"latest\" or \"earliest\", got \"" + autoOffsetReset + "\"");
        }
        this.autoOffsetReset = autoOffsetReset;
        return this;
    }

    public long getCommitIntervalMs() {
        return commitIntervalMs;
    }

    public KafkaOptions setCommitIntervalMs(long commitIntervalMs) {
        if (commitIntervalMs <= 0) {
            throw new IllegalArgumentException("commitIntervalMs must be > 0, got " + commitIntervalMs);
        }
        this.commitIntervalMs = commitIntervalMs;
        return this;
    }

    public long getStartupTimeoutMs() {
        return startupTimeoutMs;
    }

    public KafkaOptions setStartupTimeoutMs(long startupTimeoutMs) {
        if (startupTimeoutMs <= 0) {
            throw new IllegalArgumentException("startupTimeoutMs must be > 0, got " + startupTimeoutMs);
        }
        this.startupTimeoutMs = startupTimeoutMs;
        return this;
    }

    public EmbeddedKafkaOptions getEmbedded() {
        return embedded;
    }

    public KafkaOptions setEmbedded(EmbeddedKafkaOptions embedded) {
        this.embedded = embedded;
        return this;
    }

    /**
     * @return extra Kafka consumer properties ({@code kafka.consumer}), applied over the gateway's own settings
     * except those the delivery guarantees depend on
     */
    public Map<String, String> getConsumer() {
        return consumer;
    }

    public KafkaOptions setConsumer(Map<String, String> consumer) {
        this.consumer = new LinkedHashMap<>(consumer);
        return this;
    }

    /**
     * @return extra Kafka producer properties ({@code kafka.producer}) of the sink, applied except those the
     * guarantees depend on ({@code acks}, idempotence, serializers, timeouts)
     */
    public Map<String, String> getProducer() {
        return producer;
    }

    public KafkaOptions setProducer(Map<String, String> producer) {
        this.producer = new LinkedHashMap<>(producer);
        return this;
    }

    public long getProducerTimeoutMs() {
        return producerTimeoutMs;
    }

    public KafkaOptions setProducerTimeoutMs(long producerTimeoutMs) {
        if (producerTimeoutMs < 1000) {
            throw new IllegalArgumentException("producerTimeoutMs must be >= 1000, got " + producerTimeoutMs);
        }
        this.producerTimeoutMs = producerTimeoutMs;
        return this;
    }

    public JsonObject toJson() {
        return new JsonObject()
            .put("bootstrapServers", bootstrapServers)
            .put("groupId", groupId)
            .put("autoOffsetReset", autoOffsetReset)
            .put("commitIntervalMs", commitIntervalMs)
            .put("startupTimeoutMs", startupTimeoutMs)
            .put("embedded", embedded.toJson())
            .put("consumer", new JsonObject(new LinkedHashMap<>(consumer)))
            .put("producer", new JsonObject(new LinkedHashMap<>(producer)))
            .put("producerTimeoutMs", producerTimeoutMs);
    }
}
