import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { withTimeout } from '../with-timeout';
import type { ServiceEnv } from './context';
import { PUBLIC_ROUTE } from './openapi';

const PROBE_TIMEOUT_MS = 2_000;

/** `/health`: the process is alive. `/ready`: every dependency answers (for load balancers and rollouts). */
export function createHealthRoutes(readiness: Record<string, () => Promise<void>>) {
  const app = new Hono<ServiceEnv>();
  app.get('/health', describeRoute({ ...PUBLIC_ROUTE, summary: 'Liveness', tags: ['ops'], responses: { 200: { description: 'alive' } } }), (c) =>
    c.json({ status: 'ok' }),
  );
  app.get(
    '/ready',
    describeRoute({ ...PUBLIC_ROUTE, summary: 'Readiness: every dependency answers', tags: ['ops'], responses: { 200: { description: 'ready' }, 503: { description: 'a dependency does not answer' } } }),
    async (c) => {
      const entries: Array<readonly [string, { ok: boolean; error?: string }]> = await Promise.all(
        Object.entries(readiness).map(async ([name, probe]) => {
          try {
            await withTimeout(probe(), PROBE_TIMEOUT_MS, `no answer within ${PROBE_TIMEOUT_MS} ms`);
            return [name, { ok: true }] as const;
          } catch (error) {
            return [name, { ok: false, error: error instanceof Error ? error.message : String(error) }] as const;
          }
        }),
      );
      const ready = entries.every(([, result]) => result.ok);
      return c.json({ status: ready ? 'ready' : 'not_ready', dependencies: Object.fromEntries(entries) }, ready ? 200 : 503);
    },
  );
  return app;
}
