package dev.tenantcast.auth;

import dev.tenantcast.config.JwtConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The warm-up's tokens pass only while the warm-up runs, and only where its key was made. */
class WarmUpKeyTest {
  private static final JwtConfig CONFIG = new JwtConfig("a-secret-for-this-test-only-32-bytes!", null, null, null,
      "tenant", 0, 86_400);
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  private static String token(WarmUpKey.Signer signer) {
    return signer.sign(new JsonObject().put("sub", "w").put("tenant", "tenantcast-warm-up-0"),
        new JWTOptions().setExpiresInSeconds(60));
  }

  private static Principal verify(TokenVerifier verifier, String token) throws Exception {
    return verifier.verify(token).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void aWarmUpTokenPassesWhileTheWarmUpRunsAndFailsAfter() throws Exception {
    WarmUpKey key = new WarmUpKey();
    TokenVerifier verifier = TokenVerifier.create(vertx, CONFIG, null, key);
    String token = token(key.open(vertx));
    assertEquals("tenantcast-warm-up-0", verify(verifier, token).tenant().value());
    key.close();
    ExecutionException refused = assertThrows(ExecutionException.class, () -> verify(verifier, token));
    assertTrue(refused.getCause() instanceof InvalidTokenException, String.valueOf(refused.getCause()));
  }

  @Test
  void theWarmUpWorksWhereRealTokensAreVerifiedWithAPublicKey(@TempDir Path dir) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    Path pem = dir.resolve("rsa.pem");
    Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
        .encodeToString(generator.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
    WarmUpKey key = new WarmUpKey();
    TokenVerifier verifier = TokenVerifier.create(vertx, new JwtConfig(null, pem.toString(), null, null, "tenant", 0,
        86_400), null, key);
    String token = token(key.open(vertx));
    assertEquals("tenantcast-warm-up-0", verify(verifier, token).tenant().value());
    key.close();
    assertThrows(ExecutionException.class, () -> verify(verifier, token));
  }

  @Test
  void anotherInstancesWarmUpKeyIsNeverAccepted() throws Exception {
    WarmUpKey ours = new WarmUpKey();
    ours.open(vertx);
    TokenVerifier verifier = TokenVerifier.create(vertx, CONFIG, null, ours);
    String theirs = token(new WarmUpKey().open(vertx));
    ExecutionException refused = assertThrows(ExecutionException.class, () -> verify(verifier, theirs));
    assertTrue(refused.getCause() instanceof InvalidTokenException, String.valueOf(refused.getCause()));
  }
}
