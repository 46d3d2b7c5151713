package dev.tenantcast.redis;

import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.TenantId;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ChannelMapTest {
  private final ChannelMap defaults = new ChannelMap(Map.of(
      MessageType.DASHBOARD_UPDATE, "dashboard-update-{tenant}",
      MessageType.NOTIFICATION, "notification-{tenant}",
      MessageType.SYSTEM_ALERT, "system-alert"));

  @Test
  void subscribesToPatternsForTenantChannelsAndPlainlyToTheRest() {
    assertEquals(Set.of(new ChannelMap.Subscription("dashboard-update-*", true),
            new ChannelMap.Subscription("notification-*", true),
            new ChannelMap.Subscription("system-alert", false)),
        Set.copyOf(defaults.subscriptions()));
  }

  @Test
  void routesByPatternAndCutsOutTheTenant() {
    assertEquals(new ChannelMap.Route(MessageType.DASHBOARD_UPDATE, "acme"),
        defaults.route("dashboard-update-*", "dashboard-update-acme"));
    assertEquals(new ChannelMap.Route(MessageType.SYSTEM_ALERT, null), defaults.route(null, "system-alert"));
    assertNull(defaults.route("other-*", "other-acme"));
  }

  @Test
  void handlesSuffixesAndEscapesGlobCharacters() {
    ChannelMap custom = new ChannelMap(Map.of(MessageType.NOTIFICATION, "t.{tenant}.notify[1]"));
    assertEquals("t.*.notify\\[1\\]", custom.subscriptions().get(0).name());
    assertEquals(new ChannelMap.Route(MessageType.NOTIFICATION, "acme"),
        custom.route("t.*.notify\\[1\\]", "t.acme.notify[1]"));
    assertEquals("t.acme.notify[1]", custom.channel(MessageType.NOTIFICATION, new TenantId("acme")));
  }

  @Test
  void namesTheChannelToPublishTo() {
    assertEquals("notification-acme", defaults.channel(MessageType.NOTIFICATION, new TenantId("acme")));
    assertEquals("system-alert", defaults.channel(MessageType.SYSTEM_ALERT, null));
  }

  @Test
  void routesPlainTenantChannelsForInterestMode() {
    assertEquals(java.util.List.of("dashboard-update-acme", "notification-acme"),
        defaults.channelsOf(new TenantId("acme")));
    assertEquals(new ChannelMap.Route(MessageType.NOTIFICATION, "acme"), defaults.route(null, "notification-acme"));
    assertEquals(java.util.List.of(new ChannelMap.Subscription("system-alert", false)), defaults.fixedSubscriptions());
    assertNull(defaults.route(null, "notification-"));
  }

  @Test
  void onRedisClusterChannelsCarryTheirHistorysHashTag() {
    ChannelMap cluster = new ChannelMap(Map.of(
        MessageType.DASHBOARD_UPDATE, "dashboard-update-{tenant}",
        MessageType.NOTIFICATION, "notification-{tenant}",
        MessageType.SYSTEM_ALERT, "system-alert"), true);
    TenantId acme = new TenantId("acme");
    assertEquals("dashboard-update-{tenant:acme}", cluster.channel(MessageType.DASHBOARD_UPDATE, acme));
    assertEquals("system-alert{broadcast}", cluster.channel(MessageType.SYSTEM_ALERT, null));
    assertEquals(new ChannelMap.Route(MessageType.NOTIFICATION, "acme"),
        cluster.route(null, "notification-{tenant:acme}"));
    assertNull(cluster.route(null, "notification-acme"), "a channel without the tag is not ours");
    assertEquals(ClusterSlots.slot(HistoryKeys.stream(acme)),
        ClusterSlots.slot(cluster.channel(MessageType.NOTIFICATION, acme)),
        "the channel and the history are in one slot, so the publish script is atomic on one node");
    assertEquals(ClusterSlots.slot(HistoryKeys.stream(null)), ClusterSlots.slot("system-alert{broadcast}"));
  }

  @Test
  void slotsAreRedisClustersCrc16() {
    assertEquals(12739, ClusterSlots.slot("123456789"), "the specification's test vector (0x31C3)");
    assertEquals(ClusterSlots.slot("user1000"), ClusterSlots.slot("{user1000}.following"));
    assertEquals(ClusterSlots.slot("foo{}{bar}"), ClusterSlots.slot("foo{}{bar}"), "an empty tag hashes the whole key");
  }
}
