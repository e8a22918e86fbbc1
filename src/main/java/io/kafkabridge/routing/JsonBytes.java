package io.kafkabridge.routing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;

import java.io.IOException;

/**
 * A record value that is one JSON value, as its bytes: checked once where the record is consumed, then carried to the
 * wire as it is (the SockJS frame embeds it, a STOMP MESSAGE is it), never decoded and encoded again per protocol or
 * subscriber. Unicode, escapes and numbers of any size or precision reach the client exactly as produced. Decoded only
 * when a rule must look inside ({@code match}), once. Immutable; on the event bus through {@link JsonBytesCodec}.
 */
public final class JsonBytes {

    private static final JsonFactory FACTORY = new JsonFactory();

    private final Buffer bytes;
    private volatile Object decoded;
    private volatile boolean decodedSet;

    private JsonBytes(Buffer bytes) {
        this.bytes = bytes;
    }

    /**
     * @return the value's bytes as JSON, or {@code null} when they are not exactly one JSON value (in UTF-8, surrounded by
     * whitespace at most)
     */
    public static JsonBytes of(byte[] value) {
        return isJson(value) ? new JsonBytes(Buffer.buffer(value)) : null;
    }

    /**
     * Wraps bytes known to be one JSON value (read back from the wire).
     */
    static JsonBytes trusted(Buffer bytes) {
        return new JsonBytes(bytes);
    }

    private static boolean isJson(byte[] value) {
        try (JsonParser parser = FACTORY.createParser(value)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return false;
            }
            // reads (and so checks) the whole object or array
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * @return the bytes, read-only: the same for every reader
     */
    public Buffer buffer() {
        return bytes;
    }

    public int length() {
        return bytes.length();
    }

    /**
     * @return the value as Vert.x decodes JSON (JsonObject, JsonArray, String, Number, Boolean or null), decoded once
     */
    public Object decoded() {
        if (!decodedSet) {
            try {
                decoded = Json.decodeValue(bytes);
            } catch (DecodeException e) {
                decoded = null;
            }
            decodedSet = true;
        }
        return decoded;
    }

    @Override
    public String toString() {
        return bytes.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JsonBytes && ((JsonBytes) other).bytes.equals(bytes);
    }

    @Override
    public int hashCode() {
        return bytes.hashCode();
    }
}
