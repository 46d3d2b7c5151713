// The React hook under node: React's own renderer (react-dom/client, act) in a jsdom document, the real client with
// a real EventSource implementation (the eventsource package), against a tiny real SSE server (sse-server.mjs).
// Run: npm test (in clients/js), or node --test test/*.test.mjs
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { EventSource } from 'eventsource';
import { startSseServer } from './sse-server.mjs';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.navigator ??= dom.window.navigator; // node 20 has none; node 21+ has its own
globalThis.IS_REACT_ACT_ENVIRONMENT = true;
// Imported after the globals exist: react-dom looks for a document when it loads.
const React = await import('react');
const { createRoot } = await import('react-dom/client');
const { useTenantcast, mergeDashboard, DEFAULT_DEBOUNCE_MS } = await import('../src/react.js');
const { act, createElement: h, StrictMode } = React;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls inside act, so the updates that network events cause are flushed and never warned about. */
async function waitFor(check, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await act(() => sleep(10));
    if (check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
  }
}

let server;
let mounted = [];
before(async () => {
  server = await startSseServer();
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  for (const root of mounted) await act(async () => root.unmount());
  mounted = [];
});

/** Renders a component that uses the hook; returns every view it rendered, and the root. */
async function mount(options, { strict = false } = {}) {
  const views = [];
  function Dashboard(props) {
    const view = useTenantcast(props.options);
    views.push(view);
    return h('p', { 'data-testid': 'state' }, `${view.state} ${JSON.stringify(view.dashboard)}`);
  }
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  mounted.push(root);
  const render = (opts) => act(async () => {
    const element = h(Dashboard, { options: { EventSource, url: server.url, ...opts } });
    root.render(strict ? h(StrictMode, null, element) : element);
  });
  await render(options);
  return { views, root, container, rerender: render, last: () => views.at(-1) };
}

test('shows the connection state, the last event of each type and the statistics', async () => {
  const before = server.requests.length;
  const { last, container } = await mount({ token: 'tok-1', debounceMs: 0 });
  await waitFor(() => last().state === 'open', 'state open');
  assert.equal(server.requests.at(-1).query.get('access_token'), 'tok-1');
  assert.equal(server.requests.length, before + 1);
  assert.equal(last().stats.connectionId, `c${server.requests.length}`);

  server.publish(['NOTIFICATION', { text: 'deploy finished' }], ['SYSTEM_ALERT', { level: 'warn' }]);
  await waitFor(() => last().lastEvent.SYSTEM_ALERT, 'the alert');
  const view = last();
  assert.deepEqual(view.lastEvent.NOTIFICATION.data, { text: 'deploy finished' });
  assert.deepEqual(view.lastEvent.SYSTEM_ALERT.data, { level: 'warn' });
  assert.equal(view.lastEvent.SYSTEM_ALERT.id, view.stats.lastEventId);
  assert.equal(view.stats.received, 3); // CONNECTED, NOTIFICATION, SYSTEM_ALERT
  assert.equal(view.stats.receivedByType.NOTIFICATION, 1);
  assert.equal(view.stats.reconnects, 0);
  assert.ok(Math.abs(view.stats.lastEventAt - Date.now()) < 5000);
  assert.equal(view.stats.resume, null);
  assert.match(container.textContent, /^open /);
});

test('folds a burst of dashboard updates into one render per debounce window, losing none', async () => {
  const { views, last } = await mount({ debounceMs: 300, initialDashboard: { cpu: 0 } });
  await waitFor(() => last().state === 'open', 'state open');
  assert.deepEqual(last().dashboard, { cpu: 0 });
  const rendersBefore = views.length;

  server.publish(['DASHBOARD_UPDATE', { cpu: 10 }], ['DASHBOARD_UPDATE', { cpu: 42, mem: 7 }],
    ['DASHBOARD_UPDATE', { disk: 3 }]);
  await sleep(150);
  await act(() => sleep(0));
  assert.deepEqual(last().dashboard, { cpu: 0 }, 'nothing rendered inside the window');
  await waitFor(() => last().dashboard.disk === 3, 'the window to close');
  assert.deepEqual(last().dashboard, { cpu: 42, mem: 7, disk: 3 });
  assert.equal(last().stats.receivedByType.DASHBOARD_UPDATE, 3);
  const withUpdates = views.slice(rendersBefore).filter((v) => v.dashboard.mem !== undefined);
  assert.ok(views.slice(rendersBefore).every((v) => v.dashboard.mem === undefined || v.dashboard.disk === 3),
    'no render showed half a burst');
  assert.ok(withUpdates.length >= 1);
});

test('a custom reduce folds updates its own way; onEvent sees every message at once', async () => {
  const seen = [];
  const { last } = await mount({
    debounceMs: 50,
    initialDashboard: { points: [] },
    reduce: (dashboard, data) => ({ points: [...dashboard.points, data.v] }),
    onEvent: (message) => seen.push(message.type),
  });
  await waitFor(() => last().state === 'open', 'state open');
  server.publish(['DASHBOARD_UPDATE', { v: 1 }], ['DASHBOARD_UPDATE', { v: 2 }], ['NOTIFICATION', { text: 'x' }]);
  await waitFor(() => last().dashboard.points.length === 2, 'both points');
  assert.deepEqual(last().dashboard.points, [1, 2]);
  assert.deepEqual(seen, ['CONNECTED', 'DASHBOARD_UPDATE', 'DASHBOARD_UPDATE', 'NOTIFICATION']);
  assert.deepEqual(mergeDashboard({ a: 1, b: 1 }, { b: 2 }), { a: 1, b: 2 });
  assert.equal(DEFAULT_DEBOUNCE_MS, 250);
});

test('reconnects after a dropped stream with a fresh token, and shows what became of the resume', async () => {
  let tokens = 0;
  const { last } = await mount({
    debounceMs: 0,
    token: async () => `fresh-${++tokens}`,
    backoff: { initialMs: 20, maxMs: 50, jitter: 0 },
  });
  await waitFor(() => last().state === 'open', 'state open');
  server.publish(['DASHBOARD_UPDATE', { cpu: 1 }]);
  await waitFor(() => last().stats.lastEventId !== null, 'an event id');
  const lastId = last().stats.lastEventId;

  server.setResumeAnswer({ resumed: true, replayed: 2 });
  server.dropAll();
  await waitFor(() => last().stats.reconnects === 1 && last().state === 'open', 'the reconnect');
  assert.equal(server.requests.at(-1).query.get('lastEventId'), lastId);
  assert.equal(server.requests.at(-1).query.get('access_token'), 'fresh-2');
  assert.deepEqual(last().stats.resume, { resumed: true, replayed: 2, reason: null });
  assert.deepEqual(last().dashboard, { cpu: 1 }, 'the dashboard state survives a reconnect');

  server.setResumeAnswer({ resumed: false, replayed: 0, reason: 'TRIMMED' });
  server.dropAll();
  await waitFor(() => last().stats.reconnects === 2 && last().state === 'open', 'the second reconnect');
  assert.deepEqual(last().stats.resume, { resumed: false, replayed: 0, reason: 'TRIMMED' });
  server.setResumeAnswer({ resumed: true, replayed: 0 });
});

test('closes its stream on unmount, and renders nothing after', async () => {
  const { root, last, views } = await mount({ debounceMs: 100 });
  await waitFor(() => last().state === 'open', 'state open');
  const request = server.requests.at(-1);
  server.publish(['DASHBOARD_UPDATE', { late: true }]); // its debounce window is still open at unmount
  await sleep(20);
  await act(async () => root.unmount());
  mounted = mounted.filter((r) => r !== root);
  const rendered = views.length;
  await waitFor(() => !request.open, 'the server to see the stream closed');
  await sleep(150);
  assert.equal(views.length, rendered);
  assert.equal(last().client.state, 'closed');
});

test('under StrictMode only one stream is ever opened, and unmount closes it', async () => {
  const before = server.requests.length;
  const { root, last } = await mount({ debounceMs: 0 }, { strict: true });
  await waitFor(() => last().state === 'open', 'state open');
  await sleep(200); // a leaked second client would have connected by now
  assert.equal(server.requests.length - before, 1, 'requests the server saw');
  assert.equal(server.openCount(), 1);
  server.publish(['NOTIFICATION', { text: 'once' }]);
  await waitFor(() => last().lastEvent.NOTIFICATION, 'the notification');
  assert.equal(last().stats.receivedByType.NOTIFICATION, 1);
  await act(async () => root.unmount());
  mounted = mounted.filter((r) => r !== root);
  await waitFor(() => server.openCount() === 0, 'no open stream');
});

test('a new tenant opens a new stream and closes the old one; enabled: false closes it', async () => {
  const before = server.requests.length;
  const { last, rerender } = await mount({ tenant: 'acme', debounceMs: 0 });
  await waitFor(() => last().state === 'open', 'state open');
  const first = last().client;
  server.publish(['DASHBOARD_UPDATE', { acme: 1 }]);
  await waitFor(() => last().dashboard.acme === 1, 'the acme update');

  await rerender({ tenant: 'globex', debounceMs: 0 });
  await waitFor(() => last().state === 'open' && last().client !== first, 'the new stream');
  assert.equal(first.state, 'closed');
  assert.deepEqual(last().dashboard, {}, 'a new tenant starts from an empty dashboard');
  assert.equal(server.requests.at(-1).query.get('tenant'), 'globex');
  assert.equal(server.requests.length - before, 2);
  await waitFor(() => server.openCount() === 1, 'the old stream closed');

  await rerender({ tenant: 'globex', debounceMs: 0, enabled: false });
  await waitFor(() => server.openCount() === 0, 'no open stream');
  assert.equal(last().state, 'idle');
  assert.equal(last().client, null);
});
