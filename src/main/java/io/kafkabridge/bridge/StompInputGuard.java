package io.kafkabridge.bridge;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * Checks the raw bytes a STOMP client sends, frame by frame, before Vert.x's frame parser sees them, for what the
 * parser lets through or only notices too late: undefined header escape sequences (a fatal error in STOMP 1.1/1.2, except
 * in CONNECT), a {@code content-length} that is not a plain non-negative integer, and frames whose headers and body
 * together are over the limit (a small body with huge headers is as large a message), refused as soon as the header
 * announces them or the bytes exceed them (instead of after the whole body arrived).
 * Not thread-safe: one per connection.
 */
final class StompInputGuard {

    /**
     * A problem with the input: the error code and the explanation for the client.
     */
    record Problem(String code, String message) {
    }

    private enum State { BETWEEN, COMMAND, HEADERS, FIXED_BODY, FIXED_BODY_END, NUL_BODY }

    private static final int MAX_COMMAND_LENGTH = 32;

    private final int maxBodyBytes;
    private final int maxHeaderLineBytes;
    private final StringBuilder line = new StringBuilder();
    private State state = State.BETWEEN;
    private boolean escapes;
    private long contentLength;
    private boolean contentLengthSeen;
    private long bodyBytes;
    private long headerBytes;

    StompInputGuard(int maxBodyBytes, int maxHeaderLineBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxHeaderLineBytes = maxHeaderLineBytes;
    }

    /**
     * @return the first problem in these bytes, or {@code null}
     */
    Problem check(Buffer data) {
        ByteBuf bytes = ((BufferInternal) data).getByteBuf();
        int i = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (i < end) {
            if (state == State.FIXED_BODY) {
                // the body's bytes are not looked at: skipped at once
                int skipped = (int) Math.min(contentLength, end - i);
                i += skipped;
                contentLength -= skipped;
                if (contentLength == 0) {
                    state = State.FIXED_BODY_END;
                }
            } else if (state == State.NUL_BODY) {
                int nul = bytes.indexOf(i, end, (byte) 0);
                int bodyEnd = nul < 0 ? end : nul;
                bodyBytes += bodyEnd - i;
                if (bodyBytes + headerBytes > maxBodyBytes) {
                    return tooLarge();
                }
                if (nul < 0) {
                    i = end;
                } else {
                    state = State.BETWEEN;
                    i = nul + 1;
                }
            } else {
                Problem problem = accept(bytes.getByte(i++));
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private Problem accept(byte b) {
        switch (state) {
            case BETWEEN:
                if (b == '\n' || b == '\r') {
                    return null;
                }
                line.setLength(0);
                headerBytes = 0;
                state = State.COMMAND;
                return appendToLine(b, MAX_COMMAND_LENGTH);
            case COMMAND:
                if (b == '\n') {
                    String command = trimCarriageReturn();
                    if (command.chars().anyMatch(Character::isISOControl)) {
                        // a NUL between frames, or any control character, is no command (only EOLs may come between)
                        return new Problem(ErrorCodes.INVALID_FRAME, "Not a STOMP command line");
                    }
                    escapes = !"CONNECT".equals(command) && !"CONNECTED".equals(command);
                    contentLengthSeen = false;
                    contentLength = -1;
                    line.setLength(0);
                    state = State.HEADERS;
                    return null;
                }
                return appendToLine(b, MAX_COMMAND_LENGTH);
            case HEADERS:
                if (b == '\n') {
                    String header = trimCarriageReturn();
                    line.setLength(0);
                    if (header.isEmpty()) {
                        return startBody();
                    }
                    headerBytes += header.length() + 1;
                    if (headerBytes > maxBodyBytes) {
                        return tooLarge();
                    }
                    return checkHeader(header);
                }
                return appendToLine(b, maxHeaderLineBytes);
            case FIXED_BODY_END:
                if (b != 0) {
                    return new Problem(ErrorCodes.INVALID_FRAME, "The body is longer than its content-length (no NUL after it)");
                }
                state = State.BETWEEN;
                return null;
            default:
                // the bodies are read in bulk by check
                throw new IllegalStateException("body state " + state);
        }
    }

    private Problem appendToLine(byte b, int max) {
        if (line.length() >= max) {
            return new Problem(ErrorCodes.INVALID_FRAME, state == State.COMMAND ? "Not a STOMP command line" : "Header line too long");
        }
        line.append((char) (b & 0xff));
        return null;
    }

    private String trimCarriageReturn() {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
            end--;
        }
        return line.substring(0, end);
    }

    private Problem startBody() {
        bodyBytes = 0;
        if (contentLengthSeen) {
            if (contentLength + headerBytes > maxBodyBytes) {
                return tooLarge();
            }
            state = contentLength == 0 ? State.FIXED_BODY_END : State.FIXED_BODY;
        } else {
            state = State.NUL_BODY;
        }
        return null;
    }

    private Problem tooLarge() {
        return new Problem(ErrorCodes.FRAME_TOO_LARGE, "A frame's headers and body together may hold at most " + maxBodyBytes
            + " bytes (limits.maxFrameBytes)");
    }

    private Problem checkHeader(String header) {
        if (escapes) {
            for (int i = 0; i < header.length(); i++) {
                if (header.charAt(i) == '\\') {
                    char next = i + 1 < header.length() ? header.charAt(i + 1) : 0;
                    if (next != 'r' && next != 'n' && next != 'c' && next != '\\') {
                        return new Problem(ErrorCodes.INVALID_FRAME, "Undefined escape sequence in a header (STOMP allows \\r \\n \\c \\\\)");
                    }
                    i++;
                }
            }
        }
        if (!contentLengthSeen && header.startsWith("content-length:")) {
            String value = header.substring("content-length:".length());
            if (!isDecimal(value)) {
                return new Problem(ErrorCodes.INVALID_FRAME, "content-length must be a non-negative integer");
            }
            contentLengthSeen = true;
            contentLength = Long.parseLong(value);
        }
        return null;
    }

    /**
     * @return whether {@code value} is 1 to 10 ASCII digits (checked on every frame: no regex compiled per call)
     */
    private static boolean isDecimal(String value) {
        if (value.isEmpty() || value.length() > 10) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
