package dev.tenantcast.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The first warning of a kind is written at once; repeats within the interval are counted, then reported. */
class RateLimitedLogTest {
  @Test
  void theFirstWarningIsWrittenAndRepeatsAreCountedIntoTheNext() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger("rate-limited-log-test");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    RateLimitedLog log = new RateLimitedLog(logger, 200);
    logger.setAdditive(false);
    log.warn("bad", "rejected a message on {}", "channel-a");
    assertEquals(1, lines.list.size(), "the very first warning is not swallowed");
    assertEquals("rejected a message on channel-a", lines.list.get(0).getFormattedMessage());
    for (int i = 0; i < 5; i++) {
      log.warn("bad", "rejected a message on {}", "channel-a");
    }
    assertEquals(1, lines.list.size());
    Thread.sleep(250); // the interval passing is what is tested
    log.warn("bad", "rejected a message on {}", "channel-a");
    assertEquals("rejected a message on channel-a (5 similar suppressed)", lines.list.get(1).getFormattedMessage());
  }
}
