package dev.tenantcast.bus;

import java.util.Optional;
import java.util.regex.Pattern;

/** A tenant id: 1–64 characters of [A-Za-z0-9_-]. Anything else, from a channel name or a token, is rejected. */
public record TenantId(String value) {
  /** The rule, as every refusal of an invalid tenant id states it. */
  public static final String RULE = "a tenant id is 1-64 characters of A-Z a-z 0-9 _ -";
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public TenantId {
    if (!isValid(value)) {
      throw new IllegalArgumentException("invalid tenant id");
    }
  }

  public static boolean isValid(String value) {
    return value != null && VALID.matcher(value).matches();
  }

  public static Optional<TenantId> parse(String value) {
    return isValid(value) ? Optional.of(new TenantId(value)) : Optional.empty();
  }

  @Override
  public String toString() {
    return value;
  }
}
