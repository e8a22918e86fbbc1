package io.kafkabridge.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static io.kafkabridge.config.JsonFields.*;

/**
 * The whole configuration of a node, read from {@code conf/config.json} (see the README for every key).
 */
public class GatewayOptions {

    private static final Set<String> KEYS = Set.of("http", "stomp", "kafka", "routes", "bridge", "demo", "auth", "limits", "tls", "sinks", "resume",
        "metrics", "admin");

    private HttpEndpointOptions http;
    private StompEndpointOptions stomp;
    private KafkaOptions kafka;
    private List<RouteOptions> routes;
    private PermissionsOptions bridge;
    private DemoOptions demo;
    private AuthOptions auth;
    private LimitsOptions limits;
    private ResumeOptions resume;
    private MetricsOptions metrics;
    private AdminOptions admin;
    private TlsOptions tls;
    private List<SinkOptions> sinks;

    public GatewayOptions() {
        http = new HttpEndpointOptions();
        stomp = new StompEndpointOptions();
        kafka = new KafkaOptions();
        routes = new ArrayList<>();
        bridge = new PermissionsOptions();
        demo = new DemoOptions();
        limits = new LimitsOptions();
        resume = new ResumeOptions();
        metrics = new MetricsOptions();
        admin = new AdminOptions();
        sinks = new ArrayList<>();
    }

    /**
     * @throws ConfigException naming the config path of the first problem found
     */
    public GatewayOptions(JsonObject json) {
        this();
        requireKnownKeys(json, "", KEYS);
        http = new HttpEndpointOptions(readObject(json, "http", ""));
        stomp = new StompEndpointOptions(readObject(json, "stomp", ""));
        kafka = new KafkaOptions(readObject(json, "kafka", ""));
        JsonArray array = readArray(json, "routes", "");
        for (int i = 0; i < array.size(); i++) {
            String path = path("routes", i);
            routes.add(new RouteOptions(requireObjectElement(array, i, "routes"), path));
        }
        bridge = new PermissionsOptions(readObject(json, "bridge", ""));
        JsonArray sinkArray = readArray(json, "sinks", "");
        for (int i = 0; i < sinkArray.size(); i++) {
            sinks.add(new SinkOptions(requireObjectElement(sinkArray, i, "sinks"), path("sinks", i)));
        }
        demo = new DemoOptions(readObject(json, "demo", ""));
        if (json.containsKey("auth")) {
            auth = new AuthOptions(readObject(json, "auth", ""));
        }
        limits = new LimitsOptions(readObject(json, "limits", ""));
        resume = new ResumeOptions(readObject(json, "resume", ""));
        metrics = new MetricsOptions(readObject(json, "metrics", ""));
        admin = new AdminOptions(readObject(json, "admin", ""));
        if (json.containsKey("tls")) {
            tls = new TlsOptions(readObject(json, "tls", ""));
        }
        validate();
    }

    /**
     * Cross-section checks.
     *
     * @throws ConfigException naming the config path
     */
    public void validate() {
        if (routes.isEmpty()) {
            throw new ConfigException("routes", "at least one route is needed, e.g. {\"topic\": \"orders.status\", \"address\": \"user.{key}.orders\"}");
        }
        StringBuilder combined = new StringBuilder();
        for (int i = 0; i < routes.size(); i++) {
            String pattern = routes.get(i).getTopicPattern();
            if (pattern != null) {
                combined.append(combined.length() == 0 ? "" : "|").append("(?:").append(pattern).append(')');
                try {
                    Pattern.compile(combined.toString());
                } catch (PatternSyntaxException e) {
                    throw new ConfigException(path(path("routes", i), "topicPattern"), "cannot be combined with the topic patterns "
                        + "before it into one Kafka subscription (" + e.getDescription() + "); rename its named groups");
                }
            }
        }
        if (auth == null) {
            requireNoAuthorityRules(bridge.getInboundPermitteds(), "bridge.inboundPermitteds");
            requireNoAuthorityRules(bridge.getOutboundPermitteds(), "bridge.outboundPermitteds");
        }
        if (stomp.isTcpEnabled() && stomp.getPort() != 0 && stomp.getPort() == http.getPort()) {
            throw new ConfigException("stomp.port", "must differ from http.port (" + http.getPort() + ")");
        }
        if (metrics.getPort() > 0 && (metrics.getPort() == http.getPort() || stomp.isTcpEnabled() && metrics.getPort() == stomp.getPort())) {
            throw new ConfigException("metrics.port", "must differ from http.port and stomp.port (-1 serves metrics on http.port)");
        }
        if (metrics.getPort() == MetricsOptions.SAME_AS_HTTP && (metrics.getPath().equals(http.getEventbusPath())
            || metrics.getPath().startsWith(http.getEventbusPath() + "/") || metrics.getPath().equals(http.getStompPath())
            || metrics.getPath().startsWith(http.getStompPath() + "/") || metrics.getPath().equals("/health")
            || metrics.getPath().equals("/ready"))) {
            throw new ConfigException("metrics.path", "must not be a bridge path, /health or /ready: " + metrics.getPath());
        }
        if (admin.isEnabled()) {
            requireStatsAddressUnused();
        }
    }

    /**
     * The nodes' stats are theirs alone: a route or an inbound rule naming their very address is a mistake. (A
     * placeholder or a regex that could reach it is refused at run time: {@link #nodeAddresses()}.)
     */
    private void requireStatsAddressUnused() {
        String stats = admin.getStatsAddress();
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i).getAddress().equals(stats)) {
                throw new ConfigException(path(path("routes", i), "address"), "is " + stats
                    + ", the address of the nodes' stats (admin.statsAddress): choose another address or statsAddress");
            }
        }
        List<io.vertx.ext.bridge.PermittedOptions> inbound = bridge.getInboundPermitteds();
        for (int i = 0; i < inbound.size(); i++) {
            if (stats.equals(inbound.get(i).getAddress())) {
                throw new ConfigException(path(path("bridge.inboundPermitteds", i), "address"), "is " + stats
                    + ", the address of the nodes' stats (admin.statsAddress): clients could forge a node's stats");
            }
        }
    }

    /**
     * @return the addresses the nodes publish on themselves (the stats, when on): no record is routed to them and no
     * client may send to them, whatever the routes' placeholders and the rules' regexes
     */
    public Set<String> nodeAddresses() {
        return admin.isEnabled() ? Set.of(admin.getStatsAddress()) : Set.of();
    }

    private static void requireNoAuthorityRules(List<io.vertx.ext.bridge.PermittedOptions> rules, String path) {
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).getRequiredAuthority() != null) {
                throw new ConfigException(path(path(path, i), "requiredAuthority"),
                    "needs authenticated clients: configure the auth section");
            }
        }
    }

    public HttpEndpointOptions getHttp() {
        return http;
    }

    public GatewayOptions setHttp(HttpEndpointOptions http) {
        this.http = http;
        return this;
    }

    public StompEndpointOptions getStomp() {
        return stomp;
    }

    public GatewayOptions setStomp(StompEndpointOptions stomp) {
        this.stomp = stomp;
        return this;
    }

    public KafkaOptions getKafka() {
        return kafka;
    }

    public GatewayOptions setKafka(KafkaOptions kafka) {
        this.kafka = kafka;
        return this;
    }

    public List<RouteOptions> getRoutes() {
        return routes;
    }

    public GatewayOptions setRoutes(List<RouteOptions> routes) {
        this.routes = new ArrayList<>(routes);
        return this;
    }

    public PermissionsOptions getBridge() {
        return bridge;
    }

    public GatewayOptions setBridge(PermissionsOptions bridge) {
        this.bridge = bridge;
        return this;
    }

    public DemoOptions getDemo() {
        return demo;
    }

    public GatewayOptions setDemo(DemoOptions demo) {
        this.demo = demo;
        return this;
    }

    /**
     * @return the authentication options, or {@code null} in anonymous mode
     */
    public AuthOptions getAuth() {
        return auth;
    }

    public GatewayOptions setAuth(AuthOptions auth) {
        this.auth = auth;
        return this;
    }

    /**
     * @return the sinks: inbound addresses whose messages become Kafka records
     */
    public List<SinkOptions> getSinks() {
        return sinks;
    }

    public GatewayOptions setSinks(List<SinkOptions> sinks) {
        this.sinks = new ArrayList<>(sinks);
        return this;
    }

    public LimitsOptions getLimits() {
        return limits;
    }

    public GatewayOptions setLimits(LimitsOptions limits) {
        this.limits = limits;
        return this;
    }

    public AdminOptions getAdmin() {
        return admin;
    }

    public GatewayOptions setAdmin(AdminOptions admin) {
        this.admin = admin;
        return this;
    }

    public MetricsOptions getMetrics() {
        return metrics;
    }

    public GatewayOptions setMetrics(MetricsOptions metrics) {
        this.metrics = metrics;
        return this;
    }

    public ResumeOptions getResume() {
        return resume;
    }

    public GatewayOptions setResume(ResumeOptions resume) {
        this.resume = resume;
        return this;
    }

    /**
     * @return the TLS options, or {@code null} when TLS is off
     */
    public TlsOptions getTls() {
        return tls;
    }

    public GatewayOptions setTls(TlsOptions tls) {
        this.tls = tls;
        return this;
    }

    public JsonObject toJson() {
        JsonArray routeArray = new JsonArray();
        routes.forEach(r -> routeArray.add(r.toJson()));
        JsonObject json = new JsonObject()
            .put("http", http.toJson())
            .put("stomp", stomp.toJson())
            .put("kafka", kafka.toJson())
            .put("routes", routeArray)
            .put("bridge", bridge.toJson())
            .put("demo", demo.toJson())
            .put("limits", limits.toJson())
            .put("resume", resume.toJson())
            .put("metrics", metrics.toJson())
            .put("admin", admin.toJson());
        if (!sinks.isEmpty()) {
            JsonArray sinkArray = new JsonArray();
            sinks.forEach(sink -> sinkArray.add(sink.toJson()));
            json.put("sinks", sinkArray);
        }
        if (auth != null) {
            json.put("auth", auth.toJson());
        }
        if (tls != null) {
            json.put("tls", tls.toJson());
        }
        return json;
    }
}
