package io.kafkabridge.bench.measure;

import java.util.Map;
import java.util.TreeMap;

/** The CPU that the generator and the server under test used between {@link #begin()} and {@link #end()}. */
public final class CpuMeter {

    /**
     * @param generatorSeconds      this JVM's CPU seconds
     * @param serverSeconds         the server's, NaN when unknown (no pid, or /proc could not be read)
     * @param serverSecondsByThread the server's by thread group ({@link ProcStats#threadTicks}), empty when unknown
     */
    public record Usage(double generatorSeconds, double serverSeconds, Map<String, Double> serverSecondsByThread) {
    }

    private final long serverPid;
    private final int clkTck;
    /** The group of the server's threads that are none of the known ones; null: no grouping by thread. */
    private final String otherThreads;
    private long generatorBefore;
    private long serverBefore;
    private Map<String, Long> threadsBefore = Map.of();

    /**
     * @param clkTck       the kernel's clock ticks per second ({@code getconf CLK_TCK})
     * @param otherThreads the name of the group of the server's other threads; null not to read them by thread
     */
    public CpuMeter(long serverPid, int clkTck, String otherThreads) {
        this.serverPid = serverPid;
        this.clkTck = clkTck;
        this.otherThreads = otherThreads;
    }

    public void begin() {
        generatorBefore = ProcStats.generatorCpuNanos();
        serverBefore = ProcStats.processTicks(serverPid);
        threadsBefore = otherThreads == null ? Map.of() : ProcStats.threadTicks(serverPid, otherThreads);
    }

    public Usage end() {
        long generatorUsed = ProcStats.generatorCpuNanos() - generatorBefore;
        long serverAfter = ProcStats.processTicks(serverPid);
        double serverSeconds = serverBefore >= 0 && serverAfter >= 0 ? (serverAfter - serverBefore) / (double) clkTck : Double.NaN;
        Map<String, Double> byThread = new TreeMap<>();
        if (otherThreads != null) {
            ProcStats.threadTicks(serverPid, otherThreads).forEach((group, ticks) ->
                byThread.put(group, (ticks - threadsBefore.getOrDefault(group, 0L)) / (double) clkTck));
        }
        return new Usage(generatorUsed / 1e9, serverSeconds, byThread);
    }
}
