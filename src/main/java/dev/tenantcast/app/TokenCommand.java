package dev.tenantcast.app;

import dev.tenantcast.auth.TokenSigner;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.config.JwtConfig;
import io.vertx.core.Vertx;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code token --tenant acme --roles admin,publisher --ttl 1h [--sub alice]}: prints a development token signed with
 * the configured HS256 secret.
 */
public final class TokenCommand {
  private TokenCommand() {
  }

  public static final String USAGE = "usage: token --tenant <id> [--roles a,b] [--ttl 1h] [--sub <user>]"
      + " (--tenant may be left out only for an admin token: --roles admin)";
  private static final Set<String> OPTIONS = Set.of("--tenant", "--roles", "--ttl", "--sub");

  public static String run(JwtConfig config, String[] args) {
    Map<String, String> options = new HashMap<>(Map.of("--ttl", "1h", "--sub", "developer"));
    for (int i = 0; i < args.length; i++) {
      if (!OPTIONS.contains(args[i]) || i + 1 >= args.length) {
        throw new IllegalArgumentException(USAGE);
      }
      options.put(args[i], args[++i]);
    }
    List<String> roles = options.containsKey("--roles") ? Arrays.asList(options.get("--roles").split(",")) : List.of();
    String tenant = options.get("--tenant");
    if (tenant == null && !roles.contains("admin")) {
      throw new IllegalArgumentException("a token needs --tenant <id> (or --roles admin for an admin token); " + USAGE);
    }
    if (tenant != null && !TenantId.isValid(tenant)) {
      throw new IllegalArgumentException("--tenant: " + TenantId.RULE + ", got " + tenant);
    }
    Vertx vertx = Vertx.vertx();
    try {
      return TokenSigner.create(vertx, config).sign(options.get("--sub"), tenant, roles,
          seconds(options.get("--ttl")));
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(e.getMessage());
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
