package dev.tenantcast.app;

import dev.tenantcast.config.JwtConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code token --tenant acme --roles admin,publisher --ttl 1h [--sub alice]}: prints a development token signed with
 * the configured HS256 secret (a public-key configuration has no private key to sign with).
 */
public final class TokenCommand {
  private TokenCommand() {
  }

  public static String run(JwtConfig config, String[] args) {
    Map<String, String> options = new HashMap<>(Map.of("--ttl", "1h", "--sub", "developer"));
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("usage: token --tenant <id> [--roles a,b] [--ttl 1h] [--sub <user>]");
      }
      options.put(args[i], args[++i]);
    }
    if (config.publicKey() != null) {
      throw new IllegalArgumentException("jwt.publicKey is set: sign tokens with your private key instead");
    }
    JsonObject claims = new JsonObject().put("sub", options.get("--sub"));
    if (options.containsKey("--tenant")) {
      claims.put(config.tenantClaim(), options.get("--tenant"));
    }
    if (options.containsKey("--roles")) {
      claims.put("roles", new JsonArray(Arrays.asList(options.get("--roles").split(","))));
    }
    JWTOptions jwtOptions = new JWTOptions().setExpiresInSeconds((int) seconds(options.get("--ttl")));
    if (config.issuer() != null) {
      jwtOptions.setIssuer(config.issuer());
    }
    if (config.audience() != null) {
      jwtOptions.addAudience(config.audience());
    }
    Vertx vertx = Vertx.vertx();
    try {
      return JWTAuth.create(vertx, new JWTAuthOptions()
              .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.secret())))
          .generateToken(claims, jwtOptions);
    } finally {
      vertx.close();
    }
  }

  /** "90", "90s", "15m", "1h", "2d" → seconds. */
  static long seconds(String ttl) {
    if (!ttl.matches("\\d{1,7}[smhd]?")) {
      throw new IllegalArgumentException("--ttl must look like 90s, 15m, 1h or 2d");
    }
    char unit = ttl.charAt(ttl.length() - 1);
    long scale = switch (unit) {
      case 'm' -> 60;
      case 'h' -> 3600;
      case 'd' -> 86400;
      default -> 1;
    };
    return Long.parseLong(Character.isDigit(unit) ? ttl : ttl.substring(0, ttl.length() - 1)) * scale;
  }
}
