package io.kafkabridge.bridge;

import io.kafkabridge.config.PermissionsOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The permitted-address rules as a pure matcher, with the semantics of Vert.x's SockJS bridge: a message passes when
 * some rule's {@code address} equals, or {@code addressRegex} matches the whole address, and the rule's
 * {@code match} (if any) is contained in the JSON body. No rule, no passage.
 */
public final class PermissionRules {

    private record Rule(String address, Pattern regex, JsonObject match) {

        boolean matchesAddress(String candidate) {
            return address != null ? address.equals(candidate) : regex.matcher(candidate).matches();
        }
    }

    private final List<Rule> inbound;
    private final List<Rule> outbound;

    public PermissionRules(PermissionsOptions options) {
        this.inbound = compile(options.getInboundPermitteds());
        this.outbound = compile(options.getOutboundPermitteds());
    }

    private static List<Rule> compile(List<PermittedOptions> permitteds) {
        return permitteds.stream()
            .map(p -> new Rule(p.getAddress(), p.getAddressRegex() == null ? null : Pattern.compile(p.getAddressRegex()), p.getMatch()))
            .toList();
    }

    /**
     * @return whether a client may receive messages from {@code address} (SockJS register, STOMP SUBSCRIBE)
     */
    public boolean permitsOutbound(String address) {
        return outbound.stream().anyMatch(rule -> rule.matchesAddress(address));
    }

    /**
     * @return whether a message with this body may be delivered from {@code address} to a client
     */
    public boolean permitsOutbound(String address, Object body) {
        return permits(outbound, address, body);
    }

    /**
     * @param body the message body: a JsonObject, or text that may hold a JSON object, or null
     * @return whether a client may send this body to {@code address} (SockJS send/publish, STOMP SEND)
     */
    public boolean permitsInbound(String address, Object body) {
        return permits(inbound, address, body);
    }

    private static boolean permits(List<Rule> rules, String address, Object body) {
        if (address == null) {
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
        if (body instanceof String || body instanceof io.vertx.core.buffer.Buffer) {
            try {
                return new JsonObject(body.toString());
            } catch (RuntimeException e) {
                return null;
            }
        }
        return null;
    }
}
