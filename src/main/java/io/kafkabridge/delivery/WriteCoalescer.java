package io.kafkabridge.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Coalesces the writes of the connections of one event loop: what a connection is given during a turn of the loop (the
 * records of a Kafka poll, a replay, a burst, a RECEIPT after the messages before it) goes to its socket as one write,
 * flushed once, in one task that runs after the tasks already queued on the loop. A lone message waits for no timer,
 * only for the end of the loop's current turn, and the order of a connection's writes is kept.
 * <p>
 * For transports that carry a byte stream (STOMP over TCP) and for those whose clients parse every frame a message
 * holds (STOMP over WebSocket and SockJS: {@code @stomp/stompjs} parses a chunk byte by byte): several STOMP frames in
 * one WebSocket or SockJS message are what the client reads as they come.
 * <p>
 * Confined to its event loop.
 */
public final class WriteCoalescer {

    private static final Logger LOG = LoggerFactory.getLogger(WriteCoalescer.class);

    /** Coalesced writes up to this many bytes are copied into one buffer; larger ones are a composite of the parts. */
    static final int COPY_UP_TO_BYTES = 16 * 1024;
    /**
     * A write that would make what waits larger than this goes after a flush of what waits: one socket write (one
     * WebSocket or SockJS message) stays below the message limits clients keep (64 KiB by default for Vert.x's client).
     */
    static final int MAX_COALESCED_BYTES = 60 * 1024;

    private final Context loop;
    private final List<Writer> dirty = new ArrayList<>();
    private boolean scheduled;
    private long socketWrites;
    private long buffersWritten;

    /**
     * @param loop the event loop's context, on which the writes are flushed
     */
    public WriteCoalescer(Context loop) {
        this.loop = loop;
    }

    /**
     * @param socketWrite writes bytes to the connection's socket; completes once they were written out
     * @return the writer of one connection
     */
    public Writer createWriter(Function<Buffer, Future<Void>> socketWrite) {
        return new Writer(socketWrite);
    }

    /**
     * @return the writes handed to sockets since the start
     */
    public long socketWrites() {
        return socketWrites;
    }

    /**
     * @return the buffers written to sockets since the start, coalesced or not
     */
    public long buffersWritten() {
        return buffersWritten;
    }

    private void schedule(Writer writer) {
        dirty.add(writer);
        if (!scheduled) {
            scheduled = true;
            loop.runOnContext(v -> flushAll());
        }
    }

    private void flushAll() {
        scheduled = false;
        // writers made dirty while flushing (a write's completion writing more) wait for the next task
        Writer[] writers = dirty.toArray(new Writer[0]);
        dirty.clear();
        for (Writer writer : writers) {
            try {
                writer.flush();
            } catch (RuntimeException e) {
                // one connection's failure (its promise failed by flush) must not keep the others' writes back
                LOG.warn("Coalesced write failed: {}", e.toString());
            }
        }
    }

    /**
     * The writes of one connection.
     */
    public final class Writer {

        private final Function<Buffer, Future<Void>> socketWrite;
        private final List<Buffer> pending = new ArrayList<>(1);
        private int pendingBytes;
        private Promise<Void> written;

        private Writer(Function<Buffer, Future<Void>> socketWrite) {
            this.socketWrite = socketWrite;
        }

        /**
         * Writes {@code data} after what was written before, at the end of the loop's turn.
         *
         * @return completes once the socket wrote it out (or failed): the completion of every write of the turn
         */
        public Future<Void> write(Buffer data) {
            if (!pending.isEmpty() && pendingBytes + data.length() > MAX_COALESCED_BYTES) {
                flush();
            }
            if (pending.isEmpty()) {
                written = Promise.promise();
                schedule(this);
            }
            pending.add(data);
            pendingBytes += data.length();
            return written.future();
        }

        /**
         * Hands what waits to the socket now: before the connection is closed, or a write that must not wait.
         */
        public void flush() {
            if (pending.isEmpty()) {
                return;
            }
            Buffer data = pending.size() == 1 ? pending.get(0) : join(pending, pendingBytes);
            Promise<Void> promise = written;
            buffersWritten += pending.size();
            socketWrites++;
            pending.clear();
            pendingBytes = 0;
            written = null;
            Future<Void> socketWritten;
            try {
                socketWritten = socketWrite.apply(data);
            } catch (RuntimeException e) {
                promise.fail(e);
                throw e;
            }
            socketWritten.onComplete(promise);
        }

        /**
         * @return bytes written to this connection and not yet handed to its socket
         */
        public int pendingBytes() {
            return pendingBytes;
        }
    }

    private static Buffer join(List<Buffer> parts, int length) {
        if (length <= COPY_UP_TO_BYTES) {
            Buffer joined = Buffer.buffer(length);
            for (Buffer part : parts) {
                joined.appendBuffer(part);
            }
            return joined;
        }
        ByteBuf[] bufs = new ByteBuf[parts.size()];
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = ((BufferInternal) parts.get(i)).getByteBuf();
        }
        return BufferInternal.buffer(Unpooled.wrappedBuffer(bufs));
    }
}
