import { Hono } from 'hono';
import { DomainError } from '../domain/errors';
import { requestContext, type ServiceEnv } from '../infra/http/context';
import type { RiskDeps } from './deps';
import { createRiskEngine, DEFAULT_FEE_ACCOUNT_ID } from './engine';
import { errorResponse, handleError } from '../infra/http/errors';
import { registerValibotConverter, serveOpenApi } from '../infra/http/openapi';
import { createAccountRoutes } from './routes/accounts';
import { createHealthRoutes } from '../infra/http/health';
import { createOrderRoutes } from './routes/orders';

const DEFAULT_MAX_BODY_BYTES = 16_384;

/**
 * The risk engine service: one factory, dependencies passed in, routes grouped per resource.
 * Internal (called by the order workflow's activities and the order API), so there is no API-key
 * authentication; it must not be reachable from outside the cluster.
 */
export function createRiskApp(deps: RiskDeps) {
  registerValibotConverter();
  const app = new Hono<ServiceEnv>();
  const engine = createRiskEngine({
    accounts: deps.accounts,
    symbols: deps.symbols,
    prices: deps.prices,
    positionMirror: deps.positionMirror,
    logger: deps.logger,
    feeAccountId: deps.feeAccountId ?? DEFAULT_FEE_ACCOUNT_ID,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  });

  app.use(requestContext(deps.logger));
  app.onError(handleError);
  app.notFound((c) => errorResponse(c, new DomainError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)));

  app.route('/', createHealthRoutes(deps.readiness));
  app.route('/risk/orders', createOrderRoutes(engine, { maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }));
  app.route('/risk/accounts', createAccountRoutes(engine));

  serveOpenApi(app, {
    title: 'crypto-oms risk engine',
    description:
      'Internal service owning account balances and positions: pre-trade checks and holds per order (price band for LIMIT, protection price for MARKET, both from the mark price on Kafka `prices`), fill settlement with fees and positions, releases. Amounts are decimal strings.',
  });

  return app;
}

export type RiskApp = ReturnType<typeof createRiskApp>;
