package dev.tenantcast.auth;

import dev.tenantcast.bus.TenantId;
import dev.tenantcast.config.ConfigException;
import dev.tenantcast.config.JwtConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.cert.CertificateFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Base64.Decoder;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Verifies tokens: signature (HS256 secret, RS256/ES256 public key from a PEM or JWKS file, or the RS256, ES256
 * and EdDSA keys of an identity provider's JWKS URL; only the keys' own algorithms are accepted, so {@code alg: none}
 * and algorithm confusion fail), {@code exp} a number, not passed and not further away than
 * {@code jwt.maxLifetimeSeconds}, {@code nbf}/{@code iat} numbers when present, {@code iss}/{@code aud} when
 * configured, and a valid tenant claim when there is one. One instance per event loop: it answers on the caller's.
 */
public final class TokenVerifier {
  private static final int MAX_TOKEN_LENGTH = 8192;
  private static final Decoder BASE64URL = Base64.getUrlDecoder();

  private final Vertx vertx;
  private final JWTOptions checks;
  /** The secret's or the key file's verifier; null with a JWKS URL. */
  private final JWTAuth fixed;
  /** The JWKS URL's keys; null without one. */
  private final JwksCache jwks;
  private final WarmUpKey warmUpKey;
  private final JWTAuth warmUp;
  private final String tenantClaim;
  private final long maxLifetimeMillis;
  private final LongSupplier clock;
  /** The verifier built from the key set last seen, rebuilt when the cache holds another. */
  private volatile Built built;

  private record Built(KeySet keys, JWTAuth jwt) {
  }

  private TokenVerifier(Vertx vertx, JwtConfig config, JWTAuth fixed, JwksCache jwks, WarmUpKey warmUpKey) {
    this.vertx = vertx;
    this.checks = checks(config);
    this.fixed = fixed;
    this.jwks = jwks;
    this.warmUpKey = warmUpKey;
    this.warmUp = warmUpKey.verifier(vertx, checks);
    this.tenantClaim = config.tenantClaim();
    this.maxLifetimeMillis = config.maxLifetimeSeconds() * 1000L;
    this.clock = System::currentTimeMillis;
  }

  /** A verifier with the configured secret or key file; a JWKS URL needs the service's {@link JwksCache}. */
  public static TokenVerifier create(Vertx vertx, JwtConfig config) {
    return create(vertx, config, null, new WarmUpKey());
  }

  /**
   * @param jwks the service's cache of the keys of {@code jwt.jwksUrl}, or null when it is not set
   * @param warmUp the service's warm-up key, whose tokens pass only while the warm-up runs
   */
  public static TokenVerifier create(Vertx vertx, JwtConfig config, JwksCache jwks, WarmUpKey warmUp) {
    if ((config.jwks() != null) != (jwks != null)) {
      throw new IllegalArgumentException("a JwksCache is needed exactly when jwt.jwksUrl is set");
    }
    if (jwks != null) {
      return new TokenVerifier(vertx, config, null, jwks, warmUp);
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(checks(config));
    if (config.publicKey() != null) {
      addPublicKeys(options, Path.of(config.publicKey()));
    } else {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.secret()));
    }
    return new TokenVerifier(vertx, config, JWTAuth.create(vertx, options), null, warmUp);
  }

  private static JWTOptions checks(JwtConfig config) {
    JWTOptions checks = new JWTOptions().setLeeway(config.leewaySeconds());
    if (config.issuer() != null) {
      checks.setIssuer(config.issuer());
    }
    if (config.audience() != null) {
      checks.addAudience(config.audience());
    }
    return checks;
  }

  public Future<Principal> verify(String token) {
    if (token == null) {
      return Future.failedFuture(new InvalidTokenException("no token: send Authorization: Bearer, the "
          + TokenExtractor.COOKIE + " cookie or ?" + TokenExtractor.QUERY_PARAMETER + "="));
    }
    if (token.length() > MAX_TOKEN_LENGTH || token.chars().filter(c -> c == '.').count() != 2) {
      return Future.failedFuture(new InvalidTokenException("the token is not a JWT"));
    }
    Future<JWTAuth> keys = warmUpKey.accepts(token) ? Future.succeededFuture(warmUp)
        : jwks == null ? Future.succeededFuture(fixed) : verifierFor(token);
    return keys
        .compose(jwt -> authenticate(jwt, token))
        .compose(verified -> {
          JsonObject claims = verified.attributes().getJsonObject("accessToken");
          return claims == null ? Future.failedFuture(new InvalidTokenException("the token has no claims"))
              : principal(claims);
        });
  }

  private static Future<User> authenticate(JWTAuth jwt, String token) {
    Future<User> user;
    try {
      user = jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      // JWTAuth throws, rather than fails, on some claim types it did not expect (exp as a string)
      user = Future.failedFuture(e);
    }
    return user.recover(e -> Future.failedFuture(new InvalidTokenException("the token is invalid or expired")));
  }

  /**
   * The verifier with the JWKS keys for this token: the current ones when they hold its {@code kid}, else those of
   * a fresh fetch, which the cache allows only once per {@code jwt.jwksMinRefreshSeconds}.
   */
  private Future<JWTAuth> verifierFor(String token) {
    String kid;
    try {
      JsonObject header = new JsonObject(new String(BASE64URL.decode(token.substring(0, token.indexOf('.'))),
          StandardCharsets.UTF_8));
      Object value = header.getValue("kid");
      if (value != null && !(value instanceof String)) {
        return Future.failedFuture(new InvalidTokenException("the token's kid is not a string"));
      }
      kid = (String) value;
    } catch (RuntimeException e) {
      return Future.failedFuture(new InvalidTokenException("the token is not a JWT"));
    }
    KeySet keys = jwks.keys();
    if (keys != null && keys.knows(kid)) {
      return Future.succeededFuture(verifierOf(keys));
    }
    return onCallersContext(jwks.refresh()).compose(fresh -> {
      if (fresh.knows(kid)) {
        return Future.succeededFuture(verifierOf(fresh));
      }
      jwks.unknownKid();
      return Future.failedFuture(new InvalidTokenException("the token's kid names none of the identity provider's "
          + "keys"));
    });
  }

  private JWTAuth verifierOf(KeySet keys) {
    Built current = built;
    if (current == null || current.keys() != keys) {
      // Never a JWTAuth without keys: it would accept unsigned tokens. A KeySet holds at least one key.
      current = new Built(keys, JWTAuth.create(vertx, new JWTAuthOptions().setJWTOptions(checks)
          .setJwks(keys.jwks())));
      built = current;
    }
    return current.jwt();
  }

  /** A fetch completes on the cache's context: the answer goes back to the caller's event loop (the request's). */
  private static <T> Future<T> onCallersContext(Future<T> future) {
    Context caller = Vertx.currentContext();
    if (caller == null || future.isComplete()) {
      return future;
    }
    Promise<T> here = Promise.promise();
    future.onComplete(done -> caller.runOnContext(v -> here.handle(done)));
    return here.future();
  }

  private Future<Principal> principal(JsonObject claims) {
    // JWTAuth accepts tokens without exp; streams must end when their token does, so exp is required.
    if (!(claims.getValue("exp") instanceof Number exp)) {
      return Future.failedFuture(new InvalidTokenException("the token has no numeric exp claim"));
    }
    for (String time : new String[] {"nbf", "iat"}) {
      if (claims.containsKey(time) && !(claims.getValue(time) instanceof Number)) {
        return Future.failedFuture(new InvalidTokenException("the token's " + time + " claim is not a number"));
      }
    }
    long expiresAt = (long) (exp.doubleValue() * 1000);
    long now = clock.getAsLong();
    // The leeway lets a stream outlive its exp by a clock skew, but a token already past it opens nothing.
    if (expiresAt <= now) {
      return Future.failedFuture(new InvalidTokenException("the token has expired"));
    }
    if (expiresAt - now > maxLifetimeMillis) {
      return Future.failedFuture(new InvalidTokenException("the token's exp is more than "
          + maxLifetimeMillis / 1000 + " s away (jwt.maxLifetimeSeconds)"));
    }
    TenantId tenant = null;
    Object claim = claims.getValue(tenantClaim);
    if (claim != null) {
      if (!(claim instanceof String s) || !TenantId.isValid(s)) {
        return Future.failedFuture(new InvalidTokenException("the token's " + tenantClaim
            + " claim is not a valid tenant id"));
      }
      tenant = new TenantId(s);
    }
    Set<String> roles = new HashSet<>();
    if (claims.getValue("roles") instanceof JsonArray array) {
      array.forEach(r -> {
        if (r instanceof String role) {
          roles.add(role);
        }
      });
    }
    Object subject = claims.getValue("sub");
    return Future.succeededFuture(new Principal(subject instanceof String s ? s : null, tenant, roles, expiresAt));
  }

  private static void addPublicKeys(JWTAuthOptions options, Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new ConfigException("jwt.publicKey", "cannot be read: " + e.getMessage());
    }
    if (text.startsWith("{")) {
      JsonArray keys = new JsonObject(text).getJsonArray("keys");
      if (keys == null || keys.isEmpty()) {
        throw new ConfigException("jwt.publicKey", "is a JSON file without a \"keys\" array (JWKS)");
      }
      keys.forEach(key -> options.addJwk((JsonObject) key));
      return;
    }
    options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(algorithmOf(text)).setBuffer(text));
  }

  /** RS256 for an RSA key, ES256 for an EC key: the key decides, never the token. */
  private static String algorithmOf(String pem) {
    try {
      String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      byte[] der = Base64.getDecoder().decode(body);
      String keyAlgorithm;
      if (pem.contains("BEGIN CERTIFICATE")) {
        keyAlgorithm = CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(der)).getPublicKey().getAlgorithm();
      } else {
        keyAlgorithm = null;
        for (String candidate : new String[] {"RSA", "EC"}) {
          try {
            KeyFactory.getInstance(candidate).generatePublic(new X509EncodedKeySpec(der));
            keyAlgorithm = candidate;
            break;
          } catch (java.security.spec.InvalidKeySpecException ignored) {
            // try the next key type
          }
        }
      }
      if ("RSA".equals(keyAlgorithm)) {
        return "RS256";
      }
      if ("EC".equals(keyAlgorithm)) {
        return "ES256";
      }
    } catch (Exception e) {
      throw new ConfigException("jwt.publicKey", "is not a readable PEM public key or certificate: " + e.getMessage());
    }
    throw new ConfigException("jwt.publicKey", "must be an RSA or EC public key");
  }
}
