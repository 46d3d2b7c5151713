// Logic tests of the browser client, with a fake EventSource and node's mock timers.
// Run: npm test (in clients/js), or node --test test/*.test.mjs
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import TenantcastClientDefault, {
  TenantcastClient,
  createTenantcastClient,
  MESSAGE_TYPES,
} from '../src/tenantcast-client.js';

/** A fresh fake EventSource class per test: records every instance, lets the test drive it. */
function fakeEventSource() {
  class FakeEventSource {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSED = 2;
    static instances = [];
    constructor(url, init) {
      this.url = url;
      this.withCredentials = Boolean(init?.withCredentials);
      this.readyState = FakeEventSource.CONNECTING;
      this.closed = false;
      this.onmessage = null;
      this.onerror = null;
      FakeEventSource.instances.push(this);
    }
    close() {
      this.readyState = FakeEventSource.CLOSED;
      this.closed = true;
    }
    open() {
      this.readyState = FakeEventSource.OPEN;
    }
    /** Fires a message as a browser would: `lastEventId` persists from earlier events of this connection. */
    message(type, data = {}, id) {
      if (id !== undefined) this.lastEventId = id;
      this.raw(JSON.stringify({ type, data, timestamp: 1764000000000 }));
    }
    raw(text) {
      this.onmessage?.({ data: text, lastEventId: this.lastEventId ?? '' });
    }
    error(readyState) {
      this.readyState = readyState;
      this.onerror?.({ type: 'error' });
    }
    connected(data = {}) {
      this.open();
      this.message('CONNECTED', { connectionId: 'i1-1', tenant: 'acme', instanceId: 'i1', heartbeatSeconds: 30, ...data });
    }
  }
  return FakeEventSource;
}

/** Lets pending promise callbacks (an async token function) run. */
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

let ES;
beforeEach(() => {
  ES = fakeEventSource();
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
});
afterEach(() => mock.timers.reset());

/** A client with deterministic jitter (random() = 0 means delay = the backoff ceiling). */
function client(options = {}) {
  return new TenantcastClient({ EventSource: ES, token: 'tok', random: () => 0, ...options });
}

const latest = () => ES.instances.at(-1);

test('exports the class as default and named, and a factory that does not connect yet', () => {
  assert.equal(TenantcastClientDefault, TenantcastClient);
  const c = createTenantcastClient({ EventSource: ES });
  assert.ok(c instanceof TenantcastClient);
  assert.equal(c.state, 'idle');
  assert.equal(ES.instances.length, 0);
  assert.deepEqual([...MESSAGE_TYPES],
    ['CONNECTED', 'HEARTBEAT', 'DASHBOARD_UPDATE', 'NOTIFICATION', 'SYSTEM_ALERT', 'STATUS', 'ERROR']);
});

test('builds the stream URL with the encoded token and tenant, and passes withCredentials', async () => {
  client({ token: 'a b+c/=', tenant: 'globex', withCredentials: true }).connect();
  await flush();
  assert.equal(latest().url, '/api/sse/dashboard?access_token=a%20b%2Bc%2F%3D&tenant=globex');
  assert.equal(latest().withCredentials, true);

  client({ url: 'https://tc.example/api/sse/dashboard?x=1', token: null }).connect();
  await flush();
  assert.equal(latest().url, 'https://tc.example/api/sse/dashboard?x=1', 'no token (cookie auth): no access_token');
});

test('dispatches each type to its typed handlers and every message to "*"; unsubscribe stops delivery', async () => {
  const c = client().connect();
  await flush();
  const seen = [];
  for (const type of MESSAGE_TYPES) c.on(type, (data, message) => seen.push([type, data, message]));
  const all = [];
  const offAll = c.on('*', (data, message) => all.push(message.type));

  latest().connected();
  latest().message('DASHBOARD_UPDATE', { cpu: 42 }, '100-i1-1');
  latest().message('NOTIFICATION', { text: 'Deploy finished' }, '101-i1-2');
  latest().message('SYSTEM_ALERT', { message: 'maintenance' }, '102-i1-3');
  latest().message('HEARTBEAT', { intervalSeconds: 30 });
  latest().message('ERROR', { code: 'SLOW', message: 'slow consumer' });

  assert.deepEqual(seen.map(([type]) => type), ['CONNECTED', 'DASHBOARD_UPDATE', 'NOTIFICATION', 'SYSTEM_ALERT', 'HEARTBEAT', 'ERROR']);
  assert.deepEqual(all, seen.map(([type]) => type));
  const [, data, message] = seen[1];
  assert.deepEqual(data, { cpu: 42 });
  assert.deepEqual(message, { type: 'DASHBOARD_UPDATE', data: { cpu: 42 }, timestamp: 1764000000000, id: '100-i1-1' });
  // The browser repeats the previous id on id-less events; server events must not claim it.
  assert.equal(seen[4][2].id, null, 'HEARTBEAT has no id');

  offAll();
  latest().message('NOTIFICATION', { text: 'again' }, '103-i1-4');
  assert.equal(all.length, 6);
  assert.equal(seen.length, 7);
});

test('a throwing handler does not stop other handlers or the stream', async (t) => {
  const reported = t.mock.method(console, 'error', () => {});
  const c = client().connect();
  await flush();
  c.on('NOTIFICATION', () => { throw new Error('boom'); });
  const got = [];
  c.on('NOTIFICATION', (data) => got.push(data.text));
  latest().connected();
  latest().message('NOTIFICATION', { text: 'hi' }, '1-a');
  assert.deepEqual(got, ['hi']);
  assert.equal(c.state, 'open');
  assert.equal(reported.mock.callCount(), 1);
});

test('stats count messages by type, uptime, heartbeat and connection facts', async () => {
  const c = client().connect();
  await flush();
  assert.equal(c.stats().state, 'connecting');
  assert.equal(c.stats().uptimeMs, 0);

  latest().connected({ connectionId: 'abc-7', instanceId: 'abc' });
  mock.timers.tick(5000);
  latest().message('HEARTBEAT', { intervalSeconds: 30 });
  latest().message('DASHBOARD_UPDATE', { cpu: 1 }, '1-abc-1');
  latest().message('DASHBOARD_UPDATE', { cpu: 2 }, '2-abc-2');

  const s = c.stats();
  assert.equal(s.state, 'open');
  assert.deepEqual(s.messagesByType, {
    CONNECTED: 1, HEARTBEAT: 1, DASHBOARD_UPDATE: 2, NOTIFICATION: 0, SYSTEM_ALERT: 0, STATUS: 0, ERROR: 0,
  });
  assert.equal(s.messagesTotal, 4);
  assert.equal(s.connectedAt, 1_000_000);
  assert.equal(s.uptimeMs, 5000);
  assert.equal(s.lastHeartbeatAt, 1_005_000);
  assert.equal(s.lastEventId, '2-abc-2');
  assert.equal(s.connectionId, 'abc-7');
  assert.equal(s.instanceId, 'abc');
  assert.equal(s.reconnectAttempts, 0);
  assert.equal(s.consecutiveFailures, 0);
  assert.equal(s.malformed, 0);
});

test('malformed event data is counted and skipped without throwing', async () => {
  const c = client().connect();
  await flush();
  const all = [];
  c.on('*', (data, message) => all.push(message.type));
  latest().connected();
  assert.doesNotThrow(() => {
    latest().raw('not json');
    latest().raw('{"type": "DASHBOARD_UPDATE"'); // cut off
    latest().raw('42');
    latest().raw('{"data": {"cpu": 1}}'); // no type
  });
  latest().message('NOTIFICATION', { text: 'still works' }, '1-a');
  assert.deepEqual(all, ['CONNECTED', 'NOTIFICATION']);
  assert.equal(c.stats().malformed, 4);
  assert.equal(c.stats().messagesTotal, 2);
  assert.equal(c.state, 'open');
});

test('reconnects with its own backoff after the browser gives up (error with readyState CLOSED)', async () => {
  const c = client().connect();
  await flush();
  const states = [];
  c.on('state', (state, change) => states.push(`${change.previous}->${state}:${change.reason}`));
  latest().connected();
  const first = latest();

  first.error(ES.CLOSED); // e.g. a 401 or a proxy's 502
  assert.equal(c.state, 'reconnecting');
  assert.equal(c.stats().connectionId, null);
  assert.equal(c.stats().nextReconnectAt, 1_000_000 + 1000);
  mock.timers.tick(999);
  assert.equal(ES.instances.length, 1, 'not before the backoff delay');
  mock.timers.tick(1);
  await flush();
  assert.equal(ES.instances.length, 2);
  assert.equal(c.stats().reconnectAttempts, 1);

  latest().connected({ connectionId: 'i1-2' });
  assert.equal(c.state, 'open');
  assert.equal(c.stats().connectionId, 'i1-2');
  assert.deepEqual(states, ['connecting->open:connected', 'open->reconnecting:stream-error', 'reconnecting->open:connected']);
});

test('a network error (readyState CONNECTING) closes the browser retry and uses the client backoff', async () => {
  client().connect();
  await flush();
  latest().connected();
  const first = latest();
  first.error(ES.CONNECTING);
  assert.equal(first.closed, true, 'the browser must not retry with the old URL next to our reconnect');
  mock.timers.tick(1000);
  await flush();
  assert.equal(ES.instances.length, 2);
});

test('backoff grows exponentially, is capped, and resets after CONNECTED', async () => {
  const c = client({ backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 } }).connect();
  await flush();
  const delays = [];
  for (let i = 0; i < 6; i++) {
    latest().error(ES.CLOSED);
    delays.push(c.stats().nextReconnectAt - Date.now());
    mock.timers.tick(delays.at(-1));
    await flush();
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  assert.equal(c.stats().consecutiveFailures, 6);
  assert.equal(c.stats().reconnectAttempts, 6);

  latest().connected();
  assert.equal(c.stats().consecutiveFailures, 0);
  latest().error(ES.CLOSED);
  assert.equal(c.stats().nextReconnectAt - Date.now(), 100, 'back to initialMs');
});

test('jitter shortens each delay by at most the jitter fraction, never beyond the cap', async () => {
  const randoms = [0.998, 0, 0.5, 0.25, 0.999, 0.7, 0.1];
  const c = client({ random: () => randoms.shift(), backoff: { initialMs: 1000, maxMs: 8000, factor: 2, jitter: 0.5 } });
  c.connect();
  await flush();
  const delays = [];
  for (let i = 0; i < 7; i++) {
    latest().error(ES.CLOSED);
    delays.push(c.stats().nextReconnectAt - Date.now());
    mock.timers.tick(delays.at(-1));
    await flush();
  }
  const ceilings = [1000, 2000, 4000, 8000, 8000, 8000, 8000];
  delays.forEach((delay, i) => {
    assert.ok(delay >= ceilings[i] * 0.5 && delay <= ceilings[i], `delay ${delay} within [${ceilings[i] / 2}, ${ceilings[i]}]`);
  });
  assert.deepEqual(delays, [501, 2000, 3000, 7000, 4004, 5200, 7600]);
});

test('default Math.random jitter keeps delays within bounds', async () => {
  const c = new TenantcastClient({ EventSource: ES, token: 't' }).connect();
  await flush();
  for (let i = 0; i < 8; i++) {
    latest().error(ES.CLOSED);
    const delay = c.stats().nextReconnectAt - Date.now();
    const ceiling = Math.min(30000, 1000 * 2 ** i);
    assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${i + 1}: ${delay} within [${ceiling / 2}, ${ceiling}]`);
    mock.timers.tick(delay);
    await flush();
  }
});

test('a stream that stops sending heartbeats is closed and reopened', async () => {
  const c = client({ deadStreamFactor: 2.5 }).connect();
  await flush();
  latest().connected({ heartbeatSeconds: 10 });
  const first = latest();
  // Heartbeats keep it alive well past the 25 s limit.
  for (let i = 0; i < 5; i++) {
    mock.timers.tick(10_000);
    first.message('HEARTBEAT', { intervalSeconds: 10 });
  }
  assert.equal(c.state, 'open');
  mock.timers.tick(24_999);
  assert.equal(first.closed, false);
  mock.timers.tick(1);
  assert.equal(first.closed, true, 'no event for 2.5 × 10 s');
  assert.equal(c.state, 'reconnecting');
  mock.timers.tick(1000);
  await flush();
  assert.equal(ES.instances.length, 2);
});

test('before CONNECTED a silent stream is dead after 2.5 × 30 s', async () => {
  const c = client().connect();
  await flush();
  mock.timers.tick(74_999);
  assert.equal(c.state, 'connecting');
  mock.timers.tick(1);
  assert.equal(latest().closed, true);
  assert.equal(c.state, 'reconnecting');
});

test('carries the last event id to the next connection, URL-encoded; server events do not move it', async () => {
  const c = client({ token: 'tok' }).connect();
  await flush();
  latest().connected();
  latest().message('NOTIFICATION', { text: 'a' }, '1795631561643-3f9c/2a1b:1');
  latest().message('HEARTBEAT', { intervalSeconds: 30 });
  assert.equal(c.stats().lastEventId, '1795631561643-3f9c/2a1b:1');
  latest().error(ES.CLOSED);
  mock.timers.tick(1000);
  await flush();
  assert.equal(latest().url, '/api/sse/dashboard?access_token=tok&lastEventId=1795631561643-3f9c%2F2a1b%3A1');

  // The next connection starts with an empty browser buffer; its own ids take over.
  latest().connected();
  latest().message('DASHBOARD_UPDATE', { cpu: 3 }, '1795631561999-3f9c-9');
  latest().error(ES.CLOSED);
  mock.timers.tick(1000);
  await flush();
  assert.match(latest().url, /lastEventId=1795631561999-3f9c-9$/);
});

test('an async token function is called again before every reconnect', async () => {
  let minted = 0;
  const requests = [];
  const token = async (request) => {
    requests.push(request.reason);
    await new Promise((resolve) => setTimeout(resolve, 50)); // e.g. a fetch
    return `jwt-${++minted}`;
  };
  const c = client({ token }).connect();
  await flush();
  assert.equal(ES.instances.length, 0, 'waits for the token');
  mock.timers.tick(50);
  await flush();
  assert.equal(latest().url, '/api/sse/dashboard?access_token=jwt-1');

  latest().connected();
  latest().error(ES.CLOSED);
  mock.timers.tick(1000);
  await flush();
  mock.timers.tick(50);
  await flush();
  assert.equal(latest().url, '/api/sse/dashboard?access_token=jwt-2');
  assert.deepEqual(requests, ['connect', 'reconnect']);
  assert.equal(c.stats().reconnectAttempts, 1);
});

test('a failing token function is retried with backoff', async () => {
  let calls = 0;
  const c = client({ token: async () => { if (++calls === 1) throw new Error('403'); return 'ok'; } }).connect();
  await flush();
  assert.equal(c.state, 'reconnecting');
  assert.equal(ES.instances.length, 0);
  mock.timers.tick(1000);
  await flush();
  assert.equal(latest().url, '/api/sse/dashboard?access_token=ok');
});

test('ERROR TOKEN_EXPIRED switches at once to a stream with a fresh token, without counting a failure', async () => {
  let minted = 0;
  const reasons = [];
  const c = client({ token: (request) => { reasons.push(request.reason); return `jwt-${++minted}`; } }).connect();
  await flush();
  const errors = [];
  c.on('ERROR', (data) => errors.push(data.code));
  latest().connected();
  const first = latest();
  first.message('ERROR', { code: 'TOKEN_EXPIRED', message: 'the token has expired' });
  assert.deepEqual(errors, ['TOKEN_EXPIRED']);
  assert.equal(first.closed, true);
  mock.timers.tick(0);
  await flush();
  assert.equal(latest().url, '/api/sse/dashboard?access_token=jwt-2');
  assert.deepEqual(reasons, ['connect', 'token-expired']);
  assert.equal(c.stats().consecutiveFailures, 0);
});

test('ERROR SERVER_SHUTDOWN reconnects after the delay the server names, with the last event id', async () => {
  const reasons = [];
  const c = client({ token: (request) => { reasons.push(request.reason); return 'tok'; } }).connect();
  await flush();
  latest().connected();
  latest().message('DASHBOARD_UPDATE', { cpu: 1 }, 'a1.5-5_0');
  const draining = latest();
  draining.message('ERROR', { code: 'SERVER_SHUTDOWN', reconnectAfterMillis: 1500, message: 'bye' });
  assert.equal(draining.closed, true);
  assert.equal(c.state, 'reconnecting');
  mock.timers.tick(1499);
  await flush();
  assert.equal(latest(), draining, 'not before the delay');
  mock.timers.tick(1);
  await flush();
  assert.equal(latest().url, '/api/sse/dashboard?access_token=tok&lastEventId=a1.5-5_0');
  assert.deepEqual(reasons, ['connect', 'server-shutdown']);
  assert.equal(c.stats().consecutiveFailures, 0);
});

test('CONNECTED tells what became of the resume; a failed one is announced for a refetch', async () => {
  const c = client().connect();
  await flush();
  const resumes = [];
  c.on('resume', (resume) => resumes.push(resume));
  latest().connected({ resume: { requested: false } });
  assert.equal(c.stats().resume, null, 'nothing asked, nothing to tell');
  latest().error(ES.CLOSED);
  mock.timers.tick(1000);
  await flush();
  latest().connected({ resume: { requested: true, resumed: true, replayed: 37 } });
  latest().error(ES.CLOSED);
  mock.timers.tick(1000);
  await flush();
  latest().connected({ resume: { requested: true, resumed: false, reason: 'TRIMMED' } });
  assert.deepEqual(resumes, [{ resumed: true, replayed: 37, reason: null },
    { resumed: false, replayed: 0, reason: 'TRIMMED' }]);
  assert.deepEqual(c.stats().resume, { resumed: false, replayed: 0, reason: 'TRIMMED' });
});

test('STATUS DEGRADED and RESTORED show in stats and do not move the last event id', async () => {
  const c = client().connect();
  await flush();
  latest().connected();
  latest().message('DASHBOARD_UPDATE', { cpu: 1 }, 'a1.5-5_0');
  latest().message('STATUS', { state: 'DEGRADED', message: 'broker unreachable' });
  assert.equal(c.stats().delivery, 'degraded');
  latest().message('STATUS', { state: 'RESTORED', message: 'back' });
  assert.equal(c.stats().delivery, 'live');
  assert.equal(c.stats().lastEventId, 'a1.5-5_0');
});

test('debounceMs delivers only the latest DASHBOARD_UPDATE of each window; "*" and stats see all', async () => {
  const c = client({ debounceMs: 200 }).connect();
  await flush();
  const rendered = [];
  const all = [];
  c.on('DASHBOARD_UPDATE', (data, message) => rendered.push([data.cpu, message.id]));
  c.on('*', (data, message) => all.push(message.type));
  const notes = [];
  c.on('NOTIFICATION', (data) => notes.push(data.text));
  latest().connected();

  latest().message('DASHBOARD_UPDATE', { cpu: 1 }, 'e1');
  latest().message('DASHBOARD_UPDATE', { cpu: 2 }, 'e2');
  latest().message('NOTIFICATION', { text: 'not debounced' }, 'e3');
  mock.timers.tick(100);
  latest().message('DASHBOARD_UPDATE', { cpu: 3 }, 'e4');
  assert.deepEqual(rendered, []);
  assert.deepEqual(notes, ['not debounced']);
  mock.timers.tick(100);
  assert.deepEqual(rendered, [[3, 'e4']]);

  // A steady stream still renders once per window instead of starving.
  for (let i = 10; i < 20; i++) {
    latest().message('DASHBOARD_UPDATE', { cpu: i }, `f${i}`);
    mock.timers.tick(50);
  }
  assert.deepEqual(rendered, [[3, 'e4'], [13, 'f13'], [17, 'f17']]);
  assert.equal(c.stats().messagesByType.DASHBOARD_UPDATE, 13);
  assert.equal(all.filter((type) => type === 'DASHBOARD_UPDATE').length, 13);
});

test('close() stops everything: no reconnect, no debounced delivery, no watchdog', async () => {
  const c = client({ debounceMs: 200 }).connect();
  await flush();
  const rendered = [];
  const states = [];
  c.on('DASHBOARD_UPDATE', (data) => rendered.push(data));
  c.on('state', (state) => states.push(state));
  latest().connected();
  latest().message('DASHBOARD_UPDATE', { cpu: 1 }, 'e1');
  latest().error(ES.CLOSED); // a reconnect is now scheduled
  c.close();

  assert.equal(c.state, 'closed');
  mock.timers.tick(10 * 60_000);
  await flush();
  assert.equal(ES.instances.length, 1, 'no reconnect after close()');
  assert.deepEqual(rendered, [], 'pending debounced update dropped');
  assert.deepEqual(states, ['open', 'reconnecting', 'closed']);
  assert.equal(c.stats().nextReconnectAt, null);
});

test('close() on an open stream closes the EventSource and ignores its late events', async () => {
  const c = client().connect();
  await flush();
  latest().connected();
  const es = latest();
  c.close();
  assert.equal(es.closed, true);
  es.message('NOTIFICATION', { text: 'late' }, 'x');
  es.error(ES.CLOSED);
  mock.timers.tick(120_000);
  await flush();
  assert.equal(c.stats().messagesByType.NOTIFICATION, 0);
  assert.equal(ES.instances.length, 1);
  assert.equal(c.stats().uptimeMs, 0);
});

test('close() while an async token is in flight never opens a stream', async () => {
  let resolveToken;
  const c = client({ token: () => new Promise((resolve) => { resolveToken = resolve; }) }).connect();
  await flush();
  c.close();
  resolveToken('late');
  await flush();
  assert.equal(ES.instances.length, 0);
  assert.equal(c.state, 'closed');
});

test('connect() is idempotent while active and restarts after close()', async () => {
  const c = client().connect();
  c.connect();
  await flush();
  assert.equal(ES.instances.length, 1);
  latest().connected();
  c.connect();
  await flush();
  assert.equal(ES.instances.length, 1);
  c.close();
  c.connect();
  await flush();
  assert.equal(ES.instances.length, 2);
  assert.equal(c.state, 'connecting');
});

test('the constructor fails clearly when no EventSource exists', () => {
  assert.throws(() => new TenantcastClient({ EventSource: undefined }), /EventSource/);
});

test('types declared by the server (CONNECTED.eventTypes) are counted from 0 and reach their typed handlers', async () => {
  const client = new TenantcastClient({ token: 't', EventSource: ES });
  const shipped = [];
  client.on('ORDER_SHIPPED', (data, message) => shipped.push([data.orderId, message.id]));
  client.connect();
  await flush();
  assert.deepEqual(client.stats().eventTypes, {});
  latest().connected({ eventTypes: { DASHBOARD_UPDATE: 'tenant', NOTIFICATION: 'tenant', SYSTEM_ALERT: 'broadcast',
    ORDER_SHIPPED: 'tenant', MAINTENANCE: 'broadcast' } });
  assert.equal(client.stats().messagesByType.ORDER_SHIPPED, 0);
  assert.equal(client.stats().messagesByType.MAINTENANCE, 0);
  assert.equal(client.stats().eventTypes.MAINTENANCE, 'broadcast');
  latest().message('ORDER_SHIPPED', { orderId: 'o-1' }, '7-i1-1');
  assert.deepEqual(shipped, [['o-1', '7-i1-1']]);
  assert.equal(client.stats().messagesByType.ORDER_SHIPPED, 1);
  assert.equal(client.stats().lastEventId, '7-i1-1', 'a declared type moves the last event id like any content event');
  client.close();
});
