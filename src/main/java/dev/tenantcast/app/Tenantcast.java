package dev.tenantcast.app;

import dev.tenantcast.auth.JwksCache;
import dev.tenantcast.config.ConfigException;
import dev.tenantcast.config.RedisConfig;
import dev.tenantcast.config.TenantcastConfig;
import dev.tenantcast.redis.LocalRedisServer;
import dev.tenantcast.service.ServiceContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Constructor;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * One running service instance in a Vert.x instance: chooses its Redis (the configured one, or an embedded one),
 * starts fetching the identity provider's keys (with a JWKS URL), then deploys the verticles of the descriptors, in
 * order. {@link #stop()} drains, undeploys them, stops the key refreshes and the embedded Redis.
 */
public final class Tenantcast {
  private static final Logger LOG = LoggerFactory.getLogger(Tenantcast.class);

  private final Vertx vertx;
  private final ServiceContext context;
  private final String redisUrl;
  private final LocalRedisServer embeddedRedis;
  private final List<String> deployments = new ArrayList<>();

  private Tenantcast(Vertx vertx, ServiceContext context, String redisUrl, LocalRedisServer embeddedRedis) {
    this.vertx = vertx;
    this.context = context;
    this.redisUrl = redisUrl;
    this.embeddedRedis = embeddedRedis;
  }

  public static Future<Tenantcast> start(Vertx vertx, TenantcastConfig config, List<VerticleDescriptor> verticles) {
    if (vertx.isNativeTransportEnabled()) {
      LOG.info("Network transport: native epoll");
    } else {
      LOG.info("Network transport: NIO ({})", String.valueOf(vertx.unavailableNativeTransportCause()));
    }
    MeterRegistry registry = BackendRegistries.getNow(config.instanceId());
    return vertx.executeBlocking(() -> chooseRedis(config.redis()))
        .compose(embedded -> {
          // Not awaited: the service starts while the identity provider is down, and is not ready until keys arrive.
          JwksCache jwks = config.jwt().jwks() == null ? null : JwksCache.start(vertx, config.jwt().jwks());
          ServiceContext context = ServiceContext.create(config.instanceId(), config.http(), config.admin(),
              config.eventTypes(), jwks,
              registry != null ? registry : new SimpleMeterRegistry());
          context.lifecycle().warmingUp(config.http().warmsUp());
          String url = embedded != null ? embedded.url() : config.redis().describe();
          Tenantcast service = new Tenantcast(vertx, context, url, embedded);
          return service.deployAll(config, verticles)
              .compose(v -> WarmUp.run(vertx, config.http(), config.jwt(), context))
              .map(service)
              .onFailure(e -> service.stop());
        });
  }

  /** A Vert.x for a service instance: clustered when the event bus is (which joins the cluster first). */
  public static Future<Vertx> vertx(TenantcastConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Each HTTP verticle instance's server registers its gauges (active connections, active requests) under the same
    // names and tags: Micrometer keeps the first, so they would count one event loop's share only, and it warns at
    // every start. tenantcast_connections_open and tenantcast_streams_open count over all of them instead.
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("vertx.http.server.active."));
    // The one HTTP client, the JWKS fetcher's, opens a connection per fetch, minutes apart: its gauges would be
    // registered again at each fetch (Micrometer warns), and tenantcast_jwks_* say what matters.
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().startsWith("vertx.http.client.")
        || id.getName().startsWith("vertx.pool.") && "http".equals(id.getTag("pool_type"))));
    VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
    return config.eventBus().clustered() ? EventBusCluster.join(builder, vertxOptions(config), config.eventBus())
        : Future.succeededFuture(builder.with(vertxOptions(config)).build());
  }

  /**
   * The Vert.x options a service instance needs: Micrometer metrics in a registry named after the instance (so that
   * several instances in one JVM keep theirs apart), without labels that grow with clients or tenants; and Netty's
   * native epoll transport where it loads (Linux), which costs less CPU per socket write than NIO.
   */
  private static VertxOptions vertxOptions(TenantcastConfig config) {
    return new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(VerticleDescriptor.eventLoops())
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setRegistryName(config.instanceId())
            .setJvmMetricsEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
            .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME))
            // the event-bus meters would be labelled by address, and there is one address per tenant
            .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
            // the Redis clients' meters collide (one gauge per client, same name and tags) and say little
            .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
            .addDisabledMetricsCategory("redis"));
  }

  public ServiceContext context() {
    return context;
  }

  /** Where Redis is: its URL (the embedded one's, if any), or the seed nodes or sentinels. */
  public String redisUrl() {
    return redisUrl;
  }

  /**
   * Drains and stops: {@code /ready} turns 503 and new streams are refused at once; then the verticles are undeployed
   * in the order of their descriptors, so the HTTP front (which tells every stream to reconnect elsewhere) goes before
   * the broker it reads from.
   */
  public Future<Void> stop() {
    context.lifecycle().drain();
    Future<Void> undeployed = Future.succeededFuture();
    for (String id : deployments) {
      undeployed = undeployed.eventually(() -> vertx.undeploy(id).otherwiseEmpty());
    }
    if (context.jwks() != null) {
      undeployed = undeployed.eventually(() -> context.jwks().close().otherwiseEmpty());
    }
    return undeployed.eventually(() -> {
      if (embeddedRedis != null) {
        return vertx.executeBlocking(() -> {
          embeddedRedis.close();
          return null;
        });
      }
      return Future.succeededFuture();
    }).mapEmpty();
  }

  private Future<Void> deployAll(TenantcastConfig config, List<VerticleDescriptor> verticles) {
    JsonObject json = config.json().copy();
    if (embeddedRedis != null) {
      json.getJsonObject("redis").put("url", embeddedRedis.url());
    }
    TenantcastConfig effective = TenantcastConfig.from(json);
    Future<Void> chain = Future.succeededFuture();
    for (VerticleDescriptor descriptor : verticles) {
      chain = chain.compose(v -> {
        Class<? extends Deployable> type = verticleClass(descriptor);
        return vertx.deployVerticle(() -> instantiate(type, descriptor),
                descriptor.deploymentOptions(effective.sections(descriptor.sections())))
            .onSuccess(deployments::add)
            .onSuccess(id -> LOG.info("Deployed {} ({} instance{})", descriptor.name(), descriptor.instances(),
                descriptor.instances() == 1 ? "" : "s"))
            .mapEmpty();
      });
    }
    return chain;
  }

  /**
   * The embedded default: a local redis-server when asked for always, or when no URL is configured and nothing
   * answers at the default address. Never when a URL is configured, since instances must share one Redis, nor on a
   * Redis Cluster or Sentinel.
   */
  private static LocalRedisServer chooseRedis(RedisConfig redis) throws Exception {
    if (redis.mode() != RedisConfig.Mode.STANDALONE) {
      return null;
    }
    boolean embed = switch (redis.embedded()) {
      case ALWAYS -> true;
      case NEVER -> false;
      case AUTO -> redis.url() == null && !LocalRedisServer.accepts(URI.create(RedisConfig.DEFAULT_URL).getPort());
    };
    if (!embed) {
      return null;
    }
    LocalRedisServer server = LocalRedisServer.start();
    LOG.warn("{}: started an embedded redis-server ({}) at {}. It lives and dies with this process and is not "
        + "shared with other instances; set TENANTCAST_REDIS_URL and TENANTCAST_REDIS_EMBEDDED=never for a real "
        + "deployment.", redis.embedded() == RedisConfig.Embedded.ALWAYS ? "redis.embedded is 'always'"
            : "No Redis configured and none answers at " + RedisConfig.DEFAULT_URL,
        server.executablePath(), server.url());
    return server;
  }

  @SuppressWarnings("unchecked")
  private static Class<? extends Deployable> verticleClass(VerticleDescriptor descriptor) {
    try {
      Class<?> type = Class.forName(descriptor.className());
      if (!Deployable.class.isAssignableFrom(type)) {
        throw new ConfigException("verticles/" + descriptor.name() + ": class", "is not a verticle: "
            + descriptor.className());
      }
      return (Class<? extends Deployable>) type;
    } catch (ClassNotFoundException e) {
      throw new ConfigException("verticles/" + descriptor.name() + ": class", "names no class on the class path: "
          + descriptor.className());
    }
  }

  /** Verticles that share the service's state take a {@link ServiceContext}; others need a no-argument constructor. */
  private Deployable instantiate(Class<? extends Deployable> type, VerticleDescriptor descriptor) {
    try {
      for (Constructor<?> constructor : type.getConstructors()) {
        Class<?>[] parameters = constructor.getParameterTypes();
        if (parameters.length == 1 && parameters[0] == ServiceContext.class) {
          return (Deployable) constructor.newInstance(context);
        }
      }
      return type.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new ConfigException("verticles/" + descriptor.name() + ": class", "cannot be created: " + e);
    }
  }
}
