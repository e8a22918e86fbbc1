package io.kafkabridge.logging;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * The log format ({@code LOG_FORMAT}: {@code text}, the default, or {@code json}, one JSON object per line written by
 * logstash-logback-encoder, see {@code logback.xml}) and the fields every JSON line carries besides the line's own
 * key-value pairs ({@code topic}, {@code address}, {@code client}...): the node's, as the logger context's properties.
 */
public final class LogFormat {

    /** The environment variable that picks the format. */
    public static final String ENV = "LOG_FORMAT";
    public static final Set<String> FORMATS = Set.of("text", "json");

    private LogFormat() {
    }

    /**
     * @return why {@code LOG_FORMAT} cannot be used (with no appender of that name Logback would write nothing), or
     * {@code null} when it is unset or valid
     */
    public static String checkEnvironment(String value) {
        if (value == null || value.isEmpty() || FORMATS.contains(value)) {
            return null;
        }
        return ENV + " must be \"text\" or \"json\", got \"" + value + "\"";
    }

    /**
     * Adds a field to every JSON line from now on (the node's id, once known).
     */
    public static void describeNode(String key, String value) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context && value != null) {
            context.putProperty(key, value);
        }
    }
}
