package io.kafkabridge.fuzz;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts (and keeps out of the console) the node's log lines at INFO and above while fuzzing. */
final class LogCounter extends TurboFilter {
    private static final Logger LOG = LoggerFactory.getLogger(LogCounter.class);
    /** The fuzz harness's own loggers: not the node's. */
    private static final String HARNESS = LogCounter.class.getPackageName();

    final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    final Map<String, String> samples = new ConcurrentHashMap<>();
    LoggerContext context;

    static LogCounter install() {
        LogCounter counter = new LogCounter();
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext) {
            counter.context = (LoggerContext) LoggerFactory.getILoggerFactory();
            counter.start();
            counter.context.addTurboFilter(counter);
        }
        return counter;
    }

    void uninstall() {
        if (context != null) {
            context.getTurboFilterList().remove(this);
        }
    }

    @Override
    public FilterReply decide(Marker marker, ch.qos.logback.classic.Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        if (level == null || !level.isGreaterOrEqual(Level.INFO) || format == null && t == null) {
            return FilterReply.NEUTRAL;
        }
        String name = logger.getName();
        if (!name.startsWith("io.vertx") && !name.startsWith("io.netty") && !name.startsWith("io.kafkabridge") || name.startsWith(HARNESS)) {
            return FilterReply.NEUTRAL;
        }
        Throwable thrown = t;
        if (thrown == null && params != null && params.length > 0 && params[params.length - 1] instanceof Throwable) {
            thrown = (Throwable) params[params.length - 1];
        }
        String template = format == null ? "" : format;
        int colon = template.indexOf(": ");
        if (colon > 15) {
            template = template.substring(0, colon); // "Invalid type in incoming message: <type>" and alike: one line
        }
        template = template.length() > 70 ? template.substring(0, 70) : template;
        String key = level + " " + name.substring(name.lastIndexOf('.') + 1) + ": "
            + (thrown == null ? "" : thrown.getClass().getName() + " ") + template.replace('\n', ' ');
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
        if (thrown != null && !samples.containsKey(key)) {
            StringBuilder sb = new StringBuilder(String.valueOf(thrown));
            StackTraceElement[] trace = thrown.getStackTrace();
            for (int i = 0; i < Math.min(6, trace.length); i++) {
                sb.append("\n        at ").append(trace[i]);
            }
            samples.putIfAbsent(key, sb.toString());
        }
        return FilterReply.DENY;
    }

    void print() {
        if (counts.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("\n[fuzz] node log lines (INFO and above, kept off the console) while fuzzing, by logger and "
            + "message; 'Unhandled exception' = an exception no handler caught (the client got nothing):\n");
        Map<String, Long> sorted = new LinkedHashMap<>();
        Stats.sum(counts).entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(30)
            .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        sorted.forEach((k, v) -> {
            sb.append(String.format("[fuzz] %7d x %s%n", v, Texts.clip(k, 170)));
            String s = samples.get(k);
            if (s != null) {
                sb.append("          first: ").append(s).append('\n');
            }
        });
        LOG.info("{}", sb);
    }
}
