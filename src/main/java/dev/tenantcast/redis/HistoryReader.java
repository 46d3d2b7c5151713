package dev.tenantcast.redis;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.EventJson;
import dev.tenantcast.bus.History;
import dev.tenantcast.bus.HistoryRequest;
import dev.tenantcast.bus.Position;
import dev.tenantcast.bus.TenantId;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Answers history requests: from {@link RecentEvents} when it holds everything asked for, else from the Redis streams,
 * with one read shared by all the requests for the same history and position that arrive while it runs (a killed
 * instance's clients coming back at once ask the same). Confined to the subscriber verticle's event loop.
 */
final class HistoryReader {
  /** One history's answer: events after the position, the head, or why not everything is there. */
  private record Part(List<Envelope> events, Position head, History.Gap gap) {
  }

  private record Key(TenantId tenant, Position since) {
  }

  private final RenewingRedis redis;
  private final RecentEvents recent;
  private final ChannelMap channels;
  private final boolean enabled;
  private final int maxReplay;
  private final Map<Key, Future<Part>> reading = new HashMap<>();
  /** Whether this instance hears a tenant's live events (interest mode: only while subscribed to it). */
  private final java.util.function.Predicate<TenantId> hears;
  private final LongAdder redisReads = new LongAdder();

  HistoryReader(RenewingRedis redis, RecentEvents recent, ChannelMap channels, boolean enabled, int maxReplay,
                java.util.function.Predicate<TenantId> hears) {
    this.hears = hears;
    this.redis = redis;
    this.recent = recent;
    this.channels = channels;
    this.enabled = enabled;
    this.maxReplay = maxReplay;
  }

  /** Reads from Redis so far (for the stats and the resume benchmark). */
  long redisReads() {
    return redisReads.sum();
  }

  Future<History> read(HistoryRequest request) {
    if (!enabled) {
      return Future.succeededFuture(new History(List.of(), List.of(), null, null, History.Gap.UNAVAILABLE));
    }
    Future<Part> tenant = part(request.tenant(), request.tenantSince());
    Future<Part> alerts = part(null, request.alertsSince());
    return Future.all(tenant, alerts).map(both -> {
      Part t = tenant.result();
      Part a = alerts.result();
      return new History(t.events(), a.events(), t.head(), a.head(), t.gap() != null ? t.gap() : a.gap());
    }).otherwise(e -> new History(List.of(), List.of(), null, null, History.Gap.UNAVAILABLE));
  }

  private Future<Part> part(TenantId tenant, Position since) {
    if (since != null) {
      List<Envelope> inMemory = recent.after(tenant, since);
      if (inMemory != null && inMemory.size() <= maxReplay) {
        return Future.succeededFuture(new Part(inMemory, recent.head(tenant), null));
      }
    } else if (recent.head(tenant) != null) {
      return Future.succeededFuture(new Part(List.of(), recent.head(tenant), null));
    }
    Key key = new Key(tenant, since);
    Future<Part> shared = reading.get(key);
    if (shared == null) {
      // once more on a connection's failure, once the reader has renewed its connection: to the new master after a
      // failover, or to a master that came back (on a cluster, the connection kept meanwhile cannot reach it)
      shared = fromRedis(tenant, since).recover(e -> e instanceof Response ? Future.failedFuture(e)
          : redis.renewed().compose(v -> fromRedis(tenant, since))).andThen(done -> reading.remove(key));
      reading.put(key, shared);
    }
    return shared;
  }

  /**
   * One pipelined read: the history's epoch (created if it has none, so that even an empty history has one), its
   * count and newest millisecond, its oldest event, and the events after {@code since} (one more than may be
   * replayed, to tell "too many" apart).
   */
  private Future<Part> fromRedis(TenantId tenant, Position since) {
    redisReads.increment();
    long generation = recent.generation();
    String stream = HistoryKeys.stream(tenant);
    String meta = HistoryKeys.meta(tenant);
    List<Request> batch = new ArrayList<>(List.of(
        Request.cmd(Command.HSETNX).arg(meta).arg("epoch").arg(Long.toHexString(
            ThreadLocalRandom.current().nextLong() & 0xffffffffL)),
        Request.cmd(Command.HMGET).arg(meta).arg("epoch").arg("seq").arg("ms"),
        Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+").arg("COUNT").arg(1)));
    if (since != null) {
      batch.add(Request.cmd(Command.XRANGE).arg(stream).arg("(" + since.streamId()).arg("+").arg("COUNT")
          .arg(maxReplay + 1));
    }
    return redis.batch(batch).compose(answers -> {
      Response head = answers.get(1);
      String epoch = head.get(0).toString();
      long seq = head.get(1) == null ? 0 : head.get(1).toLong();
      long ms = head.get(2) == null ? 0 : head.get(2).toLong();
      Position newest = new Position(epoch, ms, seq);
      if (tenant == null || hears.test(tenant)) {
        // kept only for a history this instance hears live from now on: else the head would go stale unseen
        recent.learnHead(tenant, newest, generation);
      }
      if (since == null) {
        return Future.succeededFuture(new Part(List.of(), newest, null));
      }
      Response oldest = answers.get(2);
      long oldestSeq = oldest.size() == 0 ? Long.MAX_VALUE : seqOf(oldest.get(0).get(0).toString());
      if (!since.epoch().equals(epoch)) {
        return newEpoch(tenant, epoch, newest, oldestSeq);
      }
      if (since.seq() >= seq) {
        return Future.succeededFuture(new Part(List.of(), newest, null));
      }
      Response after = answers.get(3);
      if (oldestSeq > since.seq() + 1 || after.size() > maxReplay) {
        return Future.succeededFuture(new Part(List.of(), newest, History.Gap.TRIMMED));
      }
      return Future.succeededFuture(new Part(decodeAll(tenant, epoch, after), newest, null));
    });
  }

  /**
   * The asked position is from an epoch that is gone (Redis lost the history): what came before is lost, but every
   * event of the new epoch came after it, so they are given with the gap when the history still holds them all.
   */
  private Future<Part> newEpoch(TenantId tenant, String epoch, Position newest, long oldestSeq) {
    if (newest.seq() == 0 || oldestSeq != 1 || newest.seq() > maxReplay) {
      return Future.succeededFuture(new Part(List.of(), newest, History.Gap.EPOCH));
    }
    return redis.send(Request.cmd(Command.XRANGE).arg(HistoryKeys.stream(tenant)).arg("-").arg("+").arg("COUNT")
        .arg(maxReplay)).map(all -> new Part(decodeAll(tenant, epoch, all), newest, History.Gap.EPOCH));
  }

  private List<Envelope> decodeAll(TenantId tenant, String epoch, Response entries) {
    List<Envelope> events = new ArrayList<>(entries.size());
    for (Response entry : entries) {
      Envelope event = decode(tenant, epoch, entry);
      if (event != null) {
        events.add(event);
      }
    }
    return events;
  }

  /** A stream entry as the envelope it was published as; null for one that does not decode (never written by us). */
  private Envelope decode(TenantId tenant, String epoch, Response entry) {
    String id = entry.get(0).toString();
    Map<String, Response> fields = new HashMap<>();
    Response values = entry.get(1);
    for (int i = 0; i + 1 < values.size(); i += 2) {
      fields.put(values.get(i).toString(), values.get(i + 1));
    }
    if (!fields.containsKey("c") || !fields.containsKey("d")) {
      return null;
    }
    ChannelMap.Route route = channels.route(null, fields.get("c").toString());
    if (route == null || (tenant == null ? route.tenant() != null : !tenant.value().equals(route.tenant()))) {
      return null;
    }
    JsonObject data;
    try {
      data = EventJson.parseObject(Buffer.buffer(fields.get("d").toBytes()));
    } catch (IllegalArgumentException e) {
      return null;
    }
    int dash = id.indexOf('-');
    Position position = new Position(epoch, Long.parseLong(id.substring(0, dash)), seqOf(id));
    return Envelope.of(position.toString(), position, route.type(), tenant, data, position.ms());
  }

  private static long seqOf(String streamId) {
    return Long.parseLong(streamId.substring(streamId.indexOf('-') + 1));
  }
}
