package io.kafkabridge.fuzz;

/**
 * Sends one kind's inputs to the node and records their outcomes: {@link Kind#workers} workers run at once, worker
 * {@code w} taking inputs {@code w, w + workers, ...} of the kind's {@link Kind#inputs()}.
 */
interface FuzzDriver {

    Kind kind();

    /**
     * Runs one worker's inputs; each is paced by {@link FuzzSession#pacing()} and followed by
     * {@link KafkaFeed#inputDone()}.
     */
    void run(FuzzSession session, int worker, Stats stats) throws Exception;

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
    }
}
