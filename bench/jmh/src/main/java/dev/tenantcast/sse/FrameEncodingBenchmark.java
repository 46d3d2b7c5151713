package dev.tenantcast.sse;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.Position;
import dev.tenantcast.bus.StreamPosition;
import dev.tenantcast.bus.TenantId;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * What a delivery costs once per tenant, before any stream: the SSE frame of a typical event, and the HTTP/1.1 chunk
 * that every stream of the tenant then shares.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameEncodingBenchmark {
  private Envelope envelope;
  private String sseId;

  @Setup
  public void setUp() {
    envelope = Events.dashboardUpdate();
    sseId = new StreamPosition(envelope.position(), null).toId();
  }

  /** FrameEncoder.frame: the id and data lines around the envelope's ready-made JSON. */
  @Benchmark
  public Buffer frame() {
    return FrameEncoder.frame(sseId, envelope);
  }

  /** The frame and its chunk, as a delivery makes them for a tenant's streams (the chunk once, then a view each). */
  @Benchmark
  public ByteBuf frameAndChunk() {
    return new WireFrame(FrameEncoder.frame(sseId, envelope)).chunk();
  }

  /** For reference: Envelope.of, the JSON encoding a broker does once per event on receipt. */
  @Benchmark
  public Envelope envelope() {
    return Events.dashboardUpdate();
  }

  /** The typical event of the scenarios: a DASHBOARD_UPDATE of about 160 bytes of JSON. */
  static final class Events {
    private Events() {
    }

    static Envelope dashboardUpdate() {
      Position position = new Position("e1", 1764680000000L, 42);
      return Envelope.of(position.streamId(), position, MessageType.DASHBOARD_UPDATE, new TenantId("acme"),
          new JsonObject().put("widget", "revenue").put("value", 12345.67).put("currency", "EUR").put("delta", 1.8),
          1764680000000L);
    }
  }
}
