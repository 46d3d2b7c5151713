package dev.tenantcast.auth;

import dev.tenantcast.config.JwtConfig;
import dev.tenantcast.testing.Tokens;
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
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Public-key verification (RS256, ES256; PEM and JWKS), issuer, audience and the tenant claim name. */
class TokenVerifierTest {
  private static Vertx vertx;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static String sign(String algorithm, KeyPair keys, JsonObject claims) {
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm(algorithm).setBuffer(pem("PRIVATE KEY", keys.getPrivate().getEncoded()))));
    return signer.generateToken(claims, new JWTOptions().setAlgorithm(algorithm));
  }

  private static JsonObject claims(String tenantClaim, String tenant) {
    return new JsonObject().put("sub", "u").put(tenantClaim, tenant).put("roles", new JsonArray().add("publisher"))
        .put("exp", Instant.now().plusSeconds(600).getEpochSecond());
  }

  private Path file(String name, String content) throws Exception {
    Path path = dir.resolve(name);
    Files.writeString(path, content);
    return path;
  }

  private static Principal verify(JwtConfig config, String token) throws Exception {
    return TokenVerifier.create(vertx, config).verify(token).await(5, TimeUnit.SECONDS);
  }

  @Test
  void verifiesRs256WithAPemPublicKey() throws Exception {
    KeyPair keys = rsa();
    Path key = file("rsa.pem", pem("PUBLIC KEY", keys.getPublic().getEncoded()));
    JwtConfig config = new JwtConfig(null, key.toString(), null, null, "tenant", 0, 86_400);
    Principal principal = verify(config, sign("RS256", keys, claims("tenant", "acme")));
    assertEquals("acme", principal.tenant().value());
    assertEquals(Set.of("publisher"), principal.roles());
    assertTrue(principal.canPublish());
    // A token signed by another key, or HMAC-signed with the public key as secret (algorithm confusion), fails.
    assertThrows(Exception.class, () -> verify(config, sign("RS256", rsa(), claims("tenant", "acme"))));
    String confused = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
            .setAlgorithm("HS256").setBuffer(Files.readString(key))))
        .generateToken(claims("tenant", "acme"), new JWTOptions().setAlgorithm("HS256"));
    assertThrows(Exception.class, () -> verify(config, confused));
    assertThrows(Exception.class, () -> verify(config, Tokens.unsigned("acme")));
  }

  @Test
  void verifiesEs256WithAPemPublicKeyAndACustomTenantClaim() throws Exception {
    KeyPair keys = ec();
    Path key = file("ec.pem", pem("PUBLIC KEY", keys.getPublic().getEncoded()));
    JwtConfig config = new JwtConfig(null, key.toString(), null, null, "sppgId", 0, 86_400);
    assertEquals("unit-7", verify(config, sign("ES256", keys, claims("sppgId", "unit-7"))).tenant().value());
    // With a custom claim name, a "tenant" claim is not the tenant.
    assertEquals(null, verify(config, sign("ES256", keys, claims("tenant", "acme"))).tenant());
  }

  @Test
  void verifiesWithAJwksFile() throws Exception {
    KeyPair keys = rsa();
    java.security.interfaces.RSAPublicKey pub = (java.security.interfaces.RSAPublicKey) keys.getPublic();
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    JsonObject jwk = new JsonObject().put("kty", "RSA").put("alg", "RS256").put("use", "sig")
        .put("n", b64.encodeToString(unsigned(pub.getModulus().toByteArray())))
        .put("e", b64.encodeToString(unsigned(pub.getPublicExponent().toByteArray())));
    Path jwks = file("keys.json", new JsonObject().put("keys", new JsonArray().add(jwk)).encode());
    JwtConfig config = new JwtConfig(null, jwks.toString(), null, null, "tenant", 0, 86_400);
    assertEquals("acme", verify(config, sign("RS256", keys, claims("tenant", "acme"))).tenant().value());
  }

  private static byte[] unsigned(byte[] bytes) {
    return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  @Test
  void checksIssuerAndAudienceWhenConfigured() throws Exception {
    Tokens tokens = new Tokens(vertx);
    JwtConfig config = new JwtConfig(Tokens.SECRET, null, "https://issuer.example", "dashboards", "tenant", 0, 86_400);
    JsonObject good = claims("tenant", "acme").put("iss", "https://issuer.example").put("aud", "dashboards");
    assertEquals("acme", verify(config, tokens.sign(good)).tenant().value());
    assertThrows(Exception.class, () -> verify(config, tokens.sign(good.copy().put("iss", "https://evil.example"))));
    assertThrows(Exception.class, () -> verify(config, tokens.sign(good.copy().put("aud", "someone-else"))));
    assertThrows(Exception.class, () -> verify(config, tokens.sign(claims("tenant", "acme"))));
  }
}
