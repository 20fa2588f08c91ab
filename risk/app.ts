import { checkRouteTable, type InternalRoute } from '../infra/http/internal-auth';
import { createServiceApp } from '../infra/http/service-app';
import type { RiskDeps } from './deps';
import { createRiskEngine, DEFAULT_FEE_ACCOUNT_ID } from './engine';
import { createAccountRoutes } from './routes/accounts';
import { createOrderRoutes } from './routes/orders';
import { createSymbolRoutes } from './routes/symbols';

/**
 * Who calls what (infra/http/internal-auth.ts): the order workflow's activities, in the worker, hold, settle fills and
 * release; the order API reads balances and positions and runs the admin switches. Any other signed caller gets 403.
 */
export const RISK_ROUTES: readonly InternalRoute[] = [
  { method: 'POST', path: '/risk/orders/:orderId/hold', callers: ['worker'] },
  { method: 'POST', path: '/risk/orders/:orderId/fills', callers: ['worker'] },
  { method: 'POST', path: '/risk/orders/:orderId/release', callers: ['worker'] },
  { method: 'GET', path: '/risk/accounts/:accountId/balances', callers: ['api'] },
  { method: 'GET', path: '/risk/accounts/:accountId/positions', callers: ['api'] },
  { method: 'PUT', path: '/risk/accounts/:accountId/trading', callers: ['api'] },
  { method: 'PUT', path: '/risk/symbols/:symbol/status', callers: ['api'] },
];

/**
 * The risk engine service: one factory, dependencies passed in, routes grouped per resource.
 * Internal (called by the order workflow's activities and the order API): every route but the probes and the
 * OpenAPI needs a signed call from a caller RISK_ROUTES names (infra/http/internal-auth.ts), and it listens on loopback unless RISK_HOST says otherwise.
 */
export function createRiskApp(deps: RiskDeps) {
  const engine = createRiskEngine({
    accounts: deps.accounts,
    symbols: deps.symbols,
    prices: deps.prices,
    positionMirror: deps.positionMirror,
    venueOrders: deps.venueOrders,
    logger: deps.logger,
    feeAccountId: deps.feeAccountId ?? DEFAULT_FEE_ACCOUNT_ID,
    symbolStatus: deps.symbolStatus,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  });
  const app = createServiceApp({
    logger: deps.logger,
    readiness: deps.readiness,
    internalAuth: { callers: deps.internalAuth.callers, routes: RISK_ROUTES },
    ...(deps.allowedHosts === undefined ? {} : { allowedHosts: deps.allowedHosts }),
    ...(deps.maxBodyBytes === undefined ? {} : { maxBodyBytes: deps.maxBodyBytes }),
    openApi: {
      title: 'crypto-oms risk engine',
      description:
        'Internal service owning account balances and positions: pre-trade checks and holds per order (account trading switch, symbol halts, price band for LIMIT, protection price for MARKET, both from the mark price on Kafka `prices`), fill settlement with fees and positions, releases. Amounts are decimal strings.',
    },
  });

  app.route('/risk/orders', createOrderRoutes(engine));
  app.route('/risk/accounts', createAccountRoutes(engine));
  app.route('/risk/symbols', createSymbolRoutes(engine, deps.announceSymbolStatus));
  checkRouteTable(app.routes, RISK_ROUTES);

  return app;
}

export type RiskApp = ReturnType<typeof createRiskApp>;
