package io.kafkabridge.fuzz;

import java.time.Duration;
import java.util.List;
import java.util.Random;

/** The parameters of a fuzz run (system properties where noted) and the seeding of its inputs. */
final class FuzzSettings {

    static final long SEED = 20261123L;
    static final int DEFAULT_INPUTS_PER_KIND = 10_000;
    /** {@code -Dfuzz.inputsPerKind=N}. */
    static final int INPUTS_PER_KIND = Integer.getInteger("fuzz.inputsPerKind", DEFAULT_INPUTS_PER_KIND);
    static final int PRODUCE_EVERY_INPUTS = 250;
    static final int RECORDS_PER_BATCH = 6;
    static final long HEAP_HEADROOM_MIB = 64;
    /** At most this many inputs per connection: keeps every connection far below per-connection rate/subscription limits. */
    static final int MAX_INPUTS_PER_CONNECTION = 20;
    /** How long an input that needs an answer (REJECT / ACCEPT) may take, marker included ({@code -Dfuzz.replyTimeoutMs}). */
    static final long REPLY_TIMEOUT_MS = Long.getLong("fuzz.replyTimeoutMs", 2_000);
    /** How long an input of the grey zone (ANY) is given before it is counted as TIMEOUT (not a failure). */
    static final long ANY_TIMEOUT_MS = 400;
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** A worker that gets this many TIMEOUT outcomes in a row stops (and the test fails): keeps a broken run short. */
    static final int MAX_CONSECUTIVE_TIMEOUTS = 40;
    /**
     * For reproducing: {@code -Dfuzz.kinds=RAW_HTTP_TCP} runs only those kinds (a protocol's test then fails on the kinds
     * it did not run); every kind when unset.
     */
    private static final String KINDS = System.getProperty("fuzz.kinds");

    private FuzzSettings() {
    }

    /** Whether {@code -Dfuzz.kinds} selects the kind. */
    static boolean isSelected(Kind kind) {
        return KINDS == null || List.of(KINDS.split(",")).contains(kind.name());
    }

    /** The seed of a kind's inputs: the kind's place in {@code new Random(SEED)}'s sequence. */
    static long computeKindSeed(Kind kind) {
        Random master = new Random(SEED);
        long seed = 0;
        for (int i = 0; i <= kind.ordinal(); i++) {
            seed = master.nextLong();
        }
        return seed;
    }

    /** Random of one input: the same (kind, index) always gives the same input. */
    static Random newInputRandom(long kindSeed, int index) {
        return new Random(kindSeed + index * 0x9E3779B97F4A7C15L);
    }
}
