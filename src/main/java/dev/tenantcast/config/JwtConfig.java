package dev.tenantcast.config;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * How tokens are verified: an HS256 {@code secret}, a {@code publicKey} file (PEM or JWKS) for RS256/ES256, or the
 * keys an identity provider publishes at {@code jwksUrl}. A public key or a JWKS URL wins over the secret; both
 * together are refused, as it would be unclear which keys count.
 *
 * @param jwks the JWKS URL and its refresh intervals, or null when tokens are verified with a secret or a key file
 */
public record JwtConfig(String secret, String publicKey, String issuer, String audience, String tenantClaim,
                        int leewaySeconds, int maxLifetimeSeconds, Jwks jwks) {

  /** The development secret shipped in conf/config.json; the service warns when it is in use. */
  public static final String DEVELOPMENT_SECRET = "tenantcast-development-secret-do-not-use-in-production";

  /**
   * An identity provider's key set, fetched over HTTP(S).
   *
   * @param refreshSeconds    how often the keys are fetched again
   * @param minRefreshSeconds the least time between two fetches, whatever asks for them (a token with an unknown
   *                          {@code kid}, a failed fetch's retry)
   */
  public record Jwks(String url, int refreshSeconds, int minRefreshSeconds) {
  }

  /** A configuration without a JWKS URL: a secret or a key file. */
  public JwtConfig(String secret, String publicKey, String issuer, String audience, String tenantClaim,
                   int leewaySeconds, int maxLifetimeSeconds) {
    this(secret, publicKey, issuer, audience, tenantClaim, leewaySeconds, maxLifetimeSeconds, null);
  }

  public static JwtConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "jwt");
    r.allowOnly(Set.of("secret", "publicKey", "jwksUrl", "jwksRefreshSeconds", "jwksMinRefreshSeconds", "issuer",
        "audience", "tenantClaim", "leewaySeconds", "maxLifetimeSeconds"));
    String secret = r.optionalString("secret");
    String publicKey = r.optionalString("publicKey");
    Jwks jwks = jwks(r);
    if (publicKey != null && jwks != null) {
      throw new ConfigException(r.key("jwksUrl"), "and jwt.publicKey are both set: set one of them");
    }
    if (publicKey == null && jwks == null) {
      if (secret == null) {
        throw new ConfigException(r.key("secret"), "or jwt.publicKey or jwt.jwksUrl must be set");
      }
      if (secret.getBytes(StandardCharsets.UTF_8).length < 32) {
        throw new ConfigException(r.key("secret"), "must be at least 32 bytes for HS256");
      }
    }
    if (publicKey != null && !new java.io.File(publicKey).canRead()) {
      throw new ConfigException(r.key("publicKey"), "names a file that cannot be read: " + publicKey);
    }
    String claim = r.string("tenantClaim");
    return new JwtConfig(secret, publicKey, r.optionalString("issuer"), r.optionalString("audience"), claim,
        r.integer("leewaySeconds", 0, 300), r.integer("maxLifetimeSeconds", 60, 31_536_000), jwks);
  }

  private static Jwks jwks(ConfigReader r) {
    // the intervals are checked even without a URL, so a typo shows before the day the URL is set
    int refresh = r.integer("jwksRefreshSeconds", 1, 86_400);
    int minRefresh = r.integer("jwksMinRefreshSeconds", 1, 3_600);
    if (minRefresh > refresh) {
      throw new ConfigException(r.key("jwksMinRefreshSeconds"), "must not be above jwt.jwksRefreshSeconds ("
          + refresh + "), got " + minRefresh);
    }
    String url = r.optionalString("jwksUrl");
    if (url == null) {
      return null;
    }
    try {
      URI uri = new URI(url);
      if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new URISyntaxException(url, "not an absolute http(s) URL");
      }
    } catch (URISyntaxException e) {
      throw new ConfigException(r.key("jwksUrl"), "must be an http:// or https:// URL with a host, got " + url);
    }
    return new Jwks(url, refresh, minRefresh);
  }

  public boolean usesDevelopmentSecret() {
    return publicKey == null && jwks == null && DEVELOPMENT_SECRET.equals(secret);
  }
}
