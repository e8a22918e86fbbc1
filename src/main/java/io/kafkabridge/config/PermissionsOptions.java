package io.kafkabridge.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static io.kafkabridge.config.JsonFields.*;

/**
 * The permitted-address rules shared by the SockJS bridge and the STOMP bridge ({@code bridge} section), in Vert.x's
 * own {@link PermittedOptions} format. Nothing is permitted unless a rule says so.
 */
public class PermissionsOptions {

    /** Replaced per connection by the authenticated user id (regex-quoted in {@code addressRegex}). */
    public static final String USER_PLACEHOLDER = "{user}";

    static final String SECTION = "bridge";
    private static final Set<String> KEYS = Set.of("inboundPermitteds", "outboundPermitteds");
    private static final Set<String> RULE_KEYS = Set.of("address", "addressRegex", "match", "requiredAuthority");

    private List<PermittedOptions> inboundPermitteds;
    private List<PermittedOptions> outboundPermitteds;

    public PermissionsOptions() {
        inboundPermitteds = new ArrayList<>();
        outboundPermitteds = new ArrayList<>();
    }

    public PermissionsOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        inboundPermitteds = readRules(readArray(json, "inboundPermitteds", SECTION), path(SECTION, "inboundPermitteds"));
        outboundPermitteds = readRules(readArray(json, "outboundPermitteds", SECTION), path(SECTION, "outboundPermitteds"));
    }

    private static List<PermittedOptions> readRules(JsonArray array, String path) {
        List<PermittedOptions> rules = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String rulePath = path(path, i);
            JsonObject rule = requireObjectElement(array, i, path);
            requireKnownKeys(rule, rulePath, RULE_KEYS);
            String address = readString(rule, "address", rulePath, null);
            String regex = readString(rule, "addressRegex", rulePath, null);
            readObject(rule, "match", rulePath);
            if (address != null && regex != null) {
                throw new ConfigException(rulePath, "give \"address\" or \"addressRegex\", not both");
            }
            if (address == null && regex == null) {
                throw new ConfigException(rulePath, "give \"address\" or \"addressRegex\": a rule without either would permit every address");
            }
            if (regex != null) {
                try {
                    Pattern.compile(regex.replace(USER_PLACEHOLDER, "user"));
                } catch (PatternSyntaxException e) {
                    throw new ConfigException(path(rulePath, "addressRegex"), "invalid regular expression: " + e.getDescription()
                        + " near index " + e.getIndex());
                }
            }
            readString(rule, "requiredAuthority", rulePath, null);
            rules.add(new PermittedOptions(rule));
        }
        return rules;
    }

    /**
     * @return rules for messages from clients to the event bus (SockJS send/publish, STOMP SEND)
     */
    public List<PermittedOptions> getInboundPermitteds() {
        return inboundPermitteds;
    }

    public PermissionsOptions setInboundPermitteds(List<PermittedOptions> inboundPermitteds) {
        this.inboundPermitteds = new ArrayList<>(inboundPermitteds);
        return this;
    }

    /**
     * @return rules for messages from the event bus to clients (SockJS register, STOMP SUBSCRIBE)
     */
    public List<PermittedOptions> getOutboundPermitteds() {
        return outboundPermitteds;
    }

    public PermissionsOptions setOutboundPermitteds(List<PermittedOptions> outboundPermitteds) {
        this.outboundPermitteds = new ArrayList<>(outboundPermitteds);
        return this;
    }

    public JsonObject toJson() {
        JsonArray inbound = new JsonArray();
        inboundPermitteds.forEach(p -> inbound.add(p.toJson()));
        JsonArray outbound = new JsonArray();
        outboundPermitteds.forEach(p -> outbound.add(p.toJson()));
        return new JsonObject().put("inboundPermitteds", inbound).put("outboundPermitteds", outbound);
    }
}
