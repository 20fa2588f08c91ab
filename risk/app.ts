import { createServiceApp } from '../infra/http/service-app';
import type { RiskDeps } from './deps';
import { createRiskEngine, DEFAULT_FEE_ACCOUNT_ID } from './engine';
import { createAccountRoutes } from './routes/accounts';
import { createOrderRoutes } from './routes/orders';
import { createSymbolRoutes } from './routes/symbols';

/**
 * The risk engine service: one factory, dependencies passed in, routes grouped per resource.
 * Internal (called by the order workflow's activities and the order API): every route but the probes and the
 * OpenAPI needs a signed call (infra/http/internal-auth.ts), and it listens on loopback unless RISK_HOST says otherwise.
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
    internalAuth: deps.internalAuth,
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

  return app;
}

export type RiskApp = ReturnType<typeof createRiskApp>;
