package dev.tenantcast.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The lines that one logger of the service (running in this JVM) writes while the test runs, for tests whose outcome an
 * operator reads in the log. Closing stops collecting.
 */
public final class LogLines implements AutoCloseable {
  private static final long WAIT_MILLIS = 10_000;

  private final Logger logger;
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  private LogLines(String loggerName) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    lines.start();
    logger.addAppender(lines);
  }

  /** @param loggerName the class's name (its logger's): service classes are often not visible to the test */
  public static LogLines of(String loggerName) {
    return new LogLines(loggerName);
  }

  /** The first line that contains {@code part}, waiting for it at most 10 s. */
  public ILoggingEvent await(String part) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      List<ILoggingEvent> seen;
      synchronized (lines) { // the appender appends under its own lock
        seen = List.copyOf(lines.list);
      }
      for (ILoggingEvent line : seen) {
        if (line.getFormattedMessage().contains(part)) {
          return line;
        }
      }
      Thread.sleep(50); // polling the log, with a deadline
    }
    throw new AssertionError("no log line with '" + part + "' within " + WAIT_MILLIS / 1000 + " s");
  }

  /** Every line so far that contains {@code part}. */
  public List<ILoggingEvent> containing(String part) {
    synchronized (lines) {
      return lines.list.stream().filter(line -> line.getFormattedMessage().contains(part)).toList();
    }
  }

  @Override
  public void close() {
    logger.detachAppender(lines);
  }
}
