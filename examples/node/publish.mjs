// A Node service that publishes a NOTIFICATION to a tenant's dashboards with ioredis, through Tenantcast's publish
// script (kept in the tenant's history, so dashboards that reconnect get it too), and prints the event's id.
//
//   cd examples/node && npm install && node publish.mjs redis://127.0.0.1:6379 acme "Deploy finished"
//
// defineCommand runs the script by EVALSHA, sending its text only when Redis does not know it yet. Copy the script
// (src/main/resources/redis/tenantcast-publish.lua) into your service.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

const [url, tenant, text] = process.argv.slice(2);
const redis = new Redis(url);
redis.defineCommand('tenantcastPublish', {
  numberOfKeys: 2,
  lua: readFileSync(new URL('../../src/main/resources/redis/tenantcast-publish.lua', import.meta.url), 'utf8'),
});
try {
  const id = await redis.tenantcastPublish(`tenantcast:{tenant:${tenant}}:history`,
    `tenantcast:{tenant:${tenant}}:meta`, `notification-${tenant}`, JSON.stringify({ text, from: 'node' }));
  console.log(id);
  // Live only (not kept for resume): await redis.publish(`notification-${tenant}`, JSON.stringify({ text }));
} finally {
  redis.disconnect();
}
