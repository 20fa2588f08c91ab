import { context, SpanKind, trace } from '@opentelemetry/api';
import { Writable } from 'node:stream';
import { startOtlpReceiver, type OtlpReceiver } from '../../test/harness/otlp-receiver';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { shutdownTracing, startTracing, tracer } from './tracing';

const otel = (env: Record<string, string>) => loadConfig(env).telemetry;

describe('tracing configuration (the standard OTEL_* variables)', () => {
  it('is off without an endpoint, sends to <endpoint>/v1/traces with one, and a traces endpoint wins as given', () => {
    expect(otel({})).toEqual({ tracesUrl: null, protocol: 'http/protobuf', serviceName: undefined, sampler: 'parentbased_always_on', samplerRatio: 1 });
    expect(otel({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(otel({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/custom' }).tracesUrl).toBe('http://jaeger:4318/custom');
    expect(otel({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'oms-eu', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toMatchObject({
      protocol: 'http/json',
      serviceName: 'oms-eu',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
    expect(otel({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).protocol).toBe('http/protobuf');
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
  ])('refuses %s=%s at start-up, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});

describe('tracing (a real OTLP/HTTP receiver in this process)', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await shutdownTracing();
    await receiver.close();
  });

  it('without an endpoint records and sends nothing: no provider, no exporter', async () => {
    const tracing = startTracing(otel({}), 'crypto-oms-test');
    expect(tracing.enabled).toBe(false);
    const span = tracer().startSpan('POST /api/orders');
    expect(span.isRecording()).toBe(false);
    span.end();
    await shutdownTracing();
    // Only the global no-op provider: nothing was registered that could export.
    expect(trace.getTracerProvider().constructor.name).toBe('ProxyTracerProvider');
    expect(receiver.requests).toEqual([]);
  });

  it.each([
    ['http/protobuf', 'application/x-protobuf'],
    ['http/json', 'application/json'],
  ])('with an endpoint sends spans as %s under the default service name, flushed on shutdown', async (protocol, contentType) => {
    const tracing = startTracing(otel({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: protocol }), 'crypto-oms-test');
    expect(tracing.enabled).toBe(true);
    const parent = tracer().startSpan('parent', { kind: SpanKind.SERVER });
    const child = tracer().startSpan('child', {}, trace.setSpan(context.active(), parent));
    child.end();
    parent.end();
    await shutdownTracing();
    expect(receiver.requests).toEqual([{ path: '/v1/traces', contentType }]);
    expect(receiver.spans.map((s) => [s.name, s.serviceName, s.traceId]).sort()).toEqual([
      ['child', 'crypto-oms-test', parent.spanContext().traceId],
      ['parent', 'crypto-oms-test', parent.spanContext().traceId],
    ]);
    expect(receiver.spans.find((s) => s.name === 'child')?.parentSpanId).toBe(parent.spanContext().spanId);
  });

  it('OTEL_SERVICE_NAME overrides the default, and OTEL_TRACES_SAMPLER=always_off sends nothing', async () => {
    startTracing(otel({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'oms-eu' }), 'crypto-oms-test');
    tracer().startSpan('kept').end();
    await shutdownTracing();
    expect(receiver.spans.map((s) => s.serviceName)).toEqual(['oms-eu']);

    receiver.spans.length = 0;
    startTracing(otel({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_TRACES_SAMPLER: 'always_off' }), 'crypto-oms-test');
    tracer().startSpan('dropped').end();
    await shutdownTracing();
    expect(receiver.spans).toEqual([]);
  });

  it('log lines written inside an active span carry its trace_id and span_id; lines outside carry neither', async () => {
    startTracing(otel({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }), 'crypto-oms-test');
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ name: 'test', level: 'info' }, sink);
    logger.info('outside');
    const ids = await tracer().startActiveSpan('work', async (span) => {
      // After an await too: the context manager carries the span across it.
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.child({ component: 'x' }).info('inside');
      span.end();
      return span.spanContext();
    });
    expect(lines.find((l) => l.msg === 'outside')).not.toHaveProperty('trace_id');
    expect(lines.find((l) => l.msg === 'inside')).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, component: 'x' });
  });
});
