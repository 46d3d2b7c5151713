package dev.tenantcast;

import dev.tenantcast.app.Tenantcast;
import dev.tenantcast.app.TokenCommand;
import dev.tenantcast.app.VerticleDescriptor;
import dev.tenantcast.config.ConfigException;
import dev.tenantcast.config.ConfigLoader;
import dev.tenantcast.config.HttpConfig;
import dev.tenantcast.config.TenantcastConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads the configuration and deploys; {@code token ...} prints a development token instead, and {@code warm-up}
 * starts, runs the start's warm-up and stops.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  /** After the drain, undeploying the other verticles and closing Vert.x get this long before the process exits. */
  private static final long STOP_MARGIN_MILLIS = 10_000;

  private Main() {
  }

  static final String USAGE = String.join("\n",
      "usage: java @conf/jvm.options -jar tenantcast.jar            run the service",
      "       java -jar tenantcast.jar token --tenant <id> [--roles a,b] [--ttl 1h] [--sub <user>]",
      "                                                            print a development token",
      "       java -XX:AOTCacheOutput=tenantcast.aot @conf/jvm.options -jar tenantcast.jar warm-up",
      "                                                            start, run the warm-up, stop (exit 0): on JDK 25+,",
      "                                                            trains an AOT cache (see README, Operations)",
      "       java -jar tenantcast.jar --help                       this text",
      "Configuration: conf/config.json, each key overridden by a TENANTCAST_* variable (see README, Configuration).");

  /**
   * The longest a SIGTERM takes from the signal to the exit: {@code http.drainMillis} for the connections to close,
   * then a fixed margin for the rest of the stop; past it the process exits 0 regardless. An orchestrator's grace
   * period (Kubernetes' terminationGracePeriodSeconds, less any preStop time) must exceed it, or it kills the drain.
   */
  public static long longestStopMillis(HttpConfig http) {
    return http.drainMillis() + STOP_MARGIN_MILLIS;
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && List.of("--help", "-h", "help").contains(args[0])) {
      System.out.println(USAGE);
      return;
    }
    if (args.length > 0 && !List.of("token", "warm-up").contains(args[0])) {
      System.err.println("tenantcast: unknown argument " + args[0] + "\n" + USAGE);
      System.exit(2);
      return;
    }
    boolean warmUpOnly = args.length > 0 && args[0].equals("warm-up");
    TenantcastConfig config;
    List<VerticleDescriptor> verticles;
    try {
      JsonObject json = ConfigLoader.load(Path.of(""), System.getenv());
      config = TenantcastConfig.from(json);
      if (args.length > 0 && args[0].equals("token")) {
        System.out.println(TokenCommand.run(config.jwt(), Arrays.copyOfRange(args, 1, args.length)));
        return;
      }
      verticles = VerticleDescriptor.load(Path.of(""));
      if (warmUpOnly && !config.http().warmsUp()) {
        throw new ConfigException(config.http().port() == 0 ? "http.port" : "http.warmUpStreams",
            "must not be 0 for the warm-up command");
      }
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("tenantcast: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (config.jwt().usesDevelopmentSecret()) {
      LOG.warn("Tokens are verified with the development secret of conf/config.json: anyone can mint them. "
          + "Set TENANTCAST_JWT_SECRET or TENANTCAST_JWT_PUBLIC_KEY before exposing this service.");
    }
    Vertx vertx;
    try {
      vertx = Tenantcast.vertx(config).await(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      LOG.error("Tenantcast could not join the event-bus cluster: {}", e.getMessage());
      System.exit(1);
      return;
    }
    Tenantcast service;
    try {
      service = Tenantcast.start(vertx, config, verticles).await(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      LOG.error("Tenantcast did not start: {}", e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    LOG.info("Tenantcast instance {} is up on port {}, Redis at {}", config.instanceId(), config.http().port(),
        service.redisUrl());
    if (config.demo().enabled()) {
      String host = config.http().host().equals("0.0.0.0") ? "localhost" : config.http().host();
      LOG.info("Demo dashboard: http://{}:{}/", host, config.http().port());
    }
    Shutdown shutdown = new Shutdown(service, vertx, longestStopMillis(config.http()));
    if (warmUpOnly) {
      // The start ran the warm-up. Exiting now is what lets a JVM that records its run (JDK 25's
      // -XX:AOTCacheOutput) write the classes and profiles of the request and delivery paths for the next starts.
      LOG.info("warm-up command: the warm-up has run, stopping");
      shutdown.run();
      System.exit(0);
      return;
    }
    // SIGTERM (a deploy, a scale-in) and SIGINT drain and exit 0, so that the orchestrator sees a clean stop; other
    // exits still stop the service through the hook.
    for (String signal : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(signal), s -> new Thread(() -> {
        LOG.info("SIG{}: draining", signal);
        shutdown.run();
        System.exit(0);
      }, "tenantcast-drain").start());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "tenantcast-shutdown"));
  }

  /** Stops the service once, however many ways ask. */
  private static final class Shutdown implements Runnable {
    private final Tenantcast service;
    private final Vertx vertx;
    private final long longestMillis;
    private final AtomicBoolean started = new AtomicBoolean();

    Shutdown(Tenantcast service, Vertx vertx, long longestMillis) {
      this.service = service;
      this.vertx = vertx;
      this.longestMillis = longestMillis;
    }

    @Override
    public void run() {
      if (!started.compareAndSet(false, true)) {
        return;
      }
      try {
        service.stop().eventually(vertx::close).await(longestMillis, TimeUnit.MILLISECONDS);
        LOG.info("Stopped");
      } catch (Exception e) {
        LOG.warn("Shutdown did not finish cleanly: {}", e.getMessage());
      }
    }
  }
}
