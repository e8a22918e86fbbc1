package io.kafkabridge.auth;

import io.vertx.ext.auth.hashing.HashingStrategy;

import java.io.Console;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * Prints the PBKDF2 hash of a password for the user file:
 * {@code java -cp kafka-eventbus-bridge.jar io.kafkabridge.auth.PasswordHasher [password]} (asks for it when absent).
 */
public final class PasswordHasher {

    /** PBKDF2 iterations of new hashes. */
    public static final int ITERATIONS = 100_000;

    private PasswordHasher() {
    }

    /**
     * @return the PHC string ({@code $pbkdf2$it=...$salt$hash}) of {@code password} with a fresh random salt
     */
    public static String hash(String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        String encodedSalt = Base64.getEncoder().withoutPadding().encodeToString(salt);
        return HashingStrategy.load().hash("pbkdf2", Map.of("it", Integer.toString(ITERATIONS)), encodedSalt, password);
    }

    public static void main(String[] args) {
        String password;
        if (args.length > 0) {
            password = args[0];
        } else {
            Console console = System.console();
            if (console == null) {
                System.err.println("usage: PasswordHasher <password>");
                System.exit(2);
                return;
            }
            password = new String(console.readPassword("password: "));
        }
        System.out.println(hash(password));
    }
}
