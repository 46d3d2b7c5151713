// Tenantcast admin page: every instance's figures, live over SSE (GET /api/admin/figures, role admin), drawn as
// small SVG charts. Bounded: POINTS values per series, instances forgotten once silent, tenants as each instance's
// latest snapshot names them (its top admin.topTenants).
const POINTS = 30;
const SILENT_MS = 10_000;
const SVG = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);
/** instanceId → { card, series: {name: number[]}, tenants: Map<tenant, number[]>, seenAt } */
const instances = new Map();
let source = null;

const CHARTS = [
  { key: 'streams', title: 'open streams', series: ['streams'] },
  { key: 'deliveries', title: 'deliveries / s', series: ['deliveriesPerSecond'] },
  { key: 'latency', title: 'latency p50 · p99 (ms)', series: ['p50Millis', 'p99Millis'] },
  { key: 'trouble', title: 'rejections · slow closes', series: ['rejections', 'slowConsumerCloses'] },
];

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'dataset') Object.assign(node.dataset, value);
    else node[name] = value;
  }
  node.append(...children);
  return node;
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** Draws series as polylines in a 100 x 40 box, all on one scale from 0 to their highest value. */
function draw(box, seriesList) {
  const max = Math.max(1e-9, ...seriesList.flat());
  seriesList.forEach((values, i) => {
    const line = box.querySelectorAll('polyline')[i];
    const step = 100 / (POINTS - 1);
    const offset = POINTS - values.length;
    line.setAttribute('points', values.map((v, j) => `${((offset + j) * step).toFixed(2)},${(38 - (v / max) * 36)
      .toFixed(2)}`).join(' '));
    line.dataset.values = values.join(',');
  });
}

function chartBox(lines, testid) {
  const box = svg('svg', { viewBox: '0 0 100 40', preserveAspectRatio: 'none', 'data-testid': testid });
  for (let i = 0; i < lines; i++) box.append(svg('polyline', { class: `s${i * 2}` }));
  return box;
}

function card(id) {
  const charts = el('div', { className: 'charts' });
  const values = {};
  for (const chart of CHARTS) {
    const value = el('span', { className: 'chart-value', dataset: { testid: `value-${chart.key}` } }, '–');
    values[chart.key] = value;
    charts.append(el('div', { className: 'chart', dataset: { chart: chart.key } },
      el('div', { className: 'chart-head' }, el('span', {}, chart.title), value),
      chartBox(chart.series.length, `chart-${chart.key}`)));
  }
  const body = el('tbody');
  const table = el('table', { dataset: { testid: 'tenants' } },
    el('thead', {}, el('tr', {}, ...['tenant', 'streams', 'deliveries / s', '', 'p50 ms', 'p99 ms',
      'rejections*', 'slow closes*'].map((h) => el('th', {}, h)))), body);
  const node = el('section', { className: 'instance', dataset: { instance: id, testid: 'instance' } },
    el('div', { className: 'instance-head' }, el('h2', {}, `instance ${id}`),
      el('span', { className: 'muted', dataset: { testid: 'updated' } }, '')),
    charts, table, el('p', { className: 'muted' }, '* since this page saw the tenant among the busiest'));
  return { node, values, body, updated: node.querySelector('[data-testid="updated"]') };
}

function push(values, value) {
  values.push(Number(value) || 0);
  if (values.length > POINTS) values.shift();
}

function show(figures) {
  const id = String(figures.instanceId ?? '?');
  let instance = instances.get(id);
  if (!instance) {
    instance = { card: card(id), series: {}, tenants: new Map() };
    instances.set(id, instance);
    const sorted = [...instances.keys()].sort();
    const next = sorted[sorted.indexOf(id) + 1];
    $('instances').insertBefore(instance.card.node, next ? instances.get(next).card.node : null);
  }
  instance.seenAt = Date.now();
  for (const chart of CHARTS) {
    const seriesList = chart.series.map((name) => {
      instance.series[name] ??= [];
      push(instance.series[name], figures[name]);
      return instance.series[name];
    });
    draw(instance.card.node.querySelector(`[data-chart="${chart.key}"] svg`), seriesList);
    instance.card.values[chart.key].textContent = chart.series.map((name) => format(figures[name])).join(' · ');
  }
  instance.card.updated.textContent = `updated ${new Date(figures.at ?? Date.now()).toLocaleTimeString()}`;
  showTenants(instance, Array.isArray(figures.tenants) ? figures.tenants : []);
  $('waiting').hidden = true;
  $('instance-count').textContent = `${instances.size} instance${instances.size === 1 ? '' : 's'}`;
}

function showTenants(instance, tenants) {
  const named = new Set(tenants.map((t) => String(t.tenant)));
  for (const tenant of instance.tenants.keys()) if (!named.has(tenant)) instance.tenants.delete(tenant);
  instance.card.body.replaceChildren(...tenants.map((t) => {
    const name = String(t.tenant);
    // Rejections and slow closes are rare: counted up while the tenant stays listed, so one is not gone in a second.
    const seen = instance.tenants.get(name) ?? { history: [], rejections: 0, slowCloses: 0 };
    const history = seen.history;
    push(history, t.deliveriesPerSecond);
    seen.rejections += Number(t.rejections) || 0;
    seen.slowCloses += Number(t.slowConsumerCloses) || 0;
    instance.tenants.set(name, seen);
    const spark = chartBox(1, 'tenant-spark');
    draw(spark, [history]);
    return el('tr', { dataset: { tenant: name, testid: 'tenant-row' } },
      el('td', {}, name), el('td', {}, format(t.streams)), el('td', { dataset: { testid: 'tenant-deliveries' } },
        format(t.deliveriesPerSecond)), el('td', {}, spark), el('td', {}, format(t.p50Millis)),
      el('td', {}, format(t.p99Millis)), el('td', { dataset: { testid: 'tenant-rejections' } }, format(seen.rejections)),
      el('td', { dataset: { testid: 'tenant-slow-closes' } }, format(seen.slowCloses)));
  }));
}

function format(value) {
  const n = Number(value) || 0;
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1);
}

/** Instances that stopped sharing figures (stopped, or cut off from Redis) leave the page. */
function forgetSilent() {
  for (const [id, instance] of instances) {
    if (Date.now() - instance.seenAt > SILENT_MS) {
      instance.card.node.remove();
      instances.delete(id);
    }
  }
  $('instance-count').textContent = `${instances.size} instance${instances.size === 1 ? '' : 's'}`;
}

function setState(state) {
  $('admin-state').dataset.state = state;
  $('admin-state').textContent = state;
}

function connect(token) {
  source?.close();
  setState('connecting');
  source = new EventSource(`/api/admin/figures?access_token=${encodeURIComponent(token)}`);
  source.onopen = () => setState('open');
  source.onmessage = (event) => {
    try {
      show(JSON.parse(event.data));
    } catch {
      // one malformed snapshot must not stop the page
    }
  };
  // The browser retries by itself after a network error; a 401/403 closes the stream for good: ask for a token.
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      setState('closed');
      askForToken('The stream was refused: is the token valid, with the role admin?');
    } else {
      setState('reconnecting');
    }
  };
}

function askForToken(message) {
  $('token-form').hidden = false;
  $('token-error').textContent = message ?? '';
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token-input').value.trim();
  if (!token) return;
  sessionStorage.setItem('tenantcast-admin-token', token);
  $('token-form').hidden = true;
  connect(token);
});

/** A development admin token from the demo's token desk, when the service runs the demo. */
async function demoToken() {
  const tenants = await fetch('/api/demo/tenants');
  if (!tenants.ok) return null;
  const [tenant] = (await tenants.json()).tenants ?? [];
  const answer = await fetch('/api/demo/token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ tenant, roles: ['admin'] }),
  });
  return answer.ok ? (await answer.json()).token : null;
}

setInterval(forgetSilent, 1000);
const stored = sessionStorage.getItem('tenantcast-admin-token');
if (stored) connect(stored);
else demoToken().then((token) => (token ? connect(token) : askForToken()), () => askForToken());
