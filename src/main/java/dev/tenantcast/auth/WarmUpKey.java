package dev.tenantcast.auth;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The key of the start's warm-up streams: a random HS256 secret that never leaves the process, so that the warm-up
 * works whatever signs the real tokens (a secret, a key file, an identity provider). Its tokens are accepted only
 * while the warm-up runs, and only by the {@link TokenVerifier}s of this service instance.
 */
public final class WarmUpKey {
  private static final String KID = "tenantcast-warm-up";

  private final String secret;
  private volatile boolean open;
  /** The encoded header every warm-up token starts with: how a verifier tells them apart without decoding. */
  private volatile String header;

  public WarmUpKey() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    this.secret = Base64.getEncoder().encodeToString(bytes);
  }

  /** Opens the key and returns a signer of warm-up tokens with the claims the verifier checks. */
  public Signer open(Vertx vertx) {
    Signer signer = new Signer(JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(key())));
    header = signer.sign(new JsonObject().put("sub", KID), new JWTOptions().setExpiresInSeconds(60)).split("\\.")[0]
        + ".";
    open = true;
    return signer;
  }

  /** From now on no warm-up token is accepted. */
  public void close() {
    open = false;
  }

  boolean accepts(String token) {
    return open && token.startsWith(header);
  }

  /** A verifier of warm-up tokens with the same checks as the real ones. */
  JWTAuth verifier(Vertx vertx, JWTOptions checks) {
    return JWTAuth.create(vertx, new JWTAuthOptions().setJWTOptions(checks).addPubSecKey(key()));
  }

  private PubSecKeyOptions key() {
    return new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret);
  }

  /** Signs warm-up tokens. */
  public static final class Signer {
    private final JWTAuth jwt;

    private Signer(JWTAuth jwt) {
      this.jwt = jwt;
    }

    /** @param options the checks' claims (expiry, issuer, audience); the algorithm and key id are the warm-up's */
    public String sign(JsonObject claims, JWTOptions options) {
      return jwt.generateToken(claims, options.setAlgorithm("HS256").setHeader(new JsonObject().put("kid", KID)));
    }
  }
}
