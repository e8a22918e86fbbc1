package io.kafkabridge.auth;

import io.kafkabridge.config.AuthOptions;
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

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys as operators have them: an RS256 public key given as PEM text in {@code auth.jwt.pubSecKeys[].buffer} (the
 * README's example) verifies tokens signed with its private key.
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
