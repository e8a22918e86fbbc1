package io.kafkabridge.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Closes what a test opened (clients, sockets) after each test, the last opened first, whether the test passed or
 * not: {@code @RegisterExtension final ClosedAfterEach closed = new ClosedAfterEach();} then
 * {@code closed.add(RawStompClient.connectTcp(...))}.
 */
public final class ClosedAfterEach implements AfterEachCallback {

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /**
     * @return {@code closeable}, closed after the test
     */
    public <T extends AutoCloseable> T add(T closeable) {
        opened.push(closeable);
        return closeable;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        closeAll();
    }

    /**
     * Closes what was added, now: for a test's own {@code @AfterEach} that must run after the clients are gone (JUnit
     * runs those before this extension's callback).
     */
    public void closeAll() throws Exception {
        Exception first = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
