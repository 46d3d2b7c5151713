package dev.tenantcast.redis;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.bus.EventJson;
import dev.tenantcast.bus.Position;
import dev.tenantcast.bus.RejectReason;
import dev.tenantcast.bus.TenantId;
import io.vertx.core.buffer.Buffer;

/** Turns one Redis message into an envelope, or says why it must not be delivered. */
final class InboundDecoder {
  /** Either {@code envelope} or {@code rejected} is set. */
  record Result(Envelope envelope, RejectReason rejected) {
  }

  private final ChannelMap channels;
  private final EventIds ids;
  private final int maxPayloadBytes;

  InboundDecoder(ChannelMap channels, EventIds ids, int maxPayloadBytes) {
    this.channels = channels;
    this.ids = ids;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  Result decode(String pattern, String channel, Buffer payload, long now) {
    ChannelMap.Route route = channels.route(pattern, channel);
    if (route == null) {
      return rejected(RejectReason.UNKNOWN_CHANNEL);
    }
    TenantId tenant = null;
    if (route.tenant() != null) {
      if (!TenantId.isValid(route.tenant())) {
        return rejected(RejectReason.INVALID_TENANT);
      }
      tenant = new TenantId(route.tenant());
    }
    // Checked before parsing, so an oversized payload costs no parsing.
    if (payload.length() > maxPayloadBytes) {
      return rejected(RejectReason.TOO_LARGE);
    }
    RedisPayload.Parsed parsed;
    try {
      parsed = RedisPayload.parse(payload);
    } catch (EventJson.InvalidJsonException e) {
      return rejected(e.tooDeep() ? RejectReason.TOO_DEEP : RejectReason.NOT_A_JSON_OBJECT);
    } catch (IllegalArgumentException e) {
      return rejected(RejectReason.NOT_A_JSON_OBJECT);
    }
    if (parsed.id() != null && !EventIds.isSafe(parsed.id())) {
      return rejected(RejectReason.INVALID_ID);
    }
    long timestamp = parsed.timestamp() > 0 ? parsed.timestamp() : now;
    String id = parsed.id() != null ? parsed.id() : ids.next(now);
    // An id that is a history position came through the publish script: the event can be replayed.
    return new Result(Envelope.of(id, Position.parse(id), route.type(), tenant, parsed.data(), timestamp), null);
  }

  private static Result rejected(RejectReason reason) {
    return new Result(null, reason);
  }
}
