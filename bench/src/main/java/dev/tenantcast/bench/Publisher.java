package dev.tenantcast.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes the benchmark's messages {@code {"seq":n,"sent":micros,"tenant":"t17","pad":"..."}} (seq counts per tenant
 * over the whole run; sent is {@code Instant.now()} in epoch microseconds, taken just before the message is written),
 * round robin over the tenants: paced by a periodic timer, or as fast as possible in bounded pipelined batches.
 * Redis {@code PUBLISH dashboard-update-<tenant>} over one connection (Tenantcast, Node), Tenantcast's atomic publish
 * script ({@code EVALSHA}, history and live message in one step: the resumable events of scenario r) over one
 * connection, or HTTP {@code POST /pub/<tenant>} (Nchan). All work runs on one Vert.x context; callers block with a
 * timeout.
 */
abstract class Publisher {
  record Msg(int tenant, String payload) {
  }

  final Vertx vertx;
  final int tenants;
  private final String pad;
  private final long[] seq;
  long[] published;            // per tenant since mark(): messages the broker accepted (failed ones are not expected)
  final long[] publishedTotal; // per tenant over the whole run (never reset): what a stream open from the start expects
  private long roundRobin;

  // since mark()
  long sent;
  long succeeded;
  long acked;
  long errors;
  long noReceivers;
  String firstError;
  long firstSendMicros;
  long lastSendMicros;
  long lastAckMicros;

  Publisher(Vertx vertx, int tenants, int payloadBytes) {
    this.vertx = vertx;
    this.tenants = tenants;
    this.seq = new long[tenants];
    this.published = new long[tenants];
    this.publishedTotal = new long[tenants];
    // {"seq":123456,"sent":1764000000000000,"tenant":"t17","pad":""} is about 64 bytes
    this.pad = "x".repeat(Math.max(0, payloadBytes - 64));
  }

  static Publisher redis(Vertx vertx, int tenants, int payloadBytes, int redisPort) {
    return new RedisPublisher(vertx, tenants, payloadBytes, redisPort);
  }

  /**
   * Tenantcast's publish script ({@code script}, the text of {@code src/main/resources/redis/tenantcast-publish.lua}):
   * {@code EVALSHA <sha> 2 tenantcast:{tenant:t<i>}:history tenantcast:{tenant:t<i>}:meta dashboard-update-t<i>
   * <payload>}, the history's length and age left at the script's defaults.
   */
  static Publisher script(Vertx vertx, int tenants, int payloadBytes, int redisPort, String script) {
    return new RedisPublisher(vertx, tenants, payloadBytes, redisPort, script);
  }

  static Publisher http(Vertx vertx, int tenants, int payloadBytes, int port, int connections, int pipelining) {
    return new HttpPublisher(vertx, tenants, payloadBytes, port, connections, pipelining);
  }

  /** Messages in flight at most when publishing as fast as possible one by one (HTTP). */
  int window() {
    return 1;
  }

  abstract Future<Void> connect();

  abstract Future<Void> sendOne(Msg m);

  abstract Future<Void> sendBatch(List<Msg> batch);

  abstract String describe();

  void close() {
  }

  /** Zeroes the per-phase counters (call between phases, while nothing is in flight). */
  void mark() {
    published = new long[tenants];
    sent = 0;
    succeeded = 0;
    acked = 0;
    errors = 0;
    noReceivers = 0;
    firstError = null;
    firstSendMicros = 0;
    lastSendMicros = 0;
    lastAckMicros = 0;
  }

  private Msg next() {
    int t = (int) (roundRobin++ % tenants);
    long s = ++seq[t];
    long now = LoadgenWorker.nowMicros();
    if (firstSendMicros == 0) {
      firstSendMicros = now;
    }
    lastSendMicros = now;
    sent++;
    String payload = "{\"seq\":" + s + ",\"sent\":" + now + ",\"tenant\":\"t" + t + "\",\"pad\":\"" + pad + "\"}";
    return new Msg(t, payload);
  }

  /** The broker accepted {@code m}: its deliveries are expected. */
  void ok(Msg m) {
    published[m.tenant()]++;
    publishedTotal[m.tenant()]++;
    succeeded++;
  }

  void failed(Throwable t) {
    errors++;
    if (firstError == null) {
      firstError = Loadgen.full(t);
    }
  }

  void acked(long n) {
    acked += n;
    lastAckMicros = LoadgenWorker.nowMicros();
  }

  /** Publishes {@code total} messages at {@code rate} per second; returns when all are answered. */
  void paced(long total, double rate, long timeoutMillis) {
    if (total <= 0) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    long tickMs = Math.max(1, Math.min(10, (long) (1000 / rate)));
    long[] timer = {-1};
    vertx.runOnContext(v -> {
      long start = System.nanoTime();
      long[] issued = {0};
      Runnable tick = () -> {
        long due = Math.min(total, (long) Math.floor((System.nanoTime() - start) / 1e9 * rate) + 1);
        while (issued[0] < due) {
          issued[0]++;
          sendOne(next()).onComplete(ar -> {
            if (ar.failed()) {
              failed(ar.cause());
            }
            acked(1);
            if (acked >= total) {
              done.complete(null);
            }
          });
        }
        if (issued[0] >= total && timer[0] >= 0) {
          vertx.cancelTimer(timer[0]);
          timer[0] = -1;
        }
      };
      tick.run();
      if (issued[0] < total) {
        timer[0] = vertx.setPeriodic(tickMs, id -> tick.run());
      }
    });
    await(done, timeoutMillis, "paced publishing of " + total + " messages at " + rate + "/s");
  }

  /** Publishes {@code total} messages as fast as possible: batches of {@code batch}, {@code window} in flight. */
  void burst(long total, int batch, int window, long timeoutMillis) {
    if (total <= 0) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      long[] issued = {0};
      int[] inFlight = {0};
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (inFlight[0] < window && issued[0] < total) {
          int n = (int) Math.min(batch, total - issued[0]);
          issued[0] += n;
          List<Msg> msgs = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            msgs.add(next());
          }
          inFlight[0]++;
          sendBatch(msgs).onComplete(ar -> {
            inFlight[0]--;
            if (ar.failed()) {
              failed(ar.cause());
            }
            acked(n);
            if (acked >= total) {
              done.complete(null);
            } else {
              pump[0].run();
            }
          });
        }
      };
      pump[0].run();
    });
    await(done, timeoutMillis, "burst publishing of " + total + " messages");
  }

  private void await(CompletableFuture<Void> done, long timeoutMillis, String what) {
    try {
      done.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new BenchException(what + " did not finish within " + timeoutMillis / 1000 + " s (sent " + sent
          + ", answered " + acked + ", errors " + errors + (firstError == null ? "" : ", first: " + firstError) + ")");
    } catch (Exception e) {
      throw new BenchException(what + " failed: " + Loadgen.full(e), e);
    }
  }

  <T> T block(Future<T> f, long timeoutMillis, String what) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new BenchException(what + ": " + Loadgen.full(e), e);
    }
  }

  JsonObject phaseJson() {
    return new JsonObject().put("sent", sent).put("accepted", succeeded).put("answered", acked).put("errors", errors)
        .put("noReceivers", noReceivers).put("firstError", firstError)
        .put("seconds", firstSendMicros == 0 ? 0 : (lastSendMicros - firstSendMicros) / 1e6)
        .put("ratePerSecond", lastSendMicros > firstSendMicros
            ? sent / ((lastSendMicros - firstSendMicros) / 1e6) : null);
  }

  // ---------------------------------------------------------------- Redis

  private static final class RedisPublisher extends Publisher {
    private final int port;
    private final String script;   // null: PUBLISH
    private String sha;
    private RedisConnection conn;

    RedisPublisher(Vertx vertx, int tenants, int payloadBytes, int port) {
      this(vertx, tenants, payloadBytes, port, null);
    }

    RedisPublisher(Vertx vertx, int tenants, int payloadBytes, int port, String script) {
      super(vertx, tenants, payloadBytes);
      this.port = port;
      this.script = script;
    }

    @Override
    Future<Void> connect() {
      return Redis.createClient(vertx, new RedisOptions()
              .setConnectionString("redis://127.0.0.1:" + port)
              .setMaxWaitingHandlers(1_000_000))
          .connect()
          .compose(c -> {
            conn = c;
            c.exceptionHandler(e -> failed(e));
            if (script == null) {
              return Future.succeededFuture();
            }
            return c.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script)).map(r -> {
              sha = r.toString();
              return null;
            });
          });
    }

    private Request request(Msg m) {
      String channel = "dashboard-update-t" + m.tenant();
      if (script == null) {
        return Request.cmd(Command.PUBLISH).arg(channel).arg(m.payload());
      }
      String prefix = "tenantcast:{tenant:t" + m.tenant() + "}";
      return Request.cmd(Command.EVALSHA).arg(sha).arg(2).arg(prefix + ":history").arg(prefix + ":meta")
          .arg(channel).arg(m.payload());
    }

    @Override
    Future<Void> sendOne(Msg m) {
      return conn.send(request(m)).map(r -> {
        check(r);
        ok(m);
        return null;
      });
    }

    @Override
    Future<Void> sendBatch(List<Msg> batch) {
      List<Request> reqs = new ArrayList<>(batch.size());
      for (Msg m : batch) {
        reqs.add(request(m));
      }
      return conn.batch(reqs).map(rs -> {
        for (Response r : rs) {
          check(r);
        }
        for (Msg m : batch) {
          ok(m);
        }
        return null;
      });
    }

    /** PUBLISH: counts a message no subscriber got; the script: its answer must be an event id. */
    private void check(Response r) {
      if (script == null) {
        if (r != null && r.toLong() == 0) {
          noReceivers++;
        }
        return;
      }
      String id = r == null ? null : r.toString();
      if (id == null || id.startsWith("dup:") || id.equals("expired") || id.indexOf('.') < 0) {
        throw new IllegalStateException("the publish script answered " + id + ", not an event id");
      }
    }

    @Override
    String describe() {
      if (script == null) {
        return "Redis PUBLISH dashboard-update-<tenant> over one pipelined connection to 127.0.0.1:" + port;
      }
      return "Tenantcast's publish script (EVALSHA " + sha + " 2 tenantcast:{tenant:<tenant>}:history "
          + "tenantcast:{tenant:<tenant>}:meta dashboard-update-<tenant> <payload>) over one pipelined connection to "
          + "127.0.0.1:" + port;
    }

    @Override
    void close() {
      if (conn != null) {
        conn.close();
      }
    }
  }

  // ---------------------------------------------------------------- HTTP (Nchan)

  /**
   * Nchan: {@code POST /pub/<tenant>}. Tenant t always goes over connection {@code t % connections}, and each
   * connection keeps its requests in order (HTTP/1.1 pipelining, up to {@code pipelining} in flight), so each tenant's
   * messages reach Nchan in seq order, as over the one pipelined Redis connection.
   */
  private static final class HttpPublisher extends Publisher {
    private final int port;
    private final int connections;
    private final int pipelining;
    private final List<HttpClientAgent> clients = new ArrayList<>();

    HttpPublisher(Vertx vertx, int tenants, int payloadBytes, int port, int connections, int pipelining) {
      super(vertx, tenants, payloadBytes);
      this.port = port;
      this.connections = Math.max(1, Math.min(connections, tenants));
      this.pipelining = Math.max(1, pipelining);
    }

    int window() {
      return connections * pipelining;
    }

    @Override
    Future<Void> connect() {
      for (int i = 0; i < connections; i++) {
        clients.add(vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setConnectTimeout(5000).setPipelining(pipelining > 1).setPipeliningLimit(pipelining),
            new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(-1)));
      }
      return Future.succeededFuture();
    }

    @Override
    Future<Void> sendOne(Msg m) {
      RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
          .setURI("/pub/t" + m.tenant()).putHeader("Content-Type", "application/json");
      return clients.get(m.tenant() % connections).request(ro)
          .compose(req -> req.send(Buffer.buffer(m.payload())))
          .compose(resp -> resp.body().map(body -> {
            int sc = resp.statusCode();
            if (sc == 202) {
              noReceivers++; // Nchan: queued, no subscriber
            }
            if (sc / 100 != 2) {
              throw new IllegalStateException("POST /pub/t" + m.tenant() + " answered " + sc + ": " + body);
            }
            ok(m);
            return null;
          }));
    }

    @Override
    Future<Void> sendBatch(List<Msg> batch) {
      List<Future<Void>> fs = new ArrayList<>(batch.size());
      for (Msg m : batch) {
        fs.add(sendOne(m).recover(e -> {
          failed(e);
          return Future.succeededFuture();
        }));
      }
      Promise<Void> p = Promise.promise();
      Future.join(fs).onComplete(ar -> p.complete());
      return p.future();
    }

    @Override
    String describe() {
      return "HTTP POST /pub/<tenant> to 127.0.0.1:" + port + " over " + connections + " keep-alive connection(s), "
          + "tenant t on connection t % " + connections + ", up to " + pipelining + " pipelined per connection";
    }

    @Override
    void close() {
      for (HttpClientAgent c : clients) {
        c.close();
      }
    }
  }
}
