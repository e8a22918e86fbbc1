package io.kafkabridge.fuzz;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * STOMP over SockJS on SockJS's WebSocket transport ({@code <stomp path>/000/<session>/websocket}): a {@link WsWire} that
 * sends STOMP bytes as SockJS messages (a WebSocket text message holds a JSON array of strings, {@code ["msg1","msg2"]})
 * and unwraps the SockJS frames it receives ({@code o} open, {@code h} heart-beat, {@code a["msg",...]} messages,
 * {@code c[code,"reason"]} close) into the STOMP byte stream of its {@link StompReader}.
 * <p>
 * An input is sometimes cut into several SockJS messages at random places, and those are sometimes batched into one
 * WebSocket message, sometimes sent in several: the choices come from the input's Random ({@link #send(byte[], int,
 * boolean, Random)}), so an input is sent the same way on every run. A {@code c[...]} frame ends the connection as the
 * WebSocket's close does ({@link StompWire#CLOSED}).
 * <p>
 * SockJS carries text, not octets: see {@link #carry}.
 */
final class SockJsStompWire extends WsWire {

    /** One more SockJS cut than the driver's writes in this many inputs. */
    private static final int EXTRA_CUTS_ONE_IN = 6;

    private SockJsStompWire() {
    }

    /**
     * @param stompPath the STOMP path ({@code /stomp}); the SockJS session is a fresh random one
     * @return the connected wire, or null when the WebSocket cannot be opened
     */
    static SockJsStompWire open(WebSocketClient client, int port, String stompPath) {
        SockJsStompWire wire = new SockJsStompWire();
        String session = UUID.randomUUID().toString().replace("-", "");
        return wire.connect(client, port, stompPath + "/000/" + session + "/websocket", null) ? wire : null;
    }

    /**
     * A SockJS message is a JSON string: the octets a client can send are those of the UTF-8 text it sends (the
     * server turns each message back into octets as UTF-8). So an input that is not UTF-8 is sent as its text decoded
     * with each malformed sequence replaced by U+FFFD (as {@code new String(bytes, UTF_8)} does), and the server receives
     * that text's UTF-8 octets: those are what the oracle judges. A header may then be valid where the octets were not,
     * and a body changes length (against its {@code content-length}): the frame parses differently, as it would from a
     * browser. Valid UTF-8 is carried unchanged (the same array).
     */
    @Override
    public byte[] carry(byte[] data) {
        return Texts.isUtf8(data) ? data : Texts.encode(new String(data, StandardCharsets.UTF_8));
    }

    /** Markers and CONNECTs: {@code splits} SockJS messages of equal length, one WebSocket message each. */
    @Override
    public void send(byte[] data, int splits, boolean preferBinary) {
        send(data, splits, preferBinary, null);
    }

    /**
     * Sends the text of {@link #carry}{@code (data)} as SockJS messages: {@code splits} of them, one more to three more
     * in one input of {@value #EXTRA_CUTS_ONE_IN}, cut at random places (never inside a surrogate pair; an empty message
     * can occur), each batched with the one before into one WebSocket message or not, at random. SockJS has no binary
     * messages (its WebSocket transport reads text messages only): {@code preferBinary} is ignored.
     */
    @Override
    public void send(byte[] data, int splits, boolean preferBinary, Random r) {
        String text = new String(carry(data), StandardCharsets.UTF_8);
        int pieces = Math.max(1, splits) + (r != null && r.nextInt(EXTRA_CUTS_ONE_IN) == 0 ? 1 + r.nextInt(3) : 0);
        List<String> messages = cut(text, pieces, r);
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            batch.add(messages.get(i));
            if (i == messages.size() - 1 || r == null || r.nextBoolean()) {
                sendText(new JsonArray(new ArrayList<Object>(batch)).encode());
                batch.clear();
            }
        }
    }

    /** The text in {@code pieces} parts: equal ones without {@code r}, else cut at random places. */
    private static List<String> cut(String text, int pieces, Random r) {
        int[] at = new int[pieces + 1];
        at[pieces] = text.length();
        for (int i = 1; i < pieces; i++) {
            at[i] = r == null ? (int) ((long) text.length() * i / pieces) : r.nextInt(text.length() + 1);
        }
        Arrays.sort(at, 1, pieces);
        List<String> parts = new ArrayList<>(pieces);
        for (int i = 0; i < pieces; i++) {
            int from = keepPair(text, at[i]);
            int to = keepPair(text, at[i + 1]);
            parts.add(text.substring(from, Math.max(from, to)));
        }
        return parts;
    }

    /** A cut at {@code i}, moved after the low surrogate when it would fall inside a surrogate pair. */
    private static int keepPair(String text, int i) {
        return i > 0 && i < text.length() && Character.isHighSurrogate(text.charAt(i - 1)) && Character.isLowSurrogate(text.charAt(i))
            ? i + 1 : i;
    }

    /** Unwraps a SockJS frame: the messages of {@code a[...]} go to the reader as UTF-8; {@code c[...]} ends the connection. */
    @Override
    void receive(Buffer message) {
        String frame = message.toString(StandardCharsets.UTF_8);
        char type = frame.isEmpty() ? ' ' : frame.charAt(0);
        switch (type) {
            case 'o':
            case 'h':
                break;
            case 'a':
                for (Object m : new JsonArray(frame.substring(1))) {
                    reader.feed(Texts.encode((String) m));
                }
                break;
            case 'c':
                eof = true;
                break;
            default:
                throw new IllegalStateException("not a SockJS frame: \"" + Texts.clip(frame, 200) + "\"");
        }
    }
}
