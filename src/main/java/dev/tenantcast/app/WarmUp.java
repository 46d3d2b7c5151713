package dev.tenantcast.app;

import dev.tenantcast.auth.WarmUpKey;
import dev.tenantcast.bus.BrokerClient;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.PublishRequest;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.config.HttpConfig;
import dev.tenantcast.config.JwtConfig;
import dev.tenantcast.service.ServiceContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Before {@code /ready} says yes, runs what clients will run, over loopback: streams opened, most of them resuming
 * from an id a few events back, events published through {@code POST /api/events} and delivered. A JVM that starts
 * cold compiles the code of its first thousands of streams while serving them: when a killed instance's dashboards
 * all reconnect to one that never served any (or a deploy moves them to new ones), that compilation took more CPU
 * than the streams themselves. The warm-up's tenants are {@code tenantcast-warm-up-0} to {@code -15}; it is bounded
 * by {@code http.warmUpStreams} and {@code http.warmUpSeconds}, and never stops the start: whatever fails is logged.
 */
final class WarmUp {
  private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);
  /** With a publish every 3 ms, each tenant gets 21 events/s, well below the default per-token limit of 50/s. */
  private static final int TENANTS = 16;
  /** Streams open at once: enough to keep every event loop busy, far below the per-tenant and per-user limits. */
  private static final int CONCURRENCY = 48;
  private static final long PUBLISH_EVERY_MILLIS = 3;
  /** How far back a warm-up stream resumes, in events of its tenant. */
  private static final int RESUME_BACK = 4;
  private static final long REQUEST_TIMEOUT_MILLIS = 5000;
  /**
   * Events of the burst before the streams: the code that runs once per event (the Redis reply parser, the envelope's
   * JSON, the fan-out) reaches the JIT's optimizing compiler only after thousands of calls. Unwarmed, at 100 events/s,
   * that was minutes into serving, and a tenth of the server's CPU in scenario b went to compiling and to the slower
   * code before it (bench/RESULTS.md).
   */
  private static final int BURST_EVENTS = 20_000;
  private static final int BURST_IN_FLIGHT = 32;

  private final Vertx vertx;
  private final HttpConfig http;
  private final ServiceContext service;
  private final HttpClient client;
  private final List<String> tokens = new ArrayList<>();
  /** Per tenant, the ids its streams saw last, oldest first: where the next streams resume from. */
  private final List<Deque<String>> recentIds = new ArrayList<>();
  private final long deadline;
  /** The burst's share: at most half of the warm-up's time, so that the streams get the rest. */
  private final long burstDeadline;
  /** One stream per tenant open throughout, so that tenants do not come and go with each stream. */
  private final List<HttpClientRequest> holders = new ArrayList<>();
  /** Publishes in flight: the client closes after them, not while one is connecting. */
  private final Set<Future<Buffer>> publishing = new HashSet<>();
  private long publishTimer = -1;
  private int started;
  private int publishes;
  private int opened;
  private int requested;
  private int resumed;
  private int published;
  private int failed;
  private String firstFailure;
  private int burstSent;
  private int burstPublished;

  private WarmUp(Vertx vertx, HttpConfig http, JwtConfig jwt, ServiceContext service) {
    this.vertx = vertx;
    this.http = http;
    this.service = service;
    String host = http.host().equals("0.0.0.0") ? "127.0.0.1" : http.host().equals("::") ? "::1" : http.host();
    this.client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(http.port()),
        new PoolOptions().setHttp1MaxSize(CONCURRENCY + TENANTS + 2));
    this.deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(http.warmUpSeconds());
    this.burstDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(http.warmUpSeconds()) / 2;
    WarmUpKey.Signer signer = service.warmUpKey().open(vertx);
    long ttl = Math.min(http.warmUpSeconds() + 60L, jwt.maxLifetimeSeconds());
    for (int t = 0; t < TENANTS; t++) {
      JWTOptions options = new JWTOptions().setExpiresInSeconds((int) ttl);
      if (jwt.issuer() != null) {
        options.setIssuer(jwt.issuer());
      }
      if (jwt.audience() != null) {
        options.addAudience(jwt.audience());
      }
      tokens.add(signer.sign(new JsonObject().put("sub", "tenantcast-warm-up-" + t)
          .put(jwt.tenantClaim(), "tenantcast-warm-up-" + t).put("roles", new JsonArray().add("publisher")), options));
      recentIds.add(new ArrayDeque<>());
    }
  }

  /** Runs the warm-up, if {@link HttpConfig#warmsUp}. */
  static Future<Void> run(Vertx vertx, HttpConfig http, JwtConfig jwt, ServiceContext service) {
    if (!http.warmsUp()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(NativeHeap::open, false)
        .compose(heap -> runThenTrim(vertx, http, jwt, service, heap));
  }

  /** The warm-up, then (unless the heap is null: no JMX) the C heap's trim a few seconds later. */
  private static Future<Void> runThenTrim(Vertx vertx, HttpConfig http, JwtConfig jwt, ServiceContext service,
      NativeHeap heap) {
    // All of it on one event loop: its counters and ids are plain fields.
    Context context = vertx.getOrCreateContext();
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      WarmUp warmUp;
      try {
        warmUp = new WarmUp(vertx, http, jwt, service);
      } catch (RuntimeException e) {
        LOG.warn("Warm-up skipped: {}", e.toString());
        service.warmUpKey().close();
        service.lifecycle().warmingUp(false);
        done.complete();
        return;
      }
      long began = System.nanoTime();
      warmUp.run().eventually(() -> {
        service.warmUpKey().close();
        service.lifecycle().warmingUp(false);
        LOG.info("Warm-up: {} streams opened ({} resumed), {} events published, {} more to the broker, {} failed{},"
            + " in {} ms", warmUp.opened, warmUp.resumed, warmUp.published, warmUp.burstPublished, warmUp.failed,
            warmUp.firstFailure == null ? "" : " (first: " + warmUp.firstFailure + ")",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        if (heap != null) {
          heap.trimLater(vertx);
        }
        return warmUp.client.close();
      }).onComplete(done);
    });
    return done.future();
  }

  private boolean over() {
    return started >= http.warmUpStreams() || System.nanoTime() > deadline || service.lifecycle().draining();
  }

  private Future<Void> run() {
    List<Future<Void>> holding = new ArrayList<>();
    for (int t = 0; t < TENANTS; t++) {
      holding.add(hold(t));
    }
    return Future.join(holding).transform(ar -> burst()).transform(ar -> streams()).eventually(() -> {
      holders.forEach(HttpClientRequest::reset);
      return Future.succeededFuture();
    });
  }

  private Future<Void> hold(int tenant) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/api/sse/dashboard")
            .putHeader("Authorization", "Bearer " + tokens.get(tenant)).setIdleTimeout(REQUEST_TIMEOUT_MILLIS))
        .compose(request -> {
          holders.add(request);
          return request.send();
        })
        .map(response -> {
          FrameReader reader = new FrameReader(recentIds.get(tenant));
          response.handler(reader::read);
          response.exceptionHandler(e -> { }); // the reset that ends it
          return (Void) null;
        })
        .onFailure(this::failed);
  }

  private Future<Void> streams() {
    publishLater();
    List<Future<Void>> workers = new ArrayList<>();
    for (int i = 0; i < CONCURRENCY; i++) {
      Promise<Void> done = Promise.promise();
      nextStream(done);
      workers.add(done.future());
    }
    return Future.join(workers).<Void>mapEmpty().eventually(() -> {
      vertx.cancelTimer(publishTimer);
      return Future.join(List.copyOf(publishing));
    });
  }

  /**
   * The next publish, a fixed delay after this one: a periodic timer would catch up after a stall (a busy machine, a
   * JVM recording its run for an AOT cache) in a burst that the per-token publish limit answers with 429.
   */
  private void publishLater() {
    publishTimer = vertx.setTimer(PUBLISH_EVERY_MILLIS, id -> {
      publish(publishes++);
      publishLater();
    });
  }

  /**
   * {@link #BURST_EVENTS} events to the streams held open, published straight to the broker (the per-token limit of
   * {@code POST /api/events} would take minutes), {@link #BURST_IN_FLIGHT} at a time; it stops at the first failure,
   * or when half the warm-up's time has gone.
   */
  private Future<Void> burst() {
    BrokerClient broker = new BrokerClient(vertx.eventBus());
    List<Future<Void>> workers = new ArrayList<>();
    for (int i = 0; i < BURST_IN_FLIGHT; i++) {
      Promise<Void> done = Promise.promise();
      burstNext(broker, done);
      workers.add(done.future());
    }
    return Future.join(workers).mapEmpty();
  }

  private void burstNext(BrokerClient broker, Promise<Void> done) {
    if (burstSent >= BURST_EVENTS || System.nanoTime() > burstDeadline || service.lifecycle().draining()) {
      done.complete();
      return;
    }
    int n = burstSent++;
    broker.publish(new PublishRequest(new TenantId("tenantcast-warm-up-" + n % TENANTS), MessageType.DASHBOARD_UPDATE,
        new JsonObject().put("warmUp", n)), REQUEST_TIMEOUT_MILLIS).onComplete(ar -> {
          if (ar.succeeded()) {
            burstPublished++;
          } else {
            failed(ar.cause());
            burstSent = BURST_EVENTS; // a broker that fails one now fails the next: stop
          }
          burstNext(broker, done);
        });
  }

  private void nextStream(Promise<Void> done) {
    if (over()) {
      done.complete();
      return;
    }
    int tenant = started++ % TENANTS;
    stream(tenant).onComplete(ar -> {
      if (ar.failed()) {
        failed(ar.cause());
      }
      nextStream(done);
    });
  }

  private void failed(Throwable cause) {
    if (failed++ == 0) {
      firstFailure = String.valueOf(cause.getMessage());
    }
  }

  private void publish(int n) {
    int tenant = n % TENANTS;
    Future<Buffer> published = client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/api/events")
            .putHeader("Authorization", "Bearer " + tokens.get(tenant)).putHeader("Content-Type", "application/json")
            .setTimeout(REQUEST_TIMEOUT_MILLIS))
        .compose(request -> request.send(new JsonObject().put("type", "DASHBOARD_UPDATE")
            .put("tenant", "tenantcast-warm-up-" + tenant).put("data", new JsonObject().put("warmUp", n)).toBuffer()))
        .compose(response -> response.body().map(body -> {
          if (response.statusCode() != 202) {
            throw new IllegalStateException("POST /api/events answered " + response.statusCode());
          }
          return body;
        }));
    publishing.add(published);
    published.onComplete(ar -> {
      publishing.remove(published);
      if (ar.succeeded()) {
        this.published++;
      } else {
        failed(ar.cause());
      }
    });
  }

  /** Keeps the last ids of a tenant; the oldest is where its next stream resumes from. */
  private static void remember(Deque<String> ids, String id) {
    if (!id.equals(ids.peekLast())) {
      ids.addLast(id);
      while (ids.size() > RESUME_BACK) {
        ids.removeFirst();
      }
    }
  }

  /** One stream: opened (resuming when its tenant has ids), read until its replay, then closed. */
  private Future<Void> stream(int tenant) {
    Deque<String> ids = recentIds.get(tenant);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setIdleTimeout(REQUEST_TIMEOUT_MILLIS);
    // Most dashboards are browsers: EventSource sends no headers but Last-Event-ID, so the token is in the query.
    // Every other stream goes as other clients do, so that both ways are compiled before real streams come.
    if (requested++ % 2 == 0) {
      options.setURI("/api/sse/dashboard?access_token=" + tokens.get(tenant));
    } else {
      options.setURI("/api/sse/dashboard").putHeader("Authorization", "Bearer " + tokens.get(tenant));
    }
    if (!ids.isEmpty()) {
      options.putHeader("Last-Event-ID", ids.peekFirst());
    }
    Promise<Void> done = Promise.promise();
    client.request(options).onFailure(done::tryFail).onSuccess(request -> {
      request.send().onFailure(done::tryFail).onSuccess(response -> {
        if (response.statusCode() != 200) {
          response.body().onComplete(b -> done.tryFail(new IllegalStateException(
              "GET /api/sse/dashboard answered " + response.statusCode())));
          return;
        }
        opened++;
        FrameReader reader = new FrameReader(ids);
        response.handler(buffer -> {
          if (reader.read(buffer)) {
            resumed += reader.resumed ? 1 : 0;
            done.tryComplete(); // before the reset, whose exception would fail it
            request.reset();
          }
        });
        response.exceptionHandler(done::tryFail); // after its own reset, done is already complete
        response.endHandler(v -> done.tryFail(new IllegalStateException("the stream ended before its replay")));
      });
    });
    return done.future();
  }

  /**
   * Reads a stream's frames until CONNECTED and the events it says were replayed have come. Live delivery is warmed
   * by the holders; a stream that waited for a live event too would wait for the publisher, not for the CPU.
   */
  private static final class FrameReader {
    private final Deque<String> ids;
    private final StringBuilder pending = new StringBuilder();
    private int expected = -1;
    private int events;
    private boolean resumed;

    FrameReader(Deque<String> ids) {
      this.ids = ids;
    }

    /** @return true once the stream has sent all it had to */
    boolean read(Buffer buffer) {
      pending.append(buffer.toString());
      int end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        String frame = pending.substring(0, end);
        pending.delete(0, end + 2);
        for (String line : frame.split("\n")) {
          if (line.startsWith("id: ")) {
            remember(ids, line.substring(4));
          } else if (line.startsWith("data: ") && expected < 0) {
            JsonObject resume = new JsonObject(line.substring(6)).getJsonObject("data", new JsonObject())
                .getJsonObject("resume", new JsonObject());
            resumed = resume.getBoolean("resumed", false);
            expected = resume.getInteger("replayed", 0);
          } else if (line.startsWith("data: ")) {
            events++;
          }
        }
      }
      return expected >= 0 && events >= expected;
    }
  }
}
