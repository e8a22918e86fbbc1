package io.kafkabridge.fuzz;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/** Random names, unicode and bytes for the generators; byte and text helpers for the readers, oracles and the report. */
final class Texts {
    static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    static final String[] UNICODE = {"é", "ß", "Ω", "Ж", "中", "文", "🦊", "🎉", "\u200B", "\u202E", "\u0301", "\uFEFF", "\u0000",
        "\u0007", "\u001B", "\u007F", "\u00A0", "\u2028", "\uFFFD", "𝕏", "ŀ", "İ", "ﬀ", "\\", "\"", "'", "<", "&"};

    /** One name of a table of {name, weight} rows, with the probability of its weight. */
    static String pickWeighted(Random r, Object[][] table) {
        int total = 0;
        for (Object[] row : table) {
            total += (Integer) row[1];
        }
        int x = r.nextInt(total);
        for (Object[] row : table) {
            x -= (Integer) row[1];
            if (x < 0) {
                return (String) row[0];
            }
        }
        throw new IllegalStateException();
    }

    static String makeName(Random r, int min, int max) {
        int n = min + r.nextInt(max - min + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(ALNUM.charAt(r.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    static String makeUnicode(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(10);
            if (c < 4) {
                sb.append(ALNUM.charAt(r.nextInt(ALNUM.length())));
            } else if (c < 9) {
                sb.append(UNICODE[r.nextInt(UNICODE.length)]);
            } else {
                sb.append((char) (0x20 + r.nextInt(0x2FF0)));
            }
        }
        return sb.toString();
    }

    static String repeat(char c, int n) {
        char[] a = new char[n];
        Arrays.fill(a, c);
        return new String(a);
    }

    static byte[] makeBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    static byte[] encode(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static int indexOf(byte[] b, byte v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /** The line b[from, eol) without a trailing CR, UTF-8. */
    static String decodeLine(byte[] b, int from, int eol) {
        int end = eol > from && b[eol - 1] == '\r' ? eol - 1 : eol;
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    static boolean isUtf8(byte[] b) {
        return isUtf8(b, 0, b.length);
    }

    static boolean isUtf8(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < 0) {
                return isStrictUtf8(b, from, to);
            }
        }
        return true;
    }

    /** Exact check (overlong forms, surrogates) once a non-ASCII octet is seen. */
    static boolean isStrictUtf8(byte[] b, int from, int to) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    static String escape(byte[] b, int max) {
        String s = new String(b, StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\0':
                    sb.append("\\0");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '"':
                    sb.append("\\\"");
                    break;
                default:
                    if (c < 0x20 || c >= 0x7F && c < 0xA0 || c == '\uFFFD') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        if (sb.length() >= max) {
            sb.append("...");
        }
        return sb.toString();
    }

    static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...(" + s.length() + " chars)";
    }
}
