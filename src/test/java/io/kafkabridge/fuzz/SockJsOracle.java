package io.kafkabridge.fuzz;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kafkabridge.fuzz.BridgeRules.ECHO;
import static io.kafkabridge.fuzz.BridgeRules.MATCH;
import static io.kafkabridge.fuzz.BridgeRules.MAX_SOCKJS_HEADERS;
import static io.kafkabridge.fuzz.BridgeRules.permittedOutbound;

/**
 * The SockJS bridge frame format: a JSON object with a string {@code type} (ping, register, unregister, send,
 * publish); all but ping need a string {@code address}; {@code headers}, when present, is an object of string
 * values; {@code replyAddress}, when present, is a string (vertx-eventbus.js ids: at most 36 characters);
 * register/unregister need an address an outbound rule permits, send/publish one an inbound rule permits.
 */
final class SockJsOracle {
    static final class State {
        final Set<String> registered = new HashSet<>();
    }

    static Verdict judge(byte[] bytes, State state) {
        JsonObject frame;
        try {
            frame = new JsonObject(new String(bytes, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return Verdict.of(Expect.REJECT, "not a JSON object");
        }
        Object type = frame.getValue("type");
        if (!(type instanceof String)) {
            return Verdict.of(Expect.REJECT, type == null ? "no type" : "type is not a string");
        }
        if (type.equals("ping")) {
            return Verdict.of(Expect.ACCEPT, "ping");
        }
        if (!List.of("register", "unregister", "send", "publish").contains(type)) {
            return Verdict.of(Expect.REJECT, "unknown type");
        }
        Object address = frame.getValue("address");
        if (!(address instanceof String)) {
            return Verdict.of(Expect.REJECT, address == null ? "no address" : "address is not a string");
        }
        String addr = (String) address;
        Object headers = frame.getValue("headers");
        boolean lenient = false;
        if (headers != null) {
            if (!(headers instanceof JsonObject)) {
                return Verdict.of(Expect.REJECT, "headers is not an object");
            }
            if (((JsonObject) headers).size() > MAX_SOCKJS_HEADERS) {
                return Verdict.of(Expect.REJECT, "more than " + MAX_SOCKJS_HEADERS + " headers");
            }
            for (Map.Entry<String, Object> h : (JsonObject) headers) {
                Object v = h.getValue();
                if (v == null || v instanceof JsonObject || v instanceof JsonArray) {
                    return Verdict.of(Expect.REJECT, "a header value is not a string");
                }
                if (v instanceof String text && (text.indexOf('\u0000') >= 0 || h.getKey().chars().anyMatch(Character::isISOControl))) {
                    return Verdict.of(Expect.REJECT, "a control character in a header name, or a NUL in a value");
                }
                lenient |= !(v instanceof String);
            }
        }
        boolean sendOrPublish = type.equals("send") || type.equals("publish");
        Object replyAddress = frame.getValue("replyAddress");
        if (sendOrPublish && replyAddress != null) {
            if (!(replyAddress instanceof String)) {
                return Verdict.of(Expect.REJECT, "replyAddress is not a string");
            }
            if (((String) replyAddress).length() > 36) {
                if (type.equals("send")) {
                    return Verdict.of(Expect.REJECT, "replyAddress longer than 36");
                }
                lenient = true;
            }
        }
        if (!sendOrPublish) {
            if (!permittedOutbound(addr)) {
                return Verdict.of(Expect.REJECT, type + " of a non-permitted address");
            }
            if (type.equals("unregister")) {
                state.registered.remove(addr);
                return Verdict.of(lenient ? Expect.ANY : Expect.ACCEPT, "unregister of a permitted address");
            }
            if (addr.length() > 200 || state.registered.contains(addr)) {
                return Verdict.of(Expect.ANY, addr.length() > 200 ? "very long permitted address" : "address registered already");
            }
            if (headers != null) {
                JsonObject h = (JsonObject) headers;
                Object since = h.getValue("since");
                Object snapshot = h.getValue("snapshot");
                String problem = Since.findProblem(since == null ? null : since.toString(), snapshot == null ? null : snapshot.toString());
                if (problem != null) {
                    return Verdict.of(lenient ? Expect.ANY : Expect.REJECT, "register with " + problem);
                }
            }
            state.registered.add(addr);
            return Verdict.of(lenient ? Expect.ANY : Expect.ACCEPT, "register of a permitted address");
        }
        Object body = frame.getValue("body");
        boolean deferred = type.equals("send") && replyAddress != null;
        String awaited = deferred ? (String) replyAddress : null;
        if (addr.equals(ECHO)) {
            return new Verdict(lenient ? Expect.ANY : Expect.ACCEPT, type + " to a permitted address"
                + (awaited == null ? "" : " (fuzz.echo replies)"), deferred, lenient ? null : awaited);
        }
        if (addr.equals(MATCH)) {
            if (body == null) {
                return new Verdict(Expect.ANY, type + " without body to an address whose rule has a match", deferred);
            }
            if (body instanceof JsonObject && Boolean.TRUE.equals(((JsonObject) body).getValue("ok"))) {
                return new Verdict(lenient ? Expect.ANY : Expect.ACCEPT, type + " whose body matches the rule"
                    + (awaited == null ? "" : " (fuzz.match replies)"), deferred, lenient ? null : awaited);
            }
            return Verdict.of(Expect.REJECT, type + " whose body does not match the rule");
        }
        return Verdict.of(Expect.REJECT, type + " to a non-permitted address");
    }
}
