package dev.tenantcast.limits;

import dev.tenantcast.config.HttpConfig;

/**
 * The publish API's fair-share limits, as token buckets that refill every second: publishes per token, publishes per
 * tenant, and bytes per tenant, so that one noisy token or tenant cannot flood the others' streams.
 */
public final class PublishLimits {
  /** Buckets kept per limit; a full bucket is dropped first, so only keys that published lately count. */
  private static final int MAX_KEYS = 100_000;

  private final TokenBuckets perToken;
  private final TokenBuckets perTenant;
  private final TokenBuckets bytesPerTenant;

  /** Allowed, or refused by one limit with the seconds after which a retry can pass. */
  public record Verdict(Refusal refusal, long retryAfterSeconds) {
    static final Verdict ALLOWED = new Verdict(null, 0);

    public boolean allowed() {
      return refusal == null;
    }
  }

  PublishLimits(double perTokenPerSecond, double perTenantPerSecond, double bytesPerTenantPerSecond) {
    this.perToken = new TokenBuckets(perTokenPerSecond, perTokenPerSecond, MAX_KEYS);
    this.perTenant = new TokenBuckets(perTenantPerSecond, perTenantPerSecond, MAX_KEYS);
    this.bytesPerTenant = new TokenBuckets(bytesPerTenantPerSecond, bytesPerTenantPerSecond, MAX_KEYS);
  }

  public static PublishLimits of(HttpConfig http) {
    return new PublishLimits(http.publishesPerSecondPerToken(), http.publishesPerSecondPerTenant(),
        http.publishBytesPerSecondPerTenant());
  }

  /** Checked before the body is read: only the token is known. */
  public Verdict token(String tokenKey, long nowNanos) {
    return verdict(perToken.tryTake(tokenKey, 1, nowNanos), Refusal.PUBLISH_RATE_TOKEN);
  }

  /** Checked once the event is parsed: its tenant ("" for alerts to everyone) and its size are known. */
  public Verdict tenant(String tenant, int bytes, long nowNanos) {
    Verdict count = verdict(perTenant.tryTake(tenant, 1, nowNanos), Refusal.PUBLISH_RATE_TENANT);
    if (!count.allowed()) {
      return count;
    }
    return verdict(bytesPerTenant.tryTake(tenant, bytes, nowNanos), Refusal.PUBLISH_BYTES_TENANT);
  }

  private static Verdict verdict(TokenBuckets.Decision decision, Refusal refusal) {
    return decision.allowed() ? Verdict.ALLOWED : new Verdict(refusal, decision.retryAfterSeconds());
  }
}
