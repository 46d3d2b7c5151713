package dev.tenantcast.app;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Gives the C heap's free memory back to the system once, after the start's warm-up, as
 * {@code jcmd <pid> System.trim_native_heap} does. The JIT compiles hundreds of methods in the warm-up, in arenas
 * that the C library keeps once they are freed: 13-24 MB of an instance's RSS (bench/RESULTS.md, scenario d). Not
 * periodically: with a trim every 5 s, take-overs measured slower (scenario r).
 */
final class NativeHeap {
  private static final Logger LOG = LoggerFactory.getLogger(NativeHeap.class);
  /**
   * The JVM frees its compiler's pooled arenas to the C library every 5 s: a trim right after the warm-up returned
   * 8 MB here, 6 or 12 s after it 19-22 MB.
   */
  private static final long TRIM_AFTER_MILLIS = 6_000;

  private final MBeanServer server;
  private final ObjectName commands;

  private NativeHeap(MBeanServer server, ObjectName commands) {
    this.server = server;
    this.commands = commands;
  }

  /**
   * Blocks (about 0.1 s): call it off the event loops, before the warm-up. The JVM's diagnostic commands are reached
   * through JMX, whose classes the first call loads: loaded before the warm-up, they cannot make the JIT discard
   * code it compiled on the assumption that they were not there, later, while the instance serves.
   */
  static NativeHeap open() {
    try {
      NativeHeap heap = new NativeHeap(ManagementFactory.getPlatformMBeanServer(),
          new ObjectName("com.sun.management:type=DiagnosticCommand"));
      heap.run("vmUptime");
      return heap;
    } catch (JMException | RuntimeException e) {
      LOG.info("The C heap will not be trimmed after the warm-up: {}", e.toString());
      return null;
    }
  }

  /** Once, {@link #TRIM_AFTER_MILLIS} from now, on a worker thread. */
  void trimLater(Vertx vertx) {
    vertx.setTimer(TRIM_AFTER_MILLIS, id -> vertx.executeBlocking(() -> run("systemTrimNativeHeap"), false)
        .onComplete(said -> LOG.info("After the warm-up, the C heap's free memory returned: {}",
            said.succeeded() ? said.result() : "not done, " + said.cause())));
  }

  private String run(String command) throws JMException {
    return String.valueOf(server.invoke(commands, command, new Object[] {new String[0]},
        new String[] {String[].class.getName()})).strip();
  }
}
