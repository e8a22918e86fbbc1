package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * One client connection of a load generator over a Vert.x NetSocket, with a hand-written protocol: cheaper per frame
 * than a general-purpose client, so the generator's one core goes further. This class puts the bytes the socket
 * delivers back together into whole frames for {@link #parse}. Its state is confined to the socket's event loop.
 */
public abstract class Connection {

    protected final NetSocket socket;
    /** Unparsed bytes of an incomplete frame, or null. */
    private Buffer pending;

    protected Connection(NetSocket socket) {
        this.socket = socket;
    }

    public final NetSocket socket() {
        return socket;
    }

    /** Reads from the socket from now on and writes the protocol's first bytes. */
    public final void start() {
        socket.handler(this::handle);
        open();
    }

    /**
     * Writes something the server ignores: a paused connection reads nothing, so it would not see the server closing
     * it, but a write to a closed connection fails.
     */
    public abstract void ping();

    /** Writes the protocol's first bytes. */
    protected abstract void open();

    /** Handles the complete frames of {@code buf} from {@code from}; returns where the incomplete rest begins. */
    protected abstract int parse(Buffer buf, int from);

    private void handle(Buffer data) {
        Buffer buf = data;
        if (pending != null) {
            buf = pending.appendBuffer(data);
            pending = null;
        }
        int rest = parse(buf, 0);
        if (rest < buf.length()) {
            pending = buf.getBuffer(rest, buf.length());
        }
    }
}
