import { Kafka, logLevel } from 'kafkajs';
import { MarketDataTestProcess } from '../harness/market-data-test-process';
import { eventually } from '../harness/processes';
import { TestSystem } from '../harness/system';
import { WsTestClient } from '../harness/ws-test-client';
import { orderProcessorGroups } from '../../workers/order-processor-group';

jest.setTimeout(90_000);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (enough of the format for what prom-client and the Core SDK write). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

class Scrape {
  readonly samples: Sample[];
  constructor(readonly text: string) {
    this.samples = parseExposition(text);
  }

  /** The sum of the samples of `name` whose labels include `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.find(name, labels).reduce((total, s) => total + s.value, 0);
  }

  find(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  names(prefix: string): string[] {
    return [...new Set(this.samples.filter((s) => s.name.startsWith(prefix)).map((s) => s.name))];
  }
}

async function scrape(baseUrl: string): Promise<Scrape> {
  // No API key and no internal signature: /metrics is public like /health on every process.
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return new Scrape(await response.text());
}

/**
 * The whole system on the real stack (api, worker, risk, venue as processes, market data on the same venue): a few
 * orders trade, settle and get refused, then each of the five processes' /metrics answers with its families.
 */
describe('metrics: every process serves /metrics with its families after real orders', () => {
  let system: TestSystem;
  let md: MarketDataTestProcess;
  let ws: WsTestClient | undefined;
  let alice: { accountId: string; apiKey: string };
  let bob: { accountId: string; apiKey: string };
  const placed: string[] = [];
  let rejected: string;

  const limit = (side: 'BUY' | 'SELL', quantity: string, price: string) => ({ symbol: 'BTC-USD', side, type: 'LIMIT', quantity, price, timeInForce: 'GTC' });
  async function place(who: { apiKey: string }, body: unknown): Promise<string> {
    const answer = await system.placeOrder(who.apiKey, body);
    expect(answer.status).toBe(202);
    const { orderId } = answer.json as { orderId: string };
    placed.push(orderId);
    return orderId;
  }

  beforeAll(async () => {
    system = await TestSystem.create('metrics');
    alice = await system.createAccount({ USD: '100000', BTC: '2' });
    bob = await system.createAccount({ USD: '100000', BTC: '2' });
    await system.startAll();
    md = await MarketDataTestProcess.create('metrics', { MONGO_DB: system.env.MONGO_DB!, VENUE_URL: system.venueUrl, MARKET_DATA_BACKFILL_FILES: 'none' });
    await md.start();
    ws = await WsTestClient.connect(`${md.baseUrl.replace('http', 'ws')}/ws/market-data`);
    await ws.request({ op: 'subscribe', id: 'sub-1', channels: ['trades:BTC-USD', 'book:BTC-USD'] });

    // Two pairs that trade and settle, and one order the balance cannot cover.
    for (const price of ['30000', '30010']) {
      const sell = await place(alice, limit('SELL', '0.1', price));
      await system.waitForStatus(alice.apiKey, sell, 'ACCEPTED');
      const buy = await place(bob, limit('BUY', '0.1', price));
      await system.waitForStatus(bob.apiKey, buy, 'SETTLED');
      await system.waitForStatus(alice.apiKey, sell, 'SETTLED');
    }
    const poor = await system.createAccount({ USD: '10', BTC: '0' });
    rejected = await place(poor, limit('BUY', '0.1', '30000'));
    expect((await system.waitForStatus(poor.apiKey, rejected, 'REJECTED')).rejectReason).toBe('INSUFFICIENT_BALANCE');

    // A poison message on `orders`: the worker dead-letters it.
    const kafka = new Kafka({ clientId: 'metrics-test', brokers: [...system.config.kafka.brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: system.config.kafka.topics.orders, messages: [{ key: 'poison', value: 'not json' }] });
    await producer.disconnect();
  }, 240_000);

  afterAll(async () => {
    await ws?.close();
    await md?.dispose();
    await system?.stop();
  }, 90_000);

  it('the order API: orders placed by symbol, side and type, HTTP requests by route pattern, Kafka publishing, process metrics', async () => {
    const api = await scrape(system.baseUrl);
    expect(api.sum('oms_orders_placed_total')).toBeGreaterThanOrEqual(placed.length);
    expect(api.sum('oms_orders_placed_total', { symbol: 'BTC-USD', side: 'SELL', type: 'LIMIT' })).toBeGreaterThanOrEqual(2);
    expect(api.sum('oms_orders_placed_total', { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT' })).toBeGreaterThanOrEqual(3);
    expect(api.sum('http_requests_total', { method: 'POST', route: '/api/orders', status: '202' })).toBeGreaterThanOrEqual(placed.length);
    // waitForStatus polled GET /api/orders/<id>: counted under the pattern, and no order id appears anywhere.
    expect(api.sum('http_requests_total', { method: 'GET', route: '/api/orders/:orderId', status: '200' })).toBeGreaterThanOrEqual(placed.length);
    expect(api.sum('http_request_duration_seconds_count', { method: 'GET', route: '/api/orders/:orderId' })).toBeGreaterThanOrEqual(placed.length);
    for (const orderId of placed) expect(api.text).not.toContain(orderId);
    expect(api.text).not.toContain(alice.accountId);
    expect(api.sum('oms_kafka_publish_duration_seconds_count', { topic: system.config.kafka.topics.orders })).toBeGreaterThanOrEqual(1);
    expect(api.sum('oms_kafka_publish_batch_size_sum', { topic: system.config.kafka.topics.orders })).toBeGreaterThanOrEqual(placed.length);
    expect(api.find('process_cpu_user_seconds_total', { service: 'api' })).toHaveLength(1);
    expect(api.find('nodejs_eventloop_lag_seconds', { service: 'api' })).toHaveLength(1);
  });

  it('the worker: /health and /ready, transitions, rejections, latencies, fills, settlement, consumer lag, dead letters, stuck orders and the Temporal SDK metrics', async () => {
    expect((await fetch(`${system.workerUrl}/health`)).status).toBe(200);
    const ready = await fetch(`${system.workerUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', dependencies: { mongo: { ok: true }, kafka: { ok: true }, temporal: { ok: true }, worker: { ok: true } } });

    const groups = orderProcessorGroups(system.config.kafka.prefix);
    const ordersTopic = system.config.kafka.topics.orders;
    const worker = await eventually(
      'the dead letter, the consumer lag and the Temporal metrics on the worker',
      async () => {
        const s = await scrape(system.workerUrl);
        const ok =
          s.sum('oms_kafka_dead_letters_total', { topic: ordersTopic }) >= 1 &&
          s.find('oms_kafka_consumer_lag', { group: groups.orders, topic: ordersTopic }).length > 0 &&
          s.names('temporal_').length > 0;
        return ok ? s : undefined;
      },
      30_000,
      500,
    );
    expect(worker.sum('oms_order_transitions_total', { status: 'ACCEPTED' })).toBeGreaterThanOrEqual(4);
    expect(worker.sum('oms_order_transitions_total', { status: 'SETTLED' })).toBe(4);
    expect(worker.sum('oms_order_transitions_total', { status: 'REJECTED' })).toBe(1);
    expect(worker.sum('oms_order_rejections_total', { reason: 'INSUFFICIENT_BALANCE' })).toBe(1);
    expect(worker.sum('oms_order_accept_latency_seconds_count')).toBe(4);
    expect(worker.sum('oms_order_terminal_latency_seconds_count', { status: 'SETTLED' })).toBe(4);
    expect(worker.sum('oms_order_terminal_latency_seconds_count', { status: 'REJECTED' })).toBe(1);
    expect(worker.sum('oms_fills_total', { symbol: 'BTC-USD' })).toBe(4);
    expect(worker.sum('oms_settlement_duration_seconds_count')).toBeGreaterThanOrEqual(4);
    expect(worker.sum('oms_kafka_messages_consumed_total', { group: groups.orders, topic: ordersTopic })).toBeGreaterThanOrEqual(placed.length + 1);
    expect(worker.find('oms_kafka_consumer_lag', { group: groups.venueReports, topic: system.config.kafka.topics.venueReports }).length).toBeGreaterThan(0);
    expect(worker.find('oms_orders_stuck', { status: 'NEW' })).toEqual([expect.objectContaining({ value: 0 })]);
    expect(worker.sum('oms_kafka_publish_duration_seconds_count', { topic: system.config.kafka.topics.executions })).toBeGreaterThanOrEqual(1);
    expect(worker.find('process_resident_memory_bytes', { service: 'worker' })).toHaveLength(1);

    // The Core SDK's own metrics, merged in: workflow and activity schedule-to-start in seconds, slots, failures.
    const temporal = worker.names('temporal_');
    expect(temporal).toEqual(expect.arrayContaining(['temporal_workflow_task_schedule_to_start_latency_seconds_bucket', 'temporal_activity_schedule_to_start_latency_seconds_bucket', 'temporal_worker_task_slots_available']));
    expect(worker.sum('temporal_workflow_task_schedule_to_start_latency_seconds_count', { task_queue: system.taskQueue })).toBeGreaterThan(0);
    expect(worker.find('temporal_worker_task_slots_available', { service: 'worker' }).length).toBeGreaterThan(0);
    for (const orderId of placed) expect(worker.text).not.toContain(orderId);
  });

  it('the risk engine: holds by outcome and refusals by code (no internal signature needed for /metrics)', async () => {
    const risk = await scrape(system.env.RISK_URL!);
    expect(risk.sum('oms_risk_holds_total', { outcome: 'placed' })).toBe(4);
    expect(risk.sum('oms_risk_holds_total', { outcome: 'settled' })).toBeGreaterThanOrEqual(4);
    expect(risk.sum('oms_risk_holds_total', { outcome: 'refused' })).toBe(1);
    expect(risk.sum('oms_risk_refusals_total', { code: 'INSUFFICIENT_BALANCE' })).toBe(1);
    expect(risk.sum('http_requests_total', { method: 'POST', route: '/risk/orders/:orderId/hold', status: '200' })).toBe(4);
    expect(risk.find('process_cpu_user_seconds_total', { service: 'risk' })).toHaveLength(1);
  });

  it('the venue: orders by type and outcome, trades, book levels, outbox backlog', async () => {
    const venue = await scrape(system.venueUrl);
    expect(venue.sum('oms_venue_orders_total', { type: 'LIMIT', outcome: 'accepted' })).toBe(4);
    expect(venue.sum('oms_venue_trades_total', { symbol: 'BTC-USD' })).toBe(2);
    expect(venue.find('oms_venue_book_levels', { symbol: 'BTC-USD', side: 'BUY' })).toHaveLength(1);
    expect(venue.find('oms_venue_book_levels', { symbol: 'BTC-USD', side: 'SELL' })).toHaveLength(1);
    expect(venue.find('oms_venue_outbox_backlog', { service: 'venue' })).toHaveLength(1);
    expect(venue.find('oms_venue_resting_orders', { symbol: 'BTC-USD' })).toHaveLength(1);
    expect(venue.sum('oms_venue_known_orders', { service: 'venue' })).toBeGreaterThanOrEqual(1);
    expect(venue.sum('oms_kafka_publish_batch_size_count', { topic: system.config.kafka.topics.venueReports })).toBeGreaterThanOrEqual(1);
  });

  it('market data: WebSocket connections and frames by channel, slow-consumer cut-offs, book resyncs', async () => {
    const market = await eventually(
      'the trades to reach the WebSocket client',
      async () => {
        const s = await scrape(md.baseUrl);
        return s.sum('oms_ws_messages_sent_total', { channel: 'trades' }) >= 2 ? s : undefined;
      },
      30_000,
      500,
    );
    expect(market.sum('oms_ws_connections', { service: 'market-data' })).toBe(1);
    expect(market.sum('oms_ws_messages_sent_total', { channel: 'control' })).toBeGreaterThanOrEqual(1);
    expect(market.sum('oms_ws_messages_sent_total', { channel: 'book' })).toBeGreaterThanOrEqual(1);
    expect(market.find('oms_ws_slow_consumer_disconnects_total')).toEqual([expect.objectContaining({ value: 0 })]);
    expect(market.sum('oms_market_data_book_resyncs_total', { symbol: 'BTC-USD' })).toBeGreaterThanOrEqual(1);
    // A scrape is counted once answered: the next one shows the earlier ones.
    expect((await scrape(md.baseUrl)).sum('http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(1);
  });
});
