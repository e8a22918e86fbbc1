package io.kafkabridge.fuzz;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.OperatingSystemMXBean;

/** The test JVM's heap and CPU, as the fuzz runs measure them. */
final class JvmGauges {

    private JvmGauges() {
    }

    /** The least used heap seen over a few forced GCs. */
    static long measureUsedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            min = Math.min(min, memory.getHeapMemoryUsage().getUsed());
        }
        return min;
    }

    static long measureProcessCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : 0;
    }

    /** Milliseconds the JIT compilers spent so far. */
    static long measureJitMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    /** Bytes as MiB with one decimal, for the logs. */
    static String formatMib(long bytes) {
        return String.format("%.1f", bytes / (1024.0 * 1024.0));
    }
}
