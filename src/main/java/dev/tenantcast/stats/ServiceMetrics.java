package dev.tenantcast.stats;

import dev.tenantcast.auth.JwksCache;
import dev.tenantcast.bus.BrokerStatus;
import dev.tenantcast.bus.RejectReason;
import dev.tenantcast.limits.Refusal;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Publishes the service's counters as Micrometer meters (read from {@link ServiceStats} when scraped, so nothing is
 * counted twice) and times deliveries. Labels come from fixed sets only (reasons), never from tenants, so the number
 * of series stays bounded.
 */
public final class ServiceMetrics {
  private final MeterRegistry registry;
  private final Timer deliveryLatency;

  /**
   * @param openStreams     the number of open streams, from whoever admits them
   * @param openConnections the number of open HTTP connections, over every HTTP verticle instance
   */
  public ServiceMetrics(MeterRegistry registry, ServiceStats stats, BrokerStatus broker, IntSupplier openStreams,
                        LongSupplier openConnections) {
    this.registry = registry;
    Gauge.builder("tenantcast.streams.open", openStreams::getAsInt).description("open event streams")
        .register(registry);
    Gauge.builder("tenantcast.connections.open", openConnections::getAsLong)
        .description("open HTTP connections (streams and requests)").register(registry);
    counter(registry, "tenantcast.messages.received", "valid messages received from the broker", stats,
        s -> s.counter("received"));
    counter(registry, "tenantcast.deliveries", "frames queued to streams", stats, s -> s.counter("delivered"));
    counter(registry, "tenantcast.drops", "frames not delivered because a stream was too slow", stats,
        s -> s.counter("dropped"));
    counter(registry, "tenantcast.slow.consumers.closed", "streams closed because they stopped reading", stats,
        s -> s.counter("slowConsumersClosed"));
    counter(registry, "tenantcast.collapsed", "dashboard updates and heartbeats not sent to a stream that fell behind, "
        + "because a newer state of the same key replaced them (latest-state delivery)", stats,
        s -> s.counter("collapsed"));
    counter(registry, "tenantcast.collapsed.bytes", "bytes of those replaced frames", stats,
        s -> s.counter("collapsedBytes"));
    counter(registry, "tenantcast.published", "events published through the broker", stats,
        s -> s.counter("published"));
    counter(registry, "tenantcast.publish.failures", "publishes refused or failed", stats,
        s -> s.counter("publishFailures"));
    for (String type : stats.types()) {
      // one series per configured type: a short list from the configuration, never from clients
      FunctionCounter.builder("tenantcast.events.received", stats, s -> s.receivedCount(type))
          .description("valid events received from the broker, by type").tag("type", type).register(registry);
      FunctionCounter.builder("tenantcast.events.delivered", stats, s -> s.deliveredCount(type))
          .description("events queued to streams, by type").tag("type", type).register(registry);
    }
    for (RejectReason reason : RejectReason.values()) {
      FunctionCounter.builder("tenantcast.messages.rejected", stats, s -> s.rejectedCount(reason))
          .description("messages from the broker not delivered, by reason").tag("reason", reason.name().toLowerCase())
          .register(registry);
    }
    for (Refusal refusal : Refusal.values()) {
      FunctionCounter.builder("tenantcast.refused", stats, s -> s.refusedCount(refusal))
          .description("requests and connections refused or ended by a limit, by limit")
          .tag("limit", refusal.name().toLowerCase()).register(registry);
    }
    FunctionCounter.builder("tenantcast.broker.reconnects", broker, BrokerStatus::reconnects)
        .description("broker subscriber reconnections").register(registry);
    Gauge.builder("tenantcast.broker.subscribed", broker, b -> b.subscribed() ? 1 : 0)
        .description("1 while the broker's subscriptions are active (events reach this instance)").register(registry);
    deliveryLatency = Timer.builder("tenantcast.delivery.latency")
        .description("from the event's entry into Tenantcast to its write to the streams of one event loop")
        .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(1000), Duration.ofMillis(5000))
        .register(registry);
  }

  /** Adds the meters of the identity provider's key set, when tokens are verified with a JWKS URL. */
  public void watch(JwksCache jwks) {
    FunctionCounter.builder("tenantcast.jwks.fetches", jwks, JwksCache::fetches)
        .description("fetches of the JWKS URL, by result").tag("result", "success").register(registry);
    FunctionCounter.builder("tenantcast.jwks.fetches", jwks, JwksCache::failures)
        .description("fetches of the JWKS URL, by result").tag("result", "failure").register(registry);
    Gauge.builder("tenantcast.jwks.keys", jwks, JwksCache::keyCount)
        .description("signing keys in use from the JWKS URL (0: none yet, every token gets 503)").register(registry);
    FunctionCounter.builder("tenantcast.jwks.unknown.kids", jwks, JwksCache::unknownKids)
        .description("tokens refused because their kid is in no key set of the JWKS URL").register(registry);
  }

  /** Records one message written to the streams of one HTTP verticle instance. */
  public void delivered(long enteredAtMillis, long nowMillis) {
    deliveryLatency.record(Math.max(0, nowMillis - enteredAtMillis), TimeUnit.MILLISECONDS);
  }

  private static void counter(MeterRegistry registry, String name, String description, ServiceStats stats,
                              ToDoubleFunction<ServiceStats> value) {
    FunctionCounter.builder(name, stats, value).description(description).register(registry);
  }
}
