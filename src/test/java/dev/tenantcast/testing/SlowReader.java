package dev.tenantcast.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * An event-stream client on a slow network: a plain socket with a small receive buffer that reads the response at a
 * fixed number of bytes per second, so that the server sees a client that falls behind by the rate the test picks.
 * Parses what it reads (HTTP/1.1 chunked body, then the event stream) into the events it received, in order.
 */
public final class SlowReader implements AutoCloseable {
  private final Socket socket;
  private final int bytesPerSecond;
  private final List<SseEvent> events = new ArrayList<>();
  private final SseParser parser = new SseParser(this::received);
  private final Thread thread;
  private volatile long bytesRead;
  private volatile boolean ended;

  private SlowReader(Socket socket, int bytesPerSecond) {
    this.socket = socket;
    this.bytesPerSecond = bytesPerSecond;
    this.thread = new Thread(this::read, "slow-reader");
    this.thread.setDaemon(true);
  }

  /** Connects, sends {@code GET uri} and starts reading at {@code bytesPerSecond}. */
  public static SlowReader open(int port, String uri, int bytesPerSecond) {
    try {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(4096); // before connecting: the window the server sees stays small
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.getOutputStream().write(("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      SlowReader reader = new SlowReader(socket, bytesPerSecond);
      reader.thread.start();
      return reader;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The events received so far, in order. */
  public synchronized List<SseEvent> events() {
    return List.copyOf(events);
  }

  public long bytesRead() {
    return bytesRead;
  }

  /** Whether the server closed the connection. */
  public boolean ended() {
    return ended;
  }

  /**
   * Waits until the events received so far satisfy {@code done}, and returns them.
   *
   * @throws AssertionError when they do not within {@code timeout}
   */
  public synchronized List<SseEvent> await(Predicate<List<SseEvent>> done, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.test(events)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("the slow reader did not get " + what + " within " + timeout + " (" + events.size()
            + " events, " + bytesRead + " bytes)");
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return List.copyOf(events);
  }

  private synchronized void received(SseEvent event) {
    events.add(event);
    notifyAll();
  }

  private void read() {
    long started = System.nanoTime();
    byte[] buffer = new byte[256];
    Dechunker body = new Dechunker();
    try (InputStream in = socket.getInputStream()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        for (int i = 0; i < n; i++) {
          body.feed(buffer[i]);
        }
        bytesRead += n;
        // paced: the next read is due when the bytes read so far fit the rate
        long due = started + bytesRead * 1_000_000_000L / bytesPerSecond;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
    } catch (IOException e) {
      // closed by the server or by close()
    }
    ended = true;
  }

  /** Skips the response head, then hands the chunks' data to the parser. */
  private final class Dechunker {
    private final StringBuilder line = new StringBuilder();
    private boolean inHead = true;
    private long left = -1; // data bytes left in the current chunk; -1: reading a size line
    private int trailing; // the CRLF after a chunk's data

    void feed(byte b) {
      if (inHead || left < 0) {
        if (b != '\n') {
          line.append((char) b);
          return;
        }
        String text = line.toString().trim();
        line.setLength(0);
        if (inHead) {
          inHead = !text.isEmpty();
        } else if (!text.isEmpty()) {
          left = Long.parseLong(text, 16);
        }
        return;
      }
      if (left > 0) {
        parser.feed(b);
        if (--left == 0) {
          trailing = 2;
        }
        return;
      }
      if (--trailing == 0) {
        left = -1;
      }
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
