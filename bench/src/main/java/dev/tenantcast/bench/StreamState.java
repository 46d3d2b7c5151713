package dev.tenantcast.bench;

import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;

/**
 * One SSE stream of the load generator and its incremental event-stream parser.
 *
 * <p>The parser follows the text/event-stream rules that matter here: lines end with CR, LF or CRLF (a CR at the end of
 * one read and the LF at the start of the next count as one line end), a blank line dispatches the event, {@code data:}
 * lines carry the data (one optional space after the colon), lines starting with {@code :} are comments, other fields
 * ({@code retry:}, {@code event:}) are ignored, and so is {@code id:} except in scenario r (below). Instead of
 * collecting the data and parsing JSON, each data line is scanned once for {@code "seq":}, {@code "sent":} and
 * {@code "tenant":"}; the result is kept until the blank line dispatches the event. Only an incomplete last line of a
 * read is copied (into {@link #carry}).
 *
 * <p>Below the SSE parser sits a small HTTP/1.1 response decoder (status line, headers, chunked or raw body), so
 * that the load generator reads each socket's bytes in whole reads instead of one callback per chunk: the streams
 * are plain {@link NetSocket}s.
 *
 * <p>Scenario r ({@link LoadgenWorker#tracking()}) also keeps what a browser's EventSource keeps across its
 * reconnects: the last event ID buffer (set by each {@code id:} line) and the last event ID (set from the buffer when
 * an event is dispatched), sent back as {@code Last-Event-ID}; it reads CONNECTED's {@code data.resume}
 * ({@code resumed}, {@code replayed}, {@code reason}); and it counts each seq once ({@link #seen}), so that lost and
 * duplicated deliveries are exact over the whole run and over every connection of the stream. A reconnect reuses
 * this object: {@link #newConnection()} starts the HTTP decoder and the SSE parser afresh. Scenario k tracks seqs the
 * same way (without reconnecting) and also reads the broker's {@code STATUS} events ({@code data.state} DEGRADED or
 * RESTORED), which Tenantcast sends to every stream when it loses and regains a Redis master.
 *
 * <p>Confined to the event loop of its {@link LoadgenWorker}.
 */
final class StreamState {
  static final byte KIND_NONE = 0;
  static final byte KIND_DELIVERY = 1;
  static final byte KIND_CONNECTED = 2;
  static final byte KIND_OTHER = 3;
  static final byte KIND_STATUS = 4;

  private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SENT = "\"sent\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TENANT = "\"tenant\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TYPE = "\"type\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DASHBOARD_UPDATE = "DASHBOARD_UPDATE\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NOTIFICATION = "NOTIFICATION\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONNECTED = "CONNECTED\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] STATUS = "STATUS\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RESTORED_STATE = "\"state\":\"RESTORED\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ID = "id:".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RESUME = "\"resume\":{".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RESUMED = "\"resumed\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] REPLAYED = "\"replayed\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] REASON = "\"reason\":\"".getBytes(StandardCharsets.US_ASCII);

  // CONNECTED's data.resume
  static final byte RESUME_ABSENT = 0;        // no resume object
  static final byte RESUME_NOT_REQUESTED = 1; // {"requested":false}
  static final byte RESUME_RESUMED = 2;       // {"requested":true,"resumed":true,"replayed":N}
  static final byte RESUME_REFUSED = 3;       // {"requested":true,"resumed":false,"reason":"..."}

  // outcome of a stream's switch (scenario r)
  static final byte OUTCOME_PENDING = 0;
  static final byte OUTCOME_RESUMED = 1;
  static final byte OUTCOME_NOT_RESUMED = 2;
  static final byte OUTCOME_NO_ID = 3;
  static final byte OUTCOME_FAILED = 4;

  final int index;
  final int tenantIndex;
  final byte[] tenant;
  int port;                // the instance of the current connection (scenario r moves it)
  final String source;

  // lifecycle
  NetSocket socket;
  long timerId = -1;
  long requestNanos;
  boolean resolved;
  boolean established;
  boolean failed;
  boolean open;
  boolean connectedSeen;
  String closeReason;
  /** Counts this stream's connections: callbacks of an earlier one carry an older value and are ignored. */
  int generation;

  // scenario r: the switch to another instance (kept across connections)
  int switches;            // established connections that closed (each starts a reconnect)
  int attempts;            // connection attempts of the current switch
  boolean reconnecting;    // a reconnect attempt is under way or scheduled
  long closedMicros;       // the first close of an established connection
  long requestMicros;      // the current attempt's request
  long connectedMicros;    // CONNECTED of the current connection (receive time)
  long resumedMicros;      // the first CONNECTED with resumed = true
  int resumes;             // CONNECTEDs with resumed = true
  byte outcome = OUTCOME_PENDING;
  String outcomeReason;
  long replayed;           // sum of CONNECTED's resume.replayed
  byte connectedResume;    // the current connection's CONNECTED: RESUME_*
  long connectedReplayed;
  String connectedReason;
  String lastEventId;      // what a browser would send as Last-Event-ID
  String path;             // request path and query (with the token): kept across reconnects, as EventSource does
  private byte[] idBuffer; // the last event ID buffer
  private int idBufferLen;
  private boolean idBufferSet;
  java.util.BitSet seen;   // seqs received (each counted once)
  long distinct;
  int dups;

  // scenario k: the broker's STATUS events and the failover of a Redis master (since the reset)
  long degradedMicros;     // the first STATUS DEGRADED
  long restoredMicros;     // the first STATUS RESTORED after it
  boolean watched;         // a tenant of the killed master (the coordinator's "mark")
  long flowMicros;         // watched: the first delivery published after the kill

  // parser state
  private byte[] carry;
  private int carryLen;
  private boolean skipLf;
  private byte evKind = KIND_NONE;
  private long evSeq = -1;
  private long evSent = -1;
  private boolean evWrongTenant;
  private byte evResume;
  private boolean evRestored;
  private long evReplayed;
  private String evReason;

  // figures
  long lastSeq = -1;
  int receivedSinceReset;
  long receivedTotal;

  StreamState(int index, int tenantIndex, int port, String source) {
    this.index = index;
    this.tenantIndex = tenantIndex;
    this.tenant = ("t" + tenantIndex).getBytes(StandardCharsets.US_ASCII);
    this.port = port;
    this.source = source;
  }

  // HTTP response decoder
  private static final int H_HEAD = 0;
  private static final int H_SIZE = 1;
  private static final int H_DATA = 2;
  private static final int H_TRAILER = 3;
  private static final int H_RAW = 4;
  private static final int H_DONE = 5;
  private int hState = H_HEAD;
  private byte[] head;
  private int headLen;
  int status;
  private boolean chunked;
  private long remaining = -1;   // bytes left of the current chunk, or of a Content-Length body
  private long chunkSize;
  private boolean sawDigit;
  private boolean inExtension;
  private int trailerLineLen;
  private StringBuilder errorBody;

  /**
   * Feeds bytes read from the socket: parses the response head, undoes chunked encoding and hands the body to the
   * SSE parser (status 200) or collects it (other statuses) for the failure report.
   */
  void feed(byte[] a, int off, int len, long recvMicros, LoadgenWorker w) {
    int i = off;
    int end = off + len;
    while (i < end && hState != H_DONE) {
      switch (hState) {
        case H_HEAD -> {
          if (head == null) {
            head = new byte[512];
          }
          while (i < end) {
            if (headLen == head.length) {
              if (head.length >= 32 * 1024) {
                hState = H_DONE;
                w.headFailed(this, "response head over 32 kB");
                return;
              }
              head = java.util.Arrays.copyOf(head, head.length * 2);
            }
            head[headLen++] = a[i++];
            if (headLen >= 4 && head[headLen - 1] == '\n' && head[headLen - 2] == '\r'
                && head[headLen - 3] == '\n' && head[headLen - 4] == '\r') {
              if (!parseHead()) {
                hState = H_DONE;
                w.headFailed(this, "malformed response head: "
                    + new String(head, 0, Math.min(headLen, 80), StandardCharsets.ISO_8859_1).trim());
                return;
              }
              head = null;
              hState = chunked ? H_SIZE : H_RAW;
              if (status != 200) {
                errorBody = new StringBuilder();
              }
              w.headReceived(this);
              if (!chunked && remaining == 0) {
                hState = H_DONE;
                w.bodyEnded(this, "response ended by server");
                return;
              }
              break;
            }
          }
        }
        case H_SIZE -> {
          while (i < end) {
            byte b = a[i++];
            if (b == '\n') {
              if (!sawDigit) {
                continue; // the CRLF after a chunk's data
              }
              sawDigit = false;
              inExtension = false;
              if (chunkSize == 0) {
                hState = H_TRAILER;
                trailerLineLen = 0;
              } else {
                remaining = chunkSize;
                hState = H_DATA;
              }
              chunkSize = 0;
              break;
            }
            if (b == '\r' || inExtension) {
              continue;
            }
            if (b == ';') {
              inExtension = true;
              continue;
            }
            int d = Character.digit(b, 16);
            if (d < 0 || chunkSize > (1L << 40)) {
              hState = H_DONE;
              w.bodyEnded(this, "malformed chunk size");
              return;
            }
            chunkSize = chunkSize * 16 + d;
            sawDigit = true;
          }
        }
        case H_DATA -> {
          int n = (int) Math.min(remaining, end - i);
          body(a, i, n, recvMicros, w);
          i += n;
          remaining -= n;
          if (remaining == 0) {
            hState = H_SIZE;
          }
        }
        case H_TRAILER -> {
          while (i < end) {
            byte b = a[i++];
            if (b == '\n') {
              if (trailerLineLen == 0) {
                hState = H_DONE;
                w.bodyEnded(this, "response ended by server");
                return;
              }
              trailerLineLen = 0;
            } else if (b != '\r') {
              trailerLineLen++;
            }
          }
        }
        case H_RAW -> {
          int n = remaining >= 0 ? (int) Math.min(remaining, end - i) : end - i;
          body(a, i, n, recvMicros, w);
          i += n;
          if (remaining >= 0) {
            remaining -= n;
            if (remaining == 0) {
              hState = H_DONE;
              w.bodyEnded(this, "response ended by server");
              return;
            }
          }
        }
        default -> {
          return;
        }
      }
    }
  }

  private void body(byte[] a, int off, int n, long recvMicros, LoadgenWorker w) {
    if (n <= 0) {
      return;
    }
    if (errorBody != null) {
      if (errorBody.length() < 2048) {
        errorBody.append(new String(a, off, Math.min(n, 2048), StandardCharsets.UTF_8));
      }
      return;
    }
    onData(a, off, n, recvMicros, w);
  }

  /** The body collected after a non-200 status, or "". */
  String errorBody() {
    return errorBody == null ? "" : errorBody.toString();
  }

  boolean responseComplete() {
    return hState == H_DONE;
  }

  private boolean parseHead() {
    String text = new String(head, 0, headLen, StandardCharsets.ISO_8859_1);
    String[] lines = text.split("\r\n");
    if (lines.length == 0 || !lines[0].startsWith("HTTP/1.")) {
      return false;
    }
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2) {
      return false;
    }
    try {
      status = Integer.parseInt(statusLine[1]);
    } catch (NumberFormatException e) {
      return false;
    }
    for (int k = 1; k < lines.length; k++) {
      String l = lines[k];
      int colon = l.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = l.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
      String value = l.substring(colon + 1).trim().toLowerCase(java.util.Locale.ROOT);
      if (name.equals("transfer-encoding") && value.contains("chunked")) {
        chunked = true;
      } else if (name.equals("content-length")) {
        try {
          remaining = Long.parseLong(value);
        } catch (NumberFormatException e) {
          return false;
        }
      }
    }
    if (chunked) {
      remaining = -1;
    }
    return true;
  }

  /**
   * Starts a new connection of this stream (a reconnect): the HTTP decoder, the SSE parser (but not the last event ID
   * buffer, which an EventSource keeps) and the connection's lifecycle start afresh. Returns the new generation.
   */
  int newConnection() {
    hState = H_HEAD;
    head = null;
    headLen = 0;
    status = 0;
    chunked = false;
    remaining = -1;
    chunkSize = 0;
    sawDigit = false;
    inExtension = false;
    trailerLineLen = 0;
    errorBody = null;
    carryLen = 0;
    skipLf = false;
    evKind = KIND_NONE;
    evSeq = -1;
    evSent = -1;
    evWrongTenant = false;
    evResume = RESUME_ABSENT;
    evRestored = false;
    evReplayed = 0;
    evReason = null;
    socket = null;
    timerId = -1;
    resolved = false;
    open = false;
    connectedSeen = false;
    closeReason = null;
    connectedResume = RESUME_ABSENT;
    connectedReplayed = 0;
    connectedReason = null;
    return ++generation;
  }

  String tenantName() {
    return new String(tenant, StandardCharsets.US_ASCII);
  }

  /** Parses {@code len} bytes of {@code data} from {@code off} (read at {@code recvMicros}). */
  void onData(byte[] data, int off, int len, long recvMicros, LoadgenWorker sink) {
    byte[] a = data;
    int i = off;
    int n = off + len;
    if (carryLen > 0) {
      a = sink.scratch(carryLen + len);
      System.arraycopy(carry, 0, a, 0, carryLen);
      System.arraycopy(data, off, a, carryLen, len);
      n = carryLen + len;
      i = 0;
      carryLen = 0;
    }
    if (skipLf) {
      skipLf = false;
      if (i < n && a[i] == '\n') {
        i++;
      }
    }
    int lineStart = i;
    while (lineStart < n) {
      int t = nextLineEnd(a, lineStart, n);
      if (t < 0) {
        break;
      }
      line(a, lineStart, t, recvMicros, sink);
      if (a[t] == '\r') {
        if (t + 1 < n) {
          if (a[t + 1] == '\n') {
            t++;
          }
        } else {
          skipLf = true;
        }
      }
      lineStart = t + 1;
    }
    if (lineStart < n) {
      int rest = n - lineStart;
      if (rest > 1 << 20) {
        // a line over 1 MiB is not an SSE stream we understand: count it and drop it
        sink.malformed++;
        return;
      }
      if (carry == null || carry.length < rest) {
        carry = new byte[Math.max(256, Integer.highestOneBit(rest) << 1)];
      }
      System.arraycopy(a, lineStart, carry, 0, rest);
      carryLen = rest;
    }
  }

  private void line(byte[] a, int s, int e, long recvMicros, LoadgenWorker sink) {
    if (s == e) {
      dispatch(recvMicros, sink);
      return;
    }
    if (a[s] == ':') {
      return; // comment (Node's ": heartbeat", Nchan's ping)
    }
    if (startsWith(a, s, e, DATA)) {
      int v = s + 5;
      if (v < e && a[v] == ' ') {
        v++;
      }
      dataLine(a, v, e, sink);
    } else if (sink.tracking() && a[s] == 'i' && (startsWith(a, s, e, ID) || (e - s == 2 && a[s + 1] == 'd'))) {
      int v = Math.min(s + 3, e);
      if (v < e && a[v] == ' ') {
        v++;
      }
      idLine(a, v, e);
    }
    // retry:, event: and unknown fields are ignored (id: too, but in scenario r)
  }

  /** An {@code id:} line sets the last event ID buffer (unless its value holds a NUL). */
  private void idLine(byte[] a, int s, int e) {
    for (int k = s; k < e; k++) {
      if (a[k] == 0) {
        return;
      }
    }
    int n = e - s;
    if (idBuffer == null || idBuffer.length < n) {
      idBuffer = new byte[Math.max(64, n)];
    }
    System.arraycopy(a, s, idBuffer, 0, n);
    idBufferLen = n;
    idBufferSet = true;
  }

  private void dataLine(byte[] a, int s, int e, LoadgenWorker sink) {
    int p = indexOf(a, s, e, SEQ);
    if (p >= 0) {
      if (evKind == KIND_OTHER || evKind == KIND_CONNECTED) {
        return;
      }
      // Tenantcast wraps the payload: {"type":"DASHBOARD_UPDATE","data":{...}}; peers send the payload itself.
      // Scenario s also publishes NOTIFICATIONs, numbered in the same sequence.
      int t = indexOf(a, s, Math.min(e, s + 16), TYPE);
      if (t >= 0 && !startsWith(a, t + TYPE.length, e, DASHBOARD_UPDATE)
          && !startsWith(a, t + TYPE.length, e, NOTIFICATION)) {
        evKind = KIND_OTHER;
        return;
      }
      evSeq = parseLong(a, p + SEQ.length, e);
      int q = indexOf(a, p, e, SENT);
      if (q < 0) {
        q = indexOf(a, s, e, SENT);
      }
      evSent = q < 0 ? -1 : parseLong(a, q + SENT.length, e);
      int r = indexOf(a, q >= 0 ? q : s, e, TENANT);
      if (r < 0 && q >= 0) {
        r = indexOf(a, s, e, TENANT);
      }
      if (r >= 0) {
        int v = r + TENANT.length;
        evWrongTenant = !(startsWith(a, v, e, tenant) && v + tenant.length < e && a[v + tenant.length] == '"');
      }
      evKind = KIND_DELIVERY;
      return;
    }
    if (evKind == KIND_NONE) {
      int t = indexOf(a, s, Math.min(e, s + 16), TYPE);
      evKind = t >= 0 && startsWith(a, t + TYPE.length, e, CONNECTED) ? KIND_CONNECTED : KIND_OTHER;
      if (evKind == KIND_CONNECTED && sink.tracking()) {
        resumeOf(a, s, e);
      } else if (t >= 0 && sink.tracking() && startsWith(a, t + TYPE.length, e, STATUS)) {
        // the broker's notice to every stream: {"type":"STATUS","data":{"state":"DEGRADED"|"RESTORED",...}}
        evKind = KIND_STATUS;
        evRestored = indexOf(a, s, e, RESTORED_STATE) >= 0;
      }
    }
  }

  /** CONNECTED's {@code data.resume}: {@code {"requested":..,"resumed":..,"replayed":N}} or {@code "reason":".."}. */
  private void resumeOf(byte[] a, int s, int e) {
    int r = indexOf(a, s, e, RESUME);
    if (r < 0) {
      evResume = RESUME_ABSENT;
      return;
    }
    int close = r + RESUME.length;
    while (close < e && a[close] != '}') {
      close++;
    }
    int k = indexOf(a, r, close, RESUMED);
    if (k < 0) {
      evResume = RESUME_NOT_REQUESTED;
      return;
    }
    evResume = k + RESUMED.length < close && a[k + RESUMED.length] == 't' ? RESUME_RESUMED : RESUME_REFUSED;
    int p = indexOf(a, r, close, REPLAYED);
    evReplayed = p < 0 ? 0 : Math.max(0, parseLong(a, p + REPLAYED.length, close));
    int q = indexOf(a, r, close, REASON);
    if (q >= 0) {
      int from = q + REASON.length;
      int to = from;
      while (to < close && a[to] != '"') {
        to++;
      }
      evReason = new String(a, from, to - from, StandardCharsets.UTF_8);
    }
  }

  private void dispatch(long recvMicros, LoadgenWorker sink) {
    byte kind = evKind;
    long seq = evSeq;
    long sent = evSent;
    boolean wrongTenant = evWrongTenant;
    evKind = KIND_NONE;
    evSeq = -1;
    evSent = -1;
    evWrongTenant = false;
    boolean restored = evRestored;
    evRestored = false;
    if (idBufferSet) {
      // an EventSource's last event ID takes the buffer's value when an event is dispatched
      lastEventId = new String(idBuffer, 0, idBufferLen, StandardCharsets.UTF_8);
      idBufferSet = false;
    }
    switch (kind) {
      case KIND_DELIVERY -> {
        if (seq < 0 || sent < 0) {
          sink.malformed++;
          return;
        }
        if (sink.tracking()) {
          sink.tracked(this, seq, sent, recvMicros, wrongTenant);
          return;
        }
        receivedSinceReset++;
        receivedTotal++;
        if (seq < lastSeq) {
          sink.outOfOrder++;
        } else if (seq == lastSeq) {
          sink.duplicates++;
        } else {
          lastSeq = seq;
        }
        if (wrongTenant) {
          sink.wrongTenant++;
        }
        sink.delivered(recvMicros - sent, recvMicros);
      }
      case KIND_CONNECTED -> {
        connectedMicros = recvMicros;
        connectedResume = evResume;
        connectedReplayed = evReplayed;
        connectedReason = evReason;
        evResume = RESUME_ABSENT;
        evReplayed = 0;
        evReason = null;
        sink.connected(this);
      }
      case KIND_OTHER -> sink.otherEvents++;
      case KIND_STATUS -> sink.status(this, restored, recvMicros);
      default -> { }
    }
  }

  private static boolean startsWith(byte[] a, int at, int limit, byte[] p) {
    if (at + p.length > limit) {
      return false;
    }
    for (int k = 0; k < p.length; k++) {
      if (a[at + k] != p[k]) {
        return false;
      }
    }
    return true;
  }

  private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
      long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long LFS = 0x0A0A0A0A0A0A0A0AL;
  private static final long CRS = 0x0D0D0D0D0D0D0D0DL;

  /** The index of the first CR or LF in {@code a[from, to)}, or -1; eight bytes per step (SWAR). */
  static int nextLineEnd(byte[] a, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long v = (long) LONGS.get(a, i);
      long lf = v ^ LFS;
      long cr = v ^ CRS;
      long hit = ((lf - ONES) & ~lf | (cr - ONES) & ~cr) & HIGHS;
      if (hit != 0) {
        // the lowest flagged byte is exact (a borrow only flags bytes above a real match)
        return i + (Long.numberOfTrailingZeros(hit) >>> 3);
      }
    }
    for (; i < to; i++) {
      byte b = a[i];
      if (b == '\n' || b == '\r') {
        return i;
      }
    }
    return -1;
  }

  static int indexOf(byte[] a, int from, int to, byte[] p) {
    int last = to - p.length;
    byte first = p[0];
    outer:
    for (int i = from; i <= last; i++) {
      if (a[i] != first) {
        continue;
      }
      for (int k = 1; k < p.length; k++) {
        if (a[i + k] != p[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static long parseLong(byte[] a, int i, int e) {
    while (i < e && a[i] == ' ') {
      i++;
    }
    boolean neg = false;
    if (i < e && a[i] == '-') {
      neg = true;
      i++;
    }
    long v = 0;
    int digits = 0;
    while (i < e && a[i] >= '0' && a[i] <= '9' && digits < 19) {
      v = v * 10 + (a[i] - '0');
      i++;
      digits++;
    }
    if (digits == 0) {
      return -1;
    }
    return neg ? -v : v;
  }
}
