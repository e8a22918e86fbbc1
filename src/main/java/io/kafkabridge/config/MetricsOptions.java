package io.kafkabridge.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * Prometheus metrics ({@code metrics} section): whether the node serves them, on which path, and whether on the public
 * HTTP port or on a port of their own (so that they are not exposed with the bridges).
 */
public class MetricsOptions {

    /** Default: metrics are served. */
    public static final boolean DEFAULT_ENABLED = true;
    /** Default path of the Prometheus text exposition. */
    public static final String DEFAULT_PATH = "/metrics";
    /** {@link #getPort()}: served by the public HTTP server on {@code http.port}. */
    public static final int SAME_AS_HTTP = -1;
    /** Default: on the public HTTP server. */
    public static final int DEFAULT_PORT = SAME_AS_HTTP;
    /** Default host of a metrics port of its own. */
    public static final String DEFAULT_HOST = "0.0.0.0";

    static final String SECTION = "metrics";
    private static final Set<String> KEYS = Set.of("enabled", "path", "port", "host");

    private boolean enabled;
    private String path;
    private int port;
    private String host;

    public MetricsOptions() {
        enabled = DEFAULT_ENABLED;
        path = DEFAULT_PATH;
        port = DEFAULT_PORT;
        host = DEFAULT_HOST;
    }

    public MetricsOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "enabled", () -> setEnabled(readBoolean(json, "enabled", SECTION, enabled)));
        applySetting(SECTION, "path", () -> setPath(readString(json, "path", SECTION, path)));
        applySetting(SECTION, "port", () -> setPort(readInt(json, "port", SECTION, port)));
        applySetting(SECTION, "host", () -> setHost(readString(json, "host", SECTION, host)));
    }

    public boolean isEnabled() {
        return enabled;
    }

    public MetricsOptions setEnabled(boolean enabled) {
        this.enabled = enabled;
        return this;
    }

    public String getPath() {
        return path;
    }

    public MetricsOptions setPath(String path) {
        if (path == null || !path.matches("/[A-Za-z0-9._~/-]*") || path.equals("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', not end with one and hold only URL path characters, got "
                + path);
        }
        this.path = path;
        return this;
    }

    public int getPort() {
        return port;
    }

    public MetricsOptions setPort(int port) {
        if (port < SAME_AS_HTTP || port > 65535) {
            throw new IllegalArgumentException("port must be -1 (on http.port) or between 0 and 65535, got " + port);
        }
        this.port = port;
        return this;
    }

    public String getHost() {
        return host;
    }

    public MetricsOptions setHost(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        this.host = host;
        return this;
    }

    public JsonObject toJson() {
        return new JsonObject().put("enabled", enabled).put("path", path).put("port", port).put("host", host);
    }
}
