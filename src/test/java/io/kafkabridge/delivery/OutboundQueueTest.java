package io.kafkabridge.delivery;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OutboundQueue} against a connection whose writes complete when the test says the socket took them.
 */
class OutboundQueueTest {

    private record Message(String key, int value, int size) implements OutboundQueue.Item {
        @Override
        public Object conflationKey() {
            return key;
        }
    }

    /** A socket the test drains by hand. */
    private static final class Socket implements OutboundQueue.Connection<Message> {
        final List<String> written = new ArrayList<>();
        final List<Promise<Void>> unfinished = new ArrayList<>();
        Message lastWritten;
        Message lastWrittenAtOverflow;
        Message refused;

        @Override
        public Future<Void> write(Message item, int dropped) {
            written.add(item.key() + "=" + item.value() + (dropped > 0 ? " dropped:" + dropped : ""));
            lastWritten = item;
            Promise<Void> promise = Promise.promise();
            unfinished.add(promise);
            return promise.future();
        }

        @Override
        public void overflow(Message refused) {
            this.lastWrittenAtOverflow = lastWritten;
            this.refused = refused;
        }

        /** The client reads everything written so far. */
        void drain() {
            while (!unfinished.isEmpty()) {
                unfinished.remove(0).complete();
            }
        }
    }

    private static Message message(String key, int value) {
        return new Message(key, value, 100);
    }

    @Test
    void aClientThatReadsGetsEveryMessageInOrderWithoutQueueing() {
        Socket socket = new Socket();
        OutboundQueue<Message> queue = new OutboundQueue<>(1000, 100, 250, socket);
        for (int i = 0; i < 20; i++) {
            queue.offer(message("k", i), SlowClientPolicy.DISCONNECT);
            socket.drain();
        }
        assertThat(socket.written).hasSize(20).first().isEqualTo("k=0");
        assertThat(socket.written).last().isEqualTo("k=19");
        assertThat(queue.queuedMessages()).isZero();
    }

    @Test
    void messagesWaitWhileTheWindowIsFullAndFollowInOrderOnceTheSocketTakesThem() {
        Socket socket = new Socket();
        OutboundQueue<Message> queue = new OutboundQueue<>(1000, 100, 250, socket);
        for (int i = 0; i < 6; i++) {
            queue.offer(message("k" + i, i), SlowClientPolicy.DISCONNECT);
        }
        // 3 x 100 bytes fill the 250-byte window (the third one starts below it)
        assertThat(socket.written).containsExactly("k0=0", "k1=1", "k2=2");
        assertThat(queue.queuedMessages()).isEqualTo(3);
        assertThat(queue.queuedBytes()).isEqualTo(300);
        assertThat(queue.writingBytes()).isEqualTo(300);

        socket.drain();
        socket.drain();
        assertThat(socket.written).containsExactly("k0=0", "k1=1", "k2=2", "k3=3", "k4=4", "k5=5");
        assertThat(queue.queuedMessages()).isZero();
    }

    @Test
    void underDisconnectTheFirstMessageThatDoesNotFitEndsTheConnectionNamingTheLastOneWritten() {
        Socket socket = new Socket();
        OutboundQueue<Message> queue = new OutboundQueue<>(500, 100, 100, socket);
        for (int i = 0; i < 7; i++) {
            queue.offer(message("k", i), SlowClientPolicy.DISCONNECT);
        }
        // k=0 written, k=1..5 queued (500 bytes), k=6 does not fit
        assertThat(queue.isOverflowed()).isTrue();
        assertThat(socket.lastWrittenAtOverflow.value()).isZero();
        assertThat(socket.refused.value()).isEqualTo(6);
        assertThat(queue.queuedBytes()).isZero();

        queue.offer(message("k", 7), SlowClientPolicy.DISCONNECT);
        socket.drain();
        assertThat(socket.written).containsExactly("k=0");
    }

    @Test
    void theMessageCountIsABoundToo() {
        Socket socket = new Socket();
        OutboundQueue<Message> queue = new OutboundQueue<>(1_000_000, 3, 100, socket);
        for (int i = 0; i < 5; i++) {
            queue.offer(message("k", i), SlowClientPolicy.DISCONNECT);
        }
        assertThat(queue.isOverflowed()).isTrue();
        assertThat(socket.refused.value()).isEqualTo(4);
    }

    @Test
    void dropOldestKeepsTheNewestAndTellsTheClientHowManyItMissed() {
        Socket socket = new Socket();
        OutboundQueue<Message> queue = new OutboundQueue<>(300, 100, 100, socket);
        for (int i = 0; i < 10; i++) {
            queue.offer(message("k", i), SlowClientPolicy.DROP_OLDEST);
        }
        // k=0 written; of k=1..9 the queue keeps the newest 3
        assertThat(queue.droppedTotal()).isEqualTo(6);
        assertThat(queue.isOverflowed()).isFalse();

        for (int i = 0; i < 4; i++) {
            socket.drain();
        }
        assertThat(socket.written).containsExactly("k=0", "k=7 dropped:6", "k=8", "k=9");
    }

    @Test
    void conflateKeepsTheNewestQueuedValueOfEveryKey() {
        Socket socket = new Socket();
        OutboundQueue<Message> queue = new OutboundQueue<>(300, 100, 100, socket);
        for (int i = 0; i < 30; i++) {
            queue.offer(message("k" + (i % 3), i), SlowClientPolicy.CONFLATE);
        }
        assertThat(queue.isOverflowed()).isFalse();
        assertThat(queue.queuedMessages()).isEqualTo(3);
        assertThat(queue.conflatedTotal()).isEqualTo(26);

        for (int i = 0; i < 4; i++) {
            socket.drain();
        }
        // k0=0 went out at once; then the newest of each key, in the order their newest values came
        assertThat(socket.written).containsExactly("k0=0", "k0=27", "k1=28", "k2=29");
    }

    @Test
    void conflateWithMoreKeysThanTheQueueHoldsDisconnects() {
        Socket socket = new Socket();
        OutboundQueue<Message> queue = new OutboundQueue<>(300, 100, 100, socket);
        for (int i = 0; i < 5; i++) {
            queue.offer(message("k" + i, i), SlowClientPolicy.CONFLATE);
        }
        assertThat(queue.isOverflowed()).isTrue();
        assertThat(socket.refused.key()).isEqualTo("k4");
    }

    @Test
    void aWriteThatFailsStillFreesTheWindow() {
        List<Promise<Void>> writes = new ArrayList<>();
        List<Integer> values = new ArrayList<>();
        OutboundQueue<Message> queue = new OutboundQueue<>(1000, 100, 100, new OutboundQueue.Connection<>() {
            @Override
            public Future<Void> write(Message item, int dropped) {
                values.add(item.value());
                Promise<Void> promise = Promise.promise();
                writes.add(promise);
                return promise.future();
            }

            @Override
            public void overflow(Message refused) {
            }
        });
        queue.offer(message("k", 0), SlowClientPolicy.DISCONNECT);
        queue.offer(message("k", 1), SlowClientPolicy.DISCONNECT);
        writes.get(0).fail("closed");
        assertThat(values).containsExactly(0, 1);
        assertThat(queue.writingBytes()).isEqualTo(100);
    }
}
