package io.kafkabridge.config;

/**
 * A configuration error. The message always starts with the config path of the offending key, for example
 * {@code routes[2].address: unknown placeholder {user}}, so that the operator knows what to change.
 */
public class ConfigException extends RuntimeException {

    private final String path;

    public ConfigException(String path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    public ConfigException(String path, String problem, Throwable cause) {
        super(path + ": " + problem, cause);
        this.path = path;
    }

    /**
     * @return the config path of the offending key, e.g. {@code kafka.embedded.port}
     */
    public String path() {
        return path;
    }
}
