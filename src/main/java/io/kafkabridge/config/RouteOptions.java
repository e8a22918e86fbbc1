package io.kafkabridge.config;

import io.kafkabridge.routing.AddressTemplate;
import io.kafkabridge.routing.ReservedAddresses;
import io.kafkabridge.delivery.SlowClientPolicy;
import io.kafkabridge.routing.PayloadFormat;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static io.kafkabridge.config.JsonFields.*;

/**
 * One entry of {@code routes}: which records ({@code topic} or {@code topicPattern}) go to which event-bus address
 * ({@code address} template) in which body format ({@code format}).
 */
public class RouteOptions {

    /** Default body format. */
    public static final PayloadFormat DEFAULT_FORMAT = PayloadFormat.JSON;

    private static final Set<String> KEYS = Set.of("topic", "topicPattern", "address", "format", "slowClientPolicy");

    private String topic;
    private String topicPattern;
    private String address;
    private PayloadFormat format;
    private SlowClientPolicy slowClientPolicy;

    public RouteOptions() {
        format = DEFAULT_FORMAT;
    }

    public RouteOptions(JsonObject json) {
        this(json, "route");
    }

    /**
     * @param path the config path of this entry, e.g. {@code routes[0]}, used in error messages
     */
    public RouteOptions(JsonObject json, String path) {
        this();
        requireKnownKeys(json, path, KEYS);
        applySetting(path, "topic", () -> setTopic(readString(json, "topic", path, null)));
        applySetting(path, "topicPattern", () -> setTopicPattern(readString(json, "topicPattern", path, null)));
        applySetting(path, "address", () -> setAddress(readString(json, "address", path, null)));
        applySetting(path, "format", () -> setFormat(PayloadFormat.parse(readString(json, "format", path, format.configName()))));
        if (json.containsKey("slowClientPolicy")) {
            applySetting(path, "slowClientPolicy", () -> setSlowClientPolicy(
                LimitsOptions.readSlowClientPolicy(json, "slowClientPolicy", path, SlowClientPolicy.DISCONNECT)));
        }
        validate(path);
    }

    /**
     * Checks the whole entry: exactly one of {@code topic} / {@code topicPattern}, and an address.
     */
    public void validate(String path) {
        if ((topic == null) == (topicPattern == null)) {
            throw new ConfigException(path, "give exactly one of \"topic\" or \"topicPattern\"");
        }
        if (address == null) {
            throw new ConfigException(path(path, "address"), "missing: the event-bus address template, e.g. \"user.{key}.orders\"");
        }
    }

    public String getTopic() {
        return topic;
    }

    public RouteOptions setTopic(String topic) {
        if (topic != null && !isTopicName(topic)) {
            throw new IllegalArgumentException("not a valid Kafka topic name: \"" + topic + "\"");
        }
        this.topic = topic;
        return this;
    }

    public String getTopicPattern() {
        return topicPattern;
    }

    /**
     * @param topicPattern a Java regular expression that must match the whole topic name
     */
    public RouteOptions setTopicPattern(String topicPattern) {
        if (topicPattern != null) {
            if (topicPattern.matches("(?s).*\\\\(?:[1-9]|k<).*")) {
                throw new IllegalArgumentException("back-references are not supported: all topic patterns are combined "
                    + "into one Kafka subscription");
            }
            try {
                Pattern.compile(topicPattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
        this.topicPattern = topicPattern;
        return this;
    }

    public String getAddress() {
        return address;
    }

    /**
     * @param address an address template; see {@link AddressTemplate}
     */
    public RouteOptions setAddress(String address) {
        if (address != null) {
            AddressTemplate.parse(address);
            if (ReservedAddresses.isReserved(address)) {
                throw new IllegalArgumentException("addresses starting with " + ReservedAddresses.PREFIXES
                    + " are reserved to the gateway and Vert.x");
            }
        }
        this.address = address;
        return this;
    }

    public PayloadFormat getFormat() {
        return format;
    }

    public RouteOptions setFormat(PayloadFormat format) {
        if (format == null) {
            throw new IllegalArgumentException("format must not be null");
        }
        this.format = format;
        return this;
    }

    /**
     * @return the policy for this route's messages when a client's queue is full, or {@code null}: the subscription's
     * outbound rule's, else {@code limits.slowClientPolicy}
     */
    public SlowClientPolicy getSlowClientPolicy() {
        return slowClientPolicy;
    }

    public RouteOptions setSlowClientPolicy(SlowClientPolicy slowClientPolicy) {
        this.slowClientPolicy = slowClientPolicy;
        return this;
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        if (topic != null) {
            json.put("topic", topic);
        }
        if (topicPattern != null) {
            json.put("topicPattern", topicPattern);
        }
        if (slowClientPolicy != null) {
            json.put("slowClientPolicy", slowClientPolicy.configName());
        }
        return json.put("address", address).put("format", format.configName());
    }
}
