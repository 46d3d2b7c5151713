package dev.tenantcast.http;

import dev.tenantcast.config.HttpConfig;
import dev.tenantcast.limits.Budget;
import dev.tenantcast.limits.Refusal;
import dev.tenantcast.log.RateLimitedLog;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bounds what a connection may cost until it is a stream, for one HTTP verticle instance (confined to its event loop):
 * connections beyond {@code http.maxConnections} are closed at once; a connection must send a complete request head
 * within {@code headerTimeoutMillis} of opening (slowloris, idle sockets), a body within {@code bodyTimeoutMillis} of
 * its head, and its next request within {@code idleTimeoutMillis} of the last answer. A stream leaves the watch: its
 * heartbeats, its token's expiry and its write buffer bound it instead. One sweep a quarter second checks the
 * deadlines, so a connection costs one map entry, not a timer per phase.
 */
final class ConnectionGuard {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  private static final long SWEEP_MILLIS = 250;

  private enum Phase { AWAITING_HEAD, IN_REQUEST, KEPT_ALIVE }

  private static final class Watch {
    Phase phase = Phase.AWAITING_HEAD;
    long deadline;
    HttpServerRequest request;

    Watch(long deadline) {
      this.deadline = deadline;
    }
  }

  private final Vertx vertx;
  private final HttpConfig config;
  private final Budget connections;
  private final ServiceStats stats;
  private final RateLimitedLog log = new RateLimitedLog(LOG, 10_000);
  private final Map<HttpConnection, Watch> watched = new HashMap<>();
  private long timer = -1;

  ConnectionGuard(Vertx vertx, HttpConfig config, Budget connections, ServiceStats stats) {
    this.vertx = vertx;
    this.config = config;
    this.connections = connections;
    this.stats = stats;
  }

  void start() {
    timer = vertx.setPeriodic(SWEEP_MILLIS, t -> sweep(System.currentTimeMillis()));
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  void onConnection(HttpConnection connection) {
    if (!connections.tryTake(1)) {
      stats.refused(Refusal.CONNECTIONS);
      log.warn("connections", "Refused a connection: this instance holds its maximum of {} (http.maxConnections)",
          config.maxConnections());
      connection.close();
      return;
    }
    watched.put(connection, new Watch(System.currentTimeMillis() + config.headerTimeoutMillis()));
    connection.closeHandler(v -> {
      watched.remove(connection);
      connections.give(1);
    });
  }

  /**
   * A request head arrived. Answers 400 itself, and returns false, for an HTTP/1.1 request without a valid Host: the
   * router would fail on it with a 500.
   */
  boolean onRequest(HttpServerRequest request) {
    Watch watch = watched.get(request.connection());
    if (watch != null) {
      watch.phase = Phase.IN_REQUEST;
      watch.request = request;
      watch.deadline = System.currentTimeMillis() + config.bodyTimeoutMillis();
    }
    if (request.version() != HttpVersion.HTTP_1_0 && !hasValidHost(request)) {
      ApiError.badRequest("an HTTP/1.1 request needs a valid Host header").send(request);
      return false;
    }
    return true;
  }

  /** The request became an event stream: from now on heartbeats, token expiry and the write buffer bound it. */
  void streaming(HttpServerRequest request) {
    watched.remove(request.connection());
  }

  private static boolean hasValidHost(HttpServerRequest request) {
    try {
      HostAndPort authority = request.authority();
      return authority != null && !authority.host().isEmpty();
    } catch (RuntimeException malformed) {
      return false;
    }
  }

  private void sweep(long now) {
    List<Map.Entry<HttpConnection, Watch>> due = null;
    for (Map.Entry<HttpConnection, Watch> entry : watched.entrySet()) {
      Watch watch = entry.getValue();
      if (watch.phase == Phase.IN_REQUEST && watch.request.response().ended()) {
        watch.phase = Phase.KEPT_ALIVE;
        watch.deadline = now + config.idleTimeoutMillis();
        watch.request = null;
      }
      if (now >= watch.deadline && (watch.phase != Phase.IN_REQUEST || !watch.request.isEnded())) {
        due = due == null ? new ArrayList<>() : due;
        due.add(entry);
      }
    }
    if (due != null) {
      due.forEach(entry -> expire(entry.getKey(), entry.getValue()));
    }
  }

  private void expire(HttpConnection connection, Watch watch) {
    watched.remove(connection);
    switch (watch.phase) {
      case AWAITING_HEAD -> stats.refused(Refusal.HEADER_TIMEOUT);
      case KEPT_ALIVE -> stats.refused(Refusal.IDLE_TIMEOUT);
      case IN_REQUEST -> {
        stats.refused(Refusal.BODY_TIMEOUT);
        log.warn("body-timeout", "Closed a connection whose request body did not arrive within {} ms",
            config.bodyTimeoutMillis());
        ApiError.timeout("the request body did not arrive within " + config.bodyTimeoutMillis() + " ms")
            .send(watch.request);
        return;
      }
    }
    connection.close();
  }
}
