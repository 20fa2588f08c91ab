import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { parseShape } from '../../domain/validation-issues';
import type { ServiceEnv } from '../../infra/http/context';
import type { RiskEngine } from '../engine';
import { errorResponses, idPathParameter, jsonResponse } from '../../infra/http/openapi';
import { AccountIdParamSchema, BalancesResponseSchema, PositionsResponseSchema } from '../schemas';

/** Read side of the accounts: balances per asset and positions per symbol (the order API serves a trader's own from here). */
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
  app.get(
    '/:accountId/positions',
    describeRoute({
      summary: "An account's positions",
      description:
        'Per symbol, from the account\'s fills: signed quantity (> 0 long, < 0 short), average entry price of the open quantity (null when flat), realized PnL in the quote asset (fees not included), version (+1 per fill). Marked to the latest recent mark price: markPrice and unrealizedPnl = (mark − average entry) × quantity, both null without a recent mark (unrealizedPnl also when flat).',
      tags: ['accounts'],
      parameters: [idPathParameter('accountId', 'the account')],
      responses: {
        200: jsonResponse('The positions', PositionsResponseSchema),
        ...errorResponses({ 400: 'Invalid account id', 404: 'No such account' }),
      },
    }),
    async (c) => {
      const { accountId } = parseShape(AccountIdParamSchema, c.req.param(), 'path');
      return c.json(await engine.positions(accountId), 200);
    },
  );
  return app;
}
