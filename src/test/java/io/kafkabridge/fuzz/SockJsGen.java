package io.kafkabridge.fuzz;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.kafkabridge.fuzz.BridgeRules.ALICE;
import static io.kafkabridge.fuzz.BridgeRules.ECHO;
import static io.kafkabridge.fuzz.BridgeRules.MATCH;
import static io.kafkabridge.fuzz.BridgeRules.MAX_SOCKJS_HEADERS;

/** SockJS bridge frames to fuzz with: valid, forbidden, malformed, oversized, in every category of {@link #CATEGORIES}. */
final class SockJsGen {
    record Input(String category, byte[] bytes, boolean binary) {
    }

    static final String[] TYPES = {"register", "unregister", "send", "publish", "ping"};
    static final Object[][] CATEGORIES = {
        {"ping", 6}, {"register-permitted", 8}, {"register-forbidden", 9}, {"unregister", 5}, {"send-publish-permitted", 8},
        {"send-publish-forbidden", 8}, {"wrong-field-types", 10}, {"missing-fields", 5}, {"unknown-type", 4},
        {"deep-nesting", 4}, {"huge-headers", 3}, {"huge-frame", 2}, {"non-json", 6}, {"truncated-json", 5},
        {"mutated-json", 8}, {"binary-frame", 5}, {"trailing-garbage", 3}, {"unicode-escapes", 4}, {"header-tricks", 6}, {"register-since", 6}};

    static String quote(String s) {
        return Json.encode(s);
    }

    static String pickPermittedOutbound(Random r) {
        switch (r.nextInt(6)) {
            case 0:
                return "dashboard.metrics";
            case 1:
                return ALICE;
            default:
                return "user." + Texts.makeName(r, 1, 24) + ".orders";
        }
    }

    static String pickForbiddenAddress(Random r) {
        switch (r.nextInt(26)) {
            case 0:
                return "admin.secrets";
            case 1:
                return "";
            case 2:
                return " ";
            case 3:
                return ALICE + " ";
            case 4:
                return ALICE + "\n";
            case 5:
                return "USER.alice.orders";
            case 6:
                return "user..orders";
            case 7:
                return "user.a.b.orders";
            case 8:
                return ALICE + ".x";
            case 9:
                return "dashboard.metrics.x";
            case 10:
                return "user.*.orders";
            case 11:
                return "user.[a-z]+.orders";
            case 12:
                return "__vertx.reply." + r.nextInt(1000);
            case 13:
                return "user.ålice.orders";
            case 14:
                return "user.🦊.orders";
            case 15:
                return "user.a\u0000.orders";
            case 16:
                return Texts.makeUnicode(r, 1 + r.nextInt(40));
            case 17:
                return Texts.repeat('a', 1_000 + r.nextInt(20_000));
            case 18:
                return "user." + Texts.makeName(r, 1, 10) + ".orders\u200B";
            case 19:
                return "user.alice.order";
            case 20:
                return ".user.alice.orders";
            case 21:
                return "user/alice/orders";
            case 22:
                return ECHO + "x";
            case 23:
                return "metrics";
            case 24:
                return "kafka." + Texts.makeName(r, 1, 10);
            default:
                return Texts.makeName(r, 1, 30);
        }
    }

    static String makeJsonValue(Random r, int depth) {
        int c = r.nextInt(depth > 3 ? 7 : 10);
        switch (c) {
            case 0:
                return "null";
            case 1:
                return r.nextBoolean() ? "true" : "false";
            case 2:
                return String.valueOf(r.nextInt(2_000_001) - 1_000_000);
            case 3:
                return new String[] {"1.5e308", "-0.0", "1e-400", "12345678901234567890123", "3.141592653589793"}[r.nextInt(5)];
            case 4:
                return quote(Texts.makeUnicode(r, r.nextInt(20)));
            case 5:
                return quote(Texts.makeName(r, 0, 20));
            case 6:
                return "\"\"";
            case 7: {
                StringBuilder sb = new StringBuilder("{");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "").append(quote(Texts.makeName(r, 1, 8))).append(':').append(makeJsonValue(r, depth + 1));
                }
                return sb.append('}').toString();
            }
            default: {
                StringBuilder sb = new StringBuilder("[");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "").append(makeJsonValue(r, depth + 1));
                }
                return sb.append(']').toString();
            }
        }
    }

    static String nest(Random r, int depth) {
        boolean arrays = r.nextBoolean();
        StringBuilder sb = new StringBuilder(depth * 6 + 8);
        for (int i = 0; i < depth; i++) {
            sb.append(arrays ? "[" : "{\"a\":");
        }
        sb.append("1");
        for (int i = 0; i < depth; i++) {
            sb.append(arrays ? "]" : "}");
        }
        return sb.toString();
    }

    static String makeHeaders(Random r) {
        StringBuilder sb = new StringBuilder("{");
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? "," : "").append(quote(Texts.makeName(r, 1, 10))).append(':').append(quote(Texts.makeUnicode(r, r.nextInt(12))));
        }
        return sb.append('}').toString();
    }

    /** A JSON object from field name -> raw JSON value, in random order. */
    static String encodeObject(Random r, Map<String, String> fields) {
        List<Map.Entry<String, String>> entries = new ArrayList<>(fields.entrySet());
        Collections.shuffle(entries, r);
        StringBuilder sb = new StringBuilder("{");
        String sep = r.nextInt(8) == 0 ? ", " : ",";
        for (int i = 0; i < entries.size(); i++) {
            sb.append(i > 0 ? sep : "").append(quote(entries.get(i).getKey())).append(':').append(entries.get(i).getValue());
        }
        return sb.append('}').toString();
    }

    static Map<String, String> startFields(String type, String address) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("type", quote(type));
        if (address != null) {
            m.put("address", quote(address));
        }
        return m;
    }

    static String makeReplyAddress(Random r) {
        return quote("r." + Texts.makeName(r, 1, 30));
    }

    static String makeValidFrame(Random r) {
        switch (r.nextInt(5)) {
            case 0:
                return "{\"type\":\"ping\"}";
            case 1:
                return encodeObject(r, startFields("register", pickPermittedOutbound(r)));
            case 2: {
                Map<String, String> f = startFields(r.nextBoolean() ? "send" : "publish", ECHO);
                f.put("body", makeJsonValue(r, 0));
                f.put("headers", makeHeaders(r));
                return encodeObject(r, f);
            }
            case 3:
                return encodeObject(r, startFields("unregister", pickPermittedOutbound(r)));
            default: {
                Map<String, String> f = startFields("publish", MATCH);
                f.put("body", "{\"ok\":true,\"n\":" + r.nextInt(100) + "}");
                return encodeObject(r, f);
            }
        }
    }

    static Input generate(Random r) {
        String category = Texts.pickWeighted(r, CATEGORIES);
        String text;
        switch (category) {
            case "ping": {
                Map<String, String> f = startFields("ping", null);
                int extra = r.nextInt(3);
                for (int i = 0; i < extra; i++) {
                    f.put(r.nextBoolean() ? "address" : Texts.makeName(r, 1, 8), makeJsonValue(r, 0));
                }
                text = encodeObject(r, f);
                break;
            }
            case "register-permitted": {
                Map<String, String> f = startFields("register", pickPermittedOutbound(r));
                if (r.nextBoolean()) {
                    f.put("headers", makeHeaders(r));
                }
                text = encodeObject(r, f);
                break;
            }
            case "register-forbidden": {
                Map<String, String> f = startFields("register", pickForbiddenAddress(r));
                if (r.nextBoolean()) {
                    f.put("headers", makeHeaders(r));
                }
                text = encodeObject(r, f);
                break;
            }
            case "unregister":
                text = encodeObject(r, startFields("unregister", r.nextBoolean() ? pickPermittedOutbound(r) : pickForbiddenAddress(r)));
                break;
            case "register-since": {
                Map<String, String> f = startFields("register", pickPermittedOutbound(r));
                Map<String, String> h = new LinkedHashMap<>();
                if (r.nextInt(8) > 0) {
                    h.put("since", r.nextInt(12) == 0 ? makeJsonValue(r, 2) : quote(Since.makeSince(r)));
                }
                if (r.nextInt(3) == 0) {
                    h.put("snapshot", quote(Since.makeSnapshot(r)));
                }
                f.put("headers", encodeObject(r, h));
                text = encodeObject(r, f);
                break;
            }
            case "send-publish-permitted": {
                boolean match = r.nextInt(3) == 0;
                Map<String, String> f = startFields(r.nextBoolean() ? "send" : "publish", match ? MATCH : ECHO);
                if (match) {
                    int m = r.nextInt(6);
                    f.put("body", m == 0 ? "{\"ok\":false}" : m == 1 ? "\"{\\\"ok\\\":true}\"" : m == 2 ? "{\"ok\":\"true\"}"
                        : "{\"ok\":true,\"x\":" + makeJsonValue(r, 1) + "}");
                } else if (r.nextInt(5) > 0) {
                    f.put("body", makeJsonValue(r, 0));
                }
                if (r.nextBoolean()) {
                    f.put("headers", makeHeaders(r));
                }
                if (r.nextInt(3) == 0) {
                    f.put("replyAddress", r.nextInt(8) == 0 ? quote("r." + Texts.makeName(r, 36, 60)) : makeReplyAddress(r));
                }
                text = encodeObject(r, f);
                break;
            }
            case "send-publish-forbidden": {
                Map<String, String> f = startFields(r.nextBoolean() ? "send" : "publish", r.nextInt(5) == 0 ? ALICE : pickForbiddenAddress(r));
                f.put("body", makeJsonValue(r, 0));
                if (r.nextBoolean()) {
                    f.put("headers", makeHeaders(r));
                }
                if (r.nextInt(3) == 0) {
                    f.put("replyAddress", makeReplyAddress(r));
                }
                text = encodeObject(r, f);
                break;
            }
            case "wrong-field-types": {
                String type = TYPES[r.nextInt(4)];
                Map<String, String> f = startFields(type, type.startsWith("s") || type.startsWith("p") ? (r.nextBoolean() ? ECHO : pickForbiddenAddress(r))
                    : (r.nextBoolean() ? pickPermittedOutbound(r) : pickForbiddenAddress(r)));
                String[] wrong = {"42", "true", "false", "[]", "{}", "[\"" + ECHO + "\"]", "{\"address\":\"" + ALICE + "\"}", "1.5", "[null]"};
                switch (r.nextInt(6)) {
                    case 0:
                        f.put("type", new String[] {"42", "true", "[\"register\"]", "{\"type\":\"register\"}", "1.0", "[]"}[r.nextInt(6)]);
                        break;
                    case 1:
                        f.put("address", wrong[r.nextInt(wrong.length)]);
                        break;
                    case 2:
                        f.put("headers", new String[] {"\"a:b\"", "42", "[]", "[\"a\",\"b\"]", "true", "\"\""}[r.nextInt(6)]);
                        break;
                    case 3:
                        f.put("headers", "{\"h\":" + new String[] {"null", "{}", "[]", "{\"x\":1}", "[1,2]", "42", "true"}[r.nextInt(7)] + "}");
                        break;
                    case 4:
                        f.put("replyAddress", new String[] {"42", "{}", "[]", "true", "[\"r.1\"]"}[r.nextInt(5)]);
                        break;
                    default:
                        f.put("body", makeJsonValue(r, 0));
                        f.put("headers", new String[] {"42", "\"h\"", "[]"}[r.nextInt(3)]);
                        break;
                }
                text = encodeObject(r, f);
                break;
            }
            case "missing-fields": {
                String[] options = {"{}", "{\"address\":\"" + ALICE + "\"}", "{\"type\":\"register\"}", "{\"type\":\"send\",\"body\":1}",
                    "{\"type\":null}", "{\"type\":\"register\",\"address\":null}", "{\"type\":\"publish\",\"address\":null,\"body\":{}}",
                    "{\"Type\":\"register\",\"address\":\"" + ALICE + "\"}", "{\"type\":\"unregister\"}", "{\"body\":\"x\"}",
                    "{\"type\":\"register\",\"addr\":\"" + ALICE + "\"}"};
                text = options[r.nextInt(options.length)];
                break;
            }
            case "unknown-type": {
                String[] types = {"subscribe", "REGISTER", "Ping", "", " ping", "ping\u0000", "rec", "err", "sendd", "registerr",
                    "注册", Texts.repeat('x', 1_000 + r.nextInt(5_000)), "close", "unsubscribe", "reply"};
                text = encodeObject(r, startFields(types[r.nextInt(types.length)], r.nextBoolean() ? ALICE : ECHO));
                break;
            }
            case "deep-nesting": {
                int depth = new int[] {50, 500, 999, 1_001, 2_000, 5_000}[r.nextInt(6)];
                String type = r.nextBoolean() ? "publish" : "send";
                Map<String, String> f = startFields(type, r.nextBoolean() ? ECHO : pickForbiddenAddress(r));
                switch (r.nextInt(3)) {
                    case 0:
                        f.put("body", nest(r, depth));
                        break;
                    case 1:
                        f.put("headers", "{\"h\":" + nest(r, depth) + "}");
                        break;
                    default:
                        f.put("address", nest(r, depth));
                        break;
                }
                text = encodeObject(r, f);
                break;
            }
            case "huge-headers": {
                Map<String, String> f = startFields(r.nextBoolean() ? "publish" : "register",
                    r.nextBoolean() ? (r.nextBoolean() ? ECHO : ALICE) : pickForbiddenAddress(r));
                StringBuilder h = new StringBuilder("{");
                if (r.nextBoolean()) {
                    int n = 500 + r.nextInt(4_500);
                    for (int i = 0; i < n; i++) {
                        h.append(i > 0 ? "," : "").append("\"h").append(i).append("\":\"v").append(i).append('"');
                    }
                } else {
                    h.append("\"h\":").append(quote(Texts.repeat('v', 20_000 + r.nextInt(r.nextInt(8) == 0 ? 250_000 : 60_000))));
                }
                f.put("headers", h.append('}').toString());
                text = encodeObject(r, f);
                break;
            }
            case "header-tricks": {
                // floods, control characters and the gateway's own header names in other cases
                Map<String, String> f = startFields(r.nextBoolean() ? "publish" : "send", ECHO);
                JsonObject h = new JsonObject();
                switch (r.nextInt(6)) {
                    case 0 -> {
                        int n = MAX_SOCKJS_HEADERS + 1 + r.nextInt(10);
                        for (int i = 0; i < n; i++) {
                            h.put("h" + i, "v");
                        }
                    }
                    case 1 -> {
                        for (int i = 0; i < MAX_SOCKJS_HEADERS; i++) {
                            h.put("h" + i, Texts.repeat('v', r.nextInt(40)));
                        }
                    }
                    case 2 -> h.put("x", "a\u0000" + new String[] {"RECEIPT\nreceipt-id:r1\n\n", "ERROR\n\n", ""}[r.nextInt(3)]);
                    case 3 -> h.put("x" + new String[] {"\u0001", "\n", "\r", "\u0000", "\u007f"}[r.nextInt(5)] + "y", "v");
                    case 4 -> h.put(new String[] {"User", "USER", "Sink.Index", "sink.KEY", "Sink.key"}[r.nextInt(5)], "forged")
                        .put("Content-Length", "1").put("Subscription", "forged");
                    default -> h.put("x", "line\r\nbreaks:and:colons\\");
                }
                f.put("headers", h.encode());
                text = encodeObject(r, f);
                break;
            }
            case "huge-frame": {
                Map<String, String> f = startFields("publish", r.nextBoolean() ? ECHO : pickForbiddenAddress(r));
                f.put("body", quote(Texts.repeat('b', 66_000 + r.nextInt(r.nextInt(8) == 0 ? 240_000 : 30_000))));
                text = encodeObject(r, f);
                break;
            }
            case "non-json": {
                String[] options = {"null", "[]", "[{\"type\":\"ping\"}]", "123", "\"register\"", "", " ", "\n", "true", "{", "}",
                    "<register address=\"" + ALICE + "\"/>", "type=register&address=" + ALICE, "{type:'ping'}",
                    "{'type':'register','address':'" + ALICE + "'}", "undefined", "NaN", "{\"type\":\"ping\",}", "//\n{}",
                    Texts.makeUnicode(r, 1 + r.nextInt(60)), "{\"type\":\"ping\"/*c*/}", "\u0000", "{\"type\":\"ping\"\u0000}"};
                text = options[r.nextInt(options.length)];
                break;
            }
            case "truncated-json": {
                String valid = makeValidFrame(r);
                text = valid.substring(0, r.nextInt(Math.max(1, valid.length() - 1)));
                break;
            }
            case "mutated-json":
                text = mutate(r, makeValidFrame(r), 1 + r.nextInt(4));
                break;
            case "binary-frame":
                if (r.nextInt(5) < 3) {
                    return new Input(category, Texts.makeBytes(r, 1 + r.nextInt(r.nextInt(10) == 0 ? 100_000 : 600)), true);
                }
                return new Input(category, Texts.encode(makeValidFrame(r)), true);
            case "trailing-garbage": {
                String valid = makeValidFrame(r);
                String[] tails = {" x", valid, "\n", "}", ",", " \t ", "\u0000", "]", "{}", " // c"};
                text = valid + tails[r.nextInt(tails.length)];
                break;
            }
            case "unicode-escapes": {
                String[] addresses = {"\\u0075ser.alice.orders", "user.\\u0061lice.orders", "user.alice\\u002eorders",
                    "user.alice.orders\\u0000", "\\u0000", "user.\\ud83e\\udd8a.orders", "user.\\ud83e.orders", "dashboard\\u002Emetrics",
                    "user.alice.orders\\u200b", "\\u202euser.alice.orders"};
                String type = r.nextBoolean() ? "register" : "publish";
                text = "{\"type\":\"" + type + "\",\"address\":\"" + addresses[r.nextInt(addresses.length)] + "\""
                    + (type.equals("publish") ? ",\"body\":\"" + Texts.makeUnicode(r, 10).replace("\\", "\\\\").replace("\"", "\\\"")
                        .replace("\u0000", "\\u0000").replace("\u0007", "\\u0007").replace("\u001B", "\\u001b") + "\"" : "")
                    + "}";
                break;
            }
            default:
                throw new IllegalStateException(category);
        }
        boolean binary = r.nextInt(10) == 0;
        return new Input(category, Texts.encode(text), binary);
    }

    static String mutate(Random r, String s, int n) {
        StringBuilder sb = new StringBuilder(s);
        String specials = "\"{}[],:\\u0 \n\t";
        for (int i = 0; i < n && sb.length() > 0; i++) {
            int pos = r.nextInt(sb.length());
            switch (r.nextInt(5)) {
                case 0:
                    sb.deleteCharAt(pos);
                    break;
                case 1:
                    sb.insert(pos, specials.charAt(r.nextInt(specials.length())));
                    break;
                case 2:
                    sb.setCharAt(pos, specials.charAt(r.nextInt(specials.length())));
                    break;
                case 3:
                    sb.insert(pos, Texts.UNICODE[r.nextInt(Texts.UNICODE.length)]);
                    break;
                default:
                    sb.setCharAt(pos, (char) (0x20 + r.nextInt(0x5F)));
                    break;
            }
        }
        return sb.toString();
    }
}
