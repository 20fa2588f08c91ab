import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import { DomainError } from '../../domain/errors';
import { errorResponses } from '../../infra/http/openapi';
import type { AppEnv } from '../context';
import type { ApiDeps } from '../deps';

const DecimalOut = v.pipe(v.string(), v.description('decimal string'));
export const AccountBalancesSchema = v.object({
  accountId: v.string(),
  balances: v.array(v.object({ asset: v.string(), total: DecimalOut, available: DecimalOut, held: DecimalOut })),
});

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
      let balances: Awaited<ReturnType<ApiDeps['risk']['balances']>>;
      try {
        balances = await deps.risk.balances(accountId);
      } catch (error) {
        c.var.logger.warn({ err: error }, 'risk.balances_unavailable');
        throw new DomainError('SERVICE_UNAVAILABLE', 'balances are unavailable right now; retry shortly');
      }
      // The key exists but the risk engine has no account for it: an account set up half-way, ours to fix.
      if (balances === null) throw new Error(`the risk engine has no account ${accountId}, which has an API key`);
      return c.json({ accountId, balances }, 200);
    },
  );
  return app;
}
