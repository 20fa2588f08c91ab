import { context, trace } from '@opentelemetry/api';
import { startOtlpReceiver, type OtlpReceiver } from '../../test/harness/otlp-receiver';
import { loadConfig } from '../config';
import { traceConsume, tracePublish } from './kafka-tracing';
import { RecentTraceContexts } from './trace-contexts';
import { shutdownTracing, startTracing, tracer } from './tracing';

type Message = { key: string; headers?: Record<string, string> };

describe('trace context across Kafka and the venue outbox (a real OTLP/HTTP receiver in this process)', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
    startTracing(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }).telemetry, 'crypto-oms-test');
  });
  afterEach(async () => {
    await shutdownTracing();
    await receiver.close();
  });

  it('inside a span, publish adds a traceparent the consumer continues; a message that has one keeps it', async () => {
    const sent: Message[] = [];
    const own: Message = { key: 'b', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } };
    const root = tracer().startSpan('POST /api/orders');
    await context.with(trace.setSpan(context.active(), root), () =>
      tracePublish<Message>('orders', [{ key: 'a' }, own], async (messages) => {
        sent.push(...messages);
      }),
    );
    root.end();
    expect(sent[0]!.headers!.traceparent).toMatch(new RegExp(`^00-${root.spanContext().traceId}-[0-9a-f]{16}-01$`));
    expect(sent[1]).toBe(own);

    const seen = await traceConsume({ topic: 'orders', partition: 0, offset: '7', key: 'a', headers: sent[0]!.headers! }, 'group', async () => trace.getActiveSpan()?.spanContext());
    expect(seen?.traceId).toBe(root.spanContext().traceId);
    await shutdownTracing();
    const names = receiver.spans.map((s) => s.name).sort();
    expect(names).toEqual(['POST /api/orders', 'orders process', 'orders publish']);
    const publish = receiver.spans.find((s) => s.name === 'orders publish')!;
    expect(receiver.spans.find((s) => s.name === 'orders process')!.parentSpanId).toBe(publish.spanId);
  });

  it('outside any span, publish adds nothing and a message without a traceparent is handled outside any trace', async () => {
    const sent: Message[] = [];
    await tracePublish<Message>('price-feeds', [{ key: 'BTC-USD' }], async (messages) => {
      sent.push(...messages);
    });
    expect(sent).toEqual([{ key: 'BTC-USD' }]);
    const active = await traceConsume({ topic: 'prices', partition: 0, offset: '1', key: null, headers: {} }, 'group', async () => trace.getActiveSpan());
    expect(active).toBeUndefined();
    await shutdownTracing();
    expect(receiver.spans).toEqual([]);
  });

  it('remembers the context an order was submitted in, for its later reports, and forgets the oldest beyond its bound', () => {
    const contexts = new RecentTraceContexts(2);
    contexts.remember('outside'); // no active span: nothing to remember
    const ids: string[] = [];
    for (const orderId of ['o1', 'o2', 'o3']) {
      tracer().startActiveSpan(`POST /venue/orders ${orderId}`, (span) => {
        contexts.remember(orderId);
        ids.push(span.spanContext().spanId);
        span.end();
      });
    }
    expect(contexts.size).toBe(2);
    expect(contexts.headersOf('outside')).toBeUndefined();
    expect(contexts.headersOf('o1')).toBeUndefined();
    expect(contexts.headersOf('o3')?.traceparent).toContain(ids[2]);
  });
});
