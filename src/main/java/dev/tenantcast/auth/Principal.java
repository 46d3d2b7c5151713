package dev.tenantcast.auth;

import dev.tenantcast.bus.TenantId;

import java.util.Set;

/**
 * Who a verified token speaks for.
 *
 * @param tenant          the token's tenant, or null (allowed for admins, who pick one with {@code ?tenant=})
 * @param expiresAtMillis the token's {@code exp}, in epoch milliseconds
 */
public record Principal(String subject, TenantId tenant, Set<String> roles, long expiresAtMillis) {
  public static final String ADMIN = "admin";
  public static final String PUBLISHER = "publisher";

  public Principal {
    roles = Set.copyOf(roles);
  }

  public boolean isAdmin() {
    return roles.contains(ADMIN);
  }

  public boolean canPublish() {
    return isAdmin() || roles.contains(PUBLISHER);
  }

  /** Admins may act for any tenant; everyone else only for the token's own. */
  public boolean mayAccess(TenantId other) {
    return isAdmin() || other.equals(tenant);
  }
}
