import * as v from 'valibot';

/*
 * The admin's switches on trading, as the order API's admin routes and the risk engine (which owns them) both speak
 * them: an account's trading on or off, a symbol halted or trading.
 */

export const SYMBOL_STATUSES = ['TRADING', 'HALTED'] as const;

export const AccountTradingBodySchema = v.strictObject({
  enabled: v.pipe(v.boolean('enabled must be true or false'), v.description('false: new orders of the account end REJECTED ACCOUNT_DISABLED; true: they trade again')),
});
export type AccountTradingBody = v.InferOutput<typeof AccountTradingBodySchema>;

export const AccountTradingSchema = v.object({
  accountId: v.string(),
  tradingEnabled: v.boolean(),
  previouslyEnabled: v.pipe(v.boolean(), v.description('Whether trading was on before this call (a repeat changes nothing)')),
  changedAt: v.string(),
});
export type AccountTrading = v.InferOutput<typeof AccountTradingSchema>;

export const SymbolStatusBodySchema = v.strictObject({
  status: v.pipe(
    v.picklist(SYMBOL_STATUSES, 'status must be TRADING or HALTED'),
    v.description('HALTED: new orders of the symbol end REJECTED SYMBOL_HALTED (resting orders stay); TRADING: they trade again'),
  ),
});
export type SymbolStatusBody = v.InferOutput<typeof SymbolStatusBodySchema>;

export const SymbolStatusViewSchema = v.object({
  symbol: v.string(),
  status: v.picklist(SYMBOL_STATUSES),
  previousStatus: v.picklist(SYMBOL_STATUSES),
  updatedAt: v.string(),
});
export type SymbolStatusView = v.InferOutput<typeof SymbolStatusViewSchema>;
