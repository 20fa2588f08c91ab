// The ingest benchmark's baseline: the same HTTP stack as the order API (Hono on @hono/node-server,
// its own Node process) with a handler that reads the body and answers 202, and nothing else.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.env.BARE_PORT ?? '5099');
const app = new Hono();
app.post('/api/orders', async (c) => {
  await c.req.text();
  return c.json({ status: 'NEW' }, 202);
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => {
  console.log(`bare.ready http://127.0.0.1:${info.port}`);
});
process.on('SIGTERM', () => process.exit(0));
