package dev.tenantcast.auth;

import dev.tenantcast.config.JwtConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.Collection;

/**
 * Signs development tokens with the configured HS256 secret, with the claims {@link TokenVerifier} expects. A
 * public-key configuration has no private key here, so it cannot sign.
 */
public final class TokenSigner {
  private final JWTAuth jwt;
  private final JwtConfig config;

  private TokenSigner(JWTAuth jwt, JwtConfig config) {
    this.jwt = jwt;
    this.config = config;
  }

  public static TokenSigner create(Vertx vertx, JwtConfig config) {
    if (config.publicKey() != null) {
      throw new IllegalStateException("jwt.publicKey is set: sign tokens with your private key instead");
    }
    if (config.jwks() != null) {
      throw new IllegalStateException("jwt.jwksUrl is set: tokens come from your identity provider");
    }
    return new TokenSigner(JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.secret()))), config);
  }

  /** @param tenant the tenant claim, or null for none */
  public String sign(String subject, String tenant, Collection<String> roles, long ttlSeconds) {
    JsonObject claims = new JsonObject().put("sub", subject).put("roles", new JsonArray(java.util.List.copyOf(roles)));
    if (tenant != null) {
      claims.put(config.tenantClaim(), tenant);
    }
    JWTOptions options = new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds((int) ttlSeconds);
    if (config.issuer() != null) {
      options.setIssuer(config.issuer());
    }
    if (config.audience() != null) {
      options.addAudience(config.audience());
    }
    return jwt.generateToken(claims, options);
  }
}
