import { collectDefaultMetrics, Registry } from 'prom-client';

/** The processes of the system, as the `service` label of every metric they export. */
export type ServiceName = 'api' | 'worker' | 'risk' | 'venue' | 'market-data';

/**
 * The process's one registry. Metric definitions register here when their module loads (the prom-client idiom:
 * a metric is a process-wide counter, not a dependency); nothing is collected until a process calls
 * initProcessMetrics, and nothing reads the environment. Not prom-client's global registry, so a library that
 * registers there does not leak into our /metrics.
 */
export const metricsRegistry = new Registry();

let initialisedFor: ServiceName | undefined;

/**
 * Called once by each process entry point: every metric gets `service=<name>`, and prom-client's default process
 * metrics (CPU, memory, event loop lag, GC, handles) are collected. A second call for the same service is a
 * no-op (in-process tests start several apps); for another service it throws: one process is one service.
 */
export function initProcessMetrics(service: ServiceName): void {
  if (initialisedFor === service) return;
  if (initialisedFor !== undefined) throw new Error(`process metrics are already initialised for ${initialisedFor}, not ${service}`);
  initialisedFor = service;
  metricsRegistry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: metricsRegistry });
}

/** The Prometheus text exposition of everything registered, plus `extra` (another exporter's text) when given. */
export async function metricsText(extra?: () => Promise<string>): Promise<string> {
  const own = await metricsRegistry.metrics();
  if (extra === undefined) return own;
  const more = await extra();
  return more === '' ? own : `${own.endsWith('\n') ? own : `${own}\n`}${more}`;
}

export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;

/** Latency buckets (seconds) for calls of a few milliseconds to a few seconds. */
export const FAST_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets (seconds) for order lifetimes: sub-second to an hour. */
export const ORDER_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
