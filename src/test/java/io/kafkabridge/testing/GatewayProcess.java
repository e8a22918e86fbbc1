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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m", "-jar", jar.toAbsolutePath().toString()));
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
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException ignored) {
            // process ended
        } finally {
            lines.add(EOF);
        }
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

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
