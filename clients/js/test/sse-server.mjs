// A tiny real SSE server for the hook's tests (node's http module): it speaks Tenantcast's wire format, answers a
// resume as it is told, and records every request so a test can count connections.
import http from 'node:http';

export async function startSseServer() {
  /** Every request, in order: { url, query, open } */
  const requests = [];
  const streams = new Set();
  let nextId = 1;
  /** What the next CONNECTED says of a requested resume. */
  let resumeAnswer = { resumed: true, replayed: 0 };

  const server = http.createServer((req, res) => {
    const query = new URL(req.url, 'http://localhost').searchParams;
    const record = { url: req.url, query, open: true };
    requests.push(record);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    const resume = query.has('lastEventId') ? { requested: true, ...resumeAnswer } : { requested: false };
    res.write(`retry: 3000\ndata: ${JSON.stringify({ type: 'CONNECTED', data: { connectionId: `c${requests.length}`,
      tenant: 'acme', instanceId: 'test', heartbeatSeconds: 30, resume }, timestamp: Date.now() })}\n\n`);
    streams.add(res);
    req.on('close', () => {
      record.open = false;
      streams.delete(res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  const frame = (type, data) => `id: ${nextId++}-test\ndata: ${JSON.stringify({ type, data, timestamp: Date.now() })}\n\n`;
  return {
    url: `http://127.0.0.1:${port}/api/sse/dashboard`,
    requests,
    openCount: () => requests.filter((r) => r.open).length,
    /** Writes events to every open stream, all in one chunk: [[type, data], ...]. */
    publish(...events) {
      const chunk = events.map(([type, data]) => frame(type, data)).join('');
      for (const res of streams) res.write(chunk);
    },
    setResumeAnswer(answer) {
      resumeAnswer = answer;
    },
    /** Cuts every open stream, as a crashed proxy would. */
    dropAll() {
      for (const res of streams) res.destroy();
    },
    async close() {
      for (const res of streams) res.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
