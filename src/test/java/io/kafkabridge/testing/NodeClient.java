package io.kafkabridge.testing;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real npm client ({@code src/test/js/*.js}) run by Node in its own process; each line it prints is a JSON event.
 * Closing it closes its stdin (the script then closes its connection) and ends the process.
 */
public final class NodeClient implements AutoCloseable {

    private static final Path SCRIPTS = Path.of("src/test/js").toAbsolutePath();
    private static final Path NODE_MODULES = Path.of(System.getProperty("npm.dir", "src/main/js"), "node_modules").toAbsolutePath();

    private final String name;
    private final Process process;
    private final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
    private final List<JsonObject> seen = new ArrayList<>();
    private final StringBuilder stderr = new StringBuilder();

    private NodeClient(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread out = new Thread(() -> readEvents(process), name + "-stdout");
        out.setDaemon(true);
        out.start();
        Thread err = new Thread(() -> readStderr(process), name + "-stderr");
        err.setDaemon(true);
        err.start();
    }

    /**
     * @param script a file of {@code src/test/js}
     */
    public static NodeClient start(String script, String... args) {
        List<String> command = new ArrayList<>(List.of("node", SCRIPTS.resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("NODE_PATH", NODE_MODULES.toString());
        try {
            return new NodeClient(script, builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start node " + command, e);
        }
    }

    private void readEvents(Process p) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                try {
                    events.add(new JsonObject(line));
                } catch (RuntimeException e) {
                    events.add(new JsonObject().put("event", "unparsed").put("line", line));
                }
            }
        } catch (IOException ignored) {
            // process ended
        }
    }

    private void readStderr(Process p) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (stderr) {
                    stderr.append(line).append('\n');
                }
            }
        } catch (IOException ignored) {
            // process ended
        }
    }

    /**
     * Waits for the next event that satisfies {@code condition}; events passed over are kept in {@link #seen()}.
     *
     * @throws AssertionError when none arrives in time, with everything the client printed
     */
    public JsonObject await(Predicate<JsonObject> condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonObject event = null;
            if (left > 0) {
                try {
                    event = events.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (event == null) {
                throw new AssertionError(name + ": no " + what + " within " + timeout + "; events so far: " + seen
                    + "; stderr: " + stderr());
            }
            seen.add(event);
            if (condition.test(event)) {
                return event;
            }
        }
    }

    public JsonObject awaitEvent(String type, Duration timeout) {
        return await(e -> type.equals(e.getString("event")), timeout, "'" + type + "' event");
    }

    /**
     * @return the events consumed so far by {@link #await}
     */
    public List<JsonObject> seen() {
        return seen;
    }

    public String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
