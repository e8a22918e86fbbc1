package io.kafkabridge.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static io.kafkabridge.config.JsonFields.*;

/**
 * The one HTTP server of a node: SockJS bridge, STOMP over WebSocket, static pages, health ({@code http} section).
 */
public class HttpEndpointOptions {

    /** Default bind address: all interfaces. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Default HTTP port. */
    public static final int DEFAULT_PORT = 8080;
    /** Default mount point of the SockJS event-bus bridge. */
    public static final String DEFAULT_EVENTBUS_PATH = "/eventbus";
    /** Default path of STOMP over WebSocket. */
    public static final String DEFAULT_STOMP_PATH = "/stomp";
    /**
     * Default for WebSocket compression ({@code permessage-deflate}): off. Browsers offer it on every WebSocket; when the
     * server accepts, every message is compressed once per connection (the deflate window is per connection), so a
     * record fanned out to N clients is compressed N times.
     */
    public static final boolean DEFAULT_WEBSOCKET_COMPRESSION = false;

    /** Default time an HTTP connection (a WebSocket too) may carry no byte either way before it is closed, ms. */
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 120_000;
    /**
     * Default time a connection has to send a request's headers, from its opening or the end of its previous response,
     * ms: a client that trickles them (slowloris) or sends nothing is cut.
     */
    public static final long DEFAULT_REQUEST_HEADER_TIMEOUT_MS = 10_000;

    /** {@link #getInstances()}: one server instance per core the JVM sees. */
    public static final int PER_CORE = 0;
    /** Default number of server instances (event loops serving clients): one per core. */
    public static final int DEFAULT_INSTANCES = PER_CORE;
    /** The most server instances a node runs. */
    public static final int MAX_INSTANCES = 256;

    static final String SECTION = "http";
    private static final Set<String> KEYS = Set.of("host", "port", "eventbusPath", "stompPath", "websocketCompression",
        "idleTimeoutMs", "requestHeaderTimeoutMs", "allowedOrigins", "instances");
    /** An allowed origin: {@code scheme://host[:port]}, the host possibly starting with {@code *.}. */
    private static final Pattern ORIGIN = Pattern.compile("[a-z][a-z0-9+.-]*://(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?");

    private String host;
    private int port;
    private String eventbusPath;
    private String stompPath;
    private boolean websocketCompression;
    private long idleTimeoutMs;
    private long requestHeaderTimeoutMs;
    private List<String> allowedOrigins;
    private int instances;

    public HttpEndpointOptions() {
        host = DEFAULT_HOST;
        port = DEFAULT_PORT;
        eventbusPath = DEFAULT_EVENTBUS_PATH;
        stompPath = DEFAULT_STOMP_PATH;
        websocketCompression = DEFAULT_WEBSOCKET_COMPRESSION;
        idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
        requestHeaderTimeoutMs = DEFAULT_REQUEST_HEADER_TIMEOUT_MS;
        allowedOrigins = List.of();
        instances = DEFAULT_INSTANCES;
    }

    public HttpEndpointOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        applySetting(SECTION, "host", () -> setHost(readString(json, "host", SECTION, host)));
        applySetting(SECTION, "port", () -> setPort(readInt(json, "port", SECTION, port)));
        applySetting(SECTION, "eventbusPath", () -> setEventbusPath(readString(json, "eventbusPath", SECTION, eventbusPath)));
        applySetting(SECTION, "stompPath", () -> setStompPath(readString(json, "stompPath", SECTION, stompPath)));
        applySetting(SECTION, "websocketCompression",
            () -> setWebsocketCompression(readBoolean(json, "websocketCompression", SECTION, websocketCompression)));
        applySetting(SECTION, "idleTimeoutMs", () -> setIdleTimeoutMs(readLong(json, "idleTimeoutMs", SECTION, idleTimeoutMs)));
        applySetting(SECTION, "requestHeaderTimeoutMs",
            () -> setRequestHeaderTimeoutMs(readLong(json, "requestHeaderTimeoutMs", SECTION, requestHeaderTimeoutMs)));
        applySetting(SECTION, "instances", () -> setInstances(readInt(json, "instances", SECTION, instances)));
        if (json.containsKey("allowedOrigins")) {
            JsonArray array = readArray(json, "allowedOrigins", SECTION);
            List<String> origins = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                String index = path(path(SECTION, "allowedOrigins"), i);
                if (!(array.getValue(i) instanceof String origin)) {
                    throw new ConfigException(index, "expected an origin string such as \"https://app.example.com\"");
                }
                if (!"*".equals(origin) && !ORIGIN.matcher(origin).matches()) {
                    throw new ConfigException(index, "expected \"*\" or an origin scheme://host[:port] (the host may start "
                        + "with *.), without path, got \"" + origin + "\"");
                }
                origins.add(origin);
            }
            setAllowedOrigins(origins);
        }
    }

    /**
     * @return the server instances of the node, each on its own event loop with its own connections ({@link #PER_CORE}:
     * one per core)
     */
    public int getInstances() {
        return instances;
    }

    /**
     * @return {@link #getInstances()} resolved: one per core when {@link #PER_CORE}
     */
    public int resolveInstances() {
        return instances == PER_CORE ? Math.max(1, Runtime.getRuntime().availableProcessors()) : instances;
    }

    public HttpEndpointOptions setInstances(int instances) {
        if (instances < PER_CORE || instances > MAX_INSTANCES) {
            throw new IllegalArgumentException("must be 0 (one per core) or between 1 and " + MAX_INSTANCES + ", got " + instances);
        }
        this.instances = instances;
        return this;
    }

    /**
     * @return the origins allowed besides the gateway's own: exact, {@code https://*.example.com}, or {@code "*"}
     */
    public List<String> getAllowedOrigins() {
        return allowedOrigins;
    }

    public HttpEndpointOptions setAllowedOrigins(List<String> allowedOrigins) {
        this.allowedOrigins = List.copyOf(allowedOrigins);
        return this;
    }

    public long getIdleTimeoutMs() {
        return idleTimeoutMs;
    }

    public HttpEndpointOptions setIdleTimeoutMs(long idleTimeoutMs) {
        if (idleTimeoutMs <= 0) {
            throw new IllegalArgumentException("must be a positive number of milliseconds, got " + idleTimeoutMs);
        }
        this.idleTimeoutMs = idleTimeoutMs;
        return this;
    }

    public long getRequestHeaderTimeoutMs() {
        return requestHeaderTimeoutMs;
    }

    public HttpEndpointOptions setRequestHeaderTimeoutMs(long requestHeaderTimeoutMs) {
        if (requestHeaderTimeoutMs <= 0) {
            throw new IllegalArgumentException("must be a positive number of milliseconds, got " + requestHeaderTimeoutMs);
        }
        this.requestHeaderTimeoutMs = requestHeaderTimeoutMs;
        return this;
    }

    public String getHost() {
        return host;
    }

    public HttpEndpointOptions setHost(String host) {
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
     * @param port the port, {@code 0} for any free port (the actual one is logged and reported by {@code /health})
     */
    public HttpEndpointOptions setPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
        }
        this.port = port;
        return this;
    }

    public String getEventbusPath() {
        return eventbusPath;
    }

    public HttpEndpointOptions setEventbusPath(String eventbusPath) {
        this.eventbusPath = requirePath(eventbusPath);
        return this;
    }

    public String getStompPath() {
        return stompPath;
    }

    public HttpEndpointOptions setStompPath(String stompPath) {
        this.stompPath = requirePath(stompPath);
        return this;
    }

    public boolean isWebsocketCompression() {
        return websocketCompression;
    }

    /**
     * @param websocketCompression {@code true} to accept the WebSocket compression extensions clients offer
     * ({@code permessage-deflate}, {@code deflate-frame}): less bandwidth, one compression per message and connection
     */
    public HttpEndpointOptions setWebsocketCompression(boolean websocketCompression) {
        this.websocketCompression = websocketCompression;
        return this;
    }

    private static String requirePath(String path) {
        if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
            throw new IllegalArgumentException("must be a path like /eventbus (leading slash, no trailing slash), got " + path);
        }
        return path;
    }

    public JsonObject toJson() {
        return new JsonObject()
            .put("host", host)
            .put("port", port)
            .put("eventbusPath", eventbusPath)
            .put("stompPath", stompPath)
            .put("websocketCompression", websocketCompression)
            .put("idleTimeoutMs", idleTimeoutMs)
            .put("requestHeaderTimeoutMs", requestHeaderTimeoutMs)
            .put("instances", instances)
            .put("allowedOrigins", new JsonArray(new ArrayList<>(allowedOrigins)));
    }
}
