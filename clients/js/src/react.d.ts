/** Type declarations for react.js (`@tenantcast/client/react`): the useTenantcast hook. */
import type {
  BackoffOptions,
  ClientState,
  ContentData,
  EventSourceConstructor,
  ResumeInfo,
  TenantcastClient,
  TenantcastMessage,
  TokenSource,
} from './tenantcast-client.js';

export const DEFAULT_DEBOUNCE_MS: 250;

/** The default reduce: the update's fields replace the same fields of the dashboard state. */
export function mergeDashboard<D extends object>(dashboard: D, data: ContentData): D;

export interface UseTenantcastOptions<D extends object = Record<string, unknown>> {
  /** Stream URL. Default "/api/sse/dashboard". A change opens a new stream. */
  url?: string;
  /** Sent as `access_token`; read at every (re)connect, so a new function or string on each render is fine. */
  token?: TokenSource;
  /** For admins: the tenant to stream. A change opens a new stream. */
  tenant?: string | null;
  /** Passed to EventSource (cross-origin cookies). A change opens a new stream. Default false. */
  withCredentials?: boolean;
  /** False: no stream (state 'idle'); switching it off closes the stream. Default true. */
  enabled?: boolean;
  /** Messages change the view at most once per window of this many ms; 0 renders every message. Default 250. */
  debounceMs?: number;
  /** The dashboard state before the first DASHBOARD_UPDATE. Default {}. */
  initialDashboard?: D;
  /** Folds each DASHBOARD_UPDATE into the dashboard state, as it arrives. Default: shallow merge. */
  reduce?: (dashboard: D, data: ContentData, message: TenantcastMessage<ContentData>) => D;
  /** Called at once for every message (nothing debounced), e.g. to queue every notification. */
  onEvent?: (message: TenantcastMessage) => void;
  /** Passed to the client when the stream opens. */
  backoff?: BackoffOptions;
  deadStreamFactor?: number;
  EventSource?: EventSourceConstructor;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (id: any) => void;
  now?: () => number;
  random?: () => number;
}

export interface TenantcastViewStats {
  /** Valid messages received on every stream this view has had (CONNECTED and HEARTBEAT included). */
  received: number;
  receivedByType: Record<string, number>;
  /** Reconnection attempts started. */
  reconnects: number;
  /** Client time (epoch ms) when the last message arrived; null before the first. */
  lastEventAt: number | null;
  /** Id of the last content event: what a reconnect resumes from. */
  lastEventId: string | null;
  /** What became of the last reconnect's resume (resumed, replayed, reason); null before the first. */
  resume: ResumeInfo | null;
  /** 'degraded' while the server says its broker is unreachable. */
  delivery: 'live' | 'degraded';
  connectionId: string | null;
}

export interface TenantcastView<D extends object = Record<string, unknown>> {
  state: ClientState;
  /** The last message of each type received, by type. */
  lastEvent: Partial<Record<string, TenantcastMessage>>;
  /** Every DASHBOARD_UPDATE folded in by reduce. */
  dashboard: D;
  stats: TenantcastViewStats;
  /** The client of the current stream (null when not enabled), e.g. for client.stats(). */
  client: TenantcastClient | null;
}

export function useTenantcast<D extends object = Record<string, unknown>>(
  options?: UseTenantcastOptions<D>,
): TenantcastView<D>;

export default useTenantcast;
