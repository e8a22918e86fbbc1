package io.kafkabridge.bench.measure;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * Reads the fields a bench record's value ends with ({@code ...,"sentNs":<System.nanoTime()>}) backwards from the end
 * of the frame that carries it, without decoding the frame: the closing braces, quotes, NUL or line ends of a SockJS or
 * STOMP frame may follow the value.
 */
public final class RecordTail {

    private static final byte[] SENT_NS = "\"sentNs\":".getBytes(StandardCharsets.US_ASCII);

    private RecordTail() {
    }

    /** The {@code sentNs} the value in bytes [from, to) ends with, or -1 when it does not look like that. */
    public static long sentNs(Buffer buf, int from, int to) {
        int last = skipClosing(buf, from, to - 1);
        int before = skipDigits(buf, from, last);
        if (before == last || !endsWith(buf, from, before, SENT_NS)) {
            return -1;
        }
        return digits(buf, before + 1, last);
    }

    /** Where the {@code "sentNs":} key that ends at {@code last} begins (its first byte), or -1. */
    public static int sentNsKeyStart(Buffer buf, int from, int last) {
        return endsWith(buf, from, last, SENT_NS) ? last - SENT_NS.length + 1 : -1;
    }

    /** Scans back from {@code last} over closing braces, brackets, quotes, white space and NUL: the last other byte. */
    public static int skipClosing(Buffer buf, int from, int last) {
        int at = last;
        while (at >= from) {
            byte b = buf.getByte(at);
            if (b == '}' || b == '\n' || b == '\r' || b == ' ' || b == 0 || b == '"' || b == ']') {
                at--;
            } else {
                break;
            }
        }
        return at;
    }

    /** Scans back from {@code last} over decimal digits: the byte before them ({@code last} when there are none). */
    public static int skipDigits(Buffer buf, int from, int last) {
        int at = last;
        while (at >= from && buf.getByte(at) >= '0' && buf.getByte(at) <= '9') {
            at--;
        }
        return at;
    }

    /** The decimal number in bytes [first, last]. */
    public static long digits(Buffer buf, int first, int last) {
        long value = 0;
        for (int i = first; i <= last; i++) {
            value = value * 10 + (buf.getByte(i) - '0');
        }
        return value;
    }

    /** Whether the bytes ending at {@code last} (inclusive), not before {@code from}, are {@code tail}. */
    public static boolean endsWith(Buffer buf, int from, int last, byte[] tail) {
        int first = last - tail.length + 1;
        if (first < from) {
            return false;
        }
        for (int i = 0; i < tail.length; i++) {
            if (buf.getByte(first + i) != tail[i]) {
                return false;
            }
        }
        return true;
    }
}
