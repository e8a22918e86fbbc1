package io.kafkabridge.fuzz;

import java.util.Arrays;
import java.util.Random;

/** Raw TCP input: garbage for the STOMP port, garbage and HTTP-ish requests (with their verdicts) for the HTTP port. */
final class RawGen {
    record Input(String category, byte[] bytes) {
    }

    record HttpInput(String category, byte[] bytes, Verdict verdict, boolean halfClose) {
    }

    static Input makeStompGarbage(Random r) {
        int c = r.nextInt(10);
        String category;
        byte[] body;
        switch (c) {
            case 0:
            case 1:
                category = "random-bytes";
                body = Texts.makeBytes(r, 1 + r.nextInt(r.nextInt(10) == 0 ? 64_000 : 2_000));
                break;
            case 2: {
                category = "printable-lines";
                StringBuilder sb = new StringBuilder();
                int n = 1 + r.nextInt(400);
                for (int i = 0; i < n; i++) {
                    sb.append(r.nextInt(15) == 0 ? '\n' : (char) (0x20 + r.nextInt(0x5F)));
                }
                body = Texts.encode(sb.toString());
                break;
            }
            case 3: {
                category = "stomp-token-soup";
                String[] tokens = {"CONNECT", "STOMP", "SEND", "SUBSCRIBE", "\n", "\r\n", ":", "\0", "destination", "content-length",
                    "accept-version:1.2", "\\c", "\\t", "heart-beat:1,1", "0", "99", "-1", "é", "🦊", "id", "receipt", " "};
                StringBuilder sb = new StringBuilder();
                int n = 1 + r.nextInt(60);
                for (int i = 0; i < n; i++) {
                    sb.append(tokens[r.nextInt(tokens.length)]);
                }
                body = Texts.encode(sb.toString());
                break;
            }
            case 4:
                category = "mutated-connect";
                body = StompGen.mutate(r, StompGen.CLEAN_CONNECT, 1 + r.nextInt(6));
                break;
            case 5:
                category = "http-to-stomp-port";
                body = Texts.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n");
                break;
            case 6:
                category = "tls-client-hello";
                body = Texts.concat(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03},
                    Texts.makeBytes(r, 32 + r.nextInt(200)));
                break;
            case 7:
                category = "nul-or-eol-flood";
                body = Texts.encode(Texts.repeat(r.nextBoolean() ? '\0' : '\n', 1 + r.nextInt(5_000)));
                break;
            case 8:
                category = "long-line";
                body = Texts.encode(Texts.repeat('A', 10_000 + r.nextInt(190_000)));
                break;
            default:
                category = "frame-prefix-then-garbage";
                body = Texts.concat(Arrays.copyOf(StompGen.CLEAN_CONNECT, 1 + r.nextInt(StompGen.CLEAN_CONNECT.length - 1)),
                    Texts.makeBytes(r, 1 + r.nextInt(100)));
                break;
        }
        boolean terminate = r.nextInt(100) < 85;
        return new Input(category, terminate ? Texts.concat(body, Texts.encode("\n\n\0")) : body);
    }

    static String makeValidRequest(Random r) {
        String[] requests = {
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "GET /ready HTTP/1.0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /eventbus/info HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /index.html HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
            "OPTIONS /health HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            "GET /stomp HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v12.stomp\r\n\r\n",
            "GET /eventbus/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            "GET /no/such/page HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /health?x=" + Texts.makeName(r, 1, 50) + " HTTP/1.1\r\nHost: x\r\nX-" + Texts.makeName(r, 1, 10) + ": " + Texts.makeName(r, 0, 40) + "\r\n\r\n"};
        return requests[r.nextInt(requests.length)];
    }

    static HttpInput makeHttp(Random r) {
        int c = r.nextInt(100);
        if (c < 15) {
            return new HttpInput("valid-request", Texts.encode(makeValidRequest(r)), Verdict.of(Expect.ACCEPT, "valid HTTP request"), false);
        }
        if (c < 40) {
            byte[] garbage = Texts.makeBytes(r, 1 + r.nextInt(r.nextInt(10) == 0 ? 30_000 : 1_500));
            boolean blank = true;
            for (byte b : garbage) {
                blank &= (b & 0xFF) <= 0x20 || (b & 0xFF) >= 0x7F && (b & 0xFF) <= 0x9F;
            }
            byte[] bytes = Texts.concat(garbage, Texts.encode("\r\n\r\n"));
            return blank ? new HttpInput("garbage", bytes, Verdict.of(Expect.ANY, "only blanks/control octets"), true)
                : new HttpInput("garbage", bytes, Verdict.of(Expect.REJECT, "not an HTTP request"), false);
        }
        if (c < 55) {
            String[] lines = {"GET /health HTTP/1.1x", "GET /health HTTX/1.1", "GET /health FOO/1.1", "GET HTTP/1.1", "G\u0001T /health HTTP/1.1",
                "GET /health HTTP/", "GET\t/health\tHTTP/1.1\tEXTRA", "GET /a b HTTP/1.1", "GET /" + Texts.repeat('a', 10_000 + r.nextInt(20_000)) + " HTTP/1.1",
                "GET /health HTTP/1.1 trailing", "\u0000GET /health HTTP/1.1x", "GE(T /health HTTP/1.1", "GET /health HTTP/a.b"};
            int i = r.nextInt(lines.length);
            return new HttpInput("bad-request-line#" + i, Texts.encode(lines[i] + "\r\nHost: x\r\n\r\n"),
                Verdict.of(Expect.REJECT, "malformed request line"), false);
        }
        if (c < 72) {
            String[] headers = {"Host 127.0.0.1", "Content-Length: abc", "Content-Length: -1", "Content-Length: 99999999999999999999",
                "X-Big: " + Texts.repeat('v', 20_000 + r.nextInt(40_000)), "Na\u0000me: v", "X-" + Texts.repeat('h', 10_000) + ": v",
                "Content-Length: 1\r\nContent-Length: 2", "Bad Name: v", "many"};
            int i = r.nextInt(headers.length);
            String request = "GET /health HTTP/1.1\r\nHost: x\r\n" + headers[i] + "\r\n\r\n";
            if (i == headers.length - 1) {
                StringBuilder many = new StringBuilder();
                for (int k = 0; k < 600; k++) {
                    many.append("X-H").append(k).append(": ").append(Texts.makeName(r, 20, 30)).append("\r\n");
                }
                request = "GET /health HTTP/1.1\r\nHost: x\r\n" + many + "\r\n";
            }
            return new HttpInput("bad-header#" + i, Texts.encode(request), Verdict.of(Expect.REJECT, "malformed or oversized header block"), false);
        }
        if (c < 82) {
            String valid = makeValidRequest(r);
            byte[] truncated = Arrays.copyOf(Texts.encode(valid), 1 + r.nextInt(Math.max(1, valid.length() - 4)));
            return new HttpInput("truncated-request", truncated, Verdict.of(Expect.ANY, "incomplete request (client half-closes)"), true);
        }
        if (c < 92) {
            byte[] mutated = StompGen.mutate(r, Texts.encode(makeValidRequest(r)), 1 + r.nextInt(4));
            return new HttpInput("mutated-request", mutated, Verdict.of(Expect.ANY, "mutated request (client half-closes)"), true);
        }
        String[] others = {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n",
            "POST /eventbus/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n[1]",
            "GET /stomp HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n",
            "GET /eventbus/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            "CONNECT 127.0.0.1:61613 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /%2e%2e/%2e%2e/conf/config.json HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n", "GET /health HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n b\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost : x\r\n\r\n", "GET /health HTTP/1.1\r\n\r\n"};
        int i = r.nextInt(others.length);
        return new HttpInput("http-oddities#" + i, Texts.encode(others[i]), Verdict.of(Expect.ANY, "unusual request"), true);
    }
}
