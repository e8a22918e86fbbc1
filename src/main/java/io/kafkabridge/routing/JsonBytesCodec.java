package io.kafkabridge.routing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Carries {@link JsonBytes} on the event bus: to another node as a length and the bytes (every node of the cluster
 * registers this codec), to a consumer of the same node as the same immutable instance (no copy, however many loops
 * consume the address).
 */
public final class JsonBytesCodec implements MessageCodec<JsonBytes, JsonBytes> {

    /** The codec's name on the wire: every node must know it. */
    public static final String NAME = "kafka-eventbus-bridge.json-bytes";

    /**
     * Registers the codec as the default for {@link JsonBytes} on this Vert.x instance, unless it already is (several
     * nodes may share one Vert.x instance in tests).
     */
    public static void register(Vertx vertx) {
        try {
            vertx.eventBus().registerDefaultCodec(JsonBytes.class, new JsonBytesCodec());
        } catch (IllegalStateException alreadyRegistered) {
            // one codec per Vert.x instance is enough
        }
    }

    @Override
    public void encodeToWire(Buffer buffer, JsonBytes value) {
        buffer.appendInt(value.length()).appendBuffer(value.buffer());
    }

    @Override
    public JsonBytes decodeFromWire(int pos, Buffer buffer) {
        int length = buffer.getInt(pos);
        return JsonBytes.trusted(buffer.getBuffer(pos + 4, pos + 4 + length));
    }

    @Override
    public JsonBytes transform(JsonBytes value) {
        return value;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
