package io.kafkabridge.delivery;

import io.vertx.core.Future;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The outbound queue of one connection: messages go to the transport while less than a window of bytes is written but
 * not yet taken by the socket (a write's future completes once the transport wrote it out), and wait here, bounded in
 * bytes and messages, while the client does not read. A message that does not fit is handled by its
 * {@link SlowClientPolicy}: the connection is told to disconnect, the oldest queued messages are dropped (the next
 * message written learns how many), or the queued message of the same key is replaced.
 * <p>
 * Confined to the connection's event loop.
 *
 * @param <T> the queued message
 */
public final class OutboundQueue<T extends OutboundQueue.Item> {

    /**
     * A message on its way to one connection.
     */
    public interface Item {
        /**
         * @return the bytes it takes on the wire
         */
        int size();

        /**
         * @return the key under which a newer message replaces it ({@link SlowClientPolicy#CONFLATE}), or {@code null}
         */
        Object conflationKey();
    }

    /**
     * The connection behind the queue.
     */
    public interface Connection<T> {
        /**
         * Writes a message.
         *
         * @param dropped how many messages were dropped since the last one written (0 mostly)
         * @return completes once the transport wrote it out (or failed)
         */
        Future<Void> write(T item, int dropped);

        /**
         * The queue is full and the message's policy is {@link SlowClientPolicy#DISCONNECT}: tell the client and close.
         * Called once; the queue takes nothing more afterwards.
         */
        void overflow(T refused);
    }

    /** A queued message; {@code item == null} once it was replaced or dropped. */
    private static final class Slot<T> {
        T item;

        Slot(T item) {
            this.item = item;
        }
    }

    private final int maxBytes;
    private final int maxMessages;
    private final int windowBytes;
    private final Connection<T> connection;
    private final ArrayDeque<Slot<T>> queue = new ArrayDeque<>();
    private final Map<Object, Slot<T>> byKey = new HashMap<>();
    private int queuedBytes;
    private int queuedMessages;
    private int writingBytes;
    private int droppedSinceWrite;
    private long droppedTotal;
    private long conflatedTotal;
    private boolean overflowed;
    private boolean pumping;
    private Runnable drainHandler;

    /**
     * @param maxBytes    most bytes waiting here
     * @param maxMessages most messages waiting here
     * @param windowBytes most bytes written but not yet taken by the socket (at least one message always goes)
     */
    public OutboundQueue(int maxBytes, int maxMessages, int windowBytes, Connection<T> connection) {
        this.maxBytes = maxBytes;
        this.maxMessages = maxMessages;
        this.windowBytes = windowBytes;
        this.connection = connection;
    }

    /**
     * Writes the message now when the transport keeps up, queues it otherwise, and applies its policy when the queue is
     * full.
     */
    public void offer(T item, SlowClientPolicy policy) {
        if (overflowed) {
            return;
        }
        if (queuedMessages == 0 && writingBytes < windowBytes) {
            write(item);
            return;
        }
        if (policy == SlowClientPolicy.CONFLATE && item.conflationKey() != null) {
            Slot<T> older = byKey.get(item.conflationKey());
            if (older != null && older.item != null) {
                remove(older);
                conflatedTotal++;
            }
        }
        int size = item.size();
        if (!fits(size)) {
            if (policy == SlowClientPolicy.DROP_OLDEST) {
                while (!fits(size) && queuedMessages > 0) {
                    dropOldest();
                }
            }
            if (!fits(size)) {
                overflow(item);
                return;
            }
        }
        Slot<T> slot = new Slot<>(item);
        queue.add(slot);
        queuedBytes += size;
        queuedMessages++;
        if (policy == SlowClientPolicy.CONFLATE && item.conflationKey() != null) {
            byKey.put(item.conflationKey(), slot);
        }
    }

    private boolean fits(int size) {
        return queuedMessages < maxMessages && queuedBytes + size <= maxBytes;
    }

    private void dropOldest() {
        Slot<T> slot;
        do {
            slot = queue.poll();
        } while (slot != null && slot.item == null);
        if (slot != null) {
            remove(slot);
            droppedSinceWrite++;
            droppedTotal++;
        }
    }

    private void remove(Slot<T> slot) {
        T item = slot.item;
        queuedBytes -= item.size();
        queuedMessages--;
        Object key = item.conflationKey();
        if (key != null && byKey.get(key) == slot) {
            byKey.remove(key);
        }
        slot.item = null;
    }

    /**
     * Disconnects as if {@code refused} did not fit ({@link Connection#overflow}), whatever the queue holds: a producer
     * that cannot wait any longer (live messages piling up behind a replay).
     */
    public void overflowNow(T refused) {
        if (!overflowed) {
            overflow(refused);
        }
    }

    private void overflow(T refused) {
        overflowed = true;
        queue.clear();
        byKey.clear();
        queuedBytes = 0;
        queuedMessages = 0;
        connection.overflow(refused);
    }

    private void write(T item) {
        int size = item.size();
        int dropped = droppedSinceWrite;
        droppedSinceWrite = 0;
        writingBytes += size;
        connection.write(item, dropped).onComplete(done -> {
            writingBytes -= size;
            pump();
        });
    }

    /**
     * Writes queued messages while the transport keeps up.
     */
    private void pump() {
        if (pumping || overflowed) {
            return;
        }
        pumping = true;
        try {
            while (queuedMessages > 0 && writingBytes < windowBytes) {
                Slot<T> slot = queue.poll();
                if (slot == null || slot.item == null) {
                    continue;
                }
                T item = slot.item;
                remove(slot);
                write(item);
            }
        } finally {
            pumping = false;
        }
        if (drainHandler != null && hasRoom()) {
            Runnable handler = drainHandler;
            drainHandler = null;
            handler.run();
        }
    }

    /**
     * @return {@code true} while the queue is less than half full: a producer that can wait (a replay) offers more
     */
    public boolean hasRoom() {
        return !overflowed && queuedBytes < maxBytes / 2 && queuedMessages < maxMessages / 2;
    }

    /**
     * Runs {@code handler} once, when {@link #hasRoom()} holds again after writes completed (never after an overflow).
     */
    public void whenRoom(Runnable handler) {
        drainHandler = handler;
    }

    /**
     * @return the bytes waiting here (not those handed to the transport)
     */
    public int queuedBytes() {
        return queuedBytes;
    }

    public int queuedMessages() {
        return queuedMessages;
    }

    /**
     * @return the bytes handed to the transport and not yet written out
     */
    public int writingBytes() {
        return writingBytes;
    }

    public long droppedTotal() {
        return droppedTotal;
    }

    public long conflatedTotal() {
        return conflatedTotal;
    }

    /**
     * @return {@code true} once a message did not fit under {@link SlowClientPolicy#DISCONNECT}
     */
    public boolean isOverflowed() {
        return overflowed;
    }
}
