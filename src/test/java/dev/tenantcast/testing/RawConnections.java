package dev.tenantcast.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Many raw TCP connections that send whatever bytes a test scripts (partial requests, a head at one byte a second,
 * nothing at all), for attacks. Records each connection's first answer line and when the server closed it.
 */
public final class RawConnections implements AutoCloseable {
  private final NetClient client;
  private final List<NetSocket> sockets = new ArrayList<>();
  private final Map<Integer, String> firstLines = new ConcurrentHashMap<>();
  private final Map<Integer, Long> closedAtNanos = new ConcurrentHashMap<>();
  private final AtomicInteger connected = new AtomicInteger();
  private final AtomicInteger failedToConnect = new AtomicInteger();
  private int opened;
  private final long startedNanos = System.nanoTime();

  public RawConnections(Vertx vertx) {
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(20_000));
  }

  /**
   * Opens {@code count} connections, {@code batch} at a time, and sends each its first bytes.
   *
   * @param firstBytes the bytes the i-th connection of this call sends once connected (may be empty)
   */
  public RawConnections open(int port, int count, int batch, IntFunction<Buffer> firstBytes) {
    int base = opened;
    opened += count;
    for (int from = 0; from < count; from += batch) {
      List<Future<NetSocket>> opening = new ArrayList<>();
      for (int i = from; i < Math.min(count, from + batch); i++) {
        int index = base + i;
        int nth = i;
        opening.add(client.connect(port, "127.0.0.1")
            .onFailure(e -> failedToConnect.incrementAndGet())
            .onSuccess(socket -> attach(socket, index, firstBytes.apply(nth))));
      }
      try {
        Future.join(opening).await(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // counted below: connections that failed to open are not in connected()
      }
      opening.forEach(f -> {
        if (f.succeeded()) {
          synchronized (sockets) {
            sockets.add(f.result());
          }
        }
      });
    }
    return this;
  }

  private void attach(NetSocket socket, int index, Buffer firstBytes) {
    connected.incrementAndGet();
    StringBuilder head = new StringBuilder();
    socket.handler(data -> {
      if (!firstLines.containsKey(index)) {
        head.append(data.toString());
        int end = head.indexOf("\r\n");
        if (end >= 0) {
          firstLines.put(index, head.substring(0, end));
        }
      }
    });
    socket.closeHandler(v -> closedAtNanos.put(index, System.nanoTime()));
    if (firstBytes.length() > 0) {
      socket.write(firstBytes);
    }
  }

  /** Sends more bytes on every connection still open (e.g. the next byte of a slow head). */
  public void writeToAll(Buffer bytes) {
    synchronized (sockets) {
      sockets.forEach(socket -> socket.write(bytes));
    }
  }

  public int connected() {
    return connected.get();
  }

  /** Connections the server did not accept within the connect timeout. */
  public int failedToConnect() {
    return failedToConnect.get();
  }

  public int closedByServer() {
    return closedAtNanos.size();
  }

  /** First answer lines (e.g. "HTTP/1.1 401 Unauthorized") by how many connections got each; "none" for silence. */
  public Map<String, Integer> answers() {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < opened; i++) {
      counts.merge(firstLines.getOrDefault(i, "none"), 1, Integer::sum);
    }
    return counts;
  }

  /** Seconds from the start until the last connection that the server closed was closed. */
  public double secondsUntilLastClosed() {
    return closedAtNanos.values().stream().mapToLong(t -> t - startedNanos).max().orElse(0) / 1e9;
  }

  /** Waits until the server closed at least {@code count} connections. */
  public boolean awaitClosed(int count, long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (closedAtNanos.size() < count && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return closedAtNanos.size() >= count;
  }

  @Override
  public void close() {
    synchronized (sockets) {
      sockets.forEach(NetSocket::close);
    }
    client.close();
  }
}
