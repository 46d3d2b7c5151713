// A tiny React dashboard on useTenantcast, for ReactHookBrowserTest (src/test/java/dev/tenantcast/browser): the test
// bundles it with esbuild (React from this package's node_modules, development build, so StrictMode double-mounts)
// and serves it with window.TENANTCAST = { url, token } set by the page.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { useTenantcast } from '../../src/react.js';

function Dashboard({ url, token }) {
  const { state, dashboard, lastEvent, stats } = useTenantcast({ url, token: () => token, debounceMs: 100 });
  return (
    <main>
      <p>state <span data-testid="state">{state}</span></p>
      <p>cpu <span data-testid="cpu">{dashboard.cpu ?? 'none'}</span></p>
      <p>notification <span data-testid="notification">{lastEvent.NOTIFICATION?.data.text ?? 'none'}</span></p>
      <p>received <span data-testid="received">{stats.received}</span></p>
      <p>heartbeats <span data-testid="heartbeats">{stats.receivedByType.HEARTBEAT ?? 0}</span></p>
    </main>
  );
}

const { url, token } = window.TENANTCAST;
createRoot(document.getElementById('root')).render(
  <StrictMode>
    <Dashboard url={url} token={token} />
  </StrictMode>,
);
