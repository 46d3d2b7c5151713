package dev.tenantcast.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/** Mints real signed tokens (and deliberately broken ones) for the tests. */
public final class Tokens {
  public static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256";

  private final JWTAuth signer;
  private final JWTAuth wrongSigner;

  public Tokens(Vertx vertx) {
    this(vertx, SECRET);
  }

  public Tokens(Vertx vertx, String secret) {
    this.signer = hs256(vertx, secret);
    this.wrongSigner = hs256(vertx, secret + "-but-not-quite");
  }

  private static JWTAuth hs256(Vertx vertx, String secret) {
    return JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  public String forTenant(String tenant, String... roles) {
    return sign(claims(tenant, roles).put("exp", Instant.now().plusSeconds(3600).getEpochSecond()));
  }

  public String admin() {
    return sign(new JsonObject().put("sub", "root").put("roles", new JsonArray().add("admin"))
        .put("exp", Instant.now().plusSeconds(3600).getEpochSecond()));
  }

  public String expiringIn(String tenant, long seconds) {
    return sign(claims(tenant).put("exp", Instant.now().plusSeconds(seconds).getEpochSecond()));
  }

  public String expired(String tenant) {
    return sign(claims(tenant).put("exp", Instant.now().minusSeconds(3600).getEpochSecond()));
  }

  public String withoutExp(String tenant) {
    return sign(claims(tenant));
  }

  public String signedWithWrongSecret(String tenant) {
    return wrongSigner.generateToken(claims(tenant).put("exp", Instant.now().plusSeconds(3600).getEpochSecond()),
        new JWTOptions().setAlgorithm("HS256"));
  }

  /** An unsigned token: header {@code {"alg":"none"}} and an empty signature. */
  public static String unsigned(String tenant) {
    JsonObject header = new JsonObject().put("alg", "none").put("typ", "JWT");
    JsonObject body = claims(tenant).put("exp", Instant.now().plusSeconds(3600).getEpochSecond());
    return base64(header.encode()) + "." + base64(body.encode()) + ".";
  }

  /**
   * Signs any payload text with the test secret, exactly as given: unlike {@link #sign}, nothing is added (no
   * {@code iat}) and the text need not be what a JSON library would write.
   */
  public static String signRaw(String payload) {
    try {
      String signed = base64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + base64(payload);
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signed + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
          mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public String sign(JsonObject claims) {
    return signer.generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }

  public static JsonObject claims(String tenant, String... roles) {
    return new JsonObject().put("sub", "user-of-" + tenant).put("tenant", tenant)
        .put("roles", new JsonArray(java.util.List.of((Object[]) roles)));
  }

  private static String base64(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
