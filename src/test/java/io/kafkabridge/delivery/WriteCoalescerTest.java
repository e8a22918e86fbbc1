package io.kafkabridge.delivery;

import io.kafkabridge.testing.GatewayNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On a real event loop: what a connection is given in a turn of the loop (and in the tasks already queued behind it)
 * reaches its socket as one write, in order; a lone write goes out at the end of its turn; a flush hands what waits to
 * the socket at once.
 */
class WriteCoalescerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Vertx vertx;
    private Context loop;
    private WriteCoalescer coalescer;
    /** What reached the socket, one element per socket write; touched on the loop only. */
    private final List<Buffer> socketWrites = new ArrayList<>();

    @BeforeEach
    void createLoop() {
        vertx = Vertx.vertx();
        loop = vertx.getOrCreateContext();
        coalescer = new WriteCoalescer(loop);
    }

    @AfterEach
    void closeVertx() {
        GatewayNode.await(vertx.close(), TIMEOUT);
    }

    private WriteCoalescer.Writer createWriter() {
        return coalescer.createWriter(data -> {
            socketWrites.add(data);
            return Future.succeededFuture();
        });
    }

    /** Runs {@code task} on the loop and waits for it. */
    private <T> T onLoop(Callable<T> task) {
        Promise<T> done = Promise.promise();
        loop.runOnContext(v -> {
            try {
                done.complete(task.call());
            } catch (Exception | AssertionError e) {
                done.fail(e);
            }
        });
        return GatewayNode.await(done.future(), TIMEOUT);
    }

    /** Waits until the tasks queued on the loop so far ran (the flush among them). */
    private List<String> writtenSoFar() {
        return onLoop(() -> socketWrites.stream().map(Buffer::toString).toList());
    }

    private static Buffer frame(int n) {
        return Buffer.buffer("MESSAGE\nn:" + n + "\n\n\u0000");
    }

    @Test
    void theWritesOfOneTurnAndOfTheTasksQueuedBehindItReachTheSocketAsOneWriteInOrder() {
        WriteCoalescer.Writer writer = createWriter();
        StringBuilder expected = new StringBuilder();
        for (int n = 0; n < 100; n++) {
            expected.append(frame(n));
        }
        List<Future<Void>> completions = onLoop(() -> {
            List<Future<Void>> written = new ArrayList<>();
            // as the records of a Kafka poll arrive: one event-bus task each, queued before the flush
            for (int n = 50; n < 100; n++) {
                int record = n;
                loop.runOnContext(v -> written.add(writer.write(frame(record))));
            }
            for (int n = 0; n < 50; n++) {
                written.add(writer.write(frame(n)));
            }
            assertThat(socketWrites).as("nothing written before the turn ends").isEmpty();
            assertThat(writer.pendingBytes()).isEqualTo(expected.substring(0, expected.indexOf(frame(50).toString())).length());
            return written;
        });
        assertThat(writtenSoFar()).containsExactly(expected.toString());
        assertThat(completions).hasSize(100).allSatisfy(written -> assertThat(written.succeeded()).isTrue());
        assertThat(onLoop(coalescer::socketWrites)).isEqualTo(1);
        assertThat(onLoop(coalescer::buffersWritten)).isEqualTo(100);
    }

    @Test
    void aLoneWriteGoesOutAtTheEndOfItsTurnAndCompletesWhenTheSocketWroteIt() {
        WriteCoalescer.Writer writer = createWriter();
        Future<Void> written = onLoop(() -> writer.write(frame(7)));
        GatewayNode.await(written, TIMEOUT);
        assertThat(writtenSoFar()).containsExactly(frame(7).toString());
    }

    @Test
    void eachConnectionGetsOnlyItsOwnWritesAndAFlushWritesAtOnce() {
        WriteCoalescer.Writer first = createWriter();
        List<Buffer> secondSocket = new ArrayList<>();
        WriteCoalescer.Writer second = coalescer.createWriter(data -> {
            secondSocket.add(data);
            return Future.succeededFuture();
        });
        onLoop(() -> {
            first.write(frame(1));
            second.write(frame(2));
            first.write(frame(3));
            // before a close: what waits goes now, and later writes come after it
            first.flush();
            assertThat(socketWrites).extracting(Buffer::toString).containsExactly(frame(1).toString() + frame(3));
            first.write(frame(4));
            return null;
        });
        assertThat(writtenSoFar()).containsExactly(frame(1).toString() + frame(3), frame(4).toString());
        assertThat(onLoop(() -> secondSocket.stream().map(Buffer::toString).toList())).containsExactly(frame(2).toString());
    }

    @Test
    void largeWritesAreJoinedWithoutLosingAByte() {
        WriteCoalescer.Writer writer = createWriter();
        String big = "x".repeat(WriteCoalescer.COPY_UP_TO_BYTES);
        onLoop(() -> {
            writer.write(Buffer.buffer("MESSAGE\n\n" + big + "\u0000"));
            writer.write(frame(1));
            return null;
        });
        assertThat(writtenSoFar()).containsExactly("MESSAGE\n\n" + big + "\u0000" + frame(1));
    }

    @Test
    void aTurnsWritesAreSplitBeforeTheyPassTheLargestCoalescedWrite() {
        WriteCoalescer.Writer writer = createWriter();
        String kib = "y".repeat(1024);
        int frames = 2 * WriteCoalescer.MAX_COALESCED_BYTES / 1024;
        StringBuilder expected = new StringBuilder();
        onLoop(() -> {
            for (int n = 0; n < frames; n++) {
                writer.write(Buffer.buffer(kib));
                expected.append(kib);
            }
            return null;
        });
        List<String> written = writtenSoFar();
        assertThat(written).hasSizeGreaterThan(1)
            .allSatisfy(write -> assertThat(write.length()).isLessThanOrEqualTo(WriteCoalescer.MAX_COALESCED_BYTES));
        assertThat(String.join("", written)).isEqualTo(expected.toString());
    }

    @Test
    void aFailedSocketWriteFailsEveryWriteOfItsTurn() {
        WriteCoalescer.Writer writer = coalescer.createWriter(data -> Future.failedFuture("connection closed"));
        List<Future<Void>> written = onLoop(() -> List.of(writer.write(frame(1)), writer.write(frame(2))));
        for (Future<Void> future : written) {
            Future<Boolean> failed = future.transform(ar -> Future.succeededFuture(ar.failed()));
            assertThat(GatewayNode.await(failed, TIMEOUT)).as("a write of the failed turn failed").isTrue();
        }
    }
}
