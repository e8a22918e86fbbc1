package io.kafkabridge.fuzz;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.TreeMap;

/** The report of a fuzz run: per kind, outcomes by expectation and category, answer times, samples of violations. */
final class Report {

    private static final Logger LOG = LoggerFactory.getLogger(Report.class);

    private Report() {
    }

    static void print(Map<Kind, Stats> stats, long fuzzStart, long fuzzNanos) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%n[fuzz] seed %d, %d inputs per kind, fuzzing took %.1f s (the kinds of this run concurrently)%n",
            FuzzSettings.SEED, FuzzSettings.INPUTS_PER_KIND, fuzzNanos / 1e9));
        sb.append(String.format("[fuzz] %-14s %7s %6s | %6s %6s %6s %7s %7s | %-30s %-30s %-30s | %s%n", "kind", "inputs", "conns",
            "err", "close", "ok", "noreply", "timeout", "REJECT err/close/ok/norep/tmo", "ACCEPT err/close/ok/norep/tmo",
            "ANY err/close/ok/norep/tmo", "violations, time"));
        for (Stats s : stats.values()) {
            sb.append(String.format("[fuzz] %-14s %7d %6d | %6d %6d %6d %7d %7d | %-30s %-30s %-30s | %d, %.1f s%n", s.kind, s.inputs.sum(),
                s.connections.sum(), s.count("*/ERR"), s.count("*/CLOSE"), s.count("*/OK"), s.count("*/NOREPLY"), s.count("*/TIMEOUT"),
                formatRow(s, Expect.REJECT), formatRow(s, Expect.ACCEPT), formatRow(s, Expect.ANY), s.violations.sum(),
                (s.endNanos.get() - fuzzStart) / 1e9));
        }
        for (Stats s : stats.values()) {
            sb.append(String.format("[fuzz] %s inputs by category: %s%n", s.kind, new TreeMap<>(Stats.sum(s.categories))));
            sb.append(String.format("[fuzz] %s: slowest answered input %d ms, %d answered after more than 100 ms (reply timeout %d ms)%n",
                s.kind, s.maxAnsweredMillis.get(), s.answeredOver100ms.sum(), FuzzSettings.REPLY_TIMEOUT_MS));
            sb.append(String.format("[fuzz] %s outcomes by category (category expectation->outcome=count): %s%n", s.kind,
                new TreeMap<>(Stats.sum(s.categoryOutcomes))));
            if (!s.refusedValidByCategory.isEmpty()) {
                sb.append(String.format("[fuzz] %s valid (ACCEPT) inputs answered by an error or a close (allowed, for information): %s%n",
                    s.kind, new TreeMap<>(Stats.sum(s.refusedValidByCategory))));
                s.refusedValidSamples.stream().limit(6).forEach(x -> sb.append(x).append('\n'));
            }
            if (s.violations.sum() > 0) {
                sb.append(String.format("[fuzz] %s VIOLATIONS by category: %s%n", s.kind, new TreeMap<>(Stats.sum(s.violationsByCategory))));
                s.violationSamples.forEach(x -> sb.append(x).append('\n'));
            }
            if (s.connectFailures.sum() > 0) {
                sb.append(String.format("[fuzz] %s fresh connections that failed: %d%n", s.kind, s.connectFailures.sum()));
            }
            s.harnessErrors.forEach(x -> sb.append("[fuzz] ").append(s.kind).append(" HARNESS ERROR ").append(x).append('\n'));
        }
        LOG.info("{}", sb);
    }

    /** One expectation's outcomes: err/close/ok/noreply/timeout. */
    static String formatRow(Stats s, Expect e) {
        return s.count(e + "/ERR") + "/" + s.count(e + "/CLOSE") + "/" + s.count(e + "/OK") + "/" + s.count(e + "/NOREPLY") + "/"
            + s.count(e + "/TIMEOUT");
    }
}
