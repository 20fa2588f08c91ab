import type { MiddlewareHandler } from 'hono';
import { createServiceApp } from '../infra/http/service-app';
import type { Logger } from '../infra/logger';
import { createMarketRoutes, type MarketRoutesDeps } from './routes/market';

export interface MarketDataAppDeps extends MarketRoutesDeps {
  logger: Logger;
  /** Each dependency's name and a probe that resolves when it answers. */
  readiness: Record<string, () => Promise<void>>;
  /** The Host names it answers to (config.http.allowedHosts); defaults to localhost. */
  allowedHosts?: readonly string[];
  /** The per-address rate limit of the REST routes (infra/http/rate-limit.ts addressRateLimit); none when not given. */
  rateLimit?: MiddlewareHandler;
}

/** The market data service's HTTP face: public REST market data (the WebSocket server attaches to the same server). */
export function createMarketDataApp(deps: MarketDataAppDeps) {
  const app = createServiceApp({
    logger: deps.logger,
    readiness: deps.readiness,
    ...(deps.allowedHosts === undefined ? {} : { allowedHosts: deps.allowedHosts }),
    openApi: {
      title: 'crypto-oms market data',
      ...(deps.rateLimit === undefined ? {} : { rateLimited: /^\/api\/market\// }),
      description:
        'Public market data of the venue: symbols, 24 h tickers, L2 order books, recent trades and candles. Live updates of the same (and the private orders channel) over the WebSocket at /ws/market-data. Decimals are strings.',
    },
  });

  if (deps.rateLimit !== undefined) app.use('/api/market/*', deps.rateLimit);
  app.route('/api/market', createMarketRoutes(deps));

  return app;
}

export type MarketDataApp = ReturnType<typeof createMarketDataApp>;
