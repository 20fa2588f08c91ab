import { Scalar } from '@scalar/hono-api-reference';
import type { Context } from 'hono';
import { isWellFormedApiKey } from '../domain/api-key';
import { DomainError } from '../domain/errors';
import { createServiceApp } from '../infra/http/service-app';
import type { AppEnv } from './context';
import type { ApiDeps } from './deps';
import { createAccountRoutes } from './routes/accounts';
import { createAdminRoutes } from './routes/admin';
import { createAdminOrderRoutes } from './routes/admin-orders';
import { createAdminAccountRoutes } from './routes/admin-accounts';
import { createDashboardRoutes } from './routes/dashboard';
import { createFillRoutes } from './routes/fills';
import { createOrderRoutes } from './routes/orders';

/** The order API: one factory, dependencies passed in, routes grouped per resource. */
export function createApp(deps: ApiDeps) {
  const title = 'crypto-oms order API';
  const app = createServiceApp<AppEnv>({
    logger: deps.logger,
    readiness: deps.readiness,
    maxBodyBytes: deps.maxBodyBytes,
    ...(deps.allowedHosts === undefined ? {} : { allowedHosts: deps.allowedHosts }),
    docs: Scalar({ url: '/openapi.json', pageTitle: title }),
    openApi: {
      title,
      ...(deps.rateLimits === undefined ? {} : { rateLimited: /^\/api\// }),
      description:
        'Place, get, list and cancel orders; their fills; the account\'s balances and positions; for admin keys, issuing and revoking API keys, the kill switch, turning the trading of an account off and halting a symbol. Every order is a durable Temporal workflow. Prices and quantities are decimal strings.',
      extra: {
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'API key (oms_live_... / oms_test_...; in development e.g. demo-alice-key)' },
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          },
        },
        security: [{ bearer: [] }, { apiKey: [] }],
      },
    },
  });
  // Per source address (and failed authentications) on every /api route, the public market data proxy's too.
  if (deps.rateLimits !== undefined) app.use('/api/*', deps.rateLimits.byAddress);
  // The browser dashboard and its public market data proxy: before the API key check (routes/dashboard.ts).
  if (deps.dashboard !== undefined) app.route('/', createDashboardRoutes(deps.dashboard));

  // Authentication: `Authorization: Bearer <key>` or `X-API-Key: <key>`, mapped to an account and a role. A key that
  // cannot be one (malformed, over 128 characters) is refused like an unknown one, before any lookup or cache entry.
  app.use('/api/*', async (c: Context<AppEnv>, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('Authorization') ?? '')?.[1];
    const key = bearer ?? c.req.header('X-API-Key');
    if (key === undefined || key === '') {
      throw new DomainError('UNAUTHENTICATED', 'an API key is required: Authorization: Bearer <key> or X-API-Key: <key>');
    }
    if (!isWellFormedApiKey(key)) throw new DomainError('UNAUTHENTICATED', 'unknown API key');
    // A new order's address check waits for its one Redis call (api/rate-limit.ts), unless the store is to be asked.
    if (deps.apiKeys.answersFromMemory?.(key) !== true) await deps.rateLimits?.beforeKeyLookup(c);
    const principal = await deps.apiKeys.findKey(key);
    if (principal === null) throw new DomainError('UNAUTHENTICATED', 'unknown API key');
    c.set('accountId', principal.accountId);
    c.set('keyId', principal.keyId);
    c.set('role', principal.role);
    // The request's own logger (requestContext made it for this request): bindings added to it cost less than a child.
    c.get('logger').setBindings({ accountId: principal.accountId, keyId: principal.keyId });
    await next();
  });
  if (deps.rateLimits !== undefined) app.use('/api/*', deps.rateLimits.byKey);
  app.route('/api/admin', createAdminRoutes(deps));
  app.route('/api/admin', createAdminOrderRoutes({ orders: deps.orders, workflows: deps.workflows, audit: deps.admin.audit, ...deps.dlq, ...(deps.clock === undefined ? {} : { clock: deps.clock }) }));
  app.route('/api/admin', createAdminAccountRoutes(deps));
  app.route('/api/orders', createOrderRoutes(deps));
  app.route('/api/fills', createFillRoutes(deps));
  app.route('/api/accounts', createAccountRoutes(deps));

  return app;
}
