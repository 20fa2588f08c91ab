import type { TelemetryOptions } from '@temporalio/worker';

/** The Core SDK's exporter listens on loopback only: its text is served through the worker's own /metrics. */
const EXPORTER_HOST = '127.0.0.1';
const FETCH_TIMEOUT_MS = 2_000;

/**
 * Runtime.install telemetry: the Core SDK's metrics (task slots, schedule-to-start latencies, failures, polls) in
 * Prometheus form at 127.0.0.1:<port>/metrics, named the Prometheus way (temporal_ prefix, `_total` counters,
 * durations in seconds with the unit in the name) and labelled service=worker like the process's own metrics.
 */
export function temporalMetricsTelemetry(port: number, service: string): TelemetryOptions {
  return {
    metrics: {
      metricPrefix: 'temporal_',
      globalTags: { service },
      prometheus: { bindAddress: `${EXPORTER_HOST}:${port}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
    },
  };
}

/** The Core SDK exporter's text, for appending to /metrics; '' when it does not answer (the rest still serves). */
export async function fetchTemporalMetrics(port: number): Promise<string> {
  try {
    const response = await fetch(`http://${EXPORTER_HOST}:${port}/metrics`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}
