package dev.tenantcast.http;

import dev.tenantcast.auth.Principal;
import dev.tenantcast.bus.TenantId;

/**
 * Which tenant a request acts for: the one it names, if its token may access it (an admin any, everyone else only the
 * token's own), else the token's own. The same rule for streams and for publishing.
 */
final class TenantRule {
  private TenantRule() {
  }

  /**
   * @param asked the tenant the request names, or null
   * @throws ApiException 400 for an invalid or missing tenant, 403 for another tenant than the token's
   */
  static TenantId resolve(Principal principal, Object asked) {
    if (asked == null) {
      if (principal.tenant() == null) {
        throw ApiError.badRequest("the token names no tenant; an admin names one").asException();
      }
      return principal.tenant();
    }
    if (!(asked instanceof String name) || !TenantId.isValid(name)) {
      throw ApiError.badRequest(TenantId.RULE).asException();
    }
    TenantId tenant = new TenantId(name);
    if (!principal.mayAccess(tenant)) {
      throw ApiError.forbidden("this token may not act for tenant " + tenant).asException();
    }
    return tenant;
  }
}
