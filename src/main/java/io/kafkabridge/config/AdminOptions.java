package io.kafkabridge.config;

import io.kafkabridge.routing.ReservedAddresses;
import io.vertx.core.json.JsonObject;

import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * The operator page's feed ({@code admin} section): every node publishes its stats on {@code statsAddress} every
 * {@code statsIntervalMs}; {@code webroot/admin.html} subscribes to it through the bridge like any client, so an
 * outbound rule must permit it (with {@code "requiredAuthority": "admin"} once {@code auth} is configured).
 */
public class AdminOptions {

    /** Default: every node publishes its stats. */
    public static final boolean DEFAULT_ENABLED = true;
    /** Default address of the nodes' stats. */
    public static final String DEFAULT_STATS_ADDRESS = "gateway.stats";
    /** Default interval between two stats of a node, in milliseconds. */
    public static final long DEFAULT_STATS_INTERVAL_MS = 1000;
    /** The shortest interval accepted: stats go to every node of the cluster that has a subscriber. */
    public static final long MIN_STATS_INTERVAL_MS = 100;

    static final String SECTION = "admin";
    private static final Set<String> KEYS = Set.of("enabled", "statsAddress", "statsIntervalMs");

    private boolean enabled;
    private String statsAddress;
    private long statsIntervalMs;

    public AdminOptions() {
        enabled = DEFAULT_ENABLED;
        statsAddress = DEFAULT_STATS_ADDRESS;
        statsIntervalMs = DEFAULT_STATS_INTERVAL_MS;
    }

    public AdminOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "enabled", () -> setEnabled(readBoolean(json, "enabled", SECTION, enabled)));
        applySetting(SECTION, "statsAddress", () -> setStatsAddress(readString(json, "statsAddress", SECTION, statsAddress)));
        applySetting(SECTION, "statsIntervalMs", () -> setStatsIntervalMs(readLong(json, "statsIntervalMs", SECTION,
            statsIntervalMs)));
    }

    public boolean isEnabled() {
        return enabled;
    }

    public AdminOptions setEnabled(boolean enabled) {
        this.enabled = enabled;
        return this;
    }

    public String getStatsAddress() {
        return statsAddress;
    }

    public AdminOptions setStatsAddress(String statsAddress) {
        if (statsAddress == null || statsAddress.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        if (ReservedAddresses.isReserved(statsAddress)) {
            throw new IllegalArgumentException("must not start with " + ReservedAddresses.PREFIXES
                + ": no rule can open a reserved address to the operator page, got " + statsAddress);
        }
        this.statsAddress = statsAddress;
        return this;
    }

    public long getStatsIntervalMs() {
        return statsIntervalMs;
    }

    public AdminOptions setStatsIntervalMs(long statsIntervalMs) {
        if (statsIntervalMs < MIN_STATS_INTERVAL_MS) {
            throw new IllegalArgumentException("must be at least " + MIN_STATS_INTERVAL_MS + " ms, got " + statsIntervalMs);
        }
        this.statsIntervalMs = statsIntervalMs;
        return this;
    }

    public JsonObject toJson() {
        return new JsonObject().put("enabled", enabled).put("statsAddress", statsAddress).put("statsIntervalMs", statsIntervalMs);
    }
}
