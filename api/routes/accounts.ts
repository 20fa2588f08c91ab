import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import { AssetBalanceSchema } from '../../domain/account';
import { PositionViewSchema } from '../../domain/market-events';
import { DomainError } from '../../domain/errors';
import { errorResponses } from '../../infra/http/openapi';
import type { Logger } from '../../infra/logger';
import type { AppEnv } from '../context';
import type { ApiDeps } from '../deps';

export const AccountBalancesSchema = v.object({
  accountId: v.string(),
  balances: v.array(AssetBalanceSchema),
});
export const AccountPositionsSchema = v.object({
  accountId: v.string(),
  positions: v.pipe(v.array(PositionViewSchema), v.description('One entry per symbol the account ever had a fill in (flat ones too), sorted by symbol.')),
});

/** Asks the risk engine; a failure to answer is ours to report as 503, and a missing account behind a valid key is a bug. */
async function fromRisk<T>(what: string, accountId: string, logger: Logger, call: () => Promise<T | null>): Promise<T> {
  let answer: T | null;
  try {
    answer = await call();
  } catch (error) {
    logger.warn({ err: error }, `risk.${what}_unavailable`);
    throw new DomainError('SERVICE_UNAVAILABLE', `${what} are unavailable right now; retry shortly`);
  }
  // The key exists but the risk engine has no account for it: an account set up half-way, ours to fix.
  if (answer === null) throw new Error(`the risk engine has no account ${accountId}, which has an API key`);
  return answer;
}

/** The caller's account, answered from the risk engine, which owns balances: clients need one base URL and one key. */
export function createAccountRoutes(deps: Pick<ApiDeps, 'risk'>) {
  const app = new Hono<AppEnv>();
  app.get(
    '/me/balances',
    describeRoute({
      summary: "The caller's balances",
      description: 'Per asset: total, available (free to trade) and held (reserved by open orders, fees included). total = available + held.',
      tags: ['accounts'],
      responses: {
        200: { description: 'Balances per asset', content: { 'application/json': { schema: resolver(AccountBalancesSchema) } } },
        ...errorResponses({ 401: 'Missing or unknown API key', 503: 'The risk engine does not answer' }),
      },
    }),
    async (c) => {
      const accountId = c.var.accountId;
      const balances = await fromRisk('balances', accountId, c.var.logger, () => deps.risk.balances(accountId));
      return c.json({ accountId, balances }, 200);
    },
  );
  app.get(
    '/me/positions',
    describeRoute({
      summary: "The caller's positions",
      description:
        'Per symbol, from the account\'s fills (deposits are not positions): quantity (signed: > 0 long, < 0 short), averageEntryPrice of the open quantity (null when flat), realizedPnl in the quote asset from reducing fills (fees not included), version (+1 per fill), and, marked to the latest mark price, markPrice and unrealizedPnl = (mark − averageEntryPrice) × quantity (null without a recent mark or when flat).',
      tags: ['accounts'],
      responses: {
        200: { description: 'Positions per symbol', content: { 'application/json': { schema: resolver(AccountPositionsSchema) } } },
        ...errorResponses({ 401: 'Missing or unknown API key', 503: 'The risk engine does not answer' }),
      },
    }),
    async (c) => {
      const accountId = c.var.accountId;
      const positions = await fromRisk('positions', accountId, c.var.logger, () => deps.risk.positions(accountId));
      return c.json({ accountId, positions }, 200);
    },
  );
  return app;
}
