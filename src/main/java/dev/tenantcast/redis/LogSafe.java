package dev.tenantcast.redis;

/** Makes text from outside (channel names) safe for one log line: no control characters, bounded length. */
final class LogSafe {
  private static final int MAX = 120;

  private LogSafe() {
  }

  static String of(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() <= MAX ? clean : clean.substring(0, MAX) + "...";
  }
}
