package dev.tenantcast.bus;

/**
 * The event-bus address scheme. Inbound events are published local-only, so on a clustered bus every node delivers
 * the messages of its own Redis subscriber exactly once.
 * <ul>
 *   <li>{@code tenantcast.tenant.<tenant>}: every event of one tenant ({@link Envelope}, type inside);</li>
 *   <li>{@code tenantcast.broadcast}: events for every stream (system alerts, server notices);</li>
 *   <li>{@code tenantcast.publish}: requests to publish an event to Redis (JSON
 *       {@code {"tenant","type","data"}}); the reply is {@code {"id": "..."}}.</li>
 *   <li>{@code tenantcast.interest}: an HTTP verticle instance gained its first stream of a tenant, or lost its last
 *       ({@code {"tenant": "...", "interested": true|false}}); the reply comes once the tenant's messages flow.</li>
 * </ul>
 */
public final class Addresses {
  public static final String TENANT_PREFIX = "tenantcast.tenant.";
  public static final String BROADCAST = "tenantcast.broadcast";
  public static final String PUBLISH = "tenantcast.publish";
  public static final String INTEREST = "tenantcast.interest";

  private Addresses() {
  }

  public static String tenant(TenantId tenant) {
    return TENANT_PREFIX + tenant.value();
  }

  /** Where an envelope goes: its tenant's address, or the broadcast address. */
  public static String of(Envelope envelope) {
    return envelope.tenant() == null ? BROADCAST : tenant(envelope.tenant());
  }
}
