package io.kafkabridge.auth;

import io.kafkabridge.config.AuthOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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

/**
 * Turns client credentials into an {@link Identity}: JWTs (vertx-auth-jwt) and login/passcode (the {@link UserStore}).
 * Without an {@code auth} section every client is {@link Identity#ANONYMOUS}.
 */
public final class Authenticator {

    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);

    private final Vertx vertx;
    private final JWTAuth jwt;
    private final UserStore users;
    private final String rolesClaim;

    private Authenticator(Vertx vertx, JWTAuth jwt, UserStore users, String rolesClaim) {
        this.vertx = vertx;
        this.jwt = jwt;
        this.users = users;
        this.rolesClaim = rolesClaim;
    }

    /**
     * @param options the {@code auth} section, or {@code null} for anonymous mode
     */
    public static Authenticator create(Vertx vertx, AuthOptions options) {
        if (options == null) {
            LOG.warn("ANONYMOUS MODE: no auth section is configured, so clients are not authenticated; only rules "
                + "without {user} and requiredAuthority apply. Configure auth.jwt and/or auth.users for production.");
            return new Authenticator(vertx, null, null, AuthOptions.DEFAULT_ROLES_CLAIM);
        }
        JWTAuth jwt = options.getJwt() == null ? null : JWTAuth.create(vertx, new JWTAuthOptions(options.getJwt()));
        UserStore users = options.getUsers() == null ? null : UserStore.load(options.getUsers());
        LOG.info("Authentication on: {}{}", jwt != null ? "JWT" : "", users != null
            ? (jwt != null ? " and " : "") + "login/passcode for " + users.size() + " user(s) from " + options.getUsers() : "");
        return new Authenticator(vertx, jwt, users, options.getRolesClaim());
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
        return Future.succeededFuture(new Identity(subject, authorities, exp == null ? 0 : exp * 1000));
    }

    /**
     * @return the identity for STOMP login/passcode: a JWT in the passcode when tokens are accepted and the passcode is
     * shaped like one, else the user store
     */
    public Future<Identity> authenticateLogin(String login, String passcode) {
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
        // PBKDF2 is deliberately slow: keep it off the event loop
        return vertx.executeBlocking(() -> users.authenticate(login, passcode), false);
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
