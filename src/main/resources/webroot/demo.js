// Tenantcast demo dashboard: one live stream per chosen tenant, plus a form that publishes test events.
import { TenantcastClient } from '/tenantcast-client.js';

const MAX_NOTIFICATIONS = 50;
const SPARK_POINTS = 30;
const TYPE_COLORS = {
  CONNECTED: '#22c55e', HEARTBEAT: '#6b7280', DASHBOARD_UPDATE: '#818cf8',
  NOTIFICATION: '#38bdf8', SYSTEM_ALERT: '#f59e0b', ERROR: '#ef4444',
};

const $ = (id) => document.getElementById(id);
const ui = {
  tenantSelect: $('tenant-select'),
  connection: $('connection'),
  state: $('state'),
  stateDetail: $('state-detail'),
  alertBanner: $('alert-banner'),
  alertText: $('alert-text'),
  alertTime: $('alert-time'),
  notice: $('notice'),
  tiles: $('tiles'),
  tilesEmpty: $('tiles-empty'),
  notifications: $('notifications'),
  notificationsEmpty: $('notifications-empty'),
  statMessages: $('stat-messages'),
  statUptime: $('stat-uptime'),
  statReconnects: $('stat-reconnects'),
  statResume: $('stat-resume'),
  statHeartbeat: $('stat-heartbeat'),
  statByType: $('stat-by-type'),
  statConnectionId: $('stat-connection-id'),
  statInstance: $('stat-instance'),
  statLastEvent: $('stat-last-event'),
  publishForm: $('publish-form'),
  publishType: $('publish-type'),
  publishData: $('publish-data'),
  publishButton: $('publish-button'),
  publishResult: $('publish-result'),
};

/** The live client and what belongs to the tenant it streams; replaced wholesale on tenant switch. */
let session = null;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

// ---------------------------------------------------------------- server calls

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // an error page from a proxy is not JSON; the status still tells the story
  }
  if (!response.ok) {
    throw new ApiError(response.status, payload?.error ?? null,
      payload?.message ?? `${response.status} ${response.statusText || 'request failed'}`);
  }
  return payload;
}

function mintToken(tenant, roles) {
  return api('POST', '/api/demo/token', { body: { tenant, roles } });
}

/** Publish tokens are reused until a minute before they expire; stream tokens are always fresh. */
const tokenCache = new Map();

async function cachedToken(tenant, roles) {
  const key = `${tenant}|${roles.join(',')}`;
  const cached = tokenCache.get(key);
  if (cached && cached.expiresAtMs - Date.now() > 60_000) return cached.token;
  const minted = await mintToken(tenant, roles);
  tokenCache.set(key, { token: minted.token, expiresAtMs: toEpochMs(minted.expiresAt) });
  return minted.token;
}

/** expiresAt may come as epoch seconds, epoch ms or an ISO string; unknown means "do not cache". */
function toEpochMs(value) {
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? 0 : parsed;
}

// ---------------------------------------------------------------- notices

function showNotice(title, text, code) {
  ui.notice.hidden = false;
  $('notice-title').textContent = title;
  $('notice-text').textContent = text;
  $('notice-code').hidden = !code;
  $('notice-code').textContent = code ?? '';
}

function showDemoDisabled() {
  showNotice('The demo is disabled on this server',
    'This dashboard needs the demo endpoints, which mint development tokens and are off by default. '
    + 'Start Tenantcast with the demo enabled, then reload this page:',
    'TENANTCAST_DEMO_ENABLED=true java -jar target/tenantcast.jar');
  setPublishEnabled(false);
}

function showProductionKey() {
  showNotice('This server does not mint demo tokens',
    'It signs tokens with a production key, so the demo cannot create tokens for you. '
    + 'Run Tenantcast with its development key to use this dashboard, or connect your own application with real tokens.');
  setPublishEnabled(false);
}

function setPublishEnabled(enabled) {
  for (const element of [ui.publishType, ui.publishData, ui.publishButton]) element.disabled = !enabled;
}

// ---------------------------------------------------------------- tenant sessions

async function loadTenants() {
  let tenants;
  try {
    ({ tenants } = await api('GET', '/api/demo/tenants'));
  } catch (error) {
    ui.tenantSelect.replaceChildren(new Option('—'));
    if (error.status === 404) showDemoDisabled();
    else showNotice('Cannot reach Tenantcast', `Loading the tenants failed: ${error.message}. Reload the page to try again.`);
    return;
  }
  if (!Array.isArray(tenants) || tenants.length === 0) {
    ui.tenantSelect.replaceChildren(new Option('—'));
    showNotice('No tenants configured', 'The server lists no demo tenants.');
    return;
  }
  ui.tenantSelect.replaceChildren(...tenants.map((tenant) => new Option(tenant, tenant)));
  // The hash keeps the tenant across reloads and makes a tenant's dashboard linkable.
  const fromHash = decodeURIComponent(location.hash.slice(1));
  ui.tenantSelect.value = tenants.includes(fromHash) ? fromHash : tenants[0];
  ui.tenantSelect.disabled = false;
  ui.tenantSelect.addEventListener('change', () => switchTenant(ui.tenantSelect.value));
  switchTenant(ui.tenantSelect.value);
}

function switchTenant(tenant) {
  session?.client.close();
  clearTenantView();
  history.replaceState(null, '', `#${encodeURIComponent(tenant)}`);
  for (const element of document.querySelectorAll('.tenant-name')) element.textContent = tenant;

  const client = new TenantcastClient({
    // Called before every (re)connect: a fresh token each time, so an expired one never blocks a reconnect.
    token: async () => {
      try {
        return (await mintToken(tenant, ['publisher'])).token;
      } catch (error) {
        if (session?.client === client && (error.status === 403 || error.status === 404)) {
          // Retrying cannot help: the demo is off or the server refuses to mint.
          client.close();
          if (error.status === 404) showDemoDisabled();
          else showProductionKey();
        }
        throw error;
      }
    },
  });
  session = { tenant, client, tiles: new Map() };
  const current = session;

  client.on('state', (state) => {
    renderState(state);
    renderStats();
  });
  client.on('*', () => renderStats());
  client.on('DASHBOARD_UPDATE', (data, message) => renderUpdate(current, data, message));
  client.on('NOTIFICATION', (data, message) => addNotification(data, message));
  client.on('SYSTEM_ALERT', (data, message) => showAlert(data, message));
  client.on('CONNECTED', (data) => offerTypes(data.eventTypes));
  // Types declared in the server's eventTypes have no view of their own: they join the notifications, named.
  client.on('*', (data, message) => {
    if (scopes[message.type] && !BUILT_IN_TYPES.has(message.type)) addNotification(data, message, message.type);
  });
  client.on('resume', (resume) => {
    // Events were missed and cannot be replayed: what the page shows may be stale, so start it over.
    if (!resume.resumed) clearTenantView();
    renderStats();
  });
  client.connect();
  renderState(client.state);
  renderStats();
}

function clearTenantView() {
  session?.tiles.clear(); // with their histories: a cleared view starts every sparkline over
  ui.tiles.replaceChildren();
  ui.notifications.replaceChildren();
  ui.alertBanner.hidden = true;
  ui.publishResult.textContent = '';
  delete ui.publishResult.dataset.status;
  syncEmptyStates();
}

function syncEmptyStates() {
  ui.tilesEmpty.hidden = ui.tiles.childElementCount > 0;
  ui.notificationsEmpty.hidden = ui.notifications.childElementCount > 0;
}

// ---------------------------------------------------------------- rendering

function renderState(state) {
  ui.state.textContent = state;
  ui.connection.dataset.state = state;
  renderStateDetail();
}

function renderStateDetail() {
  const stats = session?.client.stats();
  let detail = '';
  if (stats?.state === 'reconnecting' && stats.nextReconnectAt) {
    const seconds = Math.max(0, Math.ceil((stats.nextReconnectAt - Date.now()) / 1000));
    detail = seconds > 0 ? `retry in ${seconds} s` : 'retrying…';
  } else if (stats?.state === 'open') {
    detail = stats.delivery === 'degraded' ? `· ${session.tenant} · delivery delayed` : `· ${session.tenant}`;
  }
  ui.stateDetail.textContent = detail;
}

function renderStats() {
  if (!session) return;
  const stats = session.client.stats();
  ui.statMessages.textContent = String(stats.messagesTotal);
  ui.statUptime.textContent = stats.state === 'open' ? formatDuration(stats.uptimeMs) : '—';
  ui.statReconnects.textContent = String(stats.reconnectAttempts);
  ui.statHeartbeat.textContent = stats.lastHeartbeatAt === null ? '—' : `${formatAgo(stats.lastHeartbeatAt)}`;
  ui.statHeartbeat.title = stats.lastHeartbeatAt === null ? '' : new Date(stats.lastHeartbeatAt).toLocaleString();
  ui.statConnectionId.textContent = stats.connectionId ?? '—';
  ui.statInstance.textContent = stats.instanceId ?? '—';
  ui.statLastEvent.textContent = stats.lastEventId ?? '—';
  ui.statLastEvent.title = stats.lastEventId ?? '';
  ui.statResume.textContent = stats.resume === null ? '—'
    : stats.resume.resumed ? `resumed, ${stats.resume.replayed} missed event${stats.resume.replayed === 1 ? '' : 's'} replayed`
      : 'could not resume: refreshed';

  for (const [type, count] of [...Object.entries(stats.messagesByType), ['malformed', stats.malformed]]) {
    typeCount(type).textContent = String(count);
  }
}

/** The count cell of a type's row; types the server adds later get a row when first seen. */
const typeCells = new Map();
function typeCount(type) {
  if (!typeCells.has(type)) {
    const badge = el('span', { className: 'type-badge' }, type);
    badge.style.setProperty('--badge', TYPE_COLORS[type] ?? '#6b7280');
    const cell = el('td', {}, '0');
    const row = el('tr', { dataset: { type, testid: 'stat-type' } }, el('td', {}, badge), cell);
    const malformedRow = typeCells.get('malformed')?.parentElement;
    if (malformedRow) malformedRow.before(row); // keep "malformed" last
    else ui.statByType.append(row);
    typeCells.set(type, cell);
  }
  return typeCells.get(type);
}

/** A {metric, value} update is one tile named by metric; any other object makes one tile per top-level key. */
function renderUpdate(current, data, message) {
  if (session !== current || data === null || typeof data !== 'object' || Array.isArray(data)) return;
  const entries = 'metric' in data && 'value' in data ? [[String(data.metric), data.value]] : Object.entries(data);
  for (const [key, value] of entries) updateTile(current, key, value, message.timestamp ?? Date.now());
  syncEmptyStates();
}

function updateTile(current, key, value, timestamp) {
  let tile = current.tiles.get(key);
  if (!tile) {
    const node = $('tile-template').content.firstElementChild.cloneNode(true);
    node.dataset.key = key;
    node.querySelector('.tile-key').textContent = key;
    node.querySelector('.tile-key').title = key;
    tile = { node, history: [], previous: undefined };
    current.tiles.set(key, tile);
    ui.tiles.append(node);
  }
  const valueNode = tile.node.querySelector('.tile-value');
  const text = formatValue(value);
  valueNode.textContent = text;
  valueNode.dataset.value = typeof value === 'string' ? value : JSON.stringify(value); // unformatted, for tests
  valueNode.classList.toggle('is-json', value !== null && typeof value === 'object');
  valueNode.classList.toggle('is-long', typeof value !== 'object' && text.length > 12);

  const delta = tile.node.querySelector('.tile-delta');
  delta.className = 'tile-delta';
  delta.textContent = '';
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (typeof tile.previous === 'number' && value !== tile.previous) {
      const change = value - tile.previous;
      delta.classList.add(change > 0 ? 'up' : 'down');
      delta.textContent = `${change > 0 ? '▲' : '▼'} ${numberFormat.format(Math.abs(change))}`;
    }
    tile.history.push(value);
    if (tile.history.length > SPARK_POINTS) tile.history.shift();
  } else {
    tile.history = [];
  }
  tile.previous = value;
  drawSparkline(tile);
  tile.node.querySelector('.tile-time').textContent = `updated ${timeFormat.format(timestamp)}`;

  // Restart the highlight animation even when updates arrive faster than it runs.
  tile.node.classList.remove('flash');
  void tile.node.offsetWidth;
  tile.node.classList.add('flash');
}

/** The last SPARK_POINTS numbers, highest at the top; hidden, and silent for screen readers, below two. */
function drawSparkline(tile) {
  const points = tile.history;
  const spark = tile.node.querySelector('.spark');
  const polyline = spark.querySelector('polyline');
  tile.node.classList.toggle('has-history', points.length > 1);
  if (points.length < 2) {
    polyline.removeAttribute('points');
    spark.setAttribute('aria-hidden', 'true');
    spark.removeAttribute('aria-label');
    return;
  }
  const min = Math.min(...points);
  const max = Math.max(...points);
  const span = max - min || 1;
  polyline.setAttribute('points', points.map((point, i) =>
    `${(i / (points.length - 1)) * 100},${26 - ((point - min) / span) * 24}`).join(' '));
  spark.removeAttribute('aria-hidden');
  spark.setAttribute('aria-label', `last ${points.length} values of ${tile.node.dataset.key}: `
    + `${numberFormat.format(min)}..${numberFormat.format(max)}`);
}

function addNotification(data, message, type) {
  const item = el('li', { className: 'notification', dataset: { testid: 'notification' } });
  if (type) item.dataset.type = type;
  if (typeof data?.level === 'string') item.dataset.level = data.level;
  const named = typeof data?.title === 'string' ? data.title : null;
  const title = type ? (named ? `${type} · ${named}` : type) : named;
  const text = [data?.text, data?.message].find((candidate) => typeof candidate === 'string') ?? null;
  if (title) item.append(el('span', { className: 'notification-title' }, title));
  if (text) item.append(el('span', { className: 'notification-text' }, text));
  if (!title && !text) item.append(el('pre', { className: 'notification-json' }, JSON.stringify(data, null, 2)));
  const at = message.timestamp ?? Date.now();
  item.append(el('time', { dateTime: new Date(at).toISOString() }, timeFormat.format(at)));

  ui.notifications.prepend(item);
  while (ui.notifications.childElementCount > MAX_NOTIFICATIONS) ui.notifications.lastElementChild.remove();
  syncEmptyStates();
}

function showAlert(data, message) {
  const text = [data?.message, data?.text].find((candidate) => typeof candidate === 'string') ?? JSON.stringify(data);
  ui.alertText.textContent = text;
  const severity = data?.severity ?? data?.level;
  if (typeof severity === 'string') ui.alertBanner.dataset.severity = severity;
  else delete ui.alertBanner.dataset.severity;
  const at = message.timestamp ?? Date.now();
  ui.alertTime.dateTime = new Date(at).toISOString();
  ui.alertTime.textContent = timeFormat.format(at);
  ui.alertBanner.hidden = false;
}

$('alert-dismiss').addEventListener('click', () => { ui.alertBanner.hidden = true; });

// ---------------------------------------------------------------- publishing

const EXAMPLES = {
  DASHBOARD_UPDATE: () => ({
    cpu: randomInt(12, 92),
    memory: `${(randomInt(18, 62) / 10).toFixed(1)} GB`,
    requestsPerSecond: randomInt(400, 2400),
    activeUsers: randomInt(20, 180),
  }),
  NOTIFICATION: () => pick([
    { title: 'Deploy finished', text: 'checkout-service v2.4.1 is live', level: 'success' },
    { title: 'New order', text: `Order #${randomInt(10000, 99999)} was placed`, level: 'info' },
    { title: 'Slow queries', text: 'p95 latency of the orders database is above 800 ms', level: 'warning' },
  ]),
  SYSTEM_ALERT: () => ({ message: 'Scheduled maintenance tonight from 22:00 to 23:00 UTC', severity: 'warning' }),
};

function fillExample() {
  const type = ui.publishType.value;
  const example = EXAMPLES[type] ?? (() => ({ title: type, text: `An example ${type} event` }));
  ui.publishData.value = JSON.stringify(example(), null, 2);
}

const BUILT_IN_TYPES = new Set(['DASHBOARD_UPDATE', 'NOTIFICATION', 'SYSTEM_ALERT']);
/** Type → 'tenant' | 'broadcast', from CONNECTED: the built-in types and those the server's eventTypes declares. */
let scopes = { DASHBOARD_UPDATE: 'tenant', NOTIFICATION: 'tenant', SYSTEM_ALERT: 'broadcast' };

/** Adds the server's declared types to the publish form. */
function offerTypes(eventTypes) {
  if (!eventTypes || typeof eventTypes !== 'object') return;
  scopes = { ...eventTypes };
  for (const [type, scope] of Object.entries(eventTypes)) {
    if (BUILT_IN_TYPES.has(type) || ui.publishType.querySelector(`option[value="${CSS.escape(type)}"]`)) continue;
    const label = scope === 'broadcast' ? `${type} (all tenants, admin)` : type;
    ui.publishType.append(el('option', { value: type }, label));
  }
}

ui.publishType.addEventListener('change', fillExample);
$('publish-example').addEventListener('click', fillExample);
ui.publishData.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) ui.publishForm.requestSubmit();
});
ui.publishForm.addEventListener('submit', (event) => {
  event.preventDefault();
  publish();
});

async function publish() {
  if (!session) return;
  const type = ui.publishType.value;
  let data;
  try {
    data = JSON.parse(ui.publishData.value);
  } catch (error) {
    return showResult('error', `Not valid JSON: ${error.message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return showResult('error', 'The data must be a JSON object, e.g. {"cpu": 42}.');
  }
  const current = session;
  const { tenant } = current;
  // SYSTEM_ALERT and declared broadcast types go to every tenant, so they need an admin token and name no tenant.
  const isAlert = scopes[type] === 'broadcast';
  ui.publishButton.disabled = true;
  showResult('pending', 'Publishing…');
  try {
    const token = await cachedToken(tenant, isAlert ? ['admin'] : ['publisher']);
    const body = isAlert ? { type, data } : { tenant, type, data };
    const { id } = await api('POST', '/api/events', { body, token });
    if (session !== current) return; // the user switched tenant meanwhile; the view was cleared
    showResult('ok', `Published ${type}${isAlert ? ' to all tenants' : ` to ${tenant}`} · id ${id}`);
  } catch (error) {
    if (session !== current) return;
    const code = error.code ? ` ${error.code}` : '';
    showResult('error', error.status ? `${error.status}${code}: ${error.message}` : `Failed: ${error.message}`);
  } finally {
    ui.publishButton.disabled = false;
  }
}

function showResult(status, text) {
  ui.publishResult.dataset.status = status;
  ui.publishResult.textContent = text;
}

// ---------------------------------------------------------------- helpers

function el(tag, { dataset, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  if (dataset) Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

function formatValue(value) {
  if (typeof value === 'number') return numberFormat.format(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function formatDuration(ms) {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

function formatAgo(epochMs) {
  const seconds = Math.max(0, Math.round((Date.now() - epochMs) / 1000));
  return seconds < 2 ? 'just now' : `${formatDuration(seconds * 1000)} ago`;
}

function randomInt(min, max) {
  return min + Math.floor(Math.random() * (max - min + 1));
}

function pick(items) {
  return items[Math.floor(Math.random() * items.length)];
}

// ---------------------------------------------------------------- start

fillExample();
syncEmptyStates();
// Uptime, "last heartbeat … ago" and the retry countdown move without events.
setInterval(() => {
  renderStats();
  renderStateDetail();
}, 1000);
loadTenants();
