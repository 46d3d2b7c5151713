import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A Java service that publishes straight into Redis with the Vert.x Redis client, without Tenantcast's classes: a
 * NOTIFICATION to a tenant's dashboards through Tenantcast's publish script (kept in the tenant's history, so
 * dashboards that reconnect get it too), and prints the event's id. The script is loaded once; each publish then
 * sends only its SHA (EVALSHA). With "live" as the fourth argument it is a plain PUBLISH instead: delivered to the
 * dashboards connected now, not kept for resume.
 *
 *   java -cp target/tenantcast.jar examples/java/RedisPublisher.java redis://127.0.0.1:6379 acme "Deploy finished"
 *
 * The script is src/main/resources/redis/tenantcast-publish.lua, also inside tenantcast.jar; copy it into your service.
 * On Redis Cluster, use the channel notification-{tenant:acme} and pass SPUBLISH as the script's 8th argument.
 */
public final class RedisPublisher {
  public static void main(String[] args) throws Exception {
    String tenant = args[1];
    String data = new JsonObject().put("text", args[2]).put("from", "java-redis").encode();
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = Redis.createClient(vertx, args[0]);
      if (args.length > 3 && args[3].equals("live")) {
        long receivers = redis.send(Request.cmd(Command.PUBLISH).arg("notification-" + tenant).arg(data))
            .await(10, TimeUnit.SECONDS).toLong();
        System.out.println("published live to " + receivers + " subscriber(s)");
        return;
      }
      String sha = redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script()))
          .await(10, TimeUnit.SECONDS).toString();
      String id = redis.send(Request.cmd(Command.EVALSHA).arg(sha).arg(2)
              .arg("tenantcast:{tenant:" + tenant + "}:history").arg("tenantcast:{tenant:" + tenant + "}:meta")
              .arg("notification-" + tenant).arg(data))
          .await(10, TimeUnit.SECONDS).toString();
      System.out.println(id);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static String script() throws Exception {
    try (InputStream in = RedisPublisher.class.getClassLoader().getResourceAsStream("redis/tenantcast-publish.lua")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
