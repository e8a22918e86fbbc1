package io.kafkabridge.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.kafkabridge.fuzz.BridgeRules.ALICE;
import static io.kafkabridge.fuzz.BridgeRules.ECHO;
import static io.kafkabridge.fuzz.BridgeRules.MATCH;
import static io.kafkabridge.fuzz.BridgeRules.STOMP_MAX_BODY;

/**
 * STOMP frames to fuzz with: {@link #generateOpening} for the first input of a fresh connection, {@link #generateConnected} for one
 * after a valid CONNECT, in every category of {@link #CATEGORIES}.
 */
final class StompGen {
    record Input(String category, byte[] bytes) {
    }

    static final byte[] CLEAN_CONNECT = Texts.encode("CONNECT\naccept-version:1.2\nhost:127.0.0.1\nheart-beat:0,0\n\n\0");

    static final Object[][] CATEGORIES = {
        {"send-echo", 10}, {"send-match", 4}, {"send-forbidden", 8}, {"send-no-destination", 3}, {"subscribe-valid", 7},
        {"subscribe-bad", 7}, {"unsubscribe", 5}, {"transactions", 7}, {"ack-nack", 3}, {"unknown-command", 6},
        {"connect-again", 2}, {"heart-beat", 3}, {"disconnect", 2}, {"header-escapes", 4}, {"content-length-bad", 3},
        {"content-length-larger", 2}, {"missing-nul", 3}, {"huge-header", 2}, {"many-headers", 2}, {"huge-body", 3},
        {"header-no-colon", 3}, {"body-on-bodyless", 2}, {"random-bytes", 4}, {"byte-mutation", 7}, {"multi-frame", 4},
        {"unicode", 3}, {"command-case-blanks", 2}, {"header-tricks", 5}, {"subscribe-since", 5}};

    /** One frame being built. */
    static final class FrameBuilder {
        String command;
        final List<String> headerLines = new ArrayList<>();
        byte[] body = new byte[0];
        String eol = "\n";
        String contentLength; // raw value, null = none
        String terminator = "\0";

        FrameBuilder(String command) {
            this.command = command;
        }

        FrameBuilder header(String name, String value) {
            headerLines.add(escape(name) + ":" + escape(value));
            return this;
        }

        FrameBuilder rawHeader(String line) {
            headerLines.add(line);
            return this;
        }

        FrameBuilder body(byte[] b) {
            body = b;
            return this;
        }

        FrameBuilder correctLength() {
            contentLength = String.valueOf(body.length);
            return this;
        }

        byte[] toBytes() {
            StringBuilder sb = new StringBuilder(command).append(eol);
            for (String line : headerLines) {
                sb.append(line).append(eol);
            }
            if (contentLength != null) {
                sb.append("content-length:").append(contentLength).append(eol);
            }
            sb.append(eol);
            return Texts.concat(Texts.encode(sb.toString()), body, Texts.encode(terminator));
        }
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace(":", "\\c");
    }

    static String pickForbidden(Random r) {
        return r.nextInt(5) == 0 ? ALICE : SockJsGen.pickForbiddenAddress(r).replace("\u0000", "");
    }

    static byte[] makeTextBody(Random r) {
        switch (r.nextInt(6)) {
            case 0:
                return new byte[0];
            case 1:
                return Texts.encode(SockJsGen.makeJsonValue(r, 0));
            case 2:
                return Texts.encode(Texts.makeUnicode(r, r.nextInt(40)).replace("\u0000", ""));
            case 3:
                return Texts.encode("{\"orderId\":\"X-" + r.nextInt(1000) + "\",\"status\":\"PAID\"}");
            default:
                return Texts.encode(Texts.makeName(r, 0, 80));
        }
    }

    static void addReceiptSometimes(Random r, FrameBuilder f) {
        if (r.nextInt(4) == 0) {
            f.header("receipt", "r-" + Texts.makeName(r, 1, 12));
        }
    }

    static void addExtrasSometimes(Random r, FrameBuilder f) {
        int n = r.nextInt(3);
        for (int i = 0; i < n; i++) {
            f.header(Texts.makeName(r, 1, 12), Texts.makeUnicode(r, r.nextInt(16)));
        }
        if (r.nextInt(5) == 0) {
            f.eol = "\r\n";
        }
    }

    static FrameBuilder makeSendEcho(Random r) {
        FrameBuilder f = new FrameBuilder("SEND").header("destination", ECHO);
        if (r.nextInt(4) == 0) {
            f.body(Texts.makeBytes(r, 1 + r.nextInt(200))).correctLength();
        } else {
            f.body(makeTextBody(r));
            if (r.nextInt(3) == 0) {
                f.correctLength();
            }
        }
        if (r.nextBoolean()) {
            f.header("content-type", r.nextBoolean() ? "application/json" : "text/plain;charset=utf-8");
        }
        addReceiptSometimes(r, f);
        addExtrasSometimes(r, f);
        return f;
    }

    static String makeId(Random r) {
        return "s-" + Texts.makeName(r, 1, 10);
    }

    static FrameBuilder makeValidFrame(Random r, StompOracle.State s) {
        switch (r.nextInt(4)) {
            case 0:
                return new FrameBuilder("SUBSCRIBE").header("id", makeId(r)).header("destination", SockJsGen.pickPermittedOutbound(r));
            case 1:
                return new FrameBuilder("BEGIN").header("transaction", "t-" + Texts.makeName(r, 1, 8));
            default:
                return makeSendEcho(r);
        }
    }

    /** An input on a connection that has sent a valid CONNECT. */
    static Input generateConnected(Random r, StompOracle.State s) {
        String category = Texts.pickWeighted(r, CATEGORIES);
        byte[] bytes;
        switch (category) {
            case "send-echo":
                bytes = makeSendEcho(r).toBytes();
                break;
            case "send-match": {
                int m = r.nextInt(5);
                String body = m == 0 ? "{\"ok\":false}" : m == 1 ? "not json" : "{\"ok\":true,\"n\":" + r.nextInt(100) + "}";
                FrameBuilder f = new FrameBuilder("SEND").header("destination", MATCH).body(Texts.encode(body));
                if (r.nextBoolean()) {
                    f.correctLength();
                }
                addReceiptSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "send-forbidden": {
                FrameBuilder f = new FrameBuilder("SEND").header("destination", pickForbidden(r)).body(makeTextBody(r));
                addReceiptSometimes(r, f);
                addExtrasSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "send-no-destination": {
                FrameBuilder f = new FrameBuilder("SEND").body(makeTextBody(r));
                if (r.nextBoolean()) {
                    f.header("Destination", ECHO);
                }
                addReceiptSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "subscribe-valid": {
                FrameBuilder f = new FrameBuilder("SUBSCRIBE").header("id", makeId(r)).header("destination", SockJsGen.pickPermittedOutbound(r));
                if (r.nextBoolean()) {
                    f.header("ack", new String[] {"auto", "client", "client-individual"}[r.nextInt(3)]);
                }
                addReceiptSometimes(r, f);
                addExtrasSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "subscribe-since": {
                FrameBuilder f = new FrameBuilder("SUBSCRIBE").header("id", makeId(r)).header("destination", SockJsGen.pickPermittedOutbound(r));
                if (r.nextInt(8) > 0) {
                    f.header("since", Since.makeSince(r));
                }
                if (r.nextInt(3) == 0) {
                    f.header("snapshot", Since.makeSnapshot(r));
                }
                addReceiptSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "subscribe-bad": {
                FrameBuilder f = new FrameBuilder("SUBSCRIBE");
                switch (r.nextInt(5)) {
                    case 0:
                        f.header("id", makeId(r)).header("destination", pickForbidden(r));
                        break;
                    case 1:
                        f.header("destination", SockJsGen.pickPermittedOutbound(r));
                        break;
                    case 2:
                        f.header("id", makeId(r));
                        break;
                    case 3:
                        f.header("id", s.subscriptions.isEmpty() ? "dup" : s.subscriptions.iterator().next())
                            .header("destination", SockJsGen.pickPermittedOutbound(r));
                        if (s.subscriptions.isEmpty()) {
                            bytes = Texts.concat(f.toBytes(), f.toBytes());
                            return new Input(category, bytes);
                        }
                        break;
                    default:
                        f.header("id", makeId(r)).header("destination", SockJsGen.pickPermittedOutbound(r)).header("ack", Texts.makeUnicode(r, 1 + r.nextInt(8)));
                        break;
                }
                addReceiptSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "unsubscribe": {
                FrameBuilder f = new FrameBuilder("UNSUBSCRIBE");
                int m = r.nextInt(3);
                if (m == 0 && !s.subscriptions.isEmpty()) {
                    f.header("id", s.subscriptions.iterator().next());
                } else if (m < 2) {
                    f.header("id", makeId(r));
                }
                addReceiptSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "transactions": {
                String known = s.transactions.isEmpty() ? null : s.transactions.keySet().iterator().next();
                String fresh = "t-" + Texts.makeName(r, 1, 8);
                switch (r.nextInt(7)) {
                    case 0:
                        bytes = new FrameBuilder("BEGIN").header("transaction", fresh).toBytes();
                        break;
                    case 1:
                        bytes = Texts.concat(new FrameBuilder("BEGIN").header("transaction", fresh).toBytes(),
                            new FrameBuilder("SEND").header("destination", r.nextBoolean() ? ECHO : pickForbidden(r)).header("transaction", fresh).body(makeTextBody(r)).toBytes(),
                            new FrameBuilder(r.nextInt(3) == 0 ? "ABORT" : "COMMIT").header("transaction", fresh).toBytes());
                        break;
                    case 2:
                        bytes = new FrameBuilder(r.nextBoolean() ? "COMMIT" : "ABORT").header("transaction", known != null && r.nextBoolean() ? known : fresh).toBytes();
                        break;
                    case 3:
                        bytes = new FrameBuilder("SEND").header("destination", r.nextBoolean() ? ECHO : pickForbidden(r))
                            .header("transaction", known != null ? known : fresh).body(makeTextBody(r)).toBytes();
                        break;
                    case 4:
                        bytes = new FrameBuilder(new String[] {"BEGIN", "COMMIT", "ABORT"}[r.nextInt(3)]).toBytes();
                        break;
                    case 5:
                        bytes = Texts.concat(new FrameBuilder("BEGIN").header("transaction", fresh).toBytes(), new FrameBuilder("BEGIN").header("transaction", fresh).toBytes());
                        break;
                    default:
                        bytes = new FrameBuilder("BEGIN").header("transaction", known != null ? known : fresh).toBytes();
                        break;
                }
                break;
            }
            case "ack-nack": {
                FrameBuilder f = new FrameBuilder(r.nextBoolean() ? "ACK" : "NACK");
                int m = r.nextInt(3);
                if (m > 0) {
                    f.header("id", "m-" + Texts.makeName(r, 1, 10));
                }
                if (m == 2) {
                    f.header("transaction", "t-unknown-" + Texts.makeName(r, 1, 4));
                }
                bytes = f.toBytes();
                break;
            }
            case "unknown-command": {
                String[] commands = {"FOO", "send", "MESSAGE", "ERROR", "RECEIPT", "CONNECTED", "PING", "UNKNOWN", "SUBSCRIBEX",
                    "SEN D", "GET / HTTP/1.1", Texts.makeName(r, 1, 20), Texts.makeUnicode(r, 1 + r.nextInt(10)).replace("\n", ""),
                    Texts.repeat('X', 1_000 + r.nextInt(9_000)), "SEND\u0000", "ПРИВЕТ"};
                FrameBuilder f = new FrameBuilder(commands[r.nextInt(commands.length)]).header("destination", ECHO);
                addReceiptSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "connect-again":
                bytes = new FrameBuilder(r.nextBoolean() ? "CONNECT" : "STOMP").rawHeader("accept-version:1.2").rawHeader("host:127.0.0.1").toBytes();
                break;
            case "heart-beat":
                bytes = Texts.encode(new String[] {"\n", "\r\n", "\n\n\n", "\r\n\n"}[r.nextInt(4)]);
                break;
            case "disconnect": {
                FrameBuilder f = new FrameBuilder("DISCONNECT");
                addReceiptSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "header-escapes": {
                String[] good = {"fuzz\\c.echo", "fuzz.ech\\\\o", "fuzz.echo\\n", "fuzz.echo\\r", "user\\c.alice\\c.orders"};
                String[] bad = {"fuzz.echo\\t", "fuzz.echo\\", "fuzz.\\echo", "\\x41", "fuzz\\;echo", "\\u0041", "\\0", "a\\\\\\"};
                boolean invalid = r.nextBoolean();
                String value = invalid ? bad[r.nextInt(bad.length)] : good[r.nextInt(good.length)];
                FrameBuilder f = new FrameBuilder(r.nextBoolean() ? "SEND" : "SUBSCRIBE").rawHeader("id:" + makeId(r));
                switch (r.nextInt(3)) {
                    case 0:
                        f.rawHeader("destination:" + value);
                        break;
                    case 1:
                        f.header("destination", f.command.equals("SEND") ? ECHO : SockJsGen.pickPermittedOutbound(r)).rawHeader("x-custom:" + value);
                        break;
                    default:
                        f.header("destination", f.command.equals("SEND") ? ECHO : SockJsGen.pickPermittedOutbound(r)).rawHeader(value + ":v");
                        break;
                }
                bytes = f.toBytes();
                break;
            }
            case "content-length-bad": {
                FrameBuilder f = new FrameBuilder("SEND").header("destination", ECHO).body(Texts.encode("hello"));
                f.contentLength = new String[] {"abc", "-1", " 5", "5 ", "99999999999", "+5", "0x5", "", "2", "0", "5.0", "1e1",
                    "-0"}[r.nextInt(13)];
                addReceiptSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "content-length-larger": {
                FrameBuilder f = new FrameBuilder("SEND").header("destination", ECHO).body(Texts.encode("hello"));
                f.contentLength = String.valueOf(6 + r.nextInt(r.nextBoolean() ? 10 : 200_000));
                f.terminator = "";
                bytes = f.toBytes();
                break;
            }
            case "missing-nul": {
                FrameBuilder f = r.nextBoolean() ? makeSendEcho(r) : makeValidFrame(r, s);
                f.terminator = "";
                bytes = f.toBytes();
                break;
            }
            case "huge-header": {
                FrameBuilder f = new FrameBuilder(r.nextBoolean() ? "SEND" : "SUBSCRIBE").header("id", makeId(r))
                    .header("destination", r.nextBoolean() ? ECHO : SockJsGen.pickPermittedOutbound(r));
                if (r.nextBoolean()) {
                    f.header("x-big", Texts.repeat('v', 65_536 + r.nextInt(100_000)));
                } else {
                    f.rawHeader(Texts.repeat('n', 65_536 + r.nextInt(50_000)) + ":v");
                }
                bytes = f.toBytes();
                break;
            }
            case "header-tricks": {
                FrameBuilder f = new FrameBuilder("SEND").header("destination", ECHO);
                switch (r.nextInt(4)) {
                    case 0 -> {
                        // a small body with headers far over the frame limit (the observed amplification)
                        for (int i = 0; i < 8 + r.nextInt(60); i++) {
                            f.header("h" + i, Texts.repeat('v', 10_000));
                        }
                    }
                    case 1 -> {
                        for (int i = 0; i < 2 + r.nextInt(5); i++) {
                            f.header("h" + i, Texts.repeat('v', 1_000));
                        }
                    }
                    case 2 -> f.header(new String[] {"Subscription", "Message-Id", "User", "Sink.Key", "SINK.INDEX", "Receipt"}[r.nextInt(6)],
                        "forged").header("Content-Length", String.valueOf(r.nextInt(3)));
                    default -> f.header("x", new String[] {"a\nb", "a\rb", "a:b", "a\\b"}[r.nextInt(4)]);
                }
                f.body(Texts.encode("{\"text\":\"tricks\"}"));
                bytes = f.toBytes();
                break;
            }
            case "many-headers": {
                FrameBuilder f = new FrameBuilder("SEND").header("destination", ECHO);
                int n = 2_000 + r.nextInt(2_000);
                for (int i = 0; i < n; i++) {
                    f.rawHeader("h" + i + ":v");
                }
                bytes = f.toBytes();
                break;
            }
            case "huge-body": {
                FrameBuilder f = new FrameBuilder("SEND").header("destination", r.nextInt(4) == 0 ? pickForbidden(r) : ECHO);
                int size = r.nextInt(4) == 0 ? STOMP_MAX_BODY : STOMP_MAX_BODY + 1 + r.nextInt(150_000);
                f.body(Texts.encode(Texts.repeat('b', size)));
                if (r.nextBoolean()) {
                    f.correctLength();
                }
                bytes = f.toBytes();
                break;
            }
            case "header-no-colon": {
                FrameBuilder f = new FrameBuilder("SEND").header("destination", ECHO).rawHeader(new String[] {"nocolon", "destination=fuzz.echo", " ", "\t",
                    "receipt;r1", Texts.makeName(r, 1, 30)}[r.nextInt(6)]);
                bytes = f.toBytes();
                break;
            }
            case "body-on-bodyless": {
                FrameBuilder f = new FrameBuilder(new String[] {"SUBSCRIBE", "UNSUBSCRIBE", "BEGIN", "DISCONNECT", "ACK"}[r.nextInt(5)])
                    .header("id", makeId(r)).header("destination", SockJsGen.pickPermittedOutbound(r)).header("transaction", "t-" + Texts.makeName(r, 1, 6))
                    .body(Texts.encode("body-" + Texts.makeName(r, 1, 20)));
                if (r.nextBoolean()) {
                    f.correctLength();
                }
                bytes = f.toBytes();
                break;
            }
            case "random-bytes":
                bytes = Texts.makeBytes(r, 1 + r.nextInt(r.nextInt(10) == 0 ? 20_000 : 300));
                break;
            case "byte-mutation":
                bytes = mutate(r, (r.nextBoolean() ? makeSendEcho(r) : makeValidFrame(r, s)).toBytes(), 1 + r.nextInt(5));
                break;
            case "multi-frame": {
                int n = 2 + r.nextInt(2);
                byte[][] parts = new byte[n][];
                for (int i = 0; i < n; i++) {
                    parts[i] = r.nextInt(3) == 0 ? new FrameBuilder("SEND").header("destination", pickForbidden(r)).toBytes() : makeValidFrame(r, s).toBytes();
                }
                bytes = Texts.concat(parts);
                break;
            }
            case "unicode": {
                FrameBuilder f = new FrameBuilder("SEND").header("destination", r.nextBoolean() ? ECHO : "fuzz.écho")
                    .header(Texts.makeUnicode(r, 1 + r.nextInt(8)).replace("\u0000", "x"), Texts.makeUnicode(r, r.nextInt(30)).replace("\u0000", "x"))
                    .body(Texts.encode(Texts.makeUnicode(r, r.nextInt(60)).replace("\u0000", "")));
                addReceiptSometimes(r, f);
                bytes = f.toBytes();
                break;
            }
            case "command-case-blanks": {
                String[] commands = {"Send", "SEND ", " SEND", "SEND\t", "\tSUBSCRIBE", "subscribe", "SEND\r"};
                FrameBuilder f = new FrameBuilder(commands[r.nextInt(commands.length)]).header("destination", ECHO).header("id", makeId(r));
                bytes = f.toBytes();
                break;
            }
            default:
                throw new IllegalStateException(category);
        }
        return new Input(category, bytes);
    }

    /** An input that is the first thing sent on a fresh connection. */
    static Input generateOpening(Random r) {
        int c = r.nextInt(100);
        if (c < 40) {
            FrameBuilder f = new FrameBuilder(r.nextInt(5) == 0 ? "STOMP" : "CONNECT")
                .rawHeader("accept-version:" + new String[] {"1.2", "1.0,1.1,1.2", "1.1", "1.0", "1.1,1.2,2.0"}[r.nextInt(5)]);
            if (r.nextInt(6) > 0) {
                f.rawHeader("host:" + new String[] {"127.0.0.1", "localhost", "vhost", ""}[r.nextInt(4)]);
            }
            if (r.nextBoolean()) {
                f.rawHeader("heart-beat:" + new String[] {"0,0", "1000,1000", "0,5000", "10000,0"}[r.nextInt(4)]);
            }
            if (r.nextInt(3) == 0) {
                f.rawHeader("login:" + Texts.makeName(r, 1, 10)).rawHeader("passcode:" + Texts.makeUnicode(r, r.nextInt(10)).replace("\n", ""));
            }
            if (r.nextInt(5) == 0) {
                f.rawHeader("x-custom:a:b\\t" + Texts.makeName(r, 0, 5)); // CONNECT headers are not escaped
            }
            if (r.nextInt(5) == 0) {
                f.eol = "\r\n";
            }
            return new Input("connect-valid", f.toBytes());
        }
        if (c < 52) {
            FrameBuilder f = new FrameBuilder("CONNECT").rawHeader("accept-version:" + new String[] {"2.0", "", "1.3", "abc", "1.2 ", " 1.2", "1,2", "1.2;1.1",
                "v12.stomp"}[r.nextInt(9)]).rawHeader("host:127.0.0.1");
            return new Input("connect-bad-version", f.toBytes());
        }
        if (c < 64) {
            FrameBuilder f = new FrameBuilder("CONNECT").rawHeader("accept-version:1.2").rawHeader("host:127.0.0.1")
                .rawHeader("heart-beat:" + new String[] {"a,b", "1", "", "-1,-1", "1,2,3", "99999999999,1", " 1,1", "1,", ",1", "1;1", "0x1,0"}[r.nextInt(11)]);
            return new Input("connect-bad-heart-beat", f.toBytes());
        }
        if (c < 70) {
            FrameBuilder f = new FrameBuilder("CONNECT").rawHeader("accept-version:1.2").rawHeader("host:127.0.0.1").body(Texts.encode("hello"));
            if (r.nextBoolean()) {
                f.correctLength();
            }
            return new Input("connect-with-body", f.toBytes());
        }
        if (c < 80) {
            return new Input("connect-mutated", mutate(r, new FrameBuilder("CONNECT").rawHeader("accept-version:1.2").rawHeader("host:127.0.0.1").toBytes(),
                1 + r.nextInt(3)));
        }
        if (c < 95) {
            FrameBuilder f = r.nextBoolean() ? makeSendEcho(r) : makeValidFrame(r, new StompOracle.State());
            return new Input("frame-before-connect", f.toBytes());
        }
        return new Input("eol-before-connect", Texts.concat(Texts.encode(r.nextBoolean() ? "\n" : "\r\n"),
            r.nextBoolean() ? CLEAN_CONNECT : new byte[0]));
    }

    static byte[] mutate(Random r, byte[] in, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Byte> bytes = new ArrayList<>();
        for (byte b : in) {
            bytes.add(b);
        }
        byte[] specials = {'\n', '\r', 0, ':', '\\', ' ', 'c', '0', '9', (byte) 0xC3, (byte) 0xFF};
        for (int i = 0; i < n && !bytes.isEmpty(); i++) {
            int pos = r.nextInt(bytes.size());
            switch (r.nextInt(5)) {
                case 0:
                    bytes.remove(pos);
                    break;
                case 1:
                    bytes.add(pos, specials[r.nextInt(specials.length)]);
                    break;
                case 2:
                    bytes.set(pos, specials[r.nextInt(specials.length)]);
                    break;
                case 3:
                    bytes.set(pos, (byte) (bytes.get(pos) ^ (1 << r.nextInt(8))));
                    break;
                default:
                    bytes.add(pos, (byte) r.nextInt(256));
                    break;
            }
        }
        bytes.forEach(out::write);
        return out.toByteArray();
    }
}
