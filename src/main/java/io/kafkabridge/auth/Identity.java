package io.kafkabridge.auth;

import java.util.Set;

/**
 * Who is on a connection: the user id (JWT {@code sub} or STOMP login) and authorities, or nobody (anonymous).
 *
 * @param userId          the user id, {@code null} when anonymous
 * @param authorities     the authorities that {@code requiredAuthority} rules test
 * @param expiresAtMillis when the credentials expire (epoch ms), {@code 0} for never
 */
public record Identity(String userId, Set<String> authorities, long expiresAtMillis) {

    /** A client of a node without authentication, or one that has not authenticated yet. */
    public static final Identity ANONYMOUS = new Identity(null, Set.of(), 0);

    public Identity {
        authorities = Set.copyOf(authorities);
    }

    public boolean isAnonymous() {
        return userId == null;
    }

    public boolean hasAuthority(String authority) {
        return authorities.contains(authority);
    }

    /**
     * @return whether the credentials have expired at {@code nowMillis}
     */
    public boolean isExpired(long nowMillis) {
        return expiresAtMillis > 0 && nowMillis >= expiresAtMillis;
    }

    /**
     * @return a short description for logs: the user id or "anonymous"
     */
    public String describe() {
        return isAnonymous() ? "anonymous" : userId;
    }
}
