package io.kafkabridge.config;

import io.kafkabridge.delivery.SlowClientPolicy;
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
    private static final Set<String> OUTBOUND_RULE_KEYS = Set.of("address", "addressRegex", "match", "requiredAuthority",
        "slowClientPolicy");

    private List<PermittedOptions> inboundPermitteds;
    private List<PermittedOptions> outboundPermitteds;
    /** Per outbound rule, in the same order: its {@code slowClientPolicy}, or {@code null} for {@code limits}'. */
    private List<SlowClientPolicy> outboundPolicies;

    public PermissionsOptions() {
        inboundPermitteds = new ArrayList<>();
        outboundPermitteds = new ArrayList<>();
        outboundPolicies = new ArrayList<>();
    }

    public PermissionsOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        inboundPermitteds = readRules(readArray(json, "inboundPermitteds", SECTION), path(SECTION, "inboundPermitteds"), null);
        outboundPermitteds = readRules(readArray(json, "outboundPermitteds", SECTION), path(SECTION, "outboundPermitteds"),
            outboundPolicies);
    }

    /**
     * @param policies where to add each rule's {@code slowClientPolicy} (outbound rules), or {@code null} (inbound)
     */
    private static List<PermittedOptions> readRules(JsonArray array, String path, List<SlowClientPolicy> policies) {
        List<PermittedOptions> rules = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String rulePath = path(path, i);
            JsonObject rule = requireObjectElement(array, i, path);
            requireKnownKeys(rule, rulePath, policies == null ? RULE_KEYS : OUTBOUND_RULE_KEYS);
            if (policies != null) {
                policies.add(rule.containsKey("slowClientPolicy") ? readPolicy(rule, rulePath) : null);
            }
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

    private static SlowClientPolicy readPolicy(JsonObject rule, String rulePath) {
        try {
            return LimitsOptions.readSlowClientPolicy(rule, "slowClientPolicy", rulePath, SlowClientPolicy.DISCONNECT);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path(rulePath, "slowClientPolicy"), e.getMessage());
        }
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
        this.outboundPolicies = new ArrayList<>(java.util.Collections.nCopies(outboundPermitteds.size(), (SlowClientPolicy) null));
        return this;
    }

    /**
     * @return per outbound rule, in the same order, its {@code slowClientPolicy}, or {@code null} where the rule leaves
     * it to {@code limits.slowClientPolicy}
     */
    public List<SlowClientPolicy> getOutboundPolicies() {
        return outboundPolicies;
    }

    public JsonObject toJson() {
        JsonArray inbound = new JsonArray();
        inboundPermitteds.forEach(p -> inbound.add(p.toJson()));
        JsonArray outbound = new JsonArray();
        for (int i = 0; i < outboundPermitteds.size(); i++) {
            JsonObject rule = outboundPermitteds.get(i).toJson();
            if (outboundPolicies.get(i) != null) {
                rule.put("slowClientPolicy", outboundPolicies.get(i).configName());
            }
            outbound.add(rule);
        }
        return new JsonObject().put("inboundPermitteds", inbound).put("outboundPermitteds", outbound);
    }
}
