import { MarketDataTestProcess } from '../harness/market-data-test-process';
import { exportedNames, usedMetricNames } from '../harness/metric-names';
import { freePort, TestSystem } from '../harness/system';
import { WsTestClient } from '../harness/ws-test-client';

jest.setTimeout(120_000);

/** Names an exporter shows only once the event they count happened (nothing here makes it happen on purpose). */
const ONLY_AFTER_AN_EVENT: Record<string, string> = {
  temporal_workflow_task_execution_failed_total: 'the Core SDK exports it after the first failed workflow task (e.g. a nondeterminism error)',
  // A risk refusal failed the reserve activity until the check step recorded it (patch 'decide-with-hold').
  temporal_activity_execution_failed_total: 'the Core SDK exports it after the first failed activity attempt (a transient error toward a dependency)',
};

/**
 * Every metric name the alert rules (deploy/observability/prometheus/alerts.yml) and the Grafana dashboard
 * (deploy/observability/grafana/crypto-oms.json) use is exported by the running system: the five processes are
 * started, a few orders trade (a resting pair that crosses, one refused by risk, one cancelled), a WebSocket client
 * subscribes, and then each process's GET /metrics is scraped. The names are read out of the expressions, so a rule
 * or a panel added later is checked too; a family counts as exported from its `# TYPE` line, samples or not.
 */
describe('metrics the alerts and the dashboard use are exported', () => {
  let system: TestSystem;
  let marketData: MarketDataTestProcess;
  let workerPort: number;

  beforeAll(async () => {
    workerPort = await freePort();
    const temporalMetricsPort = await freePort();
    system = await TestSystem.create('metricnames', { env: { WORKER_PORT: String(workerPort), WORKER_TEMPORAL_METRICS_PORT: String(temporalMetricsPort) } });
    marketData = await MarketDataTestProcess.create('metricnames', { VENUE_URL: system.venueUrl });
    await Promise.all([system.startAll(), marketData.start('ready')]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([system?.stop(), marketData?.dispose()]);
  }, 60_000);

  it('after a few orders, each name is on some process /metrics', async () => {
    const alice = await system.createAccount({ USD: '100000', BTC: '2' });
    const bob = await system.createAccount({ USD: '100000', BTC: '2' });
    const ws = await WsTestClient.connect(`${marketData.baseUrl.replace('http', 'ws')}/ws/market-data`);
    ws.send({ op: 'subscribe', id: 'book', channels: ['book:BTC-USD', 'trades:BTC-USD'] });

    const order = (side: 'BUY' | 'SELL', quantity: string, price: string) => ({ symbol: 'BTC-USD', side, type: 'LIMIT', quantity, price, timeInForce: 'GTC' });
    const resting = await system.placeOrder(alice.apiKey, order('SELL', '0.1', '30000'));
    const crossing = await system.placeOrder(bob.apiKey, order('BUY', '0.1', '30000'));
    const refused = await system.placeOrder(bob.apiKey, order('BUY', '50', '30000'));
    const cancelled = await system.placeOrder(alice.apiKey, order('SELL', '0.1', '40000'));
    expect([resting.status, crossing.status, refused.status, cancelled.status]).toEqual([202, 202, 202, 202]);
    await system.waitForStatus(alice.apiKey, resting.json.orderId, 'SETTLED');
    await system.waitForStatus(bob.apiKey, refused.json.orderId, 'REJECTED');
    await system.waitForStatus(alice.apiKey, cancelled.json.orderId, 'ACCEPTED');
    await system.request('DELETE', `/api/orders/${cancelled.json.orderId}`, { apiKey: alice.apiKey });
    await system.waitForStatus(alice.apiKey, cancelled.json.orderId, 'CANCELLED');

    const urls = {
      api: system.baseUrl,
      worker: `http://127.0.0.1:${workerPort}`,
      risk: system.env.RISK_URL!,
      venue: system.venueUrl,
      'market-data': marketData.baseUrl,
    };
    const used = usedMetricNames();
    const absent = async (): Promise<string[]> => {
      const exported = new Set<string>();
      for (const url of Object.values(urls)) {
        const response = await fetch(`${url}/metrics`).catch(() => undefined);
        if (response?.ok === true) for (const name of exportedNames(await response.text())) exported.add(name);
      }
      return [...used.entries()].filter(([name]) => !exported.has(name) && ONLY_AFTER_AN_EVENT[name] === undefined).map(([name, where]) => `${name} (${[...new Set(where)].join(', ')})`);
    };
    // Gauges refreshed on a timer (consumer lag every 15 s, stuck orders every 30 s) may need a moment after start.
    let missing = await absent();
    for (const deadline = Date.now() + 45_000; missing.length > 0 && Date.now() < deadline; missing = await absent()) {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    expect(missing).toEqual([]);
    for (const [process, url] of Object.entries(urls)) expect([process, (await fetch(`${url}/metrics`)).status]).toEqual([process, 200]);
    await ws.close();
  });
});
