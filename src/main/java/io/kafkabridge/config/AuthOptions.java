package io.kafkabridge.config;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.Set;

import static io.kafkabridge.config.JsonFields.*;

/**
 * Client authentication ({@code auth} section). Without this section the node runs in anonymous mode.
 * <ul>
 *   <li>{@code jwt}: a {@link JWTAuthOptions} JSON (vertx-auth-jwt's own format: {@code pubSecKeys},
 *   {@code jwtOptions} with issuer, audience, leeway). SockJS clients present the token as the {@code access_token}
 *   query parameter or an {@code Authorization: Bearer} frame header; STOMP clients as the CONNECT {@code passcode}
 *   or an {@code Authorization} CONNECT header.</li>
 *   <li>{@code users}: path of a JSON user file with hashed passwords for STOMP {@code login}/{@code passcode}.</li>
 *   <li>{@code rolesClaim}: the JWT claim holding the user's authorities.</li>
 * </ul>
 */
public class AuthOptions {

    /** Default JWT claim that holds the authorities used by {@code requiredAuthority} rules. */
    public static final String DEFAULT_ROLES_CLAIM = "roles";

    static final String SECTION = "auth";
    private static final Set<String> KEYS = Set.of("jwt", "users", "rolesClaim");

    private JsonObject jwt;
    private String users;
    private String rolesClaim;

    public AuthOptions() {
        rolesClaim = DEFAULT_ROLES_CLAIM;
    }

    public AuthOptions(JsonObject json) {
        this();
        requireKnownKeys(json, SECTION, KEYS);
        if (json.containsKey("jwt")) {
            JsonObject jwtJson = readObject(json, "jwt", SECTION);
            applySetting(SECTION, "jwt", () -> setJwt(jwtJson));
        }
        applySetting(SECTION, "users", () -> setUsers(readString(json, "users", SECTION, null)));
        applySetting(SECTION, "rolesClaim", () -> setRolesClaim(readString(json, "rolesClaim", SECTION, rolesClaim)));
        if (jwt == null && users == null) {
            throw new ConfigException(SECTION, "give \"jwt\" and/or \"users\", or remove the section for anonymous mode");
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

    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("rolesClaim", rolesClaim);
        if (jwt != null) {
            json.put("jwt", jwt.copy());
        }
        if (users != null) {
            json.put("users", users);
        }
        return json;
    }
}
