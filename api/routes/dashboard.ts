import { Hono, type Context } from 'hono';
import { compress } from 'hono/compress';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DomainError } from '../../domain/errors';
import type { ServiceEnv } from '../../infra/http/context';

/** What the dashboard routes need: where the built page is, and where the browser and this API reach market data. */
export interface DashboardDeps {
  /** The built page (web/dist): index.html and assets/. */
  distDir: string;
  /** The market data service's REST base, as this API reaches it (proxied under /api/market). */
  marketDataUrl: string;
  /** The WebSocket as the browser reaches it: a ws(s):// URL or a path on this origin. Unset: this host, port `marketDataPort`. */
  wsUrl: string | undefined;
  marketDataPort: number;
  fetch?: typeof fetch;
  proxyTimeoutMs?: number;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
const ASSET = /^[\w.-]{1,128}$/;
const HOSTNAME = /^([a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}$|^\[[0-9a-f:.]{2,45}\]$/i;
const PROXIED_HEADERS = ['content-type', 'cache-control'];

/**
 * The trading dashboard on the order API's own origin: the built page (web/dist) with strict security headers,
 * `/dashboard-config.json` (the WebSocket URL, learned at run time so one build serves every deployment), and
 * `/api/market/*` proxied read-only to the market data service. Mounted before the API key check: all of it is
 * public (market data is public; the key is only ever sent by the page to /api/orders, /api/fills, /api/accounts
 * and the WebSocket's auth frame).
 *
 * Why a proxy and not CORS on the market data service: behind an ingress the page, the API and market data share
 * one host, with `/api/market` and `/ws/market-data` routed to the market data service and the rest to the API.
 * The proxy gives the same single origin locally, so the page never makes a cross-origin request and the market
 * data service needs no CORS policy at all. (The WebSocket needs none either: browsers do not apply CORS to it.)
 */
export function createDashboardRoutes(deps: DashboardDeps) {
  const app = new Hono<ServiceEnv>();
  const doFetch = deps.fetch ?? fetch;

  const wsUrlFor = (c: Context): string => {
    if (deps.wsUrl !== undefined) return deps.wsUrl;
    const host = new URL(c.req.url).hostname;
    return `ws://${HOSTNAME.test(host) ? host : 'localhost'}:${deps.marketDataPort}/ws/market-data`;
  };
  /** connect-src: this origin, and the WebSocket's origin when it is another one. */
  const connectSources = (c: Context): string => {
    const ws = wsUrlFor(c);
    if (ws.startsWith('/')) {
      const self = new URL(c.req.url);
      return `'self' ${self.protocol === 'https:' ? 'wss:' : 'ws:'}//${self.host}`;
    }
    return `'self' ${new URL(ws).origin.replace(/^http/, 'ws')}`;
  };

  const securityHeaders = (c: Context) => {
    c.header(
      'Content-Security-Policy',
      [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        `connect-src ${connectSources(c)}`,
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    c.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  };

  const serveFile = async (c: Context, relative: string, cacheControl: string) => {
    let body: Buffer;
    try {
      body = await readFile(join(deps.distDir, relative));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (relative === 'index.html') {
        throw new DomainError('SERVICE_UNAVAILABLE', `the dashboard is not built (no ${join(deps.distDir, 'index.html')}): npm start builds it, or run npx vite build web`);
      }
      throw new DomainError('NOT_FOUND', `no file ${relative}`);
    }
    securityHeaders(c);
    c.header('Content-Type', TYPES[extname(relative)] ?? (relative.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream'));
    c.header('Cache-Control', cacheControl);
    return c.body(new Uint8Array(body), 200);
  };

  const page = (c: Context) => serveFile(c, 'index.html', 'no-cache');
  app.get('/', compress(), page);
  app.get('/index.html', compress(), page);
  // Vite names every asset by its content hash: it can be cached for good.
  app.get('/assets/:file', compress(), (c) => {
    const file = c.req.param('file');
    if (!ASSET.test(file) || file.startsWith('.')) throw new DomainError('NOT_FOUND', 'no such asset');
    return serveFile(c, join('assets', file), 'public, max-age=31536000, immutable');
  });

  app.get('/dashboard-config.json', (c) => {
    securityHeaders(c);
    c.header('Cache-Control', 'no-store');
    return c.json({ wsUrl: wsUrlFor(c), marketDataPath: '/api/market' }, 200);
  });

  // Read-only and public: no credentials or cookies go through, only the path and query.
  app.get('/api/market/*', async (c) => {
    const url = new URL(c.req.url);
    const target = new URL(`${url.pathname}${url.search}`, deps.marketDataUrl);
    let upstream: Response;
    try {
      upstream = await doFetch(target, {
        headers: { Accept: 'application/json', 'X-Request-Id': c.var.requestId },
        signal: AbortSignal.timeout(deps.proxyTimeoutMs ?? 10_000),
      });
    } catch (error) {
      c.var.logger.warn({ err: error, path: url.pathname }, 'dashboard.market_data_unreachable');
      throw new DomainError('SERVICE_UNAVAILABLE', 'market data does not answer');
    }
    const headers = new Headers();
    for (const name of PROXIED_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('X-Request-Id', c.var.requestId);
    return new Response(await upstream.arrayBuffer(), { status: upstream.status, headers });
  });

  return app;
}
