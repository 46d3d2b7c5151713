package dev.tenantcast.config;

import dev.tenantcast.bus.EventTypes;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.TenantId;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code eventTypes} section: content types declared beyond the built-in three, each
 * {@code {"scope": "tenant" | "broadcast", "channel": "..."}}. Checked together with the built-in types' channels
 * ({@code redis.channels}), so that every channel belongs to exactly one type: a message is never delivered twice,
 * nor as the wrong type.
 */
final class EventTypesConfig {
  /** Each type adds a subscription (or a channel per tenant in interest mode) and meters: keep it a short list. */
  static final int MAX_DECLARED = 64;

  private record Entry(EventTypes.Declared declared, String key) {
  }

  private EventTypesConfig() {
  }

  static EventTypes from(JsonObject section, Map<MessageType, String> builtInChannels) {
    List<Entry> entries = new ArrayList<>();
    for (MessageType type : MessageType.builtIn()) {
      String channel = builtInChannels.get(type);
      if (channel != null) {
        entries.add(new Entry(new EventTypes.Declared(type, channel), "redis.channels." + type.name()));
      }
    }
    ConfigReader r = new ConfigReader(section, "eventTypes");
    if (r.names().size() > MAX_DECLARED) {
      throw new ConfigException("eventTypes", "declares " + r.names().size() + " types; at most " + MAX_DECLARED);
    }
    for (String name : r.names()) {
      entries.add(new Entry(declared(r, name), r.key(name) + ".channel"));
    }
    for (int i = 0; i < entries.size(); i++) {
      for (int j = 0; j < i; j++) {
        checkApart(entries.get(j), entries.get(i));
      }
    }
    return new EventTypes(entries.stream().map(Entry::declared).toList());
  }

  private static EventTypes.Declared declared(ConfigReader r, String name) {
    MessageType builtIn = MessageType.builtIn(name);
    if (builtIn != null) {
      throw new ConfigException(r.key(name), builtIn.fromRedis()
          ? "is a built-in type: set its channel with redis.channels." + name
          : "is a type the server makes and cannot be declared");
    }
    if (!MessageType.NAME.matcher(name).matches()) {
      throw new ConfigException(r.key(name), "is not a type name: 1-64 of A-Z 0-9 _, starting with a letter "
          + "(like ORDER_SHIPPED)");
    }
    ConfigReader type = r.section(name);
    type.allowOnly(Set.of("scope", "channel"));
    String scope = type.string("scope");
    if (!scope.equals("tenant") && !scope.equals("broadcast")) {
      throw new ConfigException(type.key("scope"), "must be tenant (one tenant's streams) or broadcast (every "
          + "stream), got " + scope);
    }
    boolean perTenant = scope.equals("tenant");
    String channel = type.string("channel");
    RedisConfig.checkChannel(type.key("channel"), channel, perTenant);
    return new EventTypes.Declared(MessageType.declared(name, perTenant), channel);
  }

  /** Two types may share no channel: neither the same name nor one that both templates would match. */
  private static void checkApart(Entry first, Entry second) {
    String a = first.declared().channel();
    String b = second.declared().channel();
    String owner = first.declared().type().name();
    if (a.equals(b)) {
      throw new ConfigException(second.key(), "is also the channel of " + owner + " (" + first.key() + "): " + b);
    }
    String example = example(first.declared(), second.declared());
    if (example != null) {
      throw new ConfigException(second.key(), "overlaps the channel of " + owner + " (" + first.key() + "): '"
          + example + "' would match both " + a + " and " + b);
    }
  }

  /** A channel that both templates match, or null when there is none. */
  private static String example(EventTypes.Declared a, EventTypes.Declared b) {
    if (!a.type().perTenant() && !b.type().perTenant()) {
      return null;
    }
    String[] affixesA = affixes(a.channel());
    String[] affixesB = affixes(b.channel());
    String prefix = affixesA[0].length() >= affixesB[0].length() ? affixesA[0] : affixesB[0];
    String suffix = affixesA[1].length() >= affixesB[1].length() ? affixesA[1] : affixesB[1];
    String candidate = !a.type().perTenant() ? a.channel() : !b.type().perTenant() ? b.channel()
        : prefix + "x" + suffix;
    return matches(a.channel(), candidate) && matches(b.channel(), candidate) ? candidate : null;
  }

  private static String[] affixes(String template) {
    int at = template.indexOf(EventTypes.TENANT_PLACEHOLDER);
    return at < 0 ? new String[] {template, ""}
        : new String[] {template.substring(0, at), template.substring(at + EventTypes.TENANT_PLACEHOLDER.length())};
  }

  /** Whether a template names this channel: itself, or with a valid tenant id in place of {tenant}. */
  private static boolean matches(String template, String channel) {
    if (!template.contains(EventTypes.TENANT_PLACEHOLDER)) {
      return template.equals(channel);
    }
    String[] affixes = affixes(template);
    return channel.length() > affixes[0].length() + affixes[1].length() && channel.startsWith(affixes[0])
        && channel.endsWith(affixes[1])
        && TenantId.isValid(channel.substring(affixes[0].length(), channel.length() - affixes[1].length()));
  }
}
