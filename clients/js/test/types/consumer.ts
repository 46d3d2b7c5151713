// What a TypeScript app writes with the package: checked by types.test.mjs (tsc --noEmit, strict, nodenext), so the
// .d.ts files resolve through package.json's exports and describe the modules. @ts-expect-error lines must fail.
import { createTenantcastClient, MESSAGE_TYPES, TenantcastClient, type TenantcastStats } from '@tenantcast/client';
import { DEFAULT_DEBOUNCE_MS, mergeDashboard, useTenantcast, type TenantcastView } from '@tenantcast/client/react';

const client: TenantcastClient = createTenantcastClient({ token: async ({ reason }) => `token-for-${reason}`,
  backoff: { initialMs: 500 } });
client.on('CONNECTED', (data) => data.heartbeatSeconds.toFixed());
client.on('resume', ({ resumed, replayed, reason }) => [resumed, replayed, reason]);
client.on('state', (state, change) => [state, change.reason]);
const stats: TenantcastStats = client.stats();
// @ts-expect-error the state is one of the known states
const state: 'paused' = client.state;
const types: readonly string[] = MESSAGE_TYPES;
const scopes: Record<string, 'tenant' | 'broadcast'> = stats.eventTypes;

// A server's declared types (its eventTypes), typed by the app.
const orders = createTenantcastClient<{ ORDER_SHIPPED: { orderId: string } }>({ token: null });
orders.on('ORDER_SHIPPED', (data) => data.orderId.toUpperCase());
// @ts-expect-error the declared type's data is typed
orders.on('ORDER_SHIPPED', (data) => data.orderId.toFixed());
orders.on('DASHBOARD_UPDATE', (data) => data.cpu);

interface Metrics {
  cpu: number;
  mem?: number;
}

export function useMetrics(): unknown[] {
  const view: TenantcastView<Metrics> = useTenantcast<Metrics>({
    initialDashboard: { cpu: 0 },
    reduce: (dashboard, data) => ({ ...dashboard, cpu: Number(data.cpu) }),
    onEvent: (message) => message.type,
    debounceMs: DEFAULT_DEBOUNCE_MS,
  });
  const cpu: number = view.dashboard.cpu;
  // @ts-expect-error the dashboard is typed by initialDashboard and reduce
  const wrong: string = view.dashboard.cpu;
  const resumeReason = view.stats.resume?.reason;
  const notification = view.lastEvent.NOTIFICATION?.data;
  // @ts-expect-error debounceMs is a number
  useTenantcast({ debounceMs: '250' });
  return [cpu, wrong, resumeReason, notification, view.stats.received, view.client?.stats(), stats, state, types, scopes,
    mergeDashboard({ a: 1 }, { b: 2 })];
}
