package io.kafkabridge.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The fat jar run as its own JVM ({@code java -jar}), its output read line by line. Closing it sends SIGTERM and
 * waits for the process to end.
 */
public final class GatewayProcess implements AutoCloseable {

    private static final String EOF = "\u0000EOF";

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> output = new ArrayList<>();
    /** Every line read, for listeners added after the process started. */
    private final List<String> everything = new ArrayList<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    private GatewayProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(this::readOutput, "gateway-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * @param jar  the fat jar
     * @param dir  the working directory
     * @param env  extra environment variables
     * @param args the launcher arguments
     */
    public static GatewayProcess start(Path jar, Path dir, Map<String, String> env, String... args) {
        return start(jar, dir, env, List.of("-Xmx512m"), args);
    }

    /**
     * @param jvmArgs JVM options placed before {@code -jar}
     */
    public static GatewayProcess start(Path jar, Path dir, Map<String, String> env, List<String> jvmArgs, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        try {
            return new GatewayProcess(builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
    }

    private void readOutput() {
        Path log = Path.of("target", "gateway-processes", "node-" + process.pid() + ".log");
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             java.io.Writer copy = java.nio.file.Files.newBufferedWriter(java.nio.file.Files.createDirectories(log.getParent()).resolve(log.getFileName()))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (everything) {
                    everything.add(line);
                    for (Consumer<String> listener : listeners) {
                        listener.accept(line);
                    }
                }
                lines.add(line);
                copy.write(line);
                copy.write('\n');
                copy.flush();
            }
        } catch (IOException ignored) {
            // process ended
        } finally {
            lines.add(EOF);
        }
    }

    /**
     * Calls {@code listener} with every output line, on the thread that reads them, in order: first the lines read
     * so far, then each new one as it is read. Independent of {@link #awaitLine}.
     */
    public void onLine(Consumer<String> listener) {
        synchronized (everything) {
            everything.forEach(listener);
            listeners.add(listener);
        }
    }

    /**
     * @return the process id
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Waits for an output line that satisfies {@code condition}.
     *
     * @throws AssertionError when the process ends or the time runs out first, with its output so far
     */
    public String awaitLine(Predicate<String> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = null;
            long left = deadline - System.nanoTime();
            if (left > 0) {
                try {
                    line = lines.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (line == null || EOF.equals(line)) {
                if (EOF.equals(line)) {
                    lines.add(EOF);
                }
                throw new AssertionError((line == null ? "timed out" : "process ended") + " before the expected line; output:\n"
                    + String.join("\n", output));
            }
            output.add(line);
            if (condition.test(line)) {
                return line;
            }
        }
    }

    /**
     * Waits for the process to exit by itself.
     *
     * @return its exit code
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + "; output:\n" + String.join("\n", output));
        }
        String line;
        while ((line = lines.poll(5, TimeUnit.SECONDS)) != null && !EOF.equals(line)) {
            output.add(line);
        }
        return process.exitValue();
    }

    /**
     * @return every line read so far
     */
    public String output() {
        return String.join("\n", output);
    }

    /**
     * Sends a signal to the process: {@code KILL}, {@code STOP}, {@code CONT}, {@code TERM}.
     */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /**
     * Runs a full GC in the process ({@code jcmd GC.run}) and reads its heap afterwards ({@code GC.heap_info}).
     *
     * @return the bytes of heap in use after the GC
     */
    public long heapUsedAfterGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        java.util.regex.Matcher used = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
        if (!used.find()) {
            throw new IllegalStateException("no heap figure in jcmd GC.heap_info: " + info);
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
            Long.toString(process.pid()), command).redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                signal("CONT");
            } catch (IOException | IllegalStateException ignored) {
                // not stopped, or already gone
            }
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
