package io.kafkabridge.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A STOMP 1.2 frame-stream parser that follows the specification (used as the oracle). */
final class StompRef {
    static final int MAX_HEADERS = 2_000;
    static final int MAX_HEADER_LINE = 65_536;

    static final class RFrame {
        String command;
        final List<String[]> headers = new ArrayList<>();
        final Map<String, String> first = new HashMap<>();
        byte[] body = new byte[0];
        String lenient;
    }

    static final class Result {
        final List<RFrame> frames = new ArrayList<>();
        String error;
        int padForFairness;
        byte[] need;
        boolean leadingEols;
    }

    static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i + 1 >= s.length()) {
                return null;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'r':
                    sb.append('\r');
                    break;
                case 'n':
                    sb.append('\n');
                    break;
                case 'c':
                    sb.append(':');
                    break;
                case '\\':
                    sb.append('\\');
                    break;
                default:
                    return null;
            }
        }
        return sb.toString();
    }

    static String trimControls(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && s.charAt(a) <= ' ') {
            a++;
        }
        while (b > a && s.charAt(b - 1) <= ' ') {
            b--;
        }
        return s.substring(a, b);
    }

    static Result parse(byte[] b, int maxBody) {
        Result res = new Result();
        int n = b.length;
        int pos = 0;
        while (true) {
            int start = pos;
            while (pos < n) {
                if (b[pos] == '\n') {
                    pos++;
                } else if (b[pos] == '\r' && pos + 1 < n && b[pos + 1] == '\n') {
                    pos += 2;
                } else {
                    break;
                }
            }
            if (res.frames.isEmpty() && pos > start) {
                res.leadingEols = true;
            }
            if (pos >= n) {
                return res;
            }
            int eol = Texts.indexOf(b, (byte) '\n', pos, n);
            if (eol < 0) {
                res.need = Texts.encode("\n");
                return res;
            }
            RFrame f = new RFrame();
            String raw = Texts.decodeLine(b, pos, eol);
            f.command = trimControls(raw);
            if (!f.command.equals(raw)) {
                f.lenient = "command line with surrounding blanks/control characters";
            }
            pos = eol + 1;
            boolean noEscapes = f.command.equals("CONNECT") || f.command.equals("CONNECTED");
            // header lines (without a trailing CR, with their LF) count with the body against maxBody
            int headerBytes = 0;
            while (true) {
                eol = Texts.indexOf(b, (byte) '\n', pos, n);
                if (eol < 0) {
                    if (n - pos >= MAX_HEADER_LINE) {
                        res.error = "header line too long";
                        return res;
                    }
                    res.need = Texts.encode("\n");
                    return res;
                }
                if (eol - pos == 0 || eol - pos == 1 && b[pos] == '\r') {
                    pos = eol + 1;
                    break;
                }
                if (eol - pos == 1 && b[pos] == 0) {
                    f.lenient = "a header line that is a lone NUL taken as the end of the headers";
                    pos = eol + 1;
                    break;
                }
                if (f.headers.size() >= MAX_HEADERS) {
                    res.error = "too many headers";
                    return res;
                }
                if (eol - pos >= MAX_HEADER_LINE) {
                    res.error = "header line too long";
                    return res;
                }
                headerBytes += eol - pos - (b[eol - 1] == '\r' ? 1 : 0) + 1;
                if (headerBytes > maxBody) {
                    res.error = "headers above the maximum frame length";
                    return res;
                }
                if (!Texts.isUtf8(b, pos, eol)) {
                    f.lenient = "header not UTF-8";
                }
                String line = Texts.decodeLine(b, pos, eol);
                pos = eol + 1;
                int colon = line.indexOf(':');
                if (colon < 0) {
                    res.error = "header line without ':'";
                    return res;
                }
                String name = line.substring(0, colon);
                String value = line.substring(colon + 1);
                if (name.isEmpty()) {
                    f.lenient = "empty header name";
                }
                if (value.indexOf(':') >= 0 || value.indexOf('\r') >= 0 || name.indexOf('\r') >= 0) {
                    f.lenient = "raw ':' or CR in a header";
                }
                if (!noEscapes) {
                    name = unescape(name);
                    value = unescape(value);
                    if (name == null || value == null) {
                        res.error = "undefined escape sequence in a header";
                        return res;
                    }
                }
                f.headers.add(new String[] {name, value});
                f.first.putIfAbsent(name, value);
            }
            String cl = f.first.get("content-length");
            if (cl != null) {
                if (!cl.matches("[0-9]{1,10}") || Long.parseLong(cl) > Integer.MAX_VALUE) {
                    res.error = "invalid content-length '" + Texts.clip(cl, 20) + "'";
                    return res;
                }
                int length = (int) Long.parseLong(cl);
                if (length > maxBody - headerBytes) {
                    res.error = "content-length above the maximum body length";
                    res.padForFairness = Math.max(0, maxBody - headerBytes + 1 - (n - pos));
                    return res;
                }
                if (n - pos < length) {
                    res.need = Texts.concat(Texts.encode(Texts.repeat('x', length - (n - pos))), new byte[] {0});
                    return res;
                }
                f.body = Arrays.copyOfRange(b, pos, pos + length);
                pos += length;
                if (pos >= n) {
                    res.need = new byte[] {0};
                    return res;
                }
                if (b[pos] != 0) {
                    res.error = "no NUL after the content-length octets";
                    return res;
                }
                pos++;
            } else {
                int nul = Texts.indexOf(b, (byte) 0, pos, n);
                if (nul < 0) {
                    if (n - pos > maxBody - headerBytes) {
                        res.error = "body above the maximum body length";
                        return res;
                    }
                    res.need = new byte[] {0};
                    return res;
                }
                if (nul - pos > maxBody - headerBytes) {
                    res.error = "body above the maximum body length";
                    return res;
                }
                f.body = Arrays.copyOfRange(b, pos, nul);
                pos = nul + 1;
            }
            res.frames.add(f);
        }
    }
}
