package io.kafkabridge.auth;

import io.kafkabridge.config.AuthOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Turns client credentials into an {@link Identity}: JWTs (vertx-auth-jwt) and login/passcode (the {@link UserStore}).
 * Without an {@code auth} section every client is {@link Identity#ANONYMOUS}.
 */
public final class Authenticator {

    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    /**
     * Password checks a node queues per core, at most; beyond, a login is refused with {@code auth_busy} at once (a
     * PBKDF2 check takes about 0.1 s of a core: 16 queued per core wait under 2 s).
     */
    static final int MAX_PENDING_CHECKS_PER_CORE = 16;
    /** Password checks one remote address may have queued at once: one host cannot fill the node's queue. */
    static final int MAX_PENDING_CHECKS_PER_ADDRESS = 4;

    private final Vertx vertx;
    private final JWTAuth jwt;
    private final UserStore users;
    private final String rolesClaim;
    private final boolean requireExp;
    private final long maxTokenLifetimeMs;
    private final LoginThrottle throttle = new LoginThrottle();
    /** Runs the password checks: as many at once as there are cores, no more. */
    private final WorkerExecutor checks;
    private final int maxPendingChecks;
    private final AtomicInteger pendingChecks = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> pendingPerAddress = new ConcurrentHashMap<>();

    private Authenticator(Vertx vertx, JWTAuth jwt, UserStore users, AuthOptions options) {
        this.vertx = vertx;
        this.jwt = jwt;
        this.users = users;
        this.rolesClaim = options.getRolesClaim();
        this.requireExp = options.isRequireExp();
        this.maxTokenLifetimeMs = options.getMaxTokenLifetimeSeconds() * 1000;
        int cores = Runtime.getRuntime().availableProcessors();
        this.checks = users == null ? null : vertx.createSharedWorkerExecutor("kafka-eventbus-bridge-password-checks", cores);
        this.maxPendingChecks = MAX_PENDING_CHECKS_PER_CORE * cores;
    }

    /**
     * @param options the {@code auth} section, or {@code null} for anonymous mode
     */
    public static Authenticator create(Vertx vertx, AuthOptions options) {
        if (options == null) {
            LOG.warn("ANONYMOUS MODE: no auth section is configured, so clients are not authenticated; only rules "
                + "without {user} and requiredAuthority apply. Configure auth.jwt and/or auth.users for production.");
            return new Authenticator(vertx, null, null, new AuthOptions());
        }
        JWTAuth jwt = options.getJwt() == null ? null : JWTAuth.create(vertx, new JWTAuthOptions(options.getJwt()));
        UserStore users = options.getUsers() == null ? null : UserStore.load(options.getUsers());
        LOG.info("Authentication on: {}{}", jwt != null ? "JWT" : "", users != null
            ? (jwt != null ? " and " : "") + "login/passcode for " + users.size() + " user(s) from " + options.getUsers() : "");
        return new Authenticator(vertx, jwt, users, options);
    }

    /**
     * @return {@code true} when clients must authenticate
     */
    public boolean isRequired() {
        return jwt != null || users != null;
    }

    public boolean acceptsTokens() {
        return jwt != null;
    }

    public boolean acceptsPasswords() {
        return users != null;
    }

    /**
     * @return the token's identity, or an {@link AuthFailure} ({@code invalid_token}, {@code token_expired})
     */
    public Future<Identity> authenticateToken(String token) {
        if (jwt == null) {
            return Future.failedFuture(new AuthFailure(AuthFailure.INVALID_TOKEN, "This node does not accept tokens"));
        }
        if (token == null || token.isBlank()) {
            return Future.failedFuture(new AuthFailure(AuthFailure.AUTH_REQUIRED, "No token presented"));
        }
        return jwt.authenticate(new TokenCredentials(token))
            .recover(e -> Future.failedFuture(toFailure(e)))
            .compose(this::toIdentity);
    }

    private static AuthFailure toFailure(Throwable e) {
        String message = String.valueOf(e.getMessage());
        if (message.toLowerCase().contains("expired")) {
            return new AuthFailure(AuthFailure.TOKEN_EXPIRED, "The token has expired");
        }
        return new AuthFailure(AuthFailure.INVALID_TOKEN, "The token was refused: " + message);
    }

    private Future<Identity> toIdentity(User user) {
        JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
        String subject = claims.getString("sub");
        if (subject == null || subject.isBlank()) {
            return Future.failedFuture(new AuthFailure(AuthFailure.INVALID_TOKEN, "The token has no \"sub\" claim"));
        }
        Set<String> authorities = new HashSet<>();
        Object roles = claims.getValue(rolesClaim);
        if (roles instanceof JsonArray) {
            ((JsonArray) roles).forEach(role -> authorities.add(String.valueOf(role)));
        } else if (roles instanceof String) {
            for (String role : ((String) roles).split("[\\s,]+")) {
                if (!role.isEmpty()) {
                    authorities.add(role);
                }
            }
        }
        Long exp = claims.getLong("exp");
        if (exp == null && requireExp) {
            return Future.failedFuture(new AuthFailure(AuthFailure.INVALID_TOKEN,
                "The token has no \"exp\" claim: tokens must expire (auth.jwt.requireExp)"));
        }
        if (exp != null && maxTokenLifetimeMs > 0) {
            Long issuedAt = claims.getLong("iat");
            long from = issuedAt == null ? System.currentTimeMillis() : issuedAt * 1000;
            if (exp * 1000 - from > maxTokenLifetimeMs) {
                return Future.failedFuture(new AuthFailure(AuthFailure.INVALID_TOKEN, "The token is valid for longer than "
                    + maxTokenLifetimeMs / 1000 + " s (auth.jwt.maxTokenLifetimeSeconds)"));
            }
        }
        return Future.succeededFuture(new Identity(subject, authorities, exp == null ? 0 : exp * 1000));
    }

    /**
     * @param address   the client's remote address (failed logins are backed off per login and per address)
     * @param wanted    whether the connection still waits for the answer: a check queued for a connection that closed
     *                  meanwhile is dropped before any hashing
     * @return the identity for STOMP login/passcode: a JWT in the passcode when tokens are accepted and the passcode is
     * shaped like one, else the user store
     */
    public Future<Identity> authenticateLogin(String login, String passcode, String address, BooleanSupplier wanted) {
        if (jwt != null && passcode != null && looksLikeJwt(passcode)) {
            return authenticateToken(passcode);
        }
        if (users == null) {
            return Future.failedFuture(new AuthFailure(passcode == null ? AuthFailure.AUTH_REQUIRED : AuthFailure.INVALID_TOKEN,
                "This node accepts only tokens: send a JWT as passcode or in an Authorization header"));
        }
        if (login == null && passcode == null) {
            return Future.failedFuture(new AuthFailure(AuthFailure.AUTH_REQUIRED, "CONNECT needs login and passcode"));
        }
        long wait = throttle.waitMs(login, address, System.currentTimeMillis());
        if (wait > 0) {
            return Future.failedFuture(new AuthFailure(AuthFailure.LOGIN_THROTTLED, "Too many failed logins for this login "
                + "or from this address; retry in " + wait + " ms"));
        }
        if (!reserveCheck(address)) {
            return Future.failedFuture(new AuthFailure(AuthFailure.AUTH_BUSY, "The node checks as many logins as it allows "
                + "(from this address, or in all); retry shortly"));
        }
        // PBKDF2 is deliberately slow: off the event loop, on a pool of its own
        return checks.<Identity>executeBlocking(() -> {
            if (!wanted.getAsBoolean()) {
                throw new AuthFailure(AuthFailure.AUTH_REQUIRED, "The connection closed before its login was checked");
            }
            return users.authenticate(login, passcode);
        }, false).andThen(result -> {
            releaseCheck(address);
            if (result.succeeded()) {
                throttle.recordSuccess(login, address);
            } else if (result.cause() instanceof AuthFailure failure && AuthFailure.BAD_CREDENTIALS.equals(failure.code())) {
                throttle.recordFailure(login, address, System.currentTimeMillis());
            }
        });
    }

    /**
     * @return {@code true} and counts a password check when the node and the address have room for it
     */
    private boolean reserveCheck(String address) {
        boolean[] reserved = {false};
        pendingPerAddress.compute(address, (a, count) -> {
            int current = count == null ? 0 : count;
            if (current >= MAX_PENDING_CHECKS_PER_ADDRESS || pendingChecks.get() >= maxPendingChecks) {
                return count;
            }
            pendingChecks.incrementAndGet();
            reserved[0] = true;
            return current + 1;
        });
        return reserved[0];
    }

    private void releaseCheck(String address) {
        pendingPerAddress.computeIfPresent(address, (a, count) -> count <= 1 ? null : count - 1);
        pendingChecks.decrementAndGet();
    }

    static boolean looksLikeJwt(String value) {
        return value.matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    }

    /**
     * @return the token of an {@code Authorization: Bearer <token>} header value, or {@code null}
     */
    public static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.trim();
        if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return value.substring(7).trim();
        }
        return null;
    }
}
