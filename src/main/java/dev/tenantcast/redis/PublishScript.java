package dev.tenantcast.redis;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The atomic append-and-publish of {@code redis/tenantcast-publish.lua} (history and live message in one step; see the
 * script for its keys and arguments), called by its SHA-1 and sent in full only when Redis does not know it yet.
 * Producers run the same script (README: "Resumable events from your services").
 */
final class PublishScript {
  static final String RESOURCE = "/redis/tenantcast-publish.lua";

  private final String text;
  private final String sha;

  private PublishScript(String text) {
    this.text = text;
    try {
      this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static PublishScript load() {
    try (InputStream in = PublishScript.class.getResourceAsStream(RESOURCE)) {
      return new PublishScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String sha() {
    return sha;
  }

  /** Runs the script; {@code args} follow the script's ARGV. */
  Future<Response> run(RedisConnection connection, List<String> keys, List<Object> args) {
    return connection.send(request(Command.EVALSHA, sha, keys, args)).recover(e -> {
      if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
        return connection.send(request(Command.EVAL, text, keys, args));
      }
      return Future.failedFuture(e);
    });
  }

  private static Request request(Command command, String script, List<String> keys, List<Object> args) {
    Request request = Request.cmd(command).arg(script).arg(keys.size());
    keys.forEach(request::arg);
    for (Object arg : args) {
      if (arg instanceof Buffer buffer) {
        request.arg(buffer);
      } else {
        request.arg(String.valueOf(arg));
      }
    }
    return request;
  }
}
