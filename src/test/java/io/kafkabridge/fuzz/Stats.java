package io.kafkabridge.fuzz;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The outcomes of one kind's inputs, counted by expectation, outcome and category, with samples of the violations. */
final class Stats {
    final Kind kind;
    private final Pacing pacing;
    final LongAdder inputs = new LongAdder();
    final LongAdder connections = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder violations = new LongAdder();
    final Map<String, LongAdder> matrix = new ConcurrentHashMap<>();
    final Map<String, LongAdder> categories = new ConcurrentHashMap<>();
    final Map<String, LongAdder> categoryOutcomes = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> samplesPerCategory = new ConcurrentHashMap<>();
    final Map<String, LongAdder> violationsByCategory = new ConcurrentHashMap<>();
    final Map<String, LongAdder> refusedValidByCategory = new ConcurrentHashMap<>();
    final List<String> violationSamples = new CopyOnWriteArrayList<>();
    final Map<String, String> firstViolation = new ConcurrentHashMap<>();
    final List<String> refusedValidSamples = new CopyOnWriteArrayList<>();
    final List<String> harnessErrors = new CopyOnWriteArrayList<>();
    final AtomicLong endNanos = new AtomicLong();
    final AtomicLong maxAnsweredMillis = new AtomicLong();
    final LongAdder answeredOver100ms = new LongAdder();
    final ThreadLocal<Long> inputStart = ThreadLocal.withInitial(System::nanoTime);
    /** Consecutive TIMEOUT outcomes of one worker: many in a row mean the markers are never answered at all. */
    final ThreadLocal<int[]> consecutiveTimeouts = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * @param pacing the run's pacing: recording an outcome gives the worker's slot back
     */
    Stats(Kind kind, Pacing pacing) {
        this.kind = kind;
        this.pacing = pacing;
    }

    /** The counts of a map of counters. */
    static Map<String, Long> sum(Map<String, LongAdder> map) {
        Map<String, Long> out = new HashMap<>();
        map.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    void startInput() {
        inputStart.set(System.nanoTime());
    }

    void markKindEnd(long now) {
        endNanos.accumulateAndGet(now, Math::max);
    }

    long count(String key) {
        LongAdder a = matrix.get(key);
        return a == null ? 0 : a.sum();
    }

    void record(int index, String category, Verdict verdict, Outcome outcome, byte[] input, String seen) {
        pacing.giveSlotBack();
        int[] timeouts = consecutiveTimeouts.get();
        timeouts[0] = outcome == Outcome.TIMEOUT ? timeouts[0] + 1 : 0;
        if (timeouts[0] > FuzzSettings.MAX_CONSECUTIVE_TIMEOUTS) {
            throw new IllegalStateException(FuzzSettings.MAX_CONSECUTIVE_TIMEOUTS + " inputs in a row got no answer at all (last " + kind
                + " #" + index + "): the node no longer answers, or the markers that delimit inputs are never answered; worker stopped");
        }
        inputs.increment();
        long millis = (System.nanoTime() - inputStart.get()) / 1_000_000;
        if (outcome != Outcome.TIMEOUT) {
            maxAnsweredMillis.accumulateAndGet(millis, Math::max);
            if (millis > 100) {
                answeredOver100ms.increment();
            }
        }
        categories.computeIfAbsent(category, c -> new LongAdder()).increment();
        categoryOutcomes.computeIfAbsent(category + " " + verdict.expect() + "->" + outcome, c -> new LongAdder()).increment();
        matrix.computeIfAbsent(verdict.expect() + "/" + outcome, c -> new LongAdder()).increment();
        matrix.computeIfAbsent("*/" + outcome, c -> new LongAdder()).increment();
        boolean violation = verdict.expect() == Expect.REJECT && (outcome == Outcome.OK || outcome == Outcome.NOREPLY
            || outcome == Outcome.TIMEOUT) || verdict.expect() == Expect.ACCEPT && (outcome == Outcome.TIMEOUT || outcome == Outcome.NOREPLY);
        if (violation) {
            violations.increment();
            violationsByCategory.computeIfAbsent(category, c -> new LongAdder()).increment();
            firstViolation.computeIfAbsent(category, c -> describeSample(index, category, verdict, outcome, input, seen));
            if (violationSamples.size() < 80
                && samplesPerCategory.computeIfAbsent(category, c -> new AtomicInteger()).incrementAndGet() <= 3) {
                violationSamples.add(describeSample(index, category, verdict, outcome, input, seen));
            }
        } else if (verdict.expect() == Expect.ACCEPT && outcome != Outcome.OK) {
            refusedValidByCategory.computeIfAbsent(category, c -> new LongAdder()).increment();
            if (refusedValidSamples.size() < 12) {
                refusedValidSamples.add(describeSample(index, category, verdict, outcome, input, seen));
            }
        }
    }

    String describeSample(int index, String category, Verdict verdict, Outcome outcome, byte[] input, String seen) {
        return "  " + kind + " #" + index + " [" + category + "] expected " + verdict.expect() + " (" + verdict.reason() + ") got "
            + outcome + (seen == null || seen.isEmpty() ? "" : " (server: " + Texts.clip(seen, 200) + ")")
            + "\n      input " + input.length + " bytes: \"" + Texts.escape(input, 360) + "\"";
    }
}
