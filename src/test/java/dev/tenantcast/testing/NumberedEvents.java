package dev.tenantcast.testing;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fault test's bookkeeping: a publisher that POSTs numbered events at a steady rate (recording which the service
 * accepted), and readers that record every event their streams get, with the time; then the figures a fault test
 * prints: sent, accepted, received, lost, duplicated.
 */
public final class NumberedEvents {
  /** One event a stream got, when, and of what type. */
  public record Received(long atMillis, String type, JsonObject data, String id) {
  }

  private final Map<Integer, Integer> statusByNumber = new ConcurrentHashMap<>();
  private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean publishing = new AtomicBoolean(true);
  private Thread publisher;

  /** Starts POSTing {@code {"n": 1, 2, ...}} to the tenant through {@code http} at {@code perSecond}, until stopped. */
  public void startPublishing(Http http, String token, String tenant, int perSecond) {
    publisher = new Thread(() -> {
      long interval = 1_000_000_000L / perSecond;
      long next = System.nanoTime();
      for (int n = 1; publishing.get(); n++) {
        Http.Reply reply;
        try {
          reply = http.postJson("/api/events", token, new JsonObject().put("tenant", tenant)
              .put("type", "DASHBOARD_UPDATE").put("data", new JsonObject().put("n", n)).encode());
        } catch (AssertionError noAnswer) {
          reply = new Http.Reply(-1, null, null, null);
        }
        statusByNumber.put(n, reply.status());
        next += interval;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          try {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the load, not waiting for an event
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }, "numbered-publisher");
    publisher.start();
  }

  public void stopPublishing() throws InterruptedException {
    publishing.set(false);
    publisher.join(30_000);
  }

  /** Records every event of the stream until it ends or {@code untilMillis} passes. */
  public void read(SseClient stream, long untilMillis) {
    read(stream, untilMillis, () -> false);
  }

  /** The same, stopping early once {@code done} holds (e.g. the fault's schedule has ended). */
  public void read(SseClient stream, long untilMillis, java.util.function.BooleanSupplier done) {
    while (System.currentTimeMillis() < untilMillis && !done.getAsBoolean()) {
      SseEvent event = stream.poll(java.time.Duration.ofMillis(100));
      if (event == null) {
        if (stream.ended()) {
          return;
        }
        continue;
      }
      received.add(new Received(System.currentTimeMillis(), event.type(), event.payload(), event.id()));
    }
  }

  public List<Received> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** The first event of this type (and code or state, if given) received, or null. */
  public Received first(String type, String codeOrState) {
    return received().stream().filter(r -> r.type().equals(type) && (codeOrState == null
        || codeOrState.equals(r.data().getString("code")) || codeOrState.equals(r.data().getString("state"))))
        .findFirst().orElse(null);
  }

  /** The figures of the run. */
  public record Figures(int sent, int accepted, int refused, int received, int lost, int duplicated,
                        int deliveredThoughRefused) {
    @Override
    public String toString() {
      return "sent " + sent + ", accepted " + accepted + ", refused " + refused + ", received " + received
          + ", lost " + lost + ", duplicated " + duplicated + ", delivered though refused " + deliveredThoughRefused;
    }
  }

  public Figures figures() {
    Map<Integer, Integer> counts = new TreeMap<>();
    for (Received r : received()) {
      if (r.data() != null && r.data().getValue("n") instanceof Integer n) {
        counts.merge(n, 1, Integer::sum);
      }
    }
    int accepted = 0;
    int lost = 0;
    int deliveredThoughRefused = 0;
    for (Map.Entry<Integer, Integer> e : statusByNumber.entrySet()) {
      boolean ok = e.getValue() == 202;
      accepted += ok ? 1 : 0;
      if (ok && !counts.containsKey(e.getKey())) {
        lost++;
      }
      if (!ok && counts.containsKey(e.getKey())) {
        deliveredThoughRefused++;
      }
    }
    int duplicated = counts.values().stream().mapToInt(c -> c - 1).sum();
    return new Figures(statusByNumber.size(), accepted, statusByNumber.size() - accepted, counts.size(), lost,
        duplicated, deliveredThoughRefused);
  }

  /** The numbers accepted (202) but never received. */
  public List<Integer> lostNumbers() {
    List<Integer> received = order();
    return statusByNumber.entrySet().stream().filter(e -> e.getValue() == 202 && !received.contains(e.getKey()))
        .map(Map.Entry::getKey).sorted().toList();
  }

  /** How many numbers have been published so far (answered or not). */
  public int published() {
    return statusByNumber.size();
  }

  /** The numbers received, in the order they came (to check order). */
  public List<Integer> order() {
    List<Integer> order = new ArrayList<>();
    for (Received r : received()) {
      if (r.data() != null && r.data().getValue("n") instanceof Integer n) {
        order.add(n);
      }
    }
    return order;
  }
}
