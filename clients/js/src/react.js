/**
 * React binding of the Tenantcast client: `useTenantcast(options)` streams while the component is mounted.
 *
 * What a render sees is one immutable view: the connection state, the last message of each type, the dashboard state
 * (every DASHBOARD_UPDATE folded in by `reduce`, a shallow merge by default) and statistics. Messages change the view at
 * most once per window of `debounceMs` (default 250): a burst of updates costs one render, and none is lost, because
 * each is folded into the dashboard as it arrives and only the render waits. Connection state and resume outcomes
 * render at once.
 *
 * One component, one stream: the client is created by the effect and closed by its cleanup, and connects only after
 * the commit (a zero-delay timer), so StrictMode's mount → unmount → mount in development never opens the throwaway
 * first connection at all.
 *
 * @example
 *   import { useTenantcast } from '@tenantcast/client/react';
 *   function Dashboard() {
 *     const { state, dashboard, lastEvent, stats } = useTenantcast({ token: fetchToken, debounceMs: 250 });
 *     return <Tiles state={state} metrics={dashboard} alert={lastEvent.SYSTEM_ALERT?.data} />;
 *   }
 */
import { useEffect, useRef, useState } from 'react';
import { TenantcastClient } from './tenantcast-client.js';

export const DEFAULT_DEBOUNCE_MS = 250;

/** The default `reduce`: a DASHBOARD_UPDATE's fields replace the same fields of the dashboard state. */
export function mergeDashboard(dashboard, data) {
  return { ...dashboard, ...data };
}

const NO_EVENTS = Object.freeze({});

function emptyStats() {
  return Object.freeze({ received: 0, receivedByType: NO_EVENTS, reconnects: 0, lastEventAt: null, lastEventId: null,
    resume: null, delivery: 'live', connectionId: null });
}

function emptyView(state, dashboard, client) {
  return Object.freeze({ state, lastEvent: NO_EVENTS, dashboard, stats: emptyStats(), client });
}

/** What the view shows of the client's own counters, with the client time of the last message. */
function statsOf(client, lastEventAt) {
  const s = client.stats();
  return Object.freeze({
    received: s.messagesTotal,
    receivedByType: s.messagesByType,
    reconnects: s.reconnectAttempts,
    lastEventAt,
    lastEventId: s.lastEventId,
    resume: s.resume,
    delivery: s.delivery,
    connectionId: s.connectionId,
  });
}

/** Client options the hook passes through as given when the stream opens; the hook owns debouncing itself. */
const CLIENT_OPTIONS = ['backoff', 'deadStreamFactor', 'EventSource', 'setTimeout', 'clearTimeout', 'now', 'random'];

/**
 * Streams while mounted and `enabled` (default true). A change of `url`, `tenant` or `withCredentials` opens a new
 * stream (and starts the view afresh); `token`, `reduce` and `onEvent` are read when used, so new functions on every
 * render are fine. The other options are read when the stream opens.
 * @param {import('./react').UseTenantcastOptions} [options]
 * @returns {import('./react').TenantcastView}
 */
export function useTenantcast(options = {}) {
  const { url, tenant = null, withCredentials = false, enabled = true } = options;
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });
  const [view, setView] = useState(() => emptyView('idle', options.initialDashboard ?? NO_EVENTS, null));

  useEffect(() => {
    const opts = latest.current;
    const initialDashboard = opts.initialDashboard ?? NO_EVENTS;
    if (!enabled) {
      setView((current) => (current.state === 'idle' && current.client === null
        ? current : emptyView('idle', initialDashboard, null)));
      return undefined;
    }
    const debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    const clientOptions = { url, tenant, withCredentials };
    for (const name of CLIENT_OPTIONS) {
      if (opts[name] !== undefined) clientOptions[name] = opts[name];
    }
    // Always a function, so the token given at the latest render is the one used at each (re)connect.
    clientOptions.token = (request) => {
      const token = latest.current.token;
      return typeof token === 'function' ? token(request) : (token ?? null);
    };
    const client = new TenantcastClient(clientOptions);
    const now = opts.now ?? (() => Date.now());

    let live = true;
    let pending = emptyView(client.state, initialDashboard, client);
    let timer = null;
    const render = () => {
      if (timer !== null) globalThis.clearTimeout(timer);
      timer = null;
      if (live) setView(pending);
    };
    const renderSoon = () => {
      if (debounceMs <= 0) render();
      else if (timer === null) timer = globalThis.setTimeout(render, debounceMs);
    };

    const unsubscribe = [
      client.on('*', (data, message) => {
        const dashboard = message.type === 'DASHBOARD_UPDATE'
          ? (latest.current.reduce ?? mergeDashboard)(pending.dashboard, data, message) : pending.dashboard;
        pending = Object.freeze({ ...pending, dashboard, lastEvent: Object.freeze({ ...pending.lastEvent,
          [message.type]: message }), stats: statsOf(client, now()) });
        latest.current.onEvent?.(message);
        renderSoon();
      }),
      client.on('state', (state) => {
        pending = Object.freeze({ ...pending, state, stats: statsOf(client, pending.stats.lastEventAt) });
        render();
      }),
      client.on('resume', () => {
        pending = Object.freeze({ ...pending, stats: statsOf(client, pending.stats.lastEventAt) });
        render();
      }),
    ];
    setView(pending);
    const start = globalThis.setTimeout(() => {
      if (live) client.connect();
    }, 0);

    return () => {
      live = false;
      globalThis.clearTimeout(start);
      if (timer !== null) globalThis.clearTimeout(timer);
      for (const off of unsubscribe) off();
      client.close();
    };
  }, [enabled, url, tenant, withCredentials]);

  return view;
}

export default useTenantcast;
