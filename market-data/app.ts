import { Hono } from 'hono';
import { DomainError } from '../domain/errors';
import { requestContext, type ServiceEnv } from '../infra/http/context';
import { errorResponse, handleError } from '../infra/http/errors';
import { createHealthRoutes } from '../infra/http/health';
import { registerValibotConverter, serveOpenApi } from '../infra/http/openapi';
import type { Logger } from '../infra/logger';
import { createMarketRoutes, type MarketRoutesDeps } from './routes/market';

export interface MarketDataAppDeps extends MarketRoutesDeps {
  logger: Logger;
  /** Each dependency's name and a probe that resolves when it answers. */
  readiness: Record<string, () => Promise<void>>;
}

/** The market data service's HTTP face: public REST market data (the WebSocket server attaches to the same server). */
export function createMarketDataApp(deps: MarketDataAppDeps) {
  registerValibotConverter();
  const app = new Hono<ServiceEnv>();

  app.use(requestContext(deps.logger));
  app.onError(handleError);
  app.notFound((c) => errorResponse(c, new DomainError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)));

  app.route('/', createHealthRoutes(deps.readiness));
  app.route('/api/market', createMarketRoutes(deps));

  serveOpenApi(app, {
    title: 'crypto-oms market data',
    description:
      'Public market data of the venue: symbols, 24 h tickers, L2 order books, recent trades and candles. Live updates of the same (and the private orders channel) over the WebSocket at /ws/market-data. Decimals are strings.',
  });

  return app;
}

export type MarketDataApp = ReturnType<typeof createMarketDataApp>;
