package io.kafkabridge.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * The in-process single-node KRaft broker of the dev mode ({@code kafka.embedded} section), used when
 * {@code kafka.bootstrapServers} is {@code "embedded"}.
 */
public class EmbeddedKafkaOptions {

    /** Default client port, bound to 127.0.0.1 only. */
    public static final int DEFAULT_PORT = 9092;
    /** Default data directory, relative to the working directory. */
    public static final String DEFAULT_DATA_DIR = "data/kafka";
    /** Default partition count of the topics created at startup for the routes. */
    public static final int DEFAULT_PARTITIONS = 3;

    static final String SECTION = "kafka.embedded";
    private static final Set<String> KEYS = Set.of("port", "dataDir", "partitions");

    private int port;
    private String dataDir;
    private int partitions;

    public EmbeddedKafkaOptions() {
        port = DEFAULT_PORT;
        dataDir = DEFAULT_DATA_DIR;
        partitions = DEFAULT_PARTITIONS;
    }

    public EmbeddedKafkaOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "port", () -> setPort(readInt(json, "port", SECTION, port)));
        applySetting(SECTION, "dataDir", () -> setDataDir(readString(json, "dataDir", SECTION, dataDir)));
        applySetting(SECTION, "partitions", () -> setPartitions(readInt(json, "partitions", SECTION, partitions)));
    }

    public int getPort() {
        return port;
    }

    /**
     * @param port the broker's client port on 127.0.0.1, {@code 0} for any free port
     */
    public EmbeddedKafkaOptions setPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
        }
        this.port = port;
        return this;
    }

    public String getDataDir() {
        return dataDir;
    }

    public EmbeddedKafkaOptions setDataDir(String dataDir) {
        if (dataDir == null || dataDir.isBlank()) {
            throw new IllegalArgumentException("dataDir must not be empty");
        }
        this.dataDir = dataDir;
        return this;
    }

    public int getPartitions() {
        return partitions;
    }

    public EmbeddedKafkaOptions setPartitions(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        this.partitions = partitions;
        return this;
    }

    public JsonObject toJson() {
        return new JsonObject().put("port", port).put("dataDir", dataDir).put("partitions", partitions);
    }
}
