package io.kafkabridge.bench.measure;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** CPU time and memory of processes: the server under test from /proc/PID, the generator from its own JVM. */
public final class ProcStats {

    private ProcStats() {
    }

    /** This JVM's CPU time in ns. */
    public static long generatorCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** utime+stime of the process in clock ticks, or -1 when unknown. */
    public static long processTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            return ticks(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (Exception e) {
            System.err.println("cannot read /proc/" + pid + "/stat: " + e);
            return -1;
        }
    }

    /**
     * utime+stime in clock ticks of a JVM's threads, grouped: Vert.x event loops ({@code eventLoop}), the Kafka consumer
     * thread ({@code kafkaConsumer}), JIT compilers ({@code jit}), the VM thread and GC ({@code gcAndVm}), the rest
     * ({@code otherGroup}); empty when unknown. Threads that ended are missing.
     */
    public static Map<String, Long> threadTicks(long pid, String otherGroup) {
        Map<String, Long> groups = new TreeMap<>();
        if (pid <= 0) {
            return groups;
        }
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    String group = name.startsWith("vert.x-eventloo") ? "eventLoop"
                        : name.startsWith("vert.x-kafka-co") ? "kafkaConsumer"
                        : name.contains("CompilerThre") ? "jit"
                        : name.equals("VM Thread") || name.startsWith("GC ") || name.startsWith("G1 ") ? "gcAndVm"
                        : otherGroup;
                    groups.merge(group, ticks(Files.readString(task.resolve("stat"))), Long::sum);
                } catch (Exception e) {
                    // the thread ended meanwhile
                }
            }
        } catch (Exception e) {
            System.err.println("cannot read /proc/" + pid + "/task: " + e);
        }
        return groups;
    }

    /** VmRSS of the process in KiB, or -1 when it is gone. */
    public static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // gone
        }
        return -1;
    }

    /** utime+stime of a /proc stat line. */
    private static long ticks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields[0] is field 3 (state): utime is field 14, stime field 15
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
