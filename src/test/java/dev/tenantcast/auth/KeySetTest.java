package dev.tenantcast.auth;

import dev.tenantcast.testing.IdentityProvider.SigningKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which keys of a JWKS answer may verify tokens, and which answers are no key set at all. */
class KeySetTest {
  private static KeySet parse(JsonObject... keys) {
    return KeySet.parse(new JsonObject().put("keys", new JsonArray(List.of((Object[]) keys))).toBuffer());
  }

  private static String failure(String body) {
    return assertThrows(IllegalArgumentException.class, () -> KeySet.parse(Buffer.buffer(body))).getMessage();
  }

  @Test
  void keepsRs256Es256AndEdDsaSigningKeys() {
    SigningKey rsa = SigningKey.generate("RS256");
    SigningKey ec = SigningKey.generate("ES256");
    SigningKey ed = SigningKey.generate("EdDSA");
    KeySet keys = parse(rsa.jwk(), ec.jwk(), ed.jwk().copy().put("use", null));
    assertEquals(Set.of(rsa.kid(), ec.kid(), ed.kid()), keys.kids());
    assertEquals(0, keys.skipped());
    assertTrue(keys.knows(rsa.kid()) && keys.knows(null) && !keys.knows("other"));
  }

  @Test
  void aKeyWithoutAlgGetsTheOneItsTypeImplies() {
    KeySet keys = parse(SigningKey.generate("ES256").jwk().copy().put("alg", null));
    assertEquals("ES256", keys.jwks().get(0).getString("alg"));
  }

  @Test
  void skipsEncryptionKeysSecretsOtherCurvesAndMismatchedAlgorithms() {
    SigningKey rsa = SigningKey.generate("RS256");
    KeySet keys = parse(rsa.jwk(),
        SigningKey.generate("RS256").jwk().put("use", "enc").put("alg", "RSA-OAEP"),
        new JsonObject().put("kty", "oct").put("k", "c2VjcmV0").put("alg", "HS256").put("kid", "hmac"),
        new JsonObject().put("kty", "EC").put("crv", "P-384").put("x", "AA").put("y", "AA").put("kid", "p384"),
        new JsonObject().put("kty", "OKP").put("crv", "X25519").put("x", "AA").put("kid", "x25519"),
        SigningKey.generate("RS256").jwk().put("alg", "RS512"));
    assertEquals(Set.of(rsa.kid()), keys.kids());
    assertEquals(5, keys.skipped());
    assertNull(KeySet.algorithmOf(new JsonObject().put("kty", "RSA").put("alg", "HS256")), "no confusion");
  }

  @Test
  void anAnswerWithoutUsableKeysIsNoKeySet() {
    assertTrue(failure("<html>").contains("not a JSON object"));
    assertTrue(failure("[]").contains("not a JSON object"));
    assertTrue(failure("{\"keys\":{}}").contains("no \"keys\" array"));
    assertTrue(failure("{\"keys\":[]}").contains("no usable signing key"));
    assertTrue(failure("{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}, 7]}").contains("among its 2"));
  }
}
