package io.kafkabridge.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * Client authentication ({@code auth} section). Without this section the node runs in anonymous mode.
 * <ul>
 *   <li>{@code jwt}: a {@link JWTAuthOptions} JSON (vertx-auth-jwt's own format: {@code pubSecKeys},
 *   {@code jwtOptions} with issuer, audience, leeway). SockJS clients present the token as the {@code access_token}
 *   query parameter or an {@code Authorization: Bearer} frame header; STOMP clients as the CONNECT {@code passcode}
 *   or an {@code Authorization} CONNECT header. Two keys of ours sit beside vertx-auth-jwt's: {@code requireExp}
 *   (tokens without {@code exp} are refused) and {@code maxTokenLifetimeSeconds} (tokens valid for longer, from
 *   {@code iat} or else from now, are refused; 0: no maximum).</li>
 *   <li>{@code users}: path of a JSON user file with hashed passwords for STOMP {@code login}/{@code passcode}.</li>
 *   <li>{@code rolesClaim}: the JWT claim holding the user's authorities.</li>
 * </ul>
 */
public class AuthOptions {

    /** Default JWT claim that holds the authorities used by {@code requiredAuthority} rules. */
    public static final String DEFAULT_ROLES_CLAIM = "roles";

    /** Tokens without an {@code exp} claim are refused unless {@code auth.jwt.requireExp} is false. */
    public static final boolean DEFAULT_REQUIRE_EXP = true;
    /** Longest lifetime of a token accepted, in seconds ({@code auth.jwt.maxTokenLifetimeSeconds}): one day. */
    public static final long DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

    static final String SECTION = "auth";
    private static final String JWT_PATH = SECTION + ".jwt";
    private static final Set<String> KEYS = Set.of("jwt", "users", "rolesClaim");

    private JsonObject jwt;
    private String users;
    private String rolesClaim;
    private boolean requireExp;
    private long maxTokenLifetimeSeconds;

    public AuthOptions() {
        rolesClaim = DEFAULT_ROLES_CLAIM;
        requireExp = DEFAULT_REQUIRE_EXP;
        maxTokenLifetimeSeconds = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    }

    public AuthOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        if (json.containsKey("jwt")) {
            JsonObject jwtJson = readObject(json, "jwt", SECTION).copy();
            boolean requiresExp = readBoolean(jwtJson, "requireExp", JWT_PATH, requireExp);
            long maxLifetime = readLong(jwtJson, "maxTokenLifetimeSeconds", JWT_PATH, maxTokenLifetimeSeconds);
            jwtJson.remove("requireExp");
            jwtJson.remove("maxTokenLifetimeSeconds");
            encodePemKeys(jwtJson);
            applySetting(SECTION, "jwt", () -> setJwt(jwtJson));
            setRequireExp(requiresExp);
            applySetting(JWT_PATH, "maxTokenLifetimeSeconds", () -> setMaxTokenLifetimeSeconds(maxLifetime));
        }
        applySetting(SECTION, "users", () -> setUsers(readString(json, "users", SECTION, null)));
        applySetting(SECTION, "rolesClaim", () -> setRolesClaim(readString(json, "rolesClaim", SECTION, rolesClaim)));
        if (jwt == null && users == null) {
            throw new ConfigException(SECTION, "give \"jwt\" and/or \"users\", or remove the section for anonymous mode");
        }
    }

    /**
     * vertx-auth-jwt reads a key's {@code buffer} from JSON as base64url (a JSON-encoded Buffer); a PEM key
     * ({@code -----BEGIN PUBLIC KEY-----...}) is what operators have, so a PEM {@code buffer} is encoded for it.
     */
    private static void encodePemKeys(JsonObject jwt) {
        Object keys = jwt.getValue("pubSecKeys");
        if (!(keys instanceof JsonArray)) {
            return;
        }
        for (Object key : (JsonArray) keys) {
            if (key instanceof JsonObject entry && entry.getValue("buffer") instanceof String buffer
                && buffer.stripLeading().startsWith("-----BEGIN")) {
                entry.put("buffer", Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    /**
     * @return the JWT options JSON, or {@code null} when JWTs are not accepted
     */
    public JsonObject getJwt() {
        return jwt;
    }

    public AuthOptions setJwt(JsonObject jwt) {
        if (jwt != null) {
            JWTAuthOptions parsed = new JWTAuthOptions(jwt);
            if (parsed.getPubSecKeys() == null || parsed.getPubSecKeys().isEmpty()) {
                if (parsed.getJwks() == null || parsed.getJwks().isEmpty()) {
                    throw new IllegalArgumentException("needs \"pubSecKeys\" (or \"jwks\") to verify tokens");
                }
            }
        }
        this.jwt = jwt;
        return this;
    }

    /**
     * @return the user file path, or {@code null}
     */
    public String getUsers() {
        return users;
    }

    public AuthOptions setUsers(String users) {
        if (users != null && users.isBlank()) {
            throw new IllegalArgumentException("must be the path of the user file");
        }
        this.users = users;
        return this;
    }

    public String getRolesClaim() {
        return rolesClaim;
    }

    public AuthOptions setRolesClaim(String rolesClaim) {
        if (rolesClaim == null || rolesClaim.isBlank()) {
            throw new IllegalArgumentException("must name a JWT claim");
        }
        this.rolesClaim = rolesClaim;
        return this;
    }

    /**
     * @return {@code true} when tokens without an {@code exp} claim are refused
     */
    public boolean isRequireExp() {
        return requireExp;
    }

    public AuthOptions setRequireExp(boolean requireExp) {
        this.requireExp = requireExp;
        return this;
    }

    /**
     * @return the longest token lifetime accepted, in seconds; 0 for no maximum
     */
    public long getMaxTokenLifetimeSeconds() {
        return maxTokenLifetimeSeconds;
    }

    public AuthOptions setMaxTokenLifetimeSeconds(long maxTokenLifetimeSeconds) {
        if (maxTokenLifetimeSeconds < 0) {
            throw new IllegalArgumentException("must be 0 (no maximum) or a number of seconds, got " + maxTokenLifetimeSeconds);
        }
        this.maxTokenLifetimeSeconds = maxTokenLifetimeSeconds;
        return this;
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("rolesClaim", rolesClaim);
        if (jwt != null) {
            json.put("jwt", jwt.copy().put("requireExp", requireExp).put("maxTokenLifetimeSeconds", maxTokenLifetimeSeconds));
        }
        if (users != null) {
            json.put("users", users);
        }
        return json;
    }
}
