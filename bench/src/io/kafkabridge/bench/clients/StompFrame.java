package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;

/**
 * A received STOMP frame, read only as far as asked: a generator reading tens of thousands of frames a second on the
 * core it shares with the broker must pay for a frame it only counts no more than finding its end.
 */
public final class StompFrame {

    private final Buffer buf;
    private final int start;
    private final int end;
    private final int headersEnd;

    /** The frame in bytes [start, end) of buf, as a {@link StompHandler} gets it. */
    public StompFrame(Buffer buf, int start, int end) {
        this.buf = buf;
        this.start = start;
        this.end = end;
        int blank = indexOf("\n\n", start, end);
        this.headersEnd = blank < 0 ? end : blank;
    }

    public String command() {
        int eol = indexOf("\n", start, end);
        return buf.getString(start, eol < 0 ? end : eol, "UTF-8");
    }

    /** The first value of the header, or {@code null}. */
    public String header(String name) {
        int at = indexOf("\n" + name + ":", start, headersEnd);
        if (at < 0) {
            return null;
        }
        int from = at + name.length() + 2;
        int eol = indexOf("\n", from, headersEnd);
        return buf.getString(from, eol < 0 ? headersEnd : eol, "UTF-8");
    }

    public String body() {
        return headersEnd + 2 <= end ? buf.getString(headersEnd + 2, end, "UTF-8") : "";
    }

    /** The command and headers. */
    @Override
    public String toString() {
        return buf.getString(start, headersEnd, "UTF-8");
    }

    private int indexOf(String ascii, int from, int to) {
        outer:
        for (int i = from; i <= to - ascii.length(); i++) {
            for (int j = 0; j < ascii.length(); j++) {
                if (buf.getByte(i + j) != ascii.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
