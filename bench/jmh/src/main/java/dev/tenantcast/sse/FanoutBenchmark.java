package dev.tenantcast.sse;

import dev.tenantcast.bus.BrokerClient;
import dev.tenantcast.bus.BrokerEndpoint;
import dev.tenantcast.bus.BrokerStatus;
import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.StreamPosition;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.stats.LiveFigures;
import dev.tenantcast.stats.ServiceMetrics;
import dev.tenantcast.stats.ServiceStats;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * One event to the 1,000 streams of one tenant on one instance, with sinks that do no I/O; scores are per delivery
 * (one event to one stream), so a score times 1,000 is the cost of one event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FanoutBenchmark {
  static final int STREAMS = 1000;

  private Vertx vertx;
  private BrokerEndpoint broker;
  private Envelope envelope;
  /** Written by the event loop when the last stream got its frames, read by the benchmark thread. */
  private final Done done = new Done();
  private long sent;
  private List<SseStream> direct;
  private WireFrame frame;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    envelope = FrameEncodingBenchmark.Events.dashboardUpdate();
    frame = new WireFrame(FrameEncoder.frame(new StreamPosition(envelope.position(), null).toId(), envelope));
    vertx = Vertx.vertx();
    Context context = vertx.getOrCreateContext();
    broker = new BrokerEndpoint(vertx.eventBus());
    broker.serveInterest(i -> Future.succeededFuture()).await(5, TimeUnit.SECONDS);
    ServiceStats stats = new ServiceStats("bench");
    // latest-state delivery as configured by default; the sinks never fill, so nothing collapses
    Collapsing collapsing = new Collapsing(true, "key", 262_144, stats);
    TenantFanout fanout = onLoop(context, () -> new TenantFanout(vertx, new BrokerClient(vertx.eventBus()), stats,
        new ServiceMetrics(new SimpleMeterRegistry(), stats, new BrokerStatus(), () -> 0, () -> 0),
        new LiveFigures("bench", stats, () -> 0, Map::of, 10, 5), collapsing, 30, 100));
    onLoop(context, fanout::start).await(5, TimeUnit.SECONDS);
    List<SseStream> streams = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      // only the last stream (last in the tenant's insertion-ordered set, so last flushed) tells that an event is out
      SseStream stream = new SseStream("s" + i, new TenantId("acme"), Long.MAX_VALUE,
          new CountingSink(i == STREAMS - 1 ? done : null), collapsing, () -> { });
      streams.add(stream);
      onLoop(context, () -> {
        fanout.add(stream, Resume.NONE, json -> Buffer.buffer("retry: 1000\n\n"));
        return null;
      });
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!onLoop(context, () -> streams.stream().allMatch(SseStream::started))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the streams did not start");
      }
      Thread.sleep(10);
    }
    direct = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      SseStream stream = new SseStream("d" + i, new TenantId("acme"), Long.MAX_VALUE, new CountingSink(null),
          collapsing, () -> { });
      stream.start(Buffer.buffer("retry: 1000\n\n"));
      direct.add(stream);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /**
   * The real path: the broker's event-bus publish, the tenant's consumer on the event loop, TenantFanout framing it
   * once and queueing it on every stream, then the end-of-pass flush; the benchmark thread waits (spinning, as a
   * park would cost more than what is measured) until the last stream got it.
   */
  @Benchmark
  @OperationsPerInvocation(STREAMS)
  public void eventBusToStreams() {
    long target = ++sent;
    broker.deliver(envelope);
    while (done.events < target) {
      Thread.onSpinWait();
    }
  }

  /** Only the per-stream part, on the benchmark thread: enqueue the shared frame on 1,000 streams, then flush each. */
  @Benchmark
  @OperationsPerInvocation(STREAMS)
  public void enqueueAndFlush(Blackhole blackhole) {
    for (SseStream stream : direct) {
      blackhole.consume(stream.enqueue(frame));
    }
    for (SseStream stream : direct) {
      stream.flush();
    }
  }

  private static <T> T onLoop(Context context, Callable<T> action) throws Exception {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> {
      try {
        result.complete(action.call());
      } catch (Exception e) {
        result.fail(e);
      }
    });
    return result.future().await(5, TimeUnit.SECONDS);
  }

  /** The events the last stream has written. */
  static final class Done {
    volatile long events;
  }

  /** A sink without a connection: counts the bytes it would write, so the writes are not optimised away. */
  static final class CountingSink extends StreamSink {
    private final Done done;
    long bytes;

    CountingSink(Done done) {
      super(null);
      this.done = done;
    }

    @Override
    void start(Buffer firstFrame, List<WireFrame> frames) {
      bytes += firstFrame.length();
      write(frames);
    }

    @Override
    boolean full() {
      return false;
    }

    @Override
    void onDrained(Runnable drained) {
      // never full, so never drained
    }

    @Override
    void write(List<WireFrame> frames) {
      for (WireFrame frame : frames) {
        bytes += frame.chunk().readableBytes();
      }
      if (done != null) {
        done.events += frames.size();
      }
    }

    @Override
    void end() {
    }

    @Override
    void abort() {
    }
  }
}
