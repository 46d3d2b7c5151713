package dev.tenantcast.bus;

/**
 * The event-bus addresses of the broker contract. A broker serves {@link #PUBLISH} ({@link PublishRequest} →
 * {@link Published} or a {@link PublishFailure}), {@link #INTEREST} ({@link Interest}) and {@link #HISTORY}
 * ({@link HistoryRequest} → {@link History}), and delivers
 * {@link Envelope}s local-only to {@link #tenant} and {@link #BROADCAST}, so that on a clustered bus every node
 * delivers the events of its own broker connection exactly once. {@link BrokerEndpoint} and {@link BrokerClient} are
 * the two ends; nothing else needs these names.
 */
public final class Addresses {
  public static final String TENANT_PREFIX = "tenantcast.tenant.";
  public static final String BROADCAST = "tenantcast.broadcast";
  public static final String PUBLISH = "tenantcast.publish";
  public static final String INTEREST = "tenantcast.interest";
  public static final String HISTORY = "tenantcast.history";
  /**
   * Each instance's figures for the admin page (a JSON snapshot per interval), its own and those the others shared
   * through the broker; published local-only.
   */
  public static final String FIGURES = "tenantcast.figures";

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
