package io.kafkabridge.fuzz;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A well-behaved client subscribed to one address: it keeps the Kafka records of {@link FuzzNode#TOPIC} it receives
 * (as {partition, offset, seq}), completes {@link #probe} on the first other message (a probe published on the event bus),
 * and notes every error frame and unexpected close.
 */
abstract class Subscriber implements AutoCloseable {

    final CompletableFuture<Void> probe = new CompletableFuture<>();
    final List<String> problems = new CopyOnWriteArrayList<>();
    volatile boolean closing;
    private final LinkedBlockingQueue<long[]> queue = new LinkedBlockingQueue<>();
    private final List<long[]> received = new ArrayList<>();

    abstract String name();

    /** Handles a message: a record of the fuzzed topic is kept, anything else is a probe. */
    final void receive(String topic, String partition, String offset, Object body) {
        if (FuzzNode.TOPIC.equals(topic)) {
            JsonObject json = body instanceof JsonObject ? (JsonObject) body : new JsonObject(String.valueOf(body));
            queue.add(new long[] {Long.parseLong(partition), Long.parseLong(offset), json.getLong("seq")});
        } else {
            probe.complete(null);
        }
    }

    /** The records received so far, waiting up to {@code timeout} for {@code count} of them (and any duplicates beyond). */
    final List<long[]> awaitRecords(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received.size() < count) {
            long[] r = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (r == null) {
                break;
            }
            received.add(r);
        }
        queue.drainTo(received); // duplicates beyond the expected count are reported too
        return new ArrayList<>(received);
    }

    /** Error frames and closes not asked for. */
    final List<String> disconnects() {
        return problems;
    }

    @Override
    public abstract void close();
}
