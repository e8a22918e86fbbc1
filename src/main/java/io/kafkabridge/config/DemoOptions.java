package io.kafkabridge.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * The demo feed ({@code demo} section): sample order statuses and dashboard metrics produced into Kafka so that the
 * pages in {@code webroot/} are live.
 */
public class DemoOptions {

    /** Default: off; the shipped dev config turns it on. */
    public static final boolean DEFAULT_ENABLED = false;
    /** Default interval between two demo events, in milliseconds. */
    public static final long DEFAULT_INTERVAL_MS = 1000;
    /** Default topic of the order-status events (keyed by user). */
    public static final String DEFAULT_ORDERS_TOPIC = "orders.status";
    /** Default topic of the dashboard metrics. */
    public static final String DEFAULT_METRICS_TOPIC = "metrics";
    /** Default demo users. */
    public static final List<String> DEFAULT_USERS = List.of("alice", "bob", "carol");

    static final String SECTION = "demo";
    private static final Set<String> KEYS = Set.of("enabled", "intervalMs", "ordersTopic", "metricsTopic", "users");

    private boolean enabled;
    private long intervalMs;
    private String ordersTopic;
    private String metricsTopic;
    private List<String> users;

    public DemoOptions() {
        enabled = DEFAULT_ENABLED;
        intervalMs = DEFAULT_INTERVAL_MS;
        ordersTopic = DEFAULT_ORDERS_TOPIC;
        metricsTopic = DEFAULT_METRICS_TOPIC;
        users = DEFAULT_USERS;
    }

    public DemoOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "enabled", () -> setEnabled(readBoolean(json, "enabled", SECTION, enabled)));
        applySetting(SECTION, "intervalMs", () -> setIntervalMs(readLong(json, "intervalMs", SECTION, intervalMs)));
        applySetting(SECTION, "ordersTopic", () -> setOrdersTopic(readString(json, "ordersTopic", SECTION, ordersTopic)));
        applySetting(SECTION, "metricsTopic", () -> setMetricsTopic(readString(json, "metricsTopic", SECTION, metricsTopic)));
        if (json.containsKey("users")) {
            JsonArray array = readArray(json, "users", SECTION);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                if (!(array.getValue(i) instanceof String)) {
                    throw new ConfigException(path(path(SECTION, "users"), i), "expected a user name string");
                }
                names.add(array.getString(i));
            }
            applySetting(SECTION, "users", () -> setUsers(names));
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public DemoOptions setEnabled(boolean enabled) {
        this.enabled = enabled;
        return this;
    }

    public long getIntervalMs() {
        return intervalMs;
    }

    public DemoOptions setIntervalMs(long intervalMs) {
        if (intervalMs < 10) {
            throw new IllegalArgumentException("intervalMs must be >= 10, got " + intervalMs);
        }
        this.intervalMs = intervalMs;
        return this;
    }

    public String getOrdersTopic() {
        return ordersTopic;
    }

    public DemoOptions setOrdersTopic(String ordersTopic) {
        this.ordersTopic = requireTopic(ordersTopic);
        return this;
    }

    public String getMetricsTopic() {
        return metricsTopic;
    }

    public DemoOptions setMetricsTopic(String metricsTopic) {
        this.metricsTopic = requireTopic(metricsTopic);
        return this;
    }

    public List<String> getUsers() {
        return users;
    }

    public DemoOptions setUsers(List<String> users) {
        if (users == null || users.isEmpty()) {
            throw new IllegalArgumentException("users must name at least one user");
        }
        this.users = List.copyOf(users);
        return this;
    }

    private static String requireTopic(String topic) {
        if (!isTopicName(topic)) {
            throw new IllegalArgumentException("not a valid Kafka topic name: \"" + topic + "\"");
        }
        return topic;
    }

    public JsonObject toJson() {
        return new JsonObject()
            .put("enabled", enabled)
            .put("intervalMs", intervalMs)
            .put("ordersTopic", ordersTopic)
            .put("metricsTopic", metricsTopic)
            .put("users", new JsonArray(new ArrayList<>(users)));
    }
}
