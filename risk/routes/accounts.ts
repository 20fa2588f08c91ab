import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import type { ServiceEnv } from '../../infra/http/context';
import type { RiskEngine } from '../engine';
import { errorResponses, idPathParameter, jsonResponse } from '../../infra/http/openapi';
import { parseShape } from '../../infra/http/request';
import { AccountIdParamSchema, BalancesResponseSchema } from '../schemas';

/** Read side of the accounts: balances per asset (the order API serves a trader's own from here). */
export function createAccountRoutes(engine: RiskEngine) {
  const app = new Hono<ServiceEnv>();
  app.get(
    '/:accountId/balances',
    describeRoute({
      summary: "An account's balances",
      description: 'Per asset, sorted by asset: total, available (= total − held) and held, as decimal strings.',
      tags: ['accounts'],
      parameters: [idPathParameter('accountId', 'the account')],
      responses: {
        200: jsonResponse('The balances', BalancesResponseSchema),
        ...errorResponses({ 400: 'Invalid account id', 404: 'No such account' }),
      },
    }),
    async (c) => {
      const { accountId } = parseShape(AccountIdParamSchema, c.req.param(), 'path');
      return c.json(await engine.balances(accountId), 200);
    },
  );
  return app;
}
