import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { describeRoute } from 'hono-openapi';
import { matchedRoutes } from 'hono/route';
import { Counter, Histogram } from 'prom-client';
import { FAST_SECONDS_BUCKETS, METRICS_CONTENT_TYPE, metricsRegistry, metricsText } from '../metrics/registry';
import type { ServiceEnv } from './context';

/** The route label of a request no route matched (404s of unknown paths): one value, however many paths are tried. */
export const UNMATCHED_ROUTE = '(unmatched)';

const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const requests = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metricsRegistry],
});

const duration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from receiving an HTTP request to its response, by method and route pattern',
  labelNames: ['method', 'route'] as const,
  buckets: FAST_SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

/**
 * The route pattern a request matched, for the `route` label: the path of the last matched route that is not a
 * middleware (`app.use` registers method ALL), e.g. `/api/orders/:orderId`, never the raw path with its ids.
 * A request only middleware matched gets UNMATCHED_ROUTE.
 */
export function routeLabel(routes: ReadonlyArray<{ method: string; path: string }>): string {
  for (let i = routes.length - 1; i >= 0; i -= 1) {
    const route = routes[i]!;
    if (route.method !== 'ALL') return route.path;
  }
  return UNMATCHED_ROUTE;
}

/** The method label: one of the standard methods, anything else as OTHER (a client chooses the method). */
export function methodLabel(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : 'OTHER';
}

function routeOf(c: Context): string {
  try {
    return routeLabel(matchedRoutes(c));
  } catch {
    return UNMATCHED_ROUTE;
  }
}

/** Counts and times every request; first in the chain, so refusals by the guards (421, 413, 401) are counted too. */
export function httpMetrics(): MiddlewareHandler {
  return async (c, next) => {
    const stop = duration.startTimer();
    try {
      await next();
    } finally {
      const labels = { method: methodLabel(c.req.method), route: routeOf(c) };
      stop(labels);
      // Hono turns a thrown error into the onError response before this runs; a 500 if nothing answered.
      requests.inc({ ...labels, status: String(c.res?.status ?? 500) });
    }
  };
}

/**
 * `GET /metrics`: the process's metrics in the Prometheus text format, public like /health (no API key, no
 * internal signature): a scraper reaches it from inside the cluster. `extra` appends another exporter's text
 * (the worker's Temporal SDK metrics).
 */
export function createMetricsRoutes(extra?: () => Promise<string>) {
  const app = new Hono<ServiceEnv>();
  app.get(
    '/metrics',
    describeRoute({
      summary: 'Prometheus metrics',
      tags: ['ops'],
      security: [],
      responses: { 200: { description: 'The process metrics in the Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    }),
    async (c) => c.body(await metricsText(extra), 200, { 'Content-Type': METRICS_CONTENT_TYPE }),
  );
  return app;
}
