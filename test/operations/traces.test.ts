import { randomBytes } from 'node:crypto';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../harness/otlp-receiver';
import { eventually } from '../harness/processes';
import { TestSystem } from '../harness/system';

jest.setTimeout(120_000);

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

/** A W3C traceparent of our own, so the test knows each order's trace id before the system does anything. */
function newTraceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

/**
 * One trace per order across the processes (README "Traces"): the api, worker, risk engine and venue run as their own
 * processes, exporting OTLP/HTTP (http/json) to a receiver in this test process, and an order that fills and settles
 * must leave one trace with spans from all four, linked parent to child from the POST to the venue's report.
 */
describe('traces: one trace per order across api, Kafka, the workflow, risk and venue', () => {
  let receiver: OtlpReceiver;
  let system: TestSystem;
  let alice: { accountId: string; apiKey: string };
  let bob: { accountId: string; apiKey: string };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    system = await TestSystem.create('traces', {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
    alice = await system.createAccount({ USD: '100000', BTC: '2' });
    bob = await system.createAccount({ USD: '100000', BTC: '2' });
    await system.startAll();
  }, 180_000);
  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  }, 60_000);

  const limit = (side: 'BUY' | 'SELL', price: string) => ({ symbol: 'BTC-USD', side, type: 'LIMIT', quantity: '0.1', price, timeInForce: 'GTC' });
  const place = async (who: { apiKey: string }, body: unknown, traceparent: string) => {
    const placed = await system.request('POST', '/api/orders', { apiKey: who.apiKey, body, headers: { 'Idempotency-Key': randomBytes(8).toString('hex'), traceparent } });
    expect(placed.status).toBe(202);
    return placed.json.orderId as string;
  };
  const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  const one = (spans: ReceivedSpan[], what: string, match: (s: ReceivedSpan) => boolean) => {
    const found = spans.filter(match);
    if (found.length === 0) throw new Error(`no ${what} span in the trace: ${spans.map((s) => `${s.serviceName}/${s.name}`).join(', ')}`);
    return found[0]!;
  };

  it('follows an order that fills and settles from the POST through Kafka, the workflow and its activities, risk, the venue and its report back', async () => {
    const makerTrace = newTraceparent();
    const sell = await place(bob, limit('SELL', '30000'), makerTrace.header);
    await system.waitForStatus(bob.apiKey, sell, 'ACCEPTED');
    const takerTrace = newTraceparent();
    const buy = await place(alice, limit('BUY', '30100'), takerTrace.header);
    await system.waitForStatus(alice.apiKey, buy, 'SETTLED');
    await system.waitForStatus(bob.apiKey, sell, 'SETTLED');

    // The workflow's own span ends when it completes, shortly after SETTLED; the processes batch spans every 200 ms.
    const spans = await eventually(
      'the taker order trace to hold the workflow run and spans of all four processes',
      async () => {
        const found = spansOf(takerTrace.traceId);
        const services = new Set(found.map((s) => s.serviceName));
        const complete = ['crypto-oms-api', 'crypto-oms-worker', 'crypto-oms-risk', 'crypto-oms-venue'].every((s) => services.has(s));
        // The settlement's span too: the workflow may end within the risk engine's next batch of spans after it.
        const settled = found.some((s) => s.serviceName === 'crypto-oms-risk' && s.name === 'POST /risk/orders/:orderId/fills');
        return complete && settled && found.some((s) => s.name === 'RunWorkflow:orderLifecycle') && found.some((s) => s.name.endsWith('venue-reports process')) ? found : undefined;
      },
      60_000,
      250,
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);

    // The POST continues the caller's traceparent; the OrderCreated message carries the producer span's context.
    const post = one(spans, 'api POST', (s) => s.serviceName === 'crypto-oms-api' && s.kind === SERVER && s.name === 'POST /api/orders');
    expect(post.parentSpanId).toBe(takerTrace.spanId);
    expect(post.attributes).toMatchObject({ 'http.route': '/api/orders', 'http.response.status_code': 202 });
    const publish = one(spans, 'orders publish', (s) => s.kind === PRODUCER && s.name === `${system.config.kafka.topics.orders} publish`);
    expect(publish).toMatchObject({ serviceName: 'crypto-oms-api', parentSpanId: post.spanId });
    const consume = one(spans, 'orders process', (s) => s.kind === CONSUMER && s.name === `${system.config.kafka.topics.orders} process`);
    expect(consume).toMatchObject({ serviceName: 'crypto-oms-worker', parentSpanId: publish.spanId });

    // The workflow start carries the context into the workflow and its activities (Temporal's interceptors).
    const start = one(spans, 'StartWorkflow', (s) => s.name === 'StartWorkflow:orderLifecycle');
    expect(start).toMatchObject({ serviceName: 'crypto-oms-worker', parentSpanId: consume.spanId });
    const run = one(spans, 'RunWorkflow', (s) => s.name === 'RunWorkflow:orderLifecycle');
    expect(run.parentSpanId).toBe(start.spanId);
    const activities = spans.filter((s) => s.name.startsWith('RunActivity:')).map((s) => s.name);
    expect(activities).toEqual(expect.arrayContaining(['RunActivity:runSteps']));

    // Risk and venue calls: a CLIENT span in the worker, the SERVER span in the service continuing it.
    const hold = one(spans, 'risk hold', (s) => s.serviceName === 'crypto-oms-risk' && s.kind === SERVER && s.name === 'POST /risk/orders/:orderId/hold');
    expect(parentOf(hold)).toMatchObject({ serviceName: 'crypto-oms-worker', kind: CLIENT });
    // The hold is a step of a batched activity (patch 'batched-steps'): its span, then the activity's.
    expect(parentOf(parentOf(hold)!)?.name).toBe('OrderStep:reserveFunds');
    expect(parentOf(parentOf(parentOf(hold)!)!)?.name).toBe('RunActivity:runSteps');
    const submit = one(spans, 'venue submit', (s) => s.serviceName === 'crypto-oms-venue' && s.kind === SERVER && s.name === 'POST /venue/orders');
    expect(parentOf(parentOf(submit)!)?.name).toBe('OrderStep:submitToVenue');
    expect(parentOf(parentOf(parentOf(submit)!)!)?.name).toBe('RunActivity:runSteps');
    expect(spans.some((s) => s.serviceName === 'crypto-oms-risk' && s.kind === SERVER && s.name === 'POST /risk/orders/:orderId/fills')).toBe(true);

    // The venue's reports come back in the context of the order's venue call. The taker's are consumed and none is
    // signalled: its acknowledgement and fill came with the submit's answer (patch 'fills-with-submit').
    const reports = spans.filter((s) => s.kind === CONSUMER && s.name === `${system.config.kafka.topics.venueReports} process`);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    for (const report of reports) expect(report).toMatchObject({ serviceName: 'crypto-oms-worker', parentSpanId: submit.spanId });
    expect(reports.filter((report) => spans.some((s) => s.parentSpanId === report.spanId && s.name.startsWith('SignalWorkflow:')))).toHaveLength(0);

    // The maker's fill, reported while the taker's call ran, continues the maker's own trace, not the taker's, and
    // signals the maker's workflow from there.
    await eventually('the maker order trace to hold its fill report and its signal', async () => {
      const maker = spansOf(makerTrace.traceId);
      const processed = maker.filter((s) => s.name.endsWith('venue-reports process') && s.serviceName === 'crypto-oms-worker');
      return processed.some((report) => maker.some((s) => s.parentSpanId === report.spanId && s.name.startsWith('SignalWorkflow:'))) ? true : undefined;
    });
    expect(spansOf(makerTrace.traceId).some((s) => s.name === 'POST /api/orders' && s.parentSpanId === makerTrace.spanId)).toBe(true);

    // Log lines written inside the trace carry its id, in the api and in the worker.
    expect(system.api!.output()).toContain(`"trace_id":"${takerTrace.traceId}"`);
    expect(system.worker!.output()).toContain(`"trace_id":"${takerTrace.traceId}"`);
  });
});
