import { Hono } from 'hono';
import pino from 'pino';
import { metricsRegistry } from '../metrics/registry';
import { methodLabel, routeLabel, UNMATCHED_ROUTE } from './http-metrics';
import { createInternalSigner } from './internal-auth';
import { createServiceApp } from './service-app';

describe('routeLabel', () => {
  it('is the last matched route that is not middleware', () => {
    expect(routeLabel([{ method: 'ALL', path: '*' }, { method: 'ALL', path: '/api/*' }, { method: 'GET', path: '/api/orders/:orderId' }])).toBe('/api/orders/:orderId');
  });

  it('is one fixed value when only middleware matched (an unknown path)', () => {
    expect(routeLabel([{ method: 'ALL', path: '*' }, { method: 'ALL', path: '/api/*' }])).toBe(UNMATCHED_ROUTE);
    expect(routeLabel([])).toBe(UNMATCHED_ROUTE);
  });
});

describe('methodLabel', () => {
  it('keeps the standard methods and folds the rest into OTHER', () => {
    expect(methodLabel('get')).toBe('GET');
    expect(methodLabel('DELETE')).toBe('DELETE');
    expect(methodLabel('PROPFIND')).toBe('OTHER');
  });
});

/** The value of one series in the registry (0 when absent). */
async function seriesValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  const found = metric?.values.find((value) => Object.entries(labels).every(([k, v]) => String(value.labels[k]) === v));
  return found?.value ?? 0;
}

describe('the service app counts requests by route pattern and serves /metrics', () => {
  const secrets = ['a-secret-for-the-metrics-test-0123456789'];
  const app = createServiceApp({ logger: pino({ level: 'silent' }), readiness: {}, openApi: { title: 't', description: 'd' }, internalAuth: { callers: new Map([['worker', secrets]]), routes: [{ method: 'GET', path: '/api/orders/:orderId', callers: ['worker'] }] } });
  const orders = new Hono();
  orders.get('/:orderId', (c) => c.json({ orderId: c.req.param('orderId') }));
  app.route('/api/orders', orders);
  const signer = createInternalSigner({ caller: 'worker', secrets });
  const signed = (path: string) => app.request(path, { headers: signer.headers({ method: 'GET', pathWithQuery: path, body: '' }) });

  it('labels a request with its route pattern, not its ids, and unknown paths with one value', async () => {
    const before = await seriesValue('http_requests_total', { method: 'GET', route: '/api/orders/:orderId', status: '200' });
    const unmatchedBefore = await seriesValue('http_requests_total', { method: 'GET', route: UNMATCHED_ROUTE, status: '404' });
    expect((await signed('/api/orders/o-123')).status).toBe(200);
    expect((await signed('/api/orders/o-456')).status).toBe(200);
    expect((await signed('/no/such/path/1')).status).toBe(404);
    expect((await signed('/no/such/path/2')).status).toBe(404);
    expect(await seriesValue('http_requests_total', { method: 'GET', route: '/api/orders/:orderId', status: '200' })).toBe(before + 2);
    expect(await seriesValue('http_requests_total', { method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBe(unmatchedBefore + 2);
    const text = await metricsRegistry.metrics();
    expect(text).not.toContain('o-123');
    expect(text).not.toContain('/no/such/path');
  });

  it('counts a request refused by the internal-auth guard under the route it asked for', async () => {
    const before = await seriesValue('http_requests_total', { method: 'GET', route: '/api/orders/:orderId', status: '401' });
    expect((await app.request('/api/orders/o-789')).status).toBe(401);
    expect(await seriesValue('http_requests_total', { method: 'GET', route: '/api/orders/:orderId', status: '401' })).toBe(before + 1);
  });

  it('serves /metrics in the text format without a signature, with the duration histogram', async () => {
    const response = await app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/api\/orders\/:orderId"\}/);
  });

  it('appends the extra exporter text when the app is given one', async () => {
    const withExtra = createServiceApp({
      logger: pino({ level: 'silent' }),
      readiness: {},
      openApi: { title: 't', description: 'd' },
      extraMetrics: async () => '# TYPE temporal_test_total counter\ntemporal_test_total 3\n',
    });
    const text = await (await withExtra.request('/metrics')).text();
    expect(text).toContain('http_requests_total');
    expect(text.endsWith('temporal_test_total 3\n')).toBe(true);
  });
});
