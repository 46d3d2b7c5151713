package dev.tenantcast.redis;

import dev.tenantcast.bus.EventTypes;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.config.RedisConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Channel names ↔ message types, from configuration. A per-tenant channel such as {@code dashboard-update-{tenant}}
 * becomes the pattern subscription {@code dashboard-update-*}; a pattern message names its pattern, so the type is
 * found without guessing from the channel's shape.
 */
public final class ChannelMap {
  /** A subscription to make: a channel (SUBSCRIBE) or a glob pattern (PSUBSCRIBE). */
  public record Subscription(String name, boolean pattern) {
  }

  private record Template(MessageType type, String prefix, String suffix, boolean hashTags) {
    Template(MessageType type, String prefix, String suffix) {
      this(type, prefix, suffix, false);
    }

    String channel(TenantId tenant) {
      return tenant == null ? prefix : prefix + (hashTags ? "{tenant:" + tenant.value() + "}" : tenant.value())
          + suffix;
    }
  }

  private static final String BROADCAST_TAG = "{broadcast}";

  /**
   * The channels of every content type, built-in and declared, from the one registry: subscriptions in pattern,
   * interest and sharded mode, publishes and history routes all come from here. With hash tags on Redis Cluster.
   */
  public static ChannelMap of(EventTypes types, boolean cluster) {
    Map<MessageType, String> channels = new LinkedHashMap<>();
    types.all().forEach(d -> channels.put(d.type(), d.channel()));
    return new ChannelMap(channels, cluster);
  }

  /** Where a channel's message goes: its type, and the raw tenant part (still to be validated) or null. */
  public record Route(MessageType type, String tenant) {
  }

  private final Map<MessageType, Template> byType = new HashMap<>();
  private final Map<String, Template> byPattern = new HashMap<>();
  private final Map<String, Template> byChannel = new HashMap<>();
  private final List<Subscription> subscriptions = new ArrayList<>();

  public ChannelMap(Map<MessageType, String> channels) {
    this(channels, false);
  }

  /**
   * @param hashTags whether channel names carry their history's hash tag (Redis Cluster): a tenant's
   *                 {@code dashboard-update-{tenant}} becomes {@code dashboard-update-{tenant:acme}}, and
   *                 {@code system-alert} becomes {@code system-alert{broadcast}}
   */
  public ChannelMap(Map<MessageType, String> channels, boolean hashTags) {
    channels.forEach((type, configured) -> {
      int at = configured.indexOf(RedisConfig.TENANT_PLACEHOLDER);
      String name = hashTags && at < 0 ? configured + BROADCAST_TAG : configured;
      if (at < 0) {
        Template template = new Template(type, name, "");
        byType.put(type, template);
        byChannel.put(name, template);
        subscriptions.add(new Subscription(name, false));
      } else {
        Template template = new Template(type, name.substring(0, at),
            name.substring(at + RedisConfig.TENANT_PLACEHOLDER.length()), hashTags);
        String pattern = escapeGlob(template.prefix()) + "*" + escapeGlob(template.suffix());
        byType.put(type, template);
        byPattern.put(pattern, template);
        subscriptions.add(new Subscription(pattern, true));
      }
    });
  }

  /** Everything to subscribe to in pattern mode: every channel, per-tenant ones by pattern. */
  public List<Subscription> subscriptions() {
    return List.copyOf(subscriptions);
  }

  /** The channels that belong to no tenant, subscribed to in every mode. */
  public List<Subscription> fixedSubscriptions() {
    return subscriptions.stream().filter(s -> !s.pattern()).toList();
  }

  /** The channels of one tenant, subscribed to in interest mode while a stream needs them. */
  public List<String> channelsOf(TenantId tenant) {
    return byPattern.values().stream().map(t -> t.channel(tenant)).sorted().toList();
  }

  /**
   * The route of a message received on {@code channel}, through {@code pattern} or, for a plain subscription (null
   * pattern), by the channel name alone: a fixed channel, else the per-tenant channel whose affixes match longest.
   */
  public Route route(String pattern, String channel) {
    if (pattern != null) {
      Template template = byPattern.get(pattern);
      return template == null ? null : tenantRoute(template, channel);
    }
    Template fixed = byChannel.get(channel);
    if (fixed != null) {
      return new Route(fixed.type(), null);
    }
    Template best = null;
    for (Template template : byPattern.values()) {
      if (tenantRoute(template, channel) != null && (best == null
          || affixLength(template) > affixLength(best))) {
        best = template;
      }
    }
    return best == null ? null : tenantRoute(best, channel);
  }

  private static int affixLength(Template template) {
    return template.prefix().length() + template.suffix().length();
  }

  private static Route tenantRoute(Template template, String channel) {
    if (channel.length() <= template.prefix().length() + template.suffix().length()
        || !channel.startsWith(template.prefix()) || !channel.endsWith(template.suffix())) {
      return null;
    }
    String tenant = channel.substring(template.prefix().length(), channel.length() - template.suffix().length());
    if (template.hashTags()) {
      if (!tenant.startsWith("{tenant:") || !tenant.endsWith("}")) {
        return null;
      }
      tenant = tenant.substring("{tenant:".length(), tenant.length() - 1);
    }
    return new Route(template.type(), tenant);
  }

  /** The channel to PUBLISH an event of this type and tenant to, or null if the type has no channel. */
  public String channel(MessageType type, TenantId tenant) {
    Template template = byType.get(type);
    return template == null ? null : template.channel(tenant);
  }

  private static String escapeGlob(String literal) {
    return literal.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
  }
}
