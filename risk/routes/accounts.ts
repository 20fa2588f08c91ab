import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { parseShape } from '../../domain/validation-issues';
import type { ServiceEnv } from '../../infra/http/context';
import type { RiskEngine } from '../engine';
import { errorResponses, idPathParameter, jsonRequestBody, jsonResponse } from '../../infra/http/openapi';
import { AccountTradingBodySchema, AccountTradingSchema } from '../../domain/trading-controls';
import { readJsonBody } from '../../infra/http/request';
import { AccountIdParamSchema, BalancesResponseSchema, PositionsResponseSchema } from '../schemas';

/** Read side of the accounts, and the admin's trading switch: balances per asset and positions per symbol (the order API serves a trader's own from here). */
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
  app.put(
    '/:accountId/trading',
    describeRoute({
      summary: "Turn an account's trading on or off",
      description:
        "The admin's switch (the order API's PUT /api/admin/accounts/{accountId}/trading calls this). Stored on the account document; while off, every new hold of the account is refused 422 ACCOUNT_DISABLED, in the same atomic step as the hold, so an order whose check comes after this answer ends REJECTED. Existing holds and orders are not touched (the kill switch cancels those). Idempotent.",
      tags: ['accounts'],
      parameters: [idPathParameter('accountId', 'the account')],
      requestBody: jsonRequestBody(AccountTradingBodySchema),
      responses: {
        200: jsonResponse('The switch as it is now', AccountTradingSchema),
        ...errorResponses({ 400: 'Invalid account id or body (enabled must be a boolean)', 404: 'No such account', 413: 'Body over the size limit' }),
      },
    }),
    async (c) => {
      const { accountId } = parseShape(AccountIdParamSchema, c.req.param(), 'path');
      const { enabled } = parseShape(AccountTradingBodySchema, await readJsonBody(c), 'body');
      const trading = await engine.setTrading(accountId, enabled);
      c.var.logger.info({ accountId, enabled, previouslyEnabled: trading.previouslyEnabled }, 'risk.account_trading_set');
      return c.json(trading, 200);
    },
  );
  return app;
}
