import { Hono, type Context } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import { DomainError, isErrorCode } from '../../domain/errors';
import { isTerminal } from '../../domain/order';
import type { OrderSnapshot } from '../../domain/order-snapshot';
import { normalizeSymbol } from '../../domain/symbols';
import { AccountTradingBodySchema, AccountTradingSchema, SymbolStatusBodySchema, SymbolStatusViewSchema } from '../../domain/trading-controls';
import { parseShape } from '../../domain/validation-issues';
import type { ServiceError } from '../../infra/http/http-json';
import { errorResponses, jsonRequestBody, jsonResponse } from '../../infra/http/openapi';
import type { AdminAuditRecord } from '../../infra/mongo/admin-audit-store';
import type { AppEnv } from '../context';
import type { AdminDeps, ApiDeps } from '../deps';
import { parseJsonBody } from '../order-request';
import { requireAdmin } from './admin';

const ACCOUNT_ID = /^[\w.:-]{1,64}$/;
/** The most orders one kill switch call signals (open in the store, and placed but maybe not started); `truncated` says when there were more. */
export const MAX_CANCEL_ALL = 10_000;
/** Cancel signals in flight at once. */
const SIGNAL_CONCURRENCY = 16;
/** The kill switch's cancel (workflows/order-contract.ts CancelRequest): the order ends CANCELLED with statusReason ADMIN_CANCELLED. */
export const ADMIN_CANCEL_REASON = 'cancelled by an admin (kill switch)';

const accountIdParameter = {
  name: 'accountId',
  in: 'path' as const,
  required: true,
  schema: { type: 'string' as const, pattern: ACCOUNT_ID.source },
  description: 'The account',
};

const CancelAllQuerySchema = v.strictObject({
  symbol: v.optional(v.pipe(v.string(), v.minLength(1, 'symbol must not be empty'), v.maxLength(32, 'symbol must be at most 32 characters'))),
});

export const CancelAllResponseSchema = v.object({
  accountId: v.string(),
  symbol: v.pipe(v.nullable(v.string()), v.description('The symbol the call was limited to, or null for all')),
  signalled: v.pipe(v.array(v.string()), v.description('The order ids a cancel was delivered to (orders not started yet were started with the cancel)')),
  alreadyFinal: v.pipe(v.array(v.string()), v.description('Open in the store a moment ago but finished by the time the cancel came')),
  truncated: v.pipe(v.boolean(), v.description(`More than ${MAX_CANCEL_ALL} orders: call again for the rest`)),
});

function accountIdOf(c: Context<AppEnv>): string {
  const accountId = c.req.param('accountId') ?? '';
  if (!ACCOUNT_ID.test(accountId)) {
    throw new DomainError('VALIDATION_FAILED', 'accountId must be 1-64 characters of letters, digits, _ . : -', { issues: [{ path: 'accountId', message: 'not an account id' }] });
  }
  return accountId;
}

/** A 4xx of the risk engine as the same error here (its codes are the system's); anything else is ours. */
function riskRefusal(error: ServiceError): DomainError {
  return isErrorCode(error.code) ? new DomainError(error.code, error.message, error.details) : new DomainError('SERVICE_UNAVAILABLE', 'the risk engine answered unexpectedly; retry');
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/**
 * The admin's switches on accounts and symbols: the kill switch (cancel every open order of an account), an account's
 * trading on or off, a symbol halted or trading. The switches live in the risk engine, where every new order's check
 * passes; the kill switch signals the order workflows. Every call is written to `admin_actions` and logged.
 */
export function createAdminAccountRoutes(deps: Pick<ApiDeps, 'risk' | 'pendingOrders' | 'workflows' | 'symbols'> & { admin: AdminDeps }) {
  const app = new Hono<AppEnv>();
  app.use('*', requireAdmin);

  const audit = (c: Context<AppEnv>, entry: Pick<AdminAuditRecord, 'action' | 'target' | 'outcome'> & Partial<Pick<AdminAuditRecord, 'parameters' | 'details'>>) =>
    deps.admin.audit.record({ ...entry, actor: { accountId: c.var.accountId, keyId: c.var.keyId }, at: new Date().toISOString(), requestId: c.var.requestId });

  /** Whether the risk engine (which keeps the accounts) knows the account; 503 when it cannot say. */
  const accountExists = async (c: Context<AppEnv>, accountId: string): Promise<boolean> => {
    try {
      return (await deps.risk.balances(accountId)) !== null;
    } catch (error) {
      c.var.logger.warn({ err: error }, 'risk.balances_unavailable');
      throw new DomainError('SERVICE_UNAVAILABLE', 'the account could not be checked right now; retry shortly');
    }
  };

  app.post(
    '/accounts/:accountId/cancel-all',
    describeRoute({
      summary: "Kill switch: cancel every open order of an account (admin)",
      description: `Signals an admin cancel (the order ends CANCELLED with statusReason ADMIN_CANCELLED) to every order of the account that is not final: those open in the store, and those placed but whose workflow may not have started yet (OrderCreated still in Kafka), which are started with the cancel already requested (signal-with-start), so they end CANCELLED before any risk check. Optionally only one symbol's. Answers the order ids signalled; follow each with GET /api/orders/{orderId} (as the account) until CANCELLED, or FILLED if a fill won the race. Orders placed after the call are not affected: turn trading off first (PUT /api/admin/accounts/{accountId}/trading) to stop new ones. Idempotent (a second call signals what is still open). At most ${MAX_CANCEL_ALL} orders per call. Audited in admin_actions (action account.cancel_all, with the ids).`,
      tags: ['admin'],
      parameters: [accountIdParameter, { name: 'symbol', in: 'query', required: false, schema: { type: 'string', minLength: 1, maxLength: 32 }, description: 'Only this symbol\'s orders (BTC-USD; BTC/USD accepted)' }],
      responses: {
        202: jsonResponse('The cancels were delivered', CancelAllResponseSchema),
        ...errorResponses({
          400: 'Invalid account id (VALIDATION_FAILED), unknown symbol (UNKNOWN_SYMBOL) or an unknown query parameter',
          401: 'Missing or unknown API key',
          403: 'The key does not have the admin role (FORBIDDEN)',
          404: 'No such account (ACCOUNT_NOT_FOUND)',
          503: 'The risk engine, the store or Temporal did not answer, or some cancels could not be delivered (details.signalled, details.failed): retry, a repeat is harmless',
        }),
      },
    }),
    async (c) => {
      const accountId = accountIdOf(c);
      const query = parseShape(CancelAllQuerySchema, c.req.query(), 'query');
      const symbol = query.symbol === undefined ? undefined : deps.symbols.get(query.symbol)?.symbol;
      if (query.symbol !== undefined && symbol === undefined) {
        throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${query.symbol}`, { symbol: query.symbol, known: deps.symbols.list().map((s) => s.symbol) });
      }
      const parameters = { symbol: symbol ?? null };
      const action = 'account.cancel_all';
      if (!(await accountExists(c, accountId))) {
        await audit(c, { action, target: { accountId }, parameters, outcome: 'not_found' });
        throw new DomainError('ACCOUNT_NOT_FOUND', `no account ${accountId}`, { accountId });
      }

      // Open in the store: their workflows run. Placed (in the pending cache) and not in the store: maybe not started.
      const open = await deps.admin.orderIndex.listOpen(accountId, MAX_CANCEL_ALL + 1, symbol);
      const placed = (await deps.pendingOrders.listForAccount(accountId, MAX_CANCEL_ALL + 1)).filter((order) => symbol === undefined || order.symbol === symbol);
      const openIds = new Set(open.map((order) => order.orderId));
      const unseen = placed.filter((order) => !openIds.has(order.orderId));
      const stored = await deps.admin.orderIndex.statusesOf(unseen.map((order) => order.orderId));
      const targets: Array<{ orderId: string; startFrom?: OrderSnapshot }> = open.map((order) => ({ orderId: order.orderId }));
      for (const order of unseen) {
        const status = stored.get(order.orderId);
        if (status !== undefined && isTerminal(status)) continue;
        // Not in the store: its workflow may not exist yet, so the cancel starts it (a running one just gets the signal).
        targets.push(status === undefined ? { orderId: order.orderId, startFrom: order } : { orderId: order.orderId });
      }
      const truncated = targets.length > MAX_CANCEL_ALL;
      const batch = targets.slice(0, MAX_CANCEL_ALL);

      const signalled: string[] = [];
      const alreadyFinal: string[] = [];
      const failed: string[] = [];
      await eachLimited(batch, SIGNAL_CONCURRENCY, async ({ orderId, startFrom }) => {
        try {
          const outcome = await deps.workflows.requestCancel(orderId, { reason: ADMIN_CANCEL_REASON, cancelledBy: 'ADMIN_CANCELLED' }, startFrom);
          (outcome === 'signalled' ? signalled : alreadyFinal).push(orderId);
        } catch (error) {
          c.var.logger.warn({ err: error, orderId }, 'admin.cancel_signal_failed');
          failed.push(orderId);
        }
      });

      await audit(c, { action, target: { accountId }, parameters, outcome: failed.length === 0 ? 'done' : 'failed', details: { signalled, alreadyFinal, failed, truncated } });
      c.var.logger.info({ forAccount: accountId, symbol, signalled: signalled.length, alreadyFinal: alreadyFinal.length, failed: failed.length, truncated }, 'admin.cancel_all');
      if (failed.length > 0) {
        throw new DomainError('SERVICE_UNAVAILABLE', `${failed.length} of ${batch.length} cancels could not be delivered; retry (a repeat is harmless)`, { signalled, failed });
      }
      return c.json({ accountId, symbol: symbol ?? null, signalled, alreadyFinal, truncated }, 202);
    },
  );

  app.put(
    '/accounts/:accountId/trading',
    describeRoute({
      summary: "Turn an account's trading on or off (admin)",
      description:
        'Off: every new order of the account ends REJECTED with reason ACCOUNT_DISABLED, including orders already placed whose risk check comes after this answer (the risk engine keeps the switch on the account and checks it in the same atomic step as the hold). Orders already accepted keep working: cancel them with the kill switch. On: orders trade again. Idempotent. Audited in admin_actions (action account.trading).',
      tags: ['admin'],
      parameters: [accountIdParameter],
      requestBody: jsonRequestBody(AccountTradingBodySchema),
      responses: {
        200: jsonResponse('The switch as it is now', AccountTradingSchema),
        ...errorResponses({
          400: 'Invalid account id or body (enabled must be true or false: VALIDATION_FAILED; MALFORMED_JSON)',
          401: 'Missing or unknown API key',
          403: 'The key does not have the admin role (FORBIDDEN)',
          404: 'No such account (ACCOUNT_NOT_FOUND)',
          413: 'Body over the limit',
          503: 'The risk engine (which owns the switch) did not answer: retry',
        }),
      },
    }),
    async (c) => {
      const accountId = accountIdOf(c);
      const { enabled } = parseShape(AccountTradingBodySchema, parseJsonBody(await c.req.text()), 'body');
      const action = 'account.trading';
      const parameters = { enabled };
      let answer;
      try {
        answer = await deps.risk.setTrading(accountId, enabled);
      } catch (error) {
        c.var.logger.error({ err: error, forAccount: accountId, enabled }, 'risk.set_trading_unavailable');
        await audit(c, { action, target: { accountId }, parameters, outcome: 'failed' });
        throw new DomainError('SERVICE_UNAVAILABLE', 'the risk engine did not answer; the switch may not be set: retry');
      }
      if (!answer.ok) {
        const notFound = answer.status === 404;
        await audit(c, { action, target: { accountId }, parameters, outcome: notFound ? 'not_found' : 'refused', details: { code: answer.error.code } });
        if (notFound) throw new DomainError('ACCOUNT_NOT_FOUND', `no account ${accountId}`, { accountId });
        throw riskRefusal(answer.error);
      }
      const { trading } = answer;
      await audit(c, { action, target: { accountId }, parameters, outcome: 'done', details: { previouslyEnabled: trading.previouslyEnabled } });
      c.var.logger.info({ forAccount: accountId, enabled, previouslyEnabled: trading.previouslyEnabled }, 'admin.account_trading');
      return c.json(trading, 200);
    },
  );

  app.put(
    '/symbols/:symbol/status',
    describeRoute({
      summary: 'Halt or resume a symbol (admin)',
      description:
        'HALTED: every new order of the symbol ends REJECTED with reason SYMBOL_HALTED (the risk engine refuses its hold); resting orders stay on the book, can be cancelled and still fill. TRADING: orders trade again. Takes effect at once in every risk engine process (stored in symbol_status, announced over Redis within a second). Idempotent. Audited in admin_actions (action symbol.status).',
      tags: ['admin'],
      parameters: [{ name: 'symbol', in: 'path', required: true, schema: { type: 'string', maxLength: 32 }, description: 'BTC-USD (BTC/USD, URL-encoded, accepted)' }],
      requestBody: jsonRequestBody(SymbolStatusBodySchema),
      responses: {
        200: jsonResponse('The status as it is now', SymbolStatusViewSchema),
        ...errorResponses({
          400: 'Unknown symbol (UNKNOWN_SYMBOL) or invalid body (status must be TRADING or HALTED: VALIDATION_FAILED; MALFORMED_JSON)',
          401: 'Missing or unknown API key',
          403: 'The key does not have the admin role (FORBIDDEN)',
          413: 'Body over the limit',
          503: 'The risk engine (which owns the status) did not answer, or could not tell its other processes: retry',
        }),
      },
    }),
    async (c) => {
      const given = c.req.param('symbol');
      const canonical = normalizeSymbol(given);
      const spec = canonical === undefined ? undefined : deps.symbols.get(canonical);
      if (spec === undefined) throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${given.slice(0, 32)}`, { known: deps.symbols.list().map((s) => s.symbol) });
      const { status } = parseShape(SymbolStatusBodySchema, parseJsonBody(await c.req.text()), 'body');
      const action = 'symbol.status';
      const target = { symbol: spec.symbol };
      const parameters = { status };
      let answer;
      try {
        answer = await deps.risk.setSymbolStatus(spec.symbol, status);
      } catch (error) {
        c.var.logger.error({ err: error, symbol: spec.symbol, status }, 'risk.set_symbol_status_unavailable');
        await audit(c, { action, target, parameters, outcome: 'failed' });
        throw new DomainError('SERVICE_UNAVAILABLE', 'the risk engine did not answer or could not tell its other processes; retry');
      }
      if (!answer.ok) {
        await audit(c, { action, target, parameters, outcome: 'refused', details: { code: answer.error.code } });
        throw riskRefusal(answer.error);
      }
      const view = answer.symbol;
      await audit(c, { action, target, parameters, outcome: 'done', details: { previousStatus: view.previousStatus } });
      c.var.logger.info({ symbol: view.symbol, status, previousStatus: view.previousStatus }, 'admin.symbol_status');
      return c.json(view, 200);
    },
  );

  return app;
}
