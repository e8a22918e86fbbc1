package io.kafkabridge.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.TreeSet;

/**
 * Typed reads of config values that fail with a {@link ConfigException} naming the config path instead of a
 * {@link ClassCastException}.
 */
public final class JsonFields {

    private JsonFields() {
    }

    public static String path(String parent, String key) {
        return parent == null || parent.isEmpty() ? key : parent + "." + key;
    }

    public static String path(String parent, int index) {
        return parent + "[" + index + "]";
    }

    /**
     * Rejects keys this section does not know, so that a typo ({@code "prot"}) is an error and not a silent default.
     */
    public static void requireKnownKeys(JsonObject json, String path, Set<String> known) {
        for (String key : json.fieldNames()) {
            if (!known.contains(key)) {
                throw new ConfigException(path(path, key), "unknown key (known keys here: " + new TreeSet<>(known) + ")");
            }
        }
    }

    public static String readString(JsonObject json, String key, String path, String defaultValue) {
        Object value = json.getValue(key);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof String)) {
            throw new ConfigException(path(path, key), "expected a string, got " + describe(value));
        }
        return (String) value;
    }

    public static int readInt(JsonObject json, String key, String path, int defaultValue) {
        Object value = json.getValue(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number) {
            Number number = (Number) value;
            if (number.doubleValue() == number.intValue()) {
                return number.intValue();
            }
        } else if (value instanceof String) {
            try {
                return Integer.parseInt(((String) value).trim());
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new ConfigException(path(path, key), "expected an integer, got " + describe(value));
    }

    public static long readLong(JsonObject json, String key, String path, long defaultValue) {
        Object value = json.getValue(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number) {
            Number number = (Number) value;
            if (number.doubleValue() == number.longValue()) {
                return number.longValue();
            }
        } else if (value instanceof String) {
            try {
                return Long.parseLong(((String) value).trim());
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new ConfigException(path(path, key), "expected an integer, got " + describe(value));
    }

    public static boolean readBoolean(JsonObject json, String key, String path, boolean defaultValue) {
        Object value = json.getValue(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if ("true".equals(value) || "false".equals(value)) {
            return Boolean.parseBoolean((String) value);
        }
        throw new ConfigException(path(path, key), "expected true or false, got " + describe(value));
    }

    public static JsonObject readObject(JsonObject json, String key, String path) {
        Object value = json.getValue(key);
        if (value == null) {
            return new JsonObject();
        }
        if (!(value instanceof JsonObject)) {
            throw new ConfigException(path(path, key), "expected an object, got " + describe(value));
        }
        return (JsonObject) value;
    }

    public static JsonArray readArray(JsonObject json, String key, String path) {
        Object value = json.getValue(key);
        if (value == null) {
            return new JsonArray();
        }
        if (!(value instanceof JsonArray)) {
            throw new ConfigException(path(path, key), "expected an array, got " + describe(value));
        }
        return (JsonArray) value;
    }

    public static JsonObject requireObjectElement(JsonArray array, int index, String path) {
        Object value = array.getValue(index);
        if (!(value instanceof JsonObject)) {
            throw new ConfigException(path(path, index), "expected an object, got " + describe(value));
        }
        return (JsonObject) value;
    }

    /**
     * @return whether {@code topic} is a legal Kafka topic name (letters, digits, {@code . _ -}, at most 249, not
     * {@code .} or {@code ..})
     */
    public static boolean isTopicName(String topic) {
        return topic != null && topic.matches("[a-zA-Z0-9._-]{1,249}") && !".".equals(topic) && !"..".equals(topic);
    }

    /**
     * Runs a validating setter and turns its {@link IllegalArgumentException} into a {@link ConfigException} that
     * names {@code path.key}.
     */
    public static void applySetting(String path, String key, Runnable setter) {
        try {
            setter.run();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path(path, key), e.getMessage(), e);
        }
    }

    static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String) {
            return "the string \"" + value + "\"";
        }
        if (value instanceof JsonObject) {
            return "an object";
        }
        if (value instanceof JsonArray) {
            return "an array";
        }
        return value.getClass().getSimpleName().toLowerCase() + " " + value;
    }
}
