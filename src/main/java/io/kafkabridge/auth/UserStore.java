package io.kafkabridge.auth;

import io.kafkabridge.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.hashing.HashString;
import io.vertx.ext.auth.hashing.HashingStrategy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The STOMP login/passcode user store: a JSON file of users with password hashes in the PHC string format of
 * vertx-auth-common's {@link HashingStrategy} (PBKDF2 by default; make one with {@link PasswordHasher}):
 * <pre>
 * { "users": { "alice": { "password": "$pbkdf2$...$...$...", "roles": ["orders"] } } }
 * </pre>
 */
public final class UserStore {

    private record Entry(String passwordHash, Set<String> roles) {
    }

    private final Map<String, Entry> users;
    private final HashingStrategy hashing = HashingStrategy.load();
    /** Verified in place of an unknown user's hash: the same work, so that timing does not tell which logins exist. */
    private final String unknownUserHash = PasswordHasher.hash(UUID.randomUUID().toString());

    private UserStore(Map<String, Entry> users) {
        this.users = users;
    }

    /**
     * @throws ConfigException naming {@code auth.users} (or the user's entry) when the file is missing or malformed
     */
    public static UserStore load(String file) {
        JsonObject json;
        try {
            json = new JsonObject(Files.readString(Path.of(file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("auth.users", "cannot read user file " + Path.of(file).toAbsolutePath() + ": " + e);
        } catch (RuntimeException e) {
            throw new ConfigException("auth.users", "user file " + file + " is not a JSON object: " + e.getMessage());
        }
        Object usersValue = json.getValue("users");
        if (!(usersValue instanceof JsonObject)) {
            throw new ConfigException("auth.users", "user file " + file + " needs a \"users\" object");
        }
        HashingStrategy hashing = HashingStrategy.load();
        Map<String, Entry> users = new HashMap<>();
        for (Map.Entry<String, Object> user : (JsonObject) usersValue) {
            String where = "user file " + file + ", user \"" + user.getKey() + "\"";
            if (!(user.getValue() instanceof JsonObject)) {
                throw new ConfigException("auth.users", where + ": expected an object with \"password\"");
            }
            JsonObject entry = (JsonObject) user.getValue();
            Object hash = entry.getValue("password");
            if (!(hash instanceof String) || !((String) hash).startsWith("$")) {
                throw new ConfigException("auth.users", where + ": \"password\" must be a hash such as $pbkdf2$... "
                    + "(make one with io.kafkabridge.auth.PasswordHasher)");
            }
            try {
                HashString parsed = new HashString((String) hash);
                if (hashing.get(parsed.id()) == null) {
                    throw new IllegalArgumentException("unknown hashing algorithm " + parsed.id());
                }
            } catch (RuntimeException e) {
                throw new ConfigException("auth.users", where + ": unusable password hash: " + e.getMessage());
            }
            Set<String> roles = new HashSet<>();
            Object rolesValue = entry.getValue("roles");
            if (rolesValue instanceof JsonArray) {
                ((JsonArray) rolesValue).forEach(role -> roles.add(String.valueOf(role)));
            }
            users.put(user.getKey(), new Entry((String) hash, roles));
        }
        return new UserStore(users);
    }

    /**
     * @return the identity for a correct login and passcode
     * @throws AuthFailure {@link AuthFailure#BAD_CREDENTIALS} otherwise (the same for an unknown user as for a wrong
     *                     passcode)
     */
    public Identity authenticate(String login, String passcode) {
        Entry entry = login == null ? null : users.get(login);
        boolean verified = hashing.verify(entry == null ? unknownUserHash : entry.passwordHash(), passcode == null ? "" : passcode);
        if (entry == null || passcode == null || !verified) {
            throw new AuthFailure(AuthFailure.BAD_CREDENTIALS, "Wrong login or passcode");
        }
        return new Identity(login, entry.roles(), 0);
    }

    public int size() {
        return users.size();
    }
}
