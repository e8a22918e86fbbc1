package io.kafkabridge.fuzz;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The fuzzed node's bridge rules and limits, as the README states them: the generators aim at them, the oracles judge by
 * them, and {@link #bridgeConfig()} gives them to the node.
 */
final class BridgeRules {

    /** The address of key {@code alice} on the fuzzed topic: the well-behaved clients watch it, the generators use it. */
    static final String ALICE = "user.alice.orders";
    /** Inbound (client to event bus) and answered: the markers that delimit inputs go there. */
    static final String ECHO = "fuzz.echo";
    /** Inbound when the body is a JSON object holding {@code "ok": true}; answered too. */
    static final String MATCH = "fuzz.match";
    static final Pattern OUTBOUND_REGEX = Pattern.compile("user\\.[A-Za-z0-9_-]+\\.orders");
    /** The node's default maximum STOMP frame body. */
    static final int STOMP_MAX_BODY = 65_536;
    /** Most headers a SockJS frame may carry. */
    static final int MAX_SOCKJS_HEADERS = 32;

    private BridgeRules() {
    }

    /** The node's {@code bridge} section: {@link #ECHO} and {@link #MATCH} inbound, the user orders and dashboard.metrics outbound. */
    static JsonObject bridgeConfig() {
        return new JsonObject()
            .put("inboundPermitteds", new JsonArray()
                .add(new JsonObject().put("address", ECHO))
                .add(new JsonObject().put("address", MATCH).put("match", new JsonObject().put("ok", true))))
            .put("outboundPermitteds", new JsonArray()
                .add(new JsonObject().put("addressRegex", OUTBOUND_REGEX.pattern()))
                .add(new JsonObject().put("address", "dashboard.metrics")));
    }

    static boolean permittedOutbound(String address) {
        return address != null && (OUTBOUND_REGEX.matcher(address).matches() || "dashboard.metrics".equals(address));
    }

    /** STOMP inbound rules as the README states them: exact fuzz.echo, or fuzz.match with a JSON-object body containing ok:true. */
    static boolean permittedInbound(String destination, byte[] body) {
        if (ECHO.equals(destination)) {
            return true;
        }
        if (!MATCH.equals(destination)) {
            return false;
        }
        try {
            JsonObject json = new JsonObject(new String(body, StandardCharsets.UTF_8));
            return Boolean.TRUE.equals(json.getValue("ok"));
        } catch (RuntimeException e) {
            return false;
        }
    }
}
