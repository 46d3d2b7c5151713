package dev.tenantcast.log;

/** Makes text from outside (channel names, origins) safe for one log line: no control characters, bounded length. */
public final class LogSafe {
  private static final int MAX = 120;

  private LogSafe() {
  }

  public static String of(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() <= MAX ? clean : clean.substring(0, MAX) + "...";
  }
}
