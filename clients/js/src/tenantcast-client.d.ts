/** Type declarations for tenantcast-client.js (the Tenantcast SSE browser client). */

export type MessageType =
  | 'CONNECTED' | 'HEARTBEAT' | 'DASHBOARD_UPDATE' | 'NOTIFICATION' | 'SYSTEM_ALERT' | 'STATUS' | 'ERROR';

/** A published type goes to one tenant's streams or to every stream. */
export type EventScope = 'tenant' | 'broadcast';

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why the state changed: a public call, the server's CONNECTED, or what made the client reconnect. */
export type StateChangeReason =
  | 'connect'
  | 'close'
  | 'connected'
  | 'stream-error'
  | 'dead-stream'
  | 'token-error'
  | 'token-expired'
  | 'server-shutdown';

/** Passed to a token function, which is called before every connection attempt. */
export interface TokenRequest {
  /** 'token-expired' after the server's ERROR TOKEN_EXPIRED: the previous token must not be reused. */
  reason: 'connect' | 'reconnect' | 'token-expired' | 'server-shutdown';
}

export type TokenSource = string | null | ((request: TokenRequest) => string | null | Promise<string | null>);

/** The constructor shape the client needs; `globalThis.EventSource` fits, tests pass a fake. */
export interface EventSourceLike {
  onmessage: ((event: { data: string; lastEventId: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  readonly readyState: number;
  close(): void;
}
export type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

export interface BackoffOptions {
  /** Delay ceiling after the first failure (ms). Default 1000. */
  initialMs?: number;
  /** Hard cap of any delay (ms). Default 30000. */
  maxMs?: number;
  /** Growth of the ceiling per consecutive failure. Default 2. */
  factor?: number;
  /** Fraction (0..1) by which a delay is randomly shortened: delay ∈ [ceiling × (1 − jitter), ceiling]. Default 0.5. */
  jitter?: number;
}

export interface TenantcastClientOptions {
  /** Stream URL. Default "/api/sse/dashboard". */
  url?: string;
  /** Sent as `access_token`; a function is called before every (re)connect so tokens can be refreshed. Omit for cookie auth. */
  token?: TokenSource;
  /** For admins: the tenant to stream, sent as `tenant`. */
  tenant?: string | null;
  /** Passed to EventSource (cross-origin cookies). Default false. */
  withCredentials?: boolean;
  backoff?: BackoffOptions;
  /** No event for deadStreamFactor × heartbeatSeconds (30 s until CONNECTED names it) means a dead stream. Default 2.5. */
  deadStreamFactor?: number;
  /**
   * When > 0, DASHBOARD_UPDATE typed handlers get at most one call per window of this many ms, with the latest
   * update of the window (not merged). '*' handlers and stats still see every message at once. Default 0 (off).
   */
  debounceMs?: number;
  /** Default globalThis.EventSource. */
  EventSource?: EventSourceConstructor;
  /** Defaults call the globals at call time (so test mock timers apply). */
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (id: any) => void;
  /** Clock in epoch ms. Default Date.now. */
  now?: () => number;
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: () => number;
}

export interface ConnectedData {
  connectionId: string;
  tenant: string;
  instanceId: string;
  heartbeatSeconds: number;
  /** Every published type the server delivers, built-in and declared in its eventTypes, with its scope. */
  eventTypes?: Record<string, EventScope>;
  /** What became of the connect's resume (lastEventId). */
  resume: { requested: boolean; resumed?: boolean; replayed?: number; reason?: ResumeFailure };
  [key: string]: unknown;
}

/**
 * Why a resume failed: the events are older than the history keeps (TRIMMED), the history was lost and started anew
 * (EPOCH), history is off or unreachable (UNAVAILABLE), or the id names no position (UNKNOWN_ID).
 */
export type ResumeFailure = 'TRIMMED' | 'EPOCH' | 'UNAVAILABLE' | 'UNKNOWN_ID';

/** What became of a reconnect's resume; when resumed is false, events were missed: refetch the state. */
export interface ResumeInfo {
  resumed: boolean;
  replayed: number;
  reason: ResumeFailure | null;
}

/** Delivery degraded (the server's broker is unreachable) or restored (missed events follow). */
export interface StatusData {
  state: 'DEGRADED' | 'RESTORED';
  message: string;
}

export interface HeartbeatData {
  intervalSeconds: number;
  [key: string]: unknown;
}

export interface ErrorData {
  /**
   * 'TOKEN_EXPIRED' (the client reconnects at once with a fresh token), 'SERVER_SHUTDOWN' (it reconnects after
   * reconnectAfterMillis), 'RESUME_FAILED' or 'EVENTS_MISSED' (events were missed: refetch the state).
   */
  code: string;
  message: string;
  [key: string]: unknown;
}

/** A content event's data: the JSON object its publisher sent. */
export type ContentData = Record<string, unknown>;

export interface MessageDataMap {
  CONNECTED: ConnectedData;
  HEARTBEAT: HeartbeatData;
  DASHBOARD_UPDATE: ContentData;
  NOTIFICATION: ContentData;
  SYSTEM_ALERT: ContentData;
  STATUS: StatusData;
  ERROR: ErrorData;
}

export interface TenantcastMessage<T = unknown> {
  type: MessageType | string;
  data: T;
  /** When the event entered Tenantcast (epoch ms). */
  timestamp: number | null;
  /** The SSE event id (the stream's position after it); null for server-made events (CONNECTED, HEARTBEAT, ...). */
  id: string | null;
}

export type MessageHandler<T = unknown> = (data: T, message: TenantcastMessage<T>) => void;

export interface StateChange {
  state: ClientState;
  previous: ClientState;
  reason: StateChangeReason;
}

export type StateHandler = (state: ClientState, change: StateChange) => void;

export interface TenantcastStats {
  state: ClientState;
  /** Every known type starts at 0; unknown types appear when first received. */
  messagesByType: Record<string, number>;
  /** Valid messages received (malformed ones excluded). */
  messagesTotal: number;
  /** Events whose data was not a JSON object with a string `type`; skipped. */
  malformed: number;
  /** Client time (epoch ms) of the current stream's CONNECTED; null when not open. */
  connectedAt: number | null;
  /** Since the current CONNECTED; 0 when not open. */
  uptimeMs: number;
  /** Reconnection attempts started, in total. */
  reconnectAttempts: number;
  /** Failures since the last CONNECTED; drives the backoff. */
  consecutiveFailures: number;
  /** Client time (epoch ms) of the next scheduled reconnect; null when none is scheduled. */
  nextReconnectAt: number | null;
  /** Client time (epoch ms) of the last HEARTBEAT. */
  lastHeartbeatAt: number | null;
  /** Id of the last content event; sent as `lastEventId` on reconnect. */
  lastEventId: string | null;
  /** Of the current stream; null when not open. */
  connectionId: string | null;
  instanceId: string | null;
  /** What became of the last reconnect's resume; null before the first one. */
  resume: ResumeInfo | null;
  /** 'degraded' while the server says its broker is unreachable. */
  delivery: 'live' | 'degraded';
  /** The published types of the server (from CONNECTED), built-in and declared, with their scope; {} before. */
  eventTypes: Record<string, EventScope>;
}

export const MESSAGE_TYPES: readonly MessageType[];

/**
 * The client, optionally typed with the data of the server's declared types:
 * `new TenantcastClient<{ ORDER_SHIPPED: { orderId: string } }>(...)` types `on('ORDER_SHIPPED', (data) => ...)`.
 */
export class TenantcastClient<Declared extends Record<string, unknown> = {}> {
  constructor(options?: TenantcastClientOptions);
  readonly state: ClientState;
  /** Starts streaming; a no-op while connecting or connected; restarts after close(). */
  connect(): this;
  /** Stops for good: closes the stream and cancels every timer. */
  close(): void;
  on<K extends MessageType>(type: K, handler: MessageHandler<MessageDataMap[K]>): () => void;
  on<K extends keyof Declared & string>(type: K, handler: MessageHandler<Declared[K]>): () => void;
  on(type: '*', handler: MessageHandler<unknown>): () => void;
  on(type: 'state', handler: StateHandler): () => void;
  on(type: 'resume', handler: (resume: ResumeInfo) => void): () => void;
  on(type: string, handler: MessageHandler<unknown>): () => void;
  stats(): TenantcastStats;
}

export function createTenantcastClient<Declared extends Record<string, unknown> = {}>(
  options?: TenantcastClientOptions): TenantcastClient<Declared>;

export default TenantcastClient;
