import { context, propagation, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TelemetryConfig, TracesSampler } from '../config';

/** The name every span of ours is created under (the instrumentation scope). */
export const TRACER_NAME = 'crypto-oms';

/** The process's tracer: a no-op one until startTracing() registered a provider. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Marks a span failed with the error that ended its work. */
export function markFailed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs `work` inside an internal span of ours named `name` (an error marks it and is rethrown). */
export async function withSpan<T>(name: string, work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, async (span) => {
    try {
      return await work();
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export interface Tracing {
  /** False when no endpoint is configured: no provider, no exporter, nothing leaves the process. */
  readonly enabled: boolean;
  readonly serviceName: string;
  /** What the Temporal worker's workflow span sink exports with (infra/telemetry/temporal-tracing.ts). */
  readonly resource: Resource;
  readonly spanProcessor: SpanProcessor;
}

/** Tracing that records nothing (also for tests that build a worker without starting tracing). */
export function tracingOff(serviceName: string): Tracing {
  return { enabled: false, serviceName, resource: Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: serviceName })), spanProcessor: new NoopSpanProcessor() };
}

let running: { tracing: Tracing; provider: NodeTracerProvider | undefined } | undefined;

/**
 * Starts tracing for this process, first thing in its entry point. With an endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) it registers a global tracer provider that batches spans to that OTLP/HTTP
 * receiver (http/protobuf or http/json), the AsyncLocalStorage context manager (so the active span follows awaits)
 * and the W3C `traceparent` propagator. Without one it registers nothing: every span is a no-op and no exporter
 * exists. The batch processor reads the standard OTEL_BSP_* variables itself (e.g. OTEL_BSP_SCHEDULE_DELAY).
 */
export function startTracing(config: TelemetryConfig, defaultServiceName: string): Tracing {
  if (running !== undefined) throw new Error('tracing is already started in this process');
  const serviceName = config.serviceName ?? defaultServiceName;
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: serviceName }));
  if (config.tracesUrl === null) {
    const tracing = tracingOff(serviceName);
    running = { tracing, provider: undefined };
    return tracing;
  }
  const exporter =
    config.protocol === 'http/json' ? new OtlpJsonTraceExporter({ url: config.tracesUrl }) : new OtlpProtoTraceExporter({ url: config.tracesUrl });
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, sampler: sampler(config.sampler, config.samplerRatio), spanProcessors: [spanProcessor] });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracing: Tracing = { enabled: true, serviceName, resource, spanProcessor };
  running = { tracing, provider };
  return tracing;
}

/**
 * Sends the spans still buffered and unregisters the provider (workers/shutdown.ts calls it last). Bounded: a
 * receiver that does not answer costs at most `timeoutMs`, never a hung shutdown.
 */
export async function shutdownTracing(timeoutMs = 5_000): Promise<void> {
  const current = running;
  running = undefined;
  if (current?.provider === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([current.provider.shutdown(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    trace.disable();
    context.disable();
    propagation.disable();
  }
}

function sampler(name: TracesSampler, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}
