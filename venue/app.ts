import type { SymbolRegistry } from '../domain/symbols';
import { checkRouteTable, type CallerSecrets, type InternalRoute } from '../infra/http/internal-auth';
import { createServiceApp } from '../infra/http/service-app';
import type { Logger } from '../infra/logger';
import { createBookRoutes } from './routes/book';
import { createOrderRoutes } from './routes/orders';
import type { Venue } from './venue';

export interface VenueAppDeps {
  logger: Logger;
  venue: Pick<Venue, 'submit' | 'cancel' | 'getOrder' | 'orderStates' | 'book'>;
  symbols: SymbolRegistry;
  /** Each dependency's name and a probe that resolves when it answers. */
  readiness: Record<string, () => Promise<void>>;
  /** Defaults to 16 KB; an order body is a few hundred bytes. */
  maxBodyBytes?: number;
  /** Each caller's accepted secrets (internalCallerSecrets(config)): every route but the probes and the OpenAPI needs a signed call from a caller VENUE_ROUTES names. */
  internalAuth: { callers: CallerSecrets };
  /** The Host names it answers to (config.http.allowedHosts); defaults to localhost. */
  allowedHosts?: readonly string[];
}

/**
 * Who calls what (infra/http/internal-auth.ts): the order workflow's activities, in the worker, submit, cancel and read
 * their orders, and the worker's reconciliation sweeper reads many orders' states at once; the risk engine reads an
 * order before it releases a hold; market data reads the book to resync. Any other signed caller gets 403.
 */
export const VENUE_ROUTES: readonly InternalRoute[] = [
  { method: 'POST', path: '/venue/orders', callers: ['worker'] },
  // A static path beside /venue/orders/:orderId/...: only a POST reaches it (GET /venue/orders/states reads an order named so).
  { method: 'POST', path: '/venue/orders/states', callers: ['worker'] },
  { method: 'POST', path: '/venue/orders/:orderId/cancel', callers: ['worker'] },
  { method: 'GET', path: '/venue/orders/:orderId', callers: ['worker', 'risk'] },
  { method: 'GET', path: '/venue/book/:symbol', callers: ['market-data'] },
];

/**
 * The venue's HTTP face: order entry for the order workflow and the book for market data's resyncs. Internal: every
 * route but the probes and the OpenAPI needs a signed call from a caller VENUE_ROUTES names (infra/http/internal-auth.ts); the public sees the book
 * through the market data service.
 */
export function createVenueApp(deps: VenueAppDeps) {
  const app = createServiceApp({
    logger: deps.logger,
    readiness: deps.readiness,
    internalAuth: { callers: deps.internalAuth.callers, routes: VENUE_ROUTES },
    ...(deps.allowedHosts === undefined ? {} : { allowedHosts: deps.allowedHosts }),
    ...(deps.maxBodyBytes === undefined ? {} : { maxBodyBytes: deps.maxBodyBytes }),
    openApi: {
      title: 'crypto-oms venue',
      description:
        'Internal simulated exchange: price-time matching per symbol, liquidity from replayed market data. Submit is idempotent by orderId; reports go to Kafka venue-reports, public trades and book deltas to price-feeds. Decimals are strings.',
    },
  });

  app.route('/venue/orders', createOrderRoutes(deps.venue, deps.symbols));
  app.route('/venue/book', createBookRoutes(deps.venue, deps.symbols));
  checkRouteTable(app.routes, VENUE_ROUTES);

  return app;
}
