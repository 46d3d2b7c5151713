package dev.tenantcast.auth;

import dev.tenantcast.config.JwtConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The signing keys an identity provider publishes at {@code jwt.jwksUrl}, shared by the HTTP verticle instances of
 * one service instance. Fetched at start without waiting (the service starts while the provider is down and is not
 * ready until keys arrive), again every {@code jwksRefreshSeconds}, and for a token whose {@code kid} is not in the
 * set, as providers publish a new key and then sign with it. Any two fetches, whatever asked for them, are at least
 * {@code jwksMinRefreshSeconds} apart, so forged {@code kid}s cannot make it hammer the provider. A failed fetch is
 * logged and counted, and the last good keys stay in use.
 */
public final class JwksCache {
  /** A JWKS is a few kB (Keycloak's, with certificates, about 3 kB): a larger answer is a mistake or an attack. */
  public static final int MAX_BYTES = 512 * 1024;
  /** A fetch not complete by then fails, so that the tokens waiting for it are answered. */
  static final long FETCH_TIMEOUT_MILLIS = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(JwksCache.class);

  private final Vertx vertx;
  private final JwtConfig.Jwks config;
  /** Fetches, their timers and their answers run here, whichever event loop asked. */
  private final Context context;
  private final HttpClient client;
  private final LongAdder fetches = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder unknownKids = new LongAdder();
  private volatile KeySet keys;
  private volatile long keysFetchedAtMillis;
  private volatile String lastFailure;
  // guarded by this
  private Future<KeySet> inFlight;
  private long lastFetchNanos;
  private long timer = -1;
  private boolean closed;

  private JwksCache(Vertx vertx, JwtConfig.Jwks config) {
    this.vertx = vertx;
    this.config = config;
    this.context = vertx.getOrCreateContext();
    // One fetch at a time, minutes apart: no connection is worth keeping open.
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
        .setConnectTimeout((int) FETCH_TIMEOUT_MILLIS), new PoolOptions().setHttp1MaxSize(1));
  }

  /** Starts fetching; the keys are there when {@link #ready()} says so. */
  public static JwksCache start(Vertx vertx, JwtConfig.Jwks config) {
    JwksCache cache = new JwksCache(vertx, config);
    URI uri = URI.create(config.url());
    if ("http".equals(uri.getScheme()) && !isLoopback(uri.getHost())) {
      LOG.warn("jwt.jwksUrl {} is plain HTTP: anyone on the path can replace the keys and mint tokens. Use https.",
          config.url());
    }
    LOG.info("Tokens are verified with the keys of {} ({}), fetched every {} s and for an unknown key id, at most "
        + "once every {} s", config.url(), String.join(", ", KeySet.ALGORITHMS), config.refreshSeconds(),
        config.minRefreshSeconds());
    synchronized (cache) {
      cache.fetch("start");
    }
    return cache;
  }

  /** The current keys, or null before the first successful fetch. */
  public KeySet keys() {
    return keys;
  }

  /** Ready once keys arrived; they stay through later failures. */
  public boolean ready() {
    return keys != null;
  }

  /**
   * Fetches again for a token whose {@code kid} is unknown, unless a fetch is under way (its outcome is shared) or
   * the last one started less than {@code jwksMinRefreshSeconds} ago (the current keys are answered at once). Fails
   * with {@link KeysUnavailableException} while there are no keys at all.
   */
  public synchronized Future<KeySet> refresh() {
    if (inFlight != null) {
      return inFlight;
    }
    if (closed || System.nanoTime() - lastFetchNanos < TimeUnit.SECONDS.toNanos(config.minRefreshSeconds())) {
      return current();
    }
    return fetch("a token with an unknown key id");
  }

  /** Counts a token refused because its {@code kid} is in no key set (forged, or from another provider). */
  public void unknownKid() {
    unknownKids.increment();
  }

  public long fetches() {
    return fetches.sum();
  }

  public long failures() {
    return failures.sum();
  }

  public long unknownKids() {
    return unknownKids.sum();
  }

  public int keyCount() {
    KeySet current = keys;
    return current == null ? 0 : current.jwks().size();
  }

  /** The state for {@code GET /api/sse/stats}. */
  public JsonObject toJson() {
    KeySet current = keys;
    return new JsonObject()
        .put("url", config.url())
        .put("ready", current != null)
        .put("keys", keyCount())
        .put("kids", new JsonArray(current == null ? List.of() : List.copyOf(current.kids())))
        .put("fetchedAt", current == null ? null : keysFetchedAtMillis)
        .put("fetches", fetches.sum())
        .put("failures", failures.sum())
        .put("lastFailure", lastFailure)
        .put("unknownKids", unknownKids.sum());
  }

  public Future<Void> close() {
    synchronized (this) {
      closed = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }
    return client.close();
  }

  private Future<KeySet> current() {
    KeySet current = keys;
    // The reason stays in the log: an unauthenticated client learns nothing about the provider.
    return current != null ? Future.succeededFuture(current) : Future.failedFuture(new KeysUnavailableException(
        "the identity provider's signing keys are not loaded yet: retry shortly", config.minRefreshSeconds()));
  }

  /** Starts a fetch; called with the lock held. */
  private Future<KeySet> fetch(String reason) {
    lastFetchNanos = System.nanoTime();
    Promise<KeySet> outcome = Promise.promise();
    inFlight = outcome.future();
    context.runOnContext(v -> download().onComplete(fetched -> {
      finished(fetched.succeeded() ? fetched.result() : null, fetched.cause(), reason);
      current().onComplete(outcome);
    }));
    return inFlight;
  }

  private synchronized void finished(KeySet fetched, Throwable failure, String reason) {
    inFlight = null;
    if (fetched != null) {
      KeySet previous = keys;
      keys = fetched;
      keysFetchedAtMillis = System.currentTimeMillis();
      lastFailure = null;
      fetches.increment();
      if (previous == null || !previous.kids().equals(fetched.kids())) {
        LOG.info("JWKS {}: {} signing keys, key ids {}{} (fetched for {})", config.url(), fetched.jwks().size(),
            fetched.kids(), fetched.skipped() == 0 ? "" : "; " + fetched.skipped() + " other keys skipped", reason);
      }
    } else {
      failures.increment();
      lastFailure = String.valueOf(failure.getMessage());
      KeySet current = keys;
      LOG.warn("JWKS {} could not be fetched (for {}): {}. {}; next attempt in {} s", config.url(), reason,
          lastFailure, current == null
              ? "No signing keys yet: /ready answers 503 and every token gets 503 until they arrive"
              : "Keeping the " + current.jwks().size() + " keys fetched before", config.minRefreshSeconds());
    }
    if (!closed) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      long delaySeconds = fetched != null ? config.refreshSeconds() : config.minRefreshSeconds();
      timer = vertx.setTimer(TimeUnit.SECONDS.toMillis(delaySeconds), id -> scheduled());
    }
  }

  private synchronized void scheduled() {
    timer = -1;
    if (!closed && inFlight == null) {
      fetch(lastFailure == null ? "the periodic refresh" : "a retry after a failure");
    }
  }

  /** GETs the key set, bounded in time and size. */
  private Future<KeySet> download() {
    Promise<Buffer> body = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long deadline = vertx.setTimer(FETCH_TIMEOUT_MILLIS, id -> {
      if (body.tryFail("no complete answer within " + FETCH_TIMEOUT_MILLIS + " ms") && sent[0] != null) {
        sent[0].reset();
      }
    });
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(config.url())
            .putHeader(HttpHeaders.ACCEPT, "application/json"))
        .onFailure(body::tryFail)
        .onSuccess(request -> {
          sent[0] = request;
          // the handlers go on before the request is sent, so that no chunk of the answer can pass unread
          request.response().onSuccess(response -> read(request, response, body)).onFailure(body::tryFail);
          request.end();
        });
    return body.future().onComplete(done -> vertx.cancelTimer(deadline)).map(KeySet::parse);
  }

  private static void read(HttpClientRequest request, HttpClientResponse response, Promise<Buffer> body) {
    // set first: a reset below ends the response with an error, which Vert.x logs when no handler takes it
    response.exceptionHandler(body::tryFail);
    if (response.statusCode() != 200) {
      body.tryFail("the provider answered HTTP " + response.statusCode());
      request.reset();
      return;
    }
    String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BYTES) {
      body.tryFail(tooLarge());
      request.reset();
      return;
    }
    Buffer received = Buffer.buffer();
    response.handler(chunk -> {
      if (received.length() + chunk.length() > MAX_BYTES) {
        if (body.tryFail(tooLarge())) {
          request.reset();
        }
      } else if (!body.future().isComplete()) {
        received.appendBuffer(chunk);
      }
    });
    response.endHandler(v -> body.tryComplete(received));
  }

  private static String tooLarge() {
    return "the answer is larger than " + MAX_BYTES + " bytes, the most a JWKS may have here";
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }
}
