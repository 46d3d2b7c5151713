/**
 * Tenantcast browser client: a dependency-free wrapper around EventSource for the Tenantcast SSE stream.
 *
 * Why not a bare EventSource: a browser gives up for good on any non-200 answer (401 with an expired token,
 * a proxy's 502, 429/503 limits), retries network errors at the server's fixed `retry:` interval with the token
 * already baked into the URL, sends `Last-Event-ID` only on its own retries, and cannot notice a stream that hangs
 * without closing. This client owns reconnection instead: capped exponential backoff with jitter, a fresh token
 * before every connect, the last event id carried as `?lastEventId=`, and a watchdog fed by server heartbeats.
 *
 * @example
 *   import { createTenantcastClient } from '/tenantcast-client.js';
 *   const client = createTenantcastClient({ token: () => fetchToken() }).connect();
 *   client.on('DASHBOARD_UPDATE', (data) => render(data));
 */

/** The message types the server sends; `on()` also accepts other strings so newer server types reach '*' and typed handlers. */
export const MESSAGE_TYPES = Object.freeze(['CONNECTED', 'HEARTBEAT', 'DASHBOARD_UPDATE', 'NOTIFICATION', 'SYSTEM_ALERT', 'STATUS', 'ERROR']);

/** Server-made events carry no SSE `id:`; `event.lastEventId` still shows the previous content id for them. */
const SERVER_TYPES = new Set(['CONNECTED', 'HEARTBEAT', 'STATUS', 'ERROR']);

/** Heartbeat interval assumed until a CONNECTED event names the real one (the server's default). */
const DEFAULT_HEARTBEAT_SECONDS = 30;

const DEFAULT_BACKOFF = Object.freeze({ initialMs: 1000, maxMs: 30000, factor: 2, jitter: 0.5 });

export class TenantcastClient {
  #url; #token; #tenant; #withCredentials; #backoff; #deadStreamFactor; #debounceMs; #EventSource;
  #setTimeout; #clearTimeout; #now; #random;
  /** @type {Map<string, Set<Function>>} */
  #handlers = new Map();
  #state = 'idle';
  /** The live EventSource, or null between connections. */
  #es = null;
  /** Bumped whenever a connection attempt is abandoned, so a token that resolves late is thrown away. */
  #generation = 0;
  #reconnectTimer = null;
  #watchdogTimer = null;
  #debounceTimer = null;
  #pendingUpdate = null;
  #nextReconnectAt = null;
  #heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS;
  #counts = Object.fromEntries(MESSAGE_TYPES.map((type) => [type, 0]));
  #total = 0;
  #malformed = 0;
  #reconnectAttempts = 0;
  #failures = 0;
  #connectedAt = null;
  #lastHeartbeatAt = null;
  #lastEventId = null;
  #connectionId = null;
  #instanceId = null;
  /** What the server made of the last connect's resume: { requested, resumed, replayed, reason }, or null. */
  #resume = null;
  /** 'live', or 'degraded' while the server says its broker is unreachable. */
  #delivery = 'live';
  /** Every published type the server delivers (built-in and declared in its eventTypes) → 'tenant' | 'broadcast'. */
  #eventTypes = {};

  /** @param {import('./tenantcast-client').TenantcastClientOptions} [options] */
  constructor(options = {}) {
    this.#url = options.url ?? '/api/sse/dashboard';
    this.#token = options.token ?? null;
    this.#tenant = options.tenant ?? null;
    this.#withCredentials = Boolean(options.withCredentials);
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#deadStreamFactor = options.deadStreamFactor ?? 2.5;
    this.#debounceMs = options.debounceMs ?? 0;
    this.#EventSource = options.EventSource ?? globalThis.EventSource;
    // Globals are looked up at call time, not import time, so test mock timers installed later still apply.
    this.#setTimeout = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.#clearTimeout = options.clearTimeout ?? ((id) => globalThis.clearTimeout(id));
    this.#now = options.now ?? (() => Date.now());
    this.#random = options.random ?? Math.random;
    if (typeof this.#EventSource !== 'function') {
      throw new TypeError('TenantcastClient: no EventSource in this environment; pass options.EventSource');
    }
  }

  /** The current state: 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'. */
  get state() {
    return this.#state;
  }

  /**
   * Starts streaming. A no-op while already connecting or connected; after close() it starts afresh
   * (counters are kept).
   * @returns {this}
   */
  connect() {
    if (this.#state === 'idle' || this.#state === 'closed') {
      this.#setState('connecting', 'connect');
      this.#open('connect');
    }
    return this;
  }

  /** Stops for good: closes the stream, cancels every timer and drops a debounced update not yet delivered. */
  close() {
    this.#teardown();
    this.#reconnectTimer = this.#cancel(this.#reconnectTimer);
    this.#debounceTimer = this.#cancel(this.#debounceTimer);
    this.#pendingUpdate = null;
    this.#nextReconnectAt = null;
    this.#setState('closed', 'close');
  }

  /**
   * Subscribes to one message type, '*' (every valid message), 'state' (state changes) or 'resume' (what became of
   * a reconnect's resume: { resumed, replayed, reason }; when resumed is false, events were missed: refetch).
   * Message handlers get (data, message); state handlers get (state, change).
   * @returns {() => void} unsubscribe
   */
  on(type, handler) {
    if (typeof handler !== 'function') throw new TypeError('TenantcastClient.on: handler must be a function');
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry = (...args) => handler(...args);
    this.#handlers.get(type).add(entry);
    return () => this.#handlers.get(type)?.delete(entry);
  }

  /** A snapshot of counters and connection facts, for status displays and monitoring. */
  stats() {
    const open = this.#state === 'open';
    return {
      state: this.#state,
      messagesByType: { ...this.#counts },
      messagesTotal: this.#total,
      malformed: this.#malformed,
      connectedAt: this.#connectedAt,
      uptimeMs: open && this.#connectedAt !== null ? Math.max(0, this.#now() - this.#connectedAt) : 0,
      reconnectAttempts: this.#reconnectAttempts,
      consecutiveFailures: this.#failures,
      nextReconnectAt: this.#nextReconnectAt,
      lastHeartbeatAt: this.#lastHeartbeatAt,
      lastEventId: this.#lastEventId,
      connectionId: this.#connectionId,
      instanceId: this.#instanceId,
      resume: this.#resume,
      delivery: this.#delivery,
      eventTypes: { ...this.#eventTypes },
    };
  }

  /** One connection attempt: fetch the token, then open the EventSource. */
  async #open(reason) {
    const generation = ++this.#generation;
    // Armed before the token is fetched, so a token function that never settles cannot stall the client.
    this.#armWatchdog();
    let token;
    try {
      token = typeof this.#token === 'function' ? await this.#token({ reason }) : this.#token;
    } catch {
      if (generation === this.#generation) this.#fail('token-error');
      return;
    }
    if (generation !== this.#generation) return;
    let es;
    try {
      es = new this.#EventSource(this.#buildUrl(token), { withCredentials: this.#withCredentials });
    } catch {
      this.#fail('stream-error'); // e.g. a SyntaxError for a malformed url: retrying with backoff beats dying silently
      return;
    }
    this.#es = es;
    es.onmessage = (event) => { if (es === this.#es) this.#onMessage(event); };
    // Any error, CLOSED (gave up) or CONNECTING (about to retry by itself): we close and retry on our own terms,
    // so the browser's fixed-interval retry with a stale token never runs next to ours.
    es.onerror = () => { if (es === this.#es) this.#fail('stream-error'); };
  }

  #buildUrl(token) {
    const params = [];
    if (token) params.push(`access_token=${encodeURIComponent(token)}`);
    if (this.#tenant) params.push(`tenant=${encodeURIComponent(this.#tenant)}`);
    if (this.#lastEventId) params.push(`lastEventId=${encodeURIComponent(this.#lastEventId)}`);
    if (params.length === 0) return this.#url;
    return this.#url + (this.#url.includes('?') ? '&' : '?') + params.join('&');
  }

  #onMessage(event) {
    this.#armWatchdog(); // any event, even a malformed one, proves the stream is alive
    let parsed;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      parsed = null;
    }
    if (parsed === null || typeof parsed !== 'object' || typeof parsed.type !== 'string' || parsed.type === '') {
      this.#malformed++;
      return;
    }
    const type = parsed.type;
    const id = SERVER_TYPES.has(type) ? null : (event.lastEventId || null);
    const message = { type, data: parsed.data ?? {}, timestamp: parsed.timestamp ?? null, id };
    if (id !== null) this.#lastEventId = id;
    this.#counts[type] = (this.#counts[type] ?? 0) + 1;
    this.#total++;

    if (type === 'CONNECTED') this.#onConnected(message.data);
    else if (type === 'HEARTBEAT') this.#lastHeartbeatAt = this.#now();
    else if (type === 'STATUS') this.#delivery = message.data.state === 'DEGRADED' ? 'degraded' : 'live';

    if (type === 'DASHBOARD_UPDATE' && this.#debounceMs > 0) this.#debounce(message);
    else this.#emit(type, message.data, message);
    this.#emit('*', message.data, message);

    // The server closes the stream right after TOKEN_EXPIRED; switching now, with a fresh token, avoids the gap
    // and keeps it from counting as a failure.
    if (type === 'ERROR' && message.data.code === 'TOKEN_EXPIRED' && this.#state !== 'closed') {
      this.#teardown();
      this.#scheduleReconnect(0, 'token-expired');
    }
    // A draining instance names a random delay, so that a deploy does not bring every client back at once; the
    // reconnect carries the last event id, so nothing is lost.
    if (type === 'ERROR' && message.data.code === 'SERVER_SHUTDOWN' && this.#state !== 'closed') {
      this.#teardown();
      this.#scheduleReconnect(Math.max(0, Number(message.data.reconnectAfterMillis) || 0), 'server-shutdown');
    }
  }

  #onConnected(data) {
    this.#failures = 0; // backoff starts over only once the server has really accepted the stream
    this.#connectedAt = this.#now();
    this.#connectionId = data.connectionId ?? null;
    this.#instanceId = data.instanceId ?? null;
    this.#delivery = 'live';
    // Types declared in the server's configuration are known from CONNECTED on: counted from 0 like the built-ins.
    if (data.eventTypes && typeof data.eventTypes === 'object') {
      this.#eventTypes = { ...data.eventTypes };
      for (const type of Object.keys(this.#eventTypes)) this.#counts[type] ??= 0;
    }
    if (data.resume && data.resume.requested) {
      this.#resume = { resumed: Boolean(data.resume.resumed), replayed: data.resume.replayed ?? 0,
        reason: data.resume.reason ?? null };
      this.#emit('resume', this.#resume);
    }
    if (typeof data.heartbeatSeconds === 'number' && data.heartbeatSeconds > 0) {
      this.#heartbeatSeconds = data.heartbeatSeconds;
      this.#armWatchdog();
    }
    this.#setState('open', 'connected');
  }

  /**
   * Coalesces DASHBOARD_UPDATE for typed handlers: the first update opens a window of debounceMs; when it ends,
   * only the latest update of the window is delivered (not merged: a merge would mix unrelated
   * {metric, value} pairs). A window, not a restarting timer, so a steady stream still renders every debounceMs.
   */
  #debounce(message) {
    this.#pendingUpdate = message;
    if (this.#debounceTimer !== null) return;
    this.#debounceTimer = this.#setTimeout(() => {
      const latest = this.#pendingUpdate;
      this.#debounceTimer = null;
      this.#pendingUpdate = null;
      if (latest) this.#emit(latest.type, latest.data, latest);
    }, this.#debounceMs);
  }

  /** @param {'stream-error' | 'dead-stream' | 'token-error'} cause */
  #fail(cause) {
    this.#teardown();
    this.#failures++;
    const { initialMs, maxMs, factor, jitter } = this.#backoff;
    const ceiling = Math.min(maxMs, initialMs * factor ** (this.#failures - 1));
    // Jitter only shortens the delay, so maxMs stays a hard cap and clients dropped together spread out.
    this.#scheduleReconnect(Math.round(ceiling * (1 - jitter * this.#random())), cause);
  }

  #scheduleReconnect(delayMs, cause) {
    this.#cancel(this.#reconnectTimer);
    this.#nextReconnectAt = this.#now() + delayMs;
    this.#setState('reconnecting', cause);
    this.#reconnectTimer = this.#setTimeout(() => {
      this.#reconnectTimer = null;
      this.#nextReconnectAt = null;
      this.#reconnectAttempts++;
      this.#open(cause === 'token-expired' || cause === 'server-shutdown' ? cause : 'reconnect');
    }, delayMs);
  }

  /** (Re)starts the dead-stream timer: factor × heartbeat interval without any event means the stream is gone. */
  #armWatchdog() {
    this.#cancel(this.#watchdogTimer);
    this.#watchdogTimer = this.#setTimeout(() => {
      this.#watchdogTimer = null;
      this.#fail('dead-stream');
    }, this.#deadStreamFactor * this.#heartbeatSeconds * 1000);
  }

  /** Closes the current stream (if any) and abandons a connection attempt in flight. */
  #teardown() {
    this.#generation++;
    this.#watchdogTimer = this.#cancel(this.#watchdogTimer);
    if (this.#es) {
      const es = this.#es;
      this.#es = null;
      es.onmessage = es.onerror = null;
      es.close();
    }
    this.#connectedAt = null;
    this.#connectionId = null;
    this.#instanceId = null;
  }

  /** Clears a timer if set; returns null so callers can write `this.#t = this.#cancel(this.#t)`. */
  #cancel(timerId) {
    if (timerId !== null) this.#clearTimeout(timerId);
    return null;
  }

  #setState(state, reason) {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#emit('state', state, { state, previous, reason });
  }

  /** Calls handlers; one throwing handler must neither stop the others nor break the stream. */
  #emit(type, ...args) {
    const handlers = this.#handlers.get(type);
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try {
        handler(...args);
      } catch (error) {
        if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
        else console.error('TenantcastClient handler failed:', error);
      }
    }
  }
}

/** Creates a client; call connect() on it to start (`createTenantcastClient(options).connect()`). */
export function createTenantcastClient(options) {
  return new TenantcastClient(options);
}

export default TenantcastClient;
