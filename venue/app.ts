import { Hono } from 'hono';
import { DomainError } from '../domain/errors';
import type { SymbolRegistry } from '../domain/symbols';
import type { Logger } from '../infra/logger';
import { requestContext, type ServiceEnv } from '../infra/http/context';
import { errorResponse, handleError } from '../infra/http/errors';
import { createHealthRoutes } from '../infra/http/health';
import { registerValibotConverter, serveOpenApi } from '../infra/http/openapi';
import { createBookRoutes } from './routes/book';
import { createOrderRoutes } from './routes/orders';
import type { Venue } from './venue';

export interface VenueAppDeps {
  logger: Logger;
  venue: Pick<Venue, 'submit' | 'cancel' | 'getOrder' | 'book'>;
  symbols: SymbolRegistry;
  /** Each dependency's name and a probe that resolves when it answers. */
  readiness: Record<string, () => Promise<void>>;
  /** Defaults to 16 KB; an order body is a few hundred bytes. */
  maxBodyBytes?: number;
}

/**
 * The venue's HTTP face: order entry for the order workflow and the public book. Internal: no
 * authentication, so it must not be reachable from outside the cluster.
 */
export function createVenueApp(deps: VenueAppDeps) {
  registerValibotConverter();
  const app = new Hono<ServiceEnv>();

  app.use(requestContext(deps.logger));
  app.onError(handleError);
  app.notFound((c) => errorResponse(c, new DomainError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)));

  app.route('/', createHealthRoutes(deps.readiness));
  app.route('/venue/orders', createOrderRoutes(deps.venue, { symbols: deps.symbols, maxBodyBytes: deps.maxBodyBytes ?? 16_384 }));
  app.route('/venue/book', createBookRoutes(deps.venue, deps.symbols));

  serveOpenApi(app, {
    title: 'crypto-oms venue',
    description:
      'Internal simulated exchange: price-time matching per symbol, liquidity from replayed market data. Submit is idempotent by orderId; reports go to Kafka venue-reports, public trades and book deltas to price-feeds. Decimals are strings.',
  });

  return app;
}
