package io.kafkabridge.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * Replays from Kafka ({@code resume} section): what a subscription with a {@code since} header may ask for, and what
 * the node spends on it.
 */
public class ResumeOptions {

    /** Default: the most records one replay delivers; past it the client gets a {@code gap} message, then the newest. */
    public static final int DEFAULT_MAX_RECORDS = 10_000;
    /** Default: the most records one replay reads to find the address's ones. */
    public static final int DEFAULT_MAX_SCAN_RECORDS = 1_000_000;
    /** Default: how long one replay may read, in milliseconds; past it, a {@code gap} and live. */
    public static final long DEFAULT_TIMEOUT_MS = 10_000;
    /** Default: replays that read at once on a node (each holds a Kafka consumer and a worker thread); others wait. */
    public static final int DEFAULT_MAX_CONCURRENT = 4;
    /** Default: replays waiting for a reader on a node, at most; beyond, a subscription is refused {@code replay_busy}. */
    public static final int DEFAULT_MAX_PENDING = 1_000;
    /**
     * Default: replayed messages per second and event loop, all replays together; live messages go in between (a burst
     * of reconnecting clients does not take the loop from everyone else).
     */
    public static final int DEFAULT_MAX_REPLAYED_PER_SECOND = 10_000;

    static final String SECTION = "resume";
    private static final Set<String> KEYS = Set.of("maxRecords", "maxScanRecords", "timeoutMs", "maxConcurrent", "maxPending",
        "maxReplayedPerSecond");

    private int maxRecords;
    private int maxScanRecords;
    private long timeoutMs;
    private int maxConcurrent;
    private int maxPending;
    private int maxReplayedPerSecond;

    public ResumeOptions() {
        maxRecords = DEFAULT_MAX_RECORDS;
        maxScanRecords = DEFAULT_MAX_SCAN_RECORDS;
        timeoutMs = DEFAULT_TIMEOUT_MS;
        maxConcurrent = DEFAULT_MAX_CONCURRENT;
        maxPending = DEFAULT_MAX_PENDING;
        maxReplayedPerSecond = DEFAULT_MAX_REPLAYED_PER_SECOND;
    }

    public ResumeOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "maxRecords", () -> setMaxRecords(readInt(json, "maxRecords", SECTION, maxRecords)));
        applySetting(SECTION, "maxScanRecords", () -> setMaxScanRecords(readInt(json, "maxScanRecords", SECTION, maxScanRecords)));
        applySetting(SECTION, "timeoutMs", () -> setTimeoutMs(readLong(json, "timeoutMs", SECTION, timeoutMs)));
        applySetting(SECTION, "maxConcurrent", () -> setMaxConcurrent(readInt(json, "maxConcurrent", SECTION, maxConcurrent)));
        applySetting(SECTION, "maxPending", () -> setMaxPending(readInt(json, "maxPending", SECTION, maxPending)));
        applySetting(SECTION, "maxReplayedPerSecond", () -> setMaxReplayedPerSecond(readInt(json, "maxReplayedPerSecond", SECTION,
            maxReplayedPerSecond)));
    }

    public int getMaxRecords() {
        return maxRecords;
    }

    public ResumeOptions setMaxRecords(int maxRecords) {
        if (maxRecords < 1 || maxRecords > 1_000_000) {
            throw new IllegalArgumentException("maxRecords must be between 1 and 1000000, got " + maxRecords);
        }
        this.maxRecords = maxRecords;
        return this;
    }

    public int getMaxScanRecords() {
        return maxScanRecords;
    }

    public ResumeOptions setMaxScanRecords(int maxScanRecords) {
        if (maxScanRecords < 1) {
            throw new IllegalArgumentException("maxScanRecords must be >= 1, got " + maxScanRecords);
        }
        this.maxScanRecords = maxScanRecords;
        return this;
    }

    public long getTimeoutMs() {
        return timeoutMs;
    }

    public ResumeOptions setTimeoutMs(long timeoutMs) {
        if (timeoutMs < 100 || timeoutMs > 600_000) {
            throw new IllegalArgumentException("timeoutMs must be between 100 and 600000, got " + timeoutMs);
        }
        this.timeoutMs = timeoutMs;
        return this;
    }

    public int getMaxConcurrent() {
        return maxConcurrent;
    }

    public ResumeOptions setMaxConcurrent(int maxConcurrent) {
        if (maxConcurrent < 1 || maxConcurrent > 64) {
            throw new IllegalArgumentException("maxConcurrent must be between 1 and 64, got " + maxConcurrent);
        }
        this.maxConcurrent = maxConcurrent;
        return this;
    }

    public int getMaxPending() {
        return maxPending;
    }

    public ResumeOptions setMaxPending(int maxPending) {
        if (maxPending < 0) {
            throw new IllegalArgumentException("maxPending must be >= 0, got " + maxPending);
        }
        this.maxPending = maxPending;
        return this;
    }

    public int getMaxReplayedPerSecond() {
        return maxReplayedPerSecond;
    }

    public ResumeOptions setMaxReplayedPerSecond(int maxReplayedPerSecond) {
        if (maxReplayedPerSecond < 1) {
            throw new IllegalArgumentException("maxReplayedPerSecond must be >= 1, got " + maxReplayedPerSecond);
        }
        this.maxReplayedPerSecond = maxReplayedPerSecond;
        return this;
    }

    public JsonObject toJson() {
        return new JsonObject().put("maxRecords", maxRecords).put("maxScanRecords", maxScanRecords).put("timeoutMs", timeoutMs)
            .put("maxConcurrent", maxConcurrent).put("maxPending", maxPending).put("maxReplayedPerSecond", maxReplayedPerSecond);
    }
}
