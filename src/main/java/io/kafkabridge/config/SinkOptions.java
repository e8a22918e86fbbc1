package io.kafkabridge.config;

import io.kafkabridge.routing.ReservedAddresses;

import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.Validator;

import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static io.kafkabridge.config.JsonFields.*;

/**
 * One entry of {@code sinks}: client messages sent to an event-bus address ({@code address} or {@code addressRegex},
 * both may hold {@code {user}}) become records of a Kafka {@code topic}, with a {@code key} template, a {@code format}
 * and an optional JSON {@code schema}. Inbound permitted rules still decide who may send.
 */
public class SinkOptions {

    /** Default format: the body must be JSON. */
    public static final String DEFAULT_FORMAT = "json";
    /** The key template placeholders besides {@code {1}}..{@code {9}} (capture groups of {@code addressRegex}). */
    public static final Set<String> KEY_PLACEHOLDERS = Set.of("user", "address");

    private static final Set<String> KEYS = Set.of("address", "addressRegex", "topic", "key", "format", "schema", "maxBodyBytes");
    private static final Pattern KEY_PART = Pattern.compile("\\{([^}]*)}");

    private String address;
    private String addressRegex;
    private String topic;
    private String key;
    private String format;
    private JsonObject schema;
    private int maxBodyBytes;

    public SinkOptions() {
        format = DEFAULT_FORMAT;
        maxBodyBytes = LimitsOptions.DEFAULT_MAX_FRAME_BYTES;
    }

    /**
     * @param path the config path of this entry, e.g. {@code sinks[0]}
     */
    public SinkOptions(JsonObject json, String path) {
        this();
        requireKnownKeys(json, path, KEYS);
        applySetting(path, "address", () -> setAddress(readString(json, "address", path, null)));
        applySetting(path, "addressRegex", () -> setAddressRegex(readString(json, "addressRegex", path, null)));
        applySetting(path, "topic", () -> setTopic(readString(json, "topic", path, null)));
        applySetting(path, "key", () -> setKey(readString(json, "key", path, null)));
        applySetting(path, "format", () -> setFormat(readString(json, "format", path, format)));
        if (json.containsKey("schema")) {
            JsonObject schemaJson = readObject(json, "schema", path);
            applySetting(path, "schema", () -> setSchema(schemaJson));
        }
        applySetting(path, "maxBodyBytes", () -> setMaxBodyBytes(readInt(json, "maxBodyBytes", path, maxBodyBytes)));
        if ((address == null) == (addressRegex == null)) {
            throw new ConfigException(path, "give exactly one of \"address\" or \"addressRegex\"");
        }
        if (topic == null) {
            throw new ConfigException(path(path, "topic"), "missing: the Kafka topic the messages are produced to");
        }
        if (schema != null && !"json".equals(format)) {
            throw new ConfigException(path(path, "schema"), "a schema needs \"format\": \"json\"");
        }
        if (key != null) {
            int groups = addressRegex == null ? 0 : Pattern.compile(addressRegex.replace("{user}", "user")).matcher("").groupCount();
            var matcher = KEY_PART.matcher(key);
            while (matcher.find()) {
                String name = matcher.group(1);
                boolean header = name.startsWith("header:") && name.length() > "header:".length();
                boolean group = name.matches("[1-9]") && Integer.parseInt(name) <= groups;
                if (!KEY_PLACEHOLDERS.contains(name) && !header && !group) {
                    throw new ConfigException(path(path, "key"), "unknown placeholder {" + name + "} (known: {user}, {address}, "
                        + "{header:NAME}" + (groups > 0 ? ", {1}..{" + groups + "}" : "") + ")");
                }
            }
        }
    }

    public String getAddress() {
        return address;
    }

    public SinkOptions setAddress(String address) {
        if (address != null && address.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        if (address != null && ReservedAddresses.isReserved(address)) {
            throw new IllegalArgumentException("addresses starting with " + ReservedAddresses.PREFIXES
                + " are reserved to the gateway and Vert.x");
        }
        this.address = address;
        return this;
    }

    public String getAddressRegex() {
        return addressRegex;
    }

    public SinkOptions setAddressRegex(String addressRegex) {
        if (addressRegex != null) {
            try {
                Pattern.compile(addressRegex.replace("{user}", "user"));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
        this.addressRegex = addressRegex;
        return this;
    }

    public String getTopic() {
        return topic;
    }

    public SinkOptions setTopic(String topic) {
        if (topic != null && !isTopicName(topic)) {
            throw new IllegalArgumentException("not a valid Kafka topic name: \"" + topic + "\"");
        }
        this.topic = topic;
        return this;
    }

    /**
     * @return the key template, or {@code null} for records without key
     */
    public String getKey() {
        return key;
    }

    public SinkOptions setKey(String key) {
        this.key = key;
        return this;
    }

    public String getFormat() {
        return format;
    }

    /**
     * @param format {@code json} (the body must be JSON; produced as its JSON text) or {@code string} (produced as text)
     */
    public SinkOptions setFormat(String format) {
        if (!"json".equals(format) && !"string".equals(format)) {
            throw new IllegalArgumentException("format must be json or string, got \"" + format + "\"");
        }
        this.format = format;
        return this;
    }

    /**
     * @return a JSON Schema (draft 2020-12) every body must satisfy, or {@code null}
     */
    public JsonObject getSchema() {
        return schema;
    }

    public SinkOptions setSchema(JsonObject schema) {
        if (schema != null) {
            try {
                Validator.create(JsonSchema.of(schema.copy()), new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
                    .setBaseUri("urn:kafka-eventbus-bridge:sink"));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not a usable JSON Schema: " + e.getMessage());
            }
        }
        this.schema = schema;
        return this;
    }

    public int getMaxBodyBytes() {
        return maxBodyBytes;
    }

    public SinkOptions setMaxBodyBytes(int maxBodyBytes) {
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be > 0, got " + maxBodyBytes);
        }
        this.maxBodyBytes = maxBodyBytes;
        return this;
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        if (address != null) {
            json.put("address", address);
        }
        if (addressRegex != null) {
            json.put("addressRegex", addressRegex);
        }
        json.put("topic", topic).put("format", format).put("maxBodyBytes", maxBodyBytes);
        if (key != null) {
            json.put("key", key);
        }
        if (schema != null) {
            json.put("schema", schema.copy());
        }
        return json;
    }
}
