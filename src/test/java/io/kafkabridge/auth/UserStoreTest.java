package io.kafkabridge.auth;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The user file's logins: a correct passcode gives the identity; a wrong one and an unknown login are refused alike,
 * after the same work, so that timing does not tell which logins exist.
 */
class UserStoreTest {

    @TempDir
    Path dir;

    private UserStore store() throws Exception {
        Path file = dir.resolve("users.json");
        Files.writeString(file, new JsonObject().put("users", new JsonObject()
            .put("carol", new JsonObject().put("password", PasswordHasher.hash("right")))).encode());
        return UserStore.load(file.toString());
    }

    private static long medianNanos(Runnable attempt) {
        long[] times = new long[7];
        for (int i = 0; i < times.length; i++) {
            long start = System.nanoTime();
            attempt.run();
            times[i] = System.nanoTime() - start;
        }
        Arrays.sort(times);
        return times[times.length / 2];
    }

    private static Runnable refused(UserStore store, String login, String passcode) {
        return () -> assertThatThrownBy(() -> store.authenticate(login, passcode))
            .isInstanceOf(AuthFailure.class).hasMessage("Wrong login or passcode");
    }

    @Test
    void anUnknownLoginCostsAsMuchAsAWrongPasscode() throws Exception {
        UserStore store = store();
        assertThat(store.authenticate("carol", "right").userId()).isEqualTo("carol");

        long wrongPasscode = medianNanos(refused(store, "carol", "wrong"));
        long unknownLogin = medianNanos(refused(store, "mallory", "wrong"));
        long noPasscode = medianNanos(refused(store, "carol", null));

        // a PBKDF2 check of 100,000 iterations each; without the dummy hash an unknown login took about 1/20 of it
        System.out.printf("Login checks (median of 7): wrong passcode %.1f ms, unknown login %.1f ms, no passcode %.1f ms%n",
            wrongPasscode / 1e6, unknownLogin / 1e6, noPasscode / 1e6);
        assertThat(unknownLogin).isGreaterThan(wrongPasscode / 2);
        assertThat(noPasscode).isGreaterThan(wrongPasscode / 2);
    }
}
