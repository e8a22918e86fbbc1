package io.kafkabridge.auth;

import io.kafkabridge.config.AuthOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys as operators have them: an RS256 public key given as PEM text in {@code auth.jwt.pubSecKeys[].buffer} (the
 * README's example) verifies tokens signed with its private key. Password checks cannot be turned into a denial of
 * service: one address queues only a few, and a check whose connection closed is dropped before hashing.
 */
class AuthenticatorTest {

    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }

    private static Authenticator withCarol(Path dir) throws Exception {
        Path users = dir.resolve("users.json");
        Files.writeString(users, new JsonObject().put("users", new JsonObject()
            .put("carol", new JsonObject().put("password", PasswordHasher.hash("right")))).encode());
        return Authenticator.create(vertx, new AuthOptions(new JsonObject().put("users", users.toString())));
    }

    private static String failureCode(Future<Identity> login) {
        try {
            login.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return "ok";
        } catch (ExecutionException e) {
            return ((AuthFailure) e.getCause()).code();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aCheckWhoseConnectionClosedIsDroppedUnhashedAndCountsAsNoFailure(@TempDir Path dir) throws Exception {
        Authenticator authenticator = withCarol(dir);

        String dropped = failureCode(authenticator.authenticateLogin("carol", "wrong", "10.0.0.1", () -> false));

        assertThat(dropped).isEqualTo(AuthFailure.AUTH_REQUIRED);
        assertThat(failureCode(authenticator.authenticateLogin("carol", "right", "10.0.0.1", () -> true)))
            .as("not backed off: nothing failed").isEqualTo("ok");
    }

    @Test
    void oneAddressMayQueueOnlyAFewChecksWhileOthersStillGetIn(@TempDir Path dir) throws Exception {
        Authenticator authenticator = withCarol(dir);
        List<Future<Identity>> flood = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            flood.add(authenticator.authenticateLogin("carol", "guess" + i, "10.0.0.2", () -> true));
        }
        Future<Identity> elsewhere = authenticator.authenticateLogin("carol", "right", "10.0.0.3", () -> true);

        List<String> codes = flood.stream().map(AuthenticatorTest::failureCode).toList();
        assertThat(codes).filteredOn(AuthFailure.AUTH_BUSY::equals).hasSize(10 - Authenticator.MAX_PENDING_CHECKS_PER_ADDRESS);
        assertThat(codes).filteredOn(AuthFailure.BAD_CREDENTIALS::equals).hasSize(Authenticator.MAX_PENDING_CHECKS_PER_ADDRESS);
        assertThat(failureCode(elsewhere)).isEqualTo("ok");
        assertThat(failureCode(authenticator.authenticateLogin("carol", "right", "10.0.0.2", () -> true)))
            .as("the flooding address now waits").isEqualTo(AuthFailure.LOGIN_THROTTLED);
    }

    @Test
    void anRs256PublicKeyInPemVerifiesTokens() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256")
            .setBuffer(pem("PRIVATE KEY", keys.getPrivate().getEncoded()))));
        String token = signer.generateToken(new JsonObject().put("sub", "alice"),
            new JWTOptions().setAlgorithm("RS256").setExpiresInSeconds(60));
        AuthOptions options = new AuthOptions(new JsonObject().put("jwt", new JsonObject().put("pubSecKeys", new JsonArray()
            .add(new JsonObject().put("algorithm", "RS256").put("buffer", pem("PUBLIC KEY", keys.getPublic().getEncoded()))))));

        Identity identity = Authenticator.create(vertx, options).authenticateToken(token)
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(identity.userId()).isEqualTo("alice");
    }
}
