package io.kafkabridge.fuzz;

import java.util.Arrays;

/** Incremental parser of the frames a STOMP server sends (heart-beat EOLs skipped). */
final class StompReader {
    private byte[] buf = new byte[0];
    private int len;

    void feed(byte[] data) {
        if (len + data.length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(len + data.length, buf.length * 2));
        }
        System.arraycopy(data, 0, buf, len, data.length);
        len += data.length;
    }

    ServerFrame next() {
        int pos = 0;
        while (pos < len && (buf[pos] == '\n' || buf[pos] == '\r')) {
            pos++;
        }
        if (pos >= len) {
            consume(pos);
            return null;
        }
        int eol = Texts.indexOf(buf, (byte) '\n', pos, len);
        if (eol < 0) {
            return null;
        }
        ServerFrame f = new ServerFrame();
        f.command = Texts.decodeLine(buf, pos, eol).trim();
        pos = eol + 1;
        while (true) {
            eol = Texts.indexOf(buf, (byte) '\n', pos, len);
            if (eol < 0) {
                return null;
            }
            String line = Texts.decodeLine(buf, pos, eol);
            pos = eol + 1;
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                String name = line.substring(0, colon);
                String value = line.substring(colon + 1);
                if (!"CONNECTED".equals(f.command)) {
                    String decoded = StompRef.unescape(value);
                    value = decoded == null ? value : decoded;
                }
                f.headers.putIfAbsent(name, value);
            }
        }
        String cl = f.headers.get("content-length");
        int end;
        if (cl != null && cl.matches("[0-9]{1,9}")) {
            int length = Integer.parseInt(cl);
            if (len - pos < length + 1) {
                return null;
            }
            end = pos + length;
        } else {
            end = Texts.indexOf(buf, (byte) 0, pos, len);
            if (end < 0) {
                return null;
            }
        }
        f.body = Arrays.copyOfRange(buf, pos, end);
        consume(Math.min(len, end + 1));
        return f;
    }

    private void consume(int n) {
        System.arraycopy(buf, n, buf, 0, len - n);
        len -= n;
    }
}
