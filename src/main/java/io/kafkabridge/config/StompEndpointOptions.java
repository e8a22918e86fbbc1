package io.kafkabridge.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * STOMP over TCP ({@code stomp} section). STOMP over WebSocket always runs on the HTTP port.
 */
public class StompEndpointOptions {

    /** Default STOMP-over-TCP port. */
    public static final int DEFAULT_PORT = 61613;
    /** The port value that disables STOMP over TCP. */
    public static final int DISABLED = -1;
    /** Default bind address of the TCP listener. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Default heart-beat offered by the server, "cx,cy" in milliseconds as in the STOMP spec. */
    public static final String DEFAULT_HEARTBEAT = "10000,10000";

    static final String SECTION = "stomp";
    private static final Set<String> KEYS = Set.of("host", "port", "heartbeat");

    private String host;
    private int port;
    private String heartbeat;

    public StompEndpointOptions() {
        host = DEFAULT_HOST;
        port = DEFAULT_PORT;
        heartbeat = DEFAULT_HEARTBEAT;
    }

    public StompEndpointOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "host", () -> setHost(readString(json, "host", SECTION, host)));
        applySetting(SECTION, "port", () -> setPort(readInt(json, "port", SECTION, port)));
        applySetting(SECTION, "heartbeat", () -> setHeartbeat(readString(json, "heartbeat", SECTION, heartbeat)));
    }

    public String getHost() {
        return host;
    }

    public StompEndpointOptions setHost(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        this.host = host;
        return this;
    }

    public int getPort() {
        return port;
    }

    /**
     * @param port the TCP port, {@code 0} for any free port, {@link #DISABLED} to turn STOMP over TCP off
     */
    public StompEndpointOptions setPort(int port) {
        if (port < DISABLED || port > 65535) {
            throw new IllegalArgumentException("port must be -1 (disabled) or between 0 and 65535, got " + port);
        }
        this.port = port;
        return this;
    }

    public boolean isTcpEnabled() {
        return port != DISABLED;
    }

    public String getHeartbeat() {
        return heartbeat;
    }

    public StompEndpointOptions setHeartbeat(String heartbeat) {
        if (heartbeat == null || !heartbeat.matches("\\d+,\\d+")) {
            throw new IllegalArgumentException("heartbeat must be \"cx,cy\" in milliseconds, e.g. \"10000,10000\", got " + heartbeat);
        }
        this.heartbeat = heartbeat;
        return this;
    }

    /**
     * @return the heart-beat as the JSON object {@code {"x": cx, "y": cy}} that Vert.x's STOMP server options take
     */
    public JsonObject heartbeatJson() {
        String[] parts = heartbeat.split(",");
        return new JsonObject().put("x", Long.parseLong(parts[0])).put("y", Long.parseLong(parts[1]));
    }

    public JsonObject toJson() {
        return new JsonObject()
            .put("host", host)
            .put("port", port)
            .put("heartbeat", heartbeat);
    }
}
