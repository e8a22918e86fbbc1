package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * An RFC 6455 client: the HTTP upgrade by hand, masked client frames, then each data message to the subclass. When it
 * offered {@code permessage-deflate} and the server accepted, it inflates the messages the server compressed (RSV1),
 * with one inflater per connection (context takeover). Every WebSocket client of the bench is a subscriber: what goes
 * wrong goes to its {@link SubscriberEvents}.
 */
public abstract class WebSocketClient extends Connection {

    private static final byte[] DEFLATE_TAIL = {0, 0, (byte) 0xff, (byte) 0xff};
    private static final byte[] MASK = {0x5a, 0x3c, 0x11, 0x7e};

    protected final SubscriberEvents events;
    private final WebSocketTarget target;
    private final String subprotocol;
    private boolean upgraded;
    /** Set when the server accepted permessage-deflate. */
    private Inflater inflater;
    private byte[] inflated;
    /** Whether the message being received is compressed; its frames so far when it is fragmented. */
    private boolean messageCompressed;
    private Buffer fragments;

    /** @param subprotocol the {@code Sec-WebSocket-Protocol} offered, or null */
    protected WebSocketClient(NetSocket socket, WebSocketTarget target, String subprotocol, SubscriberEvents events) {
        super(socket);
        this.events = events;
        this.target = target;
        this.subprotocol = subprotocol;
    }

    /** Whether the server accepted permessage-deflate. */
    public final boolean isDeflating() {
        return inflater != null;
    }

    /** Sends one text message. */
    public final void send(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        Buffer frame = Buffer.buffer(payload.length + 8).appendByte((byte) 0x81);
        if (payload.length < 126) {
            frame.appendByte((byte) (0x80 | payload.length));
        } else {
            frame.appendByte((byte) (0x80 | 126)).appendShort((short) payload.length);
        }
        frame.appendBytes(MASK);
        for (int i = 0; i < payload.length; i++) {
            payload[i] ^= MASK[i & 3];
        }
        socket.write(frame.appendBytes(payload));
    }

    /** A WebSocket ping (masked, empty), once upgraded. */
    @Override
    public final void ping() {
        if (upgraded) {
            socket.write(Buffer.buffer(6).appendByte((byte) 0x89).appendByte((byte) 0x80).appendBytes(new byte[] {1, 2, 3, 4}));
        }
    }

    @Override
    protected final void open() {
        socket.write("GET " + target.path() + " HTTP/1.1\r\nHost: " + target.host() + ":" + target.port()
            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + (subprotocol != null ? "Sec-WebSocket-Protocol: " + subprotocol + "\r\n" : "")
            + (target.offerDeflate() ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "")
            + "\r\n");
    }

    /** The upgrade succeeded. */
    protected abstract void opened();

    /** One data message, bytes [start, end) of buf. */
    protected abstract void message(Buffer buf, int start, int end);

    @Override
    protected final int parse(Buffer buf, int from) {
        int length = buf.length();
        int at = from;
        if (!upgraded) {
            int end = endOfHead(buf, at);
            if (end < 0) {
                return at;
            }
            String head = buf.getString(at, end);
            if (!head.startsWith("HTTP/1.1 101")) {
                events.refused("WebSocket upgrade refused: " + head.lines().findFirst().orElse(""));
                socket.close();
                return length;
            }
            upgraded = true;
            if (target.offerDeflate() && head.toLowerCase(Locale.ROOT).contains("sec-websocket-extensions: permessage-deflate")) {
                inflater = new Inflater(true);
                inflated = new byte[4096];
            }
            at = end;
            opened();
        }
        while (at + 2 <= length) {
            boolean fin = (buf.getByte(at) & 0x80) != 0;
            boolean compressed = (buf.getByte(at) & 0x40) != 0;
            int opcode = buf.getByte(at) & 0x0f;
            int len = buf.getByte(at + 1) & 0x7f;
            int header = 2;
            long payloadLength = len;
            if (len == 126) {
                if (at + 4 > length) {
                    return at;
                }
                payloadLength = buf.getUnsignedShort(at + 2);
                header = 4;
            } else if (len == 127) {
                if (at + 10 > length) {
                    return at;
                }
                payloadLength = buf.getLong(at + 2);
                header = 10;
            }
            if (at + header + payloadLength > length) {
                return at;
            }
            int start = at + header;
            int end = (int) (start + payloadLength);
            if (opcode == 1 || opcode == 2 || opcode == 0) {
                receiveData(buf, start, end, fin, opcode == 0, compressed);
            } else if (opcode == 8) {
                socket.close();
            }
            at = end;
        }
        return at;
    }

    /** Where the HTTP response head that starts at {@code from} ends (after its blank line), or -1. */
    private static int endOfHead(Buffer buf, int from) {
        for (int i = from; i + 3 < buf.length(); i++) {
            if (buf.getByte(i) == '\r' && buf.getByte(i + 1) == '\n' && buf.getByte(i + 2) == '\r' && buf.getByte(i + 3) == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /** One data frame: a whole message goes straight on; fragments and compressed messages are gathered first. */
    private void receiveData(Buffer buf, int start, int end, boolean fin, boolean continuation, boolean compressed) {
        if (!continuation) { // RSV1 is set on a message's first frame only (RFC 7692)
            messageCompressed = compressed && inflater != null;
        }
        if (fin && !continuation && !messageCompressed) {
            message(buf, start, end);
            return;
        }
        fragments = fragments == null ? Buffer.buffer(end - start) : fragments;
        fragments.appendBuffer(buf, start, end - start);
        if (fin) {
            Buffer whole = fragments;
            fragments = null;
            Buffer plain = messageCompressed ? inflate(whole) : whole;
            message(plain, 0, plain.length());
        }
    }

    /** One permessage-deflate message, all its frames' payloads (RFC 7692: plus 00 00 ff ff, a raw DEFLATE stream). */
    private Buffer inflate(Buffer message) {
        byte[] input = new byte[message.length() + 4];
        message.getBytes(0, message.length(), input);
        System.arraycopy(DEFLATE_TAIL, 0, input, message.length(), 4);
        inflater.setInput(input);
        Buffer out = Buffer.buffer(2 * input.length);
        try {
            int n;
            while ((n = inflater.inflate(inflated)) > 0) {
                out.appendBytes(inflated, 0, n);
            }
        } catch (DataFormatException e) {
            events.error("bad permessage-deflate message: " + e);
        }
        if (inflater.finished()) { // the server ended the stream (BFINAL): the next message starts a new one
            inflater.reset();
        }
        return out;
    }
}
