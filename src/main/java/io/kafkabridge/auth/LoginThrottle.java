package io.kafkabridge.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Backs off failed password logins, per login (as tried from one remote address) and per remote address: after the
 * n-th failure in a row, that login from that address, or anything from that address, may try again only after a
 * delay that doubles from {@link #BASE_DELAY_MS} up to {@link #MAX_DELAY_MS}. An attempt during the delay is refused
 * before any hashing. A login is deliberately not blocked node-wide: an attacker failing it on purpose would lock its
 * user out everywhere. A success clears the login's and the address's failures. Thread-safe; at most
 * {@link #MAX_TRACKED} logins and addresses are remembered (stale ones go first).
 */
public final class LoginThrottle {

    static final long BASE_DELAY_MS = 1_000;
    static final long MAX_DELAY_MS = 30_000;
    static final int MAX_TRACKED = 100_000;
    /** A login or address whose last failure is older than this starts again from no failure. */
    static final long FORGET_AFTER_MS = 15 * 60_000;

    private record Failures(int count, long lastFailure, long blockedUntil) {
    }

    private final Map<String, Failures> byLogin = new ConcurrentHashMap<>();
    private final Map<String, Failures> byAddress = new ConcurrentHashMap<>();

    /**
     * @return how long {@code login} from {@code address} must still wait, ms; 0 when it may try now
     */
    public long waitMs(String login, String address, long now) {
        return Math.max(0, Math.max(blockedUntil(byLogin, loginKey(login, address)), blockedUntil(byAddress, address)) - now);
    }

    private static long blockedUntil(Map<String, Failures> failures, String key) {
        Failures entry = key == null ? null : failures.get(key);
        return entry == null ? 0 : entry.blockedUntil();
    }

    public void recordFailure(String login, String address, long now) {
        record(byLogin, loginKey(login, address), now);
        record(byAddress, address, now);
    }

    public void recordSuccess(String login, String address) {
        byLogin.remove(loginKey(login, address));
        if (address != null) {
            byAddress.remove(address);
        }
    }

    private static String loginKey(String login, String address) {
        return login + '\u0000' + address;
    }

    private static void record(Map<String, Failures> failures, String key, long now) {
        if (key == null) {
            return;
        }
        if (failures.size() >= MAX_TRACKED) {
            failures.values().removeIf(entry -> entry.lastFailure() < now - FORGET_AFTER_MS);
            if (failures.size() >= MAX_TRACKED) {
                failures.clear();
            }
        }
        failures.compute(key, (k, previous) -> {
            int count = previous == null || previous.lastFailure() < now - FORGET_AFTER_MS ? 1 : previous.count() + 1;
            long delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS << Math.min(count - 1, 20));
            return new Failures(count, now, now + delay);
        });
    }
}
