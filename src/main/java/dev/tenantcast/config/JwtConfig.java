package dev.tenantcast.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * How tokens are verified: an HS256 {@code secret}, or a {@code publicKey} file (PEM or JWKS) for RS256/ES256, which
 * wins when both are set.
 */
public record JwtConfig(String secret, String publicKey, String issuer, String audience, String tenantClaim,
                        int leewaySeconds, int maxLifetimeSeconds) {

  /** The development secret shipped in conf/config.json; the service warns when it is in use. */
  public static final String DEVELOPMENT_SECRET = "tenantcast-development-secret-do-not-use-in-production";

  public static JwtConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "jwt");
    r.allowOnly(Set.of("secret", "publicKey", "issuer", "audience", "tenantClaim", "leewaySeconds",
        "maxLifetimeSeconds"));
    String secret = r.optionalString("secret");
    String publicKey = r.optionalString("publicKey");
    if (publicKey == null && secret == null) {
      throw new ConfigException(r.key("secret"), "or jwt.publicKey must be set");
    }
    if (publicKey == null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      throw new ConfigException(r.key("secret"), "must be at least 32 bytes for HS256");
    }
    if (publicKey != null && !new java.io.File(publicKey).canRead()) {
      throw new ConfigException(r.key("publicKey"), "names a file that cannot be read: " + publicKey);
    }
    String claim = r.string("tenantClaim");
    return new JwtConfig(secret, publicKey, r.optionalString("issuer"), r.optionalString("audience"), claim,
        r.integer("leewaySeconds", 0, 300), r.integer("maxLifetimeSeconds", 60, 31_536_000));
  }

  public boolean usesDevelopmentSecret() {
    return publicKey == null && DEVELOPMENT_SECRET.equals(secret);
  }
}
