package io.kafkabridge.routing;

import java.util.Locale;

/**
 * How a record value becomes a message body.
 */
public enum PayloadFormat {
    /** Parsed as JSON; a value that is not valid JSON is delivered as a string (header {@code kafka.format=string}). */
    JSON,
    /** Decoded as UTF-8 text. */
    STRING,
    /** The raw bytes, base64-encoded. */
    BASE64;

    /**
     * @return the config and header spelling: {@code json}, {@code string} or {@code base64}
     */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException naming the accepted values
     */
    public static PayloadFormat parse(String value) {
        for (PayloadFormat format : values()) {
            if (format.configName().equals(value)) {
                return format;
            }
        }
        throw new IllegalArgumentException("format must be one of json, string, base64, got \"" + value + "\"");
    }
}
