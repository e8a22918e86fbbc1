package io.kafkabridge.bridge;

import io.kafkabridge.auth.Identity;
import io.kafkabridge.config.PermissionsOptions;
import io.kafkabridge.delivery.SlowClientPolicy;
import io.kafkabridge.routing.JsonBytes;
import io.kafkabridge.routing.ReservedAddresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The permitted-address rules, with the semantics of Vert.x's SockJS bridge (a message passes when some rule's
 * {@code address} equals, or {@code addressRegex} matches the whole address, its {@code match} is contained in the JSON
 * body, and the client holds its {@code requiredAuthority}) plus identity binding: {@code {user}} in a rule is replaced
 * by the connection's user id ({@link Pattern#quote quoted} in a regex). A rule with {@code {user}} never applies to an
 * anonymous client, nor to a user id that is empty or holds control characters. Nothing passes unless a rule says so,
 * and nothing passes to or from a {@link ReservedAddresses reserved address} whatever the rules say.
 */
public final class PermissionRules {

    private static final String USER = PermissionsOptions.USER_PLACEHOLDER;
    private static final Pattern UNSAFE_USER_ID = Pattern.compile("[\\p{Cntrl}\\p{Zl}\\p{Zp}]");

    private final List<PermittedOptions> inbound;
    private final List<PermittedOptions> outbound;
    private final List<SlowClientPolicy> outboundPolicies;
    private final Set<String> receiveOnly;

    public PermissionRules(PermissionsOptions options) {
        this(options, Set.of());
    }

    /**
     * @param receiveOnly addresses the nodes publish on themselves (the operator page's stats): rules may let clients
     *                    receive from them, never send to them, however broad
     */
    public PermissionRules(PermissionsOptions options, Set<String> receiveOnly) {
        this.inbound = List.copyOf(options.getInboundPermitteds());
        this.outbound = List.copyOf(options.getOutboundPermitteds());
        this.outboundPolicies = new ArrayList<>(options.getOutboundPolicies());
        this.receiveOnly = Set.copyOf(receiveOnly);
    }

    /**
     * @return the rules as they apply to one connection's identity
     */
    public Bound bind(Identity identity) {
        return new Bound(compile(inbound, null, identity), compile(outbound, outboundPolicies, identity), receiveOnly);
    }

    private static List<Rule> compile(List<PermittedOptions> permitteds, List<SlowClientPolicy> policies, Identity identity) {
        List<Rule> rules = new ArrayList<>(permitteds.size());
        String user = identity.userId();
        boolean userUsable = user != null && !user.isEmpty() && !UNSAFE_USER_ID.matcher(user).find();
        for (int i = 0; i < permitteds.size(); i++) {
            PermittedOptions p = permitteds.get(i);
            SlowClientPolicy policy = policies == null || i >= policies.size() ? null : policies.get(i);
            if (p.getRequiredAuthority() != null && !identity.hasAuthority(p.getRequiredAuthority())) {
                continue;
            }
            String address = p.getAddress();
            String regex = p.getAddressRegex();
            boolean userBound = address != null ? address.contains(USER) : regex != null && regex.contains(USER);
            if (userBound && !userUsable) {
                continue;
            }
            if (address != null) {
                rules.add(new Rule(userBound ? address.replace(USER, user) : address, null, p.getMatch(), policy));
            } else if (regex != null) {
                rules.add(new Rule(null, Pattern.compile(userBound ? regex.replace(USER, Pattern.quote(user)) : regex), p.getMatch(),
                    policy));
            }
        }
        return List.copyOf(rules);
    }

    private record Rule(String address, Pattern regex, JsonObject match, SlowClientPolicy slowClientPolicy) {

        boolean matchesAddress(String candidate) {
            return address != null ? address.equals(candidate) : regex.matcher(candidate).matches();
        }
    }

    /**
     * The rules of one connection.
     */
    public static final class Bound {

        private final List<Rule> inbound;
        private final List<Rule> outbound;
        private final boolean outboundMatchesBodies;
        private final Set<String> receiveOnly;
        /**
         * The address last found permitted by {@link #permitsDelivery}: the rules never change, and a fan-out hands
         * every message of an address over with the same String instance, so the rules run once per address instead of
         * once per message (regex rules are the costly part of a large fan-out).
         */
        private String lastPermittedAddress;

        private Bound(List<Rule> inbound, List<Rule> outbound, Set<String> receiveOnly) {
            this.inbound = inbound;
            this.outbound = outbound;
            this.receiveOnly = receiveOnly;
            this.outboundMatchesBodies = outbound.stream().anyMatch(r -> r.match() != null);
        }

        /**
         * @return whether the client may receive from {@code address} (SockJS register, STOMP SUBSCRIBE)
         */
        public boolean permitsSubscription(String address) {
            if (address == null || ReservedAddresses.isReserved(address)) {
                return false;
            }
            for (Rule rule : outbound) {
                if (rule.matchesAddress(address)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * @return the {@code slowClientPolicy} of the first outbound rule that permits {@code address} and names one, or
         * {@code fallback}
         */
        public SlowClientPolicy slowClientPolicy(String address, SlowClientPolicy fallback) {
            for (Rule rule : outbound) {
                if (rule.slowClientPolicy() != null && rule.matchesAddress(address)) {
                    return rule.slowClientPolicy();
                }
            }
            return fallback;
        }

        /**
         * @return whether this message may be delivered to the client; cheap unless a rule has a {@code match}
         */
        public boolean permitsDelivery(String address, Object body) {
            if (outboundMatchesBodies) {
                return permits(outbound, address, body);
            }
            if (address != null && address == lastPermittedAddress) {
                return true;
            }
            boolean permitted = permitsSubscription(address);
            if (permitted) {
                lastPermittedAddress = address;
            }
            return permitted;
        }

        /**
         * @param body the message body: a JsonObject, or text that may hold a JSON object, or null
         * @return whether the client may send this body to {@code address} (SockJS send/publish, STOMP SEND)
         */
        public boolean permitsSend(String address, Object body) {
            return (address == null || !receiveOnly.contains(address)) && permits(inbound, address, body);
        }
    }

    private static boolean permits(List<Rule> rules, String address, Object body) {
        if (address == null || ReservedAddresses.isReserved(address)) {
            return false;
        }
        for (Rule rule : rules) {
            if (rule.matchesAddress(address) && structureMatches(rule.match(), body)) {
                return true;
            }
        }
        return false;
    }

    private static boolean structureMatches(JsonObject match, Object body) {
        if (match == null) {
            return true;
        }
        JsonObject object = asJsonObject(body);
        if (object == null) {
            return false;
        }
        for (String field : match.fieldNames()) {
            Object expected = match.getValue(field);
            Object actual = object.getValue(field);
            if (expected instanceof JsonObject) {
                if (!structureMatches((JsonObject) expected, actual)) {
                    return false;
                }
            } else if (expected == null ? actual != null : !expected.equals(actual)) {
                return false;
            }
        }
        return true;
    }

    private static JsonObject asJsonObject(Object body) {
        if (body instanceof JsonObject) {
            return (JsonObject) body;
        }
        if (body instanceof JsonBytes json) {
            return json.decoded() instanceof JsonObject object ? object : null;
        }
        // text frames (STOMP) hold JSON as bytes; a JSON string value (SockJS) is a string, not an object
        if (body instanceof Buffer) {
            try {
                return new JsonObject(body.toString());
            } catch (RuntimeException e) {
                return null;
            }
        }
        return null;
    }
}
