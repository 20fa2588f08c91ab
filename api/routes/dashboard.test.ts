import { Hono } from 'hono';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../../domain/errors';
import { requestContext, type ServiceEnv } from '../../infra/http/context';
import { handleError } from '../../infra/http/errors';
import { createLogger } from '../../infra/logger';
import { createDashboardRoutes, type DashboardDeps } from './dashboard';

const dist = mkdtempSync(join(tmpdir(), 'dashboard-'));
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc.js"></script>');
writeFileSync(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(dist, 'secret.txt'), 'not an asset');

/** The API's order: dashboard routes first, then the API key check on /api/* (api/app.ts). */
function app(over: Partial<DashboardDeps> = {}) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fakeFetch = (async (url: URL | string, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return new Response('{"symbol":"BTC-USD"}', { status: 200, headers: { 'Content-Type': 'application/json', 'Set-Cookie': 'x=1' } });
  }) as typeof fetch;
  const hono = new Hono<ServiceEnv>();
  hono.use(requestContext(createLogger({ name: 'test', level: 'silent' })));
  hono.onError(handleError);
  hono.route('/', createDashboardRoutes({ distDir: dist, marketDataUrl: 'http://127.0.0.1:5002', wsUrl: undefined, marketDataPort: 5002, fetch: fakeFetch, ...over }));
  hono.use('/api/*', async () => {
    throw new DomainError('UNAUTHENTICATED', 'an API key is required');
  });
  return { hono, calls };
}

describe('dashboard routes', () => {
  it('serves the page with a strict Content-Security-Policy and the security headers', async () => {
    const res = await app().hono.request('http://localhost:5000/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('/assets/index-abc.js');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self' ws://localhost:5002");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves hashed assets for good, and nothing outside assets/', async () => {
    const { hono } = app();
    const js = await hono.request('/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    for (const path of ['/assets/..%2Fsecret.txt', '/assets/%2E%2E%2Fsecret.txt', '/secret.txt', '/assets/missing.js']) {
      const res = await hono.request(path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('not an asset');
    }
  });

  it('gzips the page and its assets when the browser accepts it', async () => {
    const res = await app().hono.request('/assets/index-abc.js', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
  });

  it('says 503 with the error envelope while the page is not built', async () => {
    const res = await app({ distDir: join(dist, 'nowhere') }).hono.request('/');
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.code).toBe('SERVICE_UNAVAILABLE');
  });

  it('tells the page the WebSocket URL: this host on the market data port, or the configured one', async () => {
    const local = await app().hono.request('http://127.0.0.1:5000/dashboard-config.json');
    expect(await local.json()).toEqual({ wsUrl: 'ws://127.0.0.1:5002/ws/market-data', marketDataPath: '/api/market' });
    expect(local.headers.get('cache-control')).toBe('no-store');

    const ingress = app({ wsUrl: '/ws/market-data' }).hono;
    const behind = await ingress.request('https://trade.example.com/dashboard-config.json');
    expect(((await behind.json()) as any).wsUrl).toBe('/ws/market-data');
    expect((await ingress.request('https://trade.example.com/')).headers.get('content-security-policy')).toContain("connect-src 'self' wss://trade.example.com;");

    const compose = await app({ wsUrl: 'wss://md.example.com/ws/market-data' }).hono.request('/');
    expect(compose.headers.get('content-security-policy')).toContain("connect-src 'self' wss://md.example.com;");
  });

  it('proxies market data REST read-only, without credentials, before the API key check', async () => {
    const { hono, calls } = app();
    const res = await hono.request('/api/market/candles/BTC-USD?interval=1m&limit=5', { headers: { Authorization: 'Bearer demo-alice-key', Cookie: 'a=b' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ symbol: 'BTC-USD' });
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('http://127.0.0.1:5002/api/market/candles/BTC-USD?interval=1m&limit=5');
    const sent = new Headers(calls[0]!.init?.headers);
    expect(sent.get('authorization')).toBeNull();
    expect(sent.get('cookie')).toBeNull();

    // Only GET is proxied; anything else under /api stays behind the API key check.
    expect((await hono.request('/api/market/ticker/BTC-USD', { method: 'POST' })).status).toBe(401);
    expect((await hono.request('/api/orders')).status).toBe(401);
  });

  it('answers 503 when market data does not answer', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const res = await app({ fetch: failing }).hono.request('/api/market/ticker/BTC-USD');
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.code).toBe('SERVICE_UNAVAILABLE');
  });
});
