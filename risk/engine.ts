import { formatDecimal, mul, type Scaled } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import { holdFor, validateOrderRules, type OrderSide, type OrderType } from '../domain/order';
import type { SymbolRegistry, SymbolSpec } from '../domain/symbols';
import type { AccountLedger, AssetBalance, FillLiquidity, PendingFee } from '../infra/mongo/account-store';
import { exactCost } from './fees';
import { decideFeeCredit, decideFill, decideHold, decidePrunePendingFees, decideRelease } from './ledger';

export const DEFAULT_FEE_ACCOUNT_ID = 'fees';

export interface RiskEngineDeps {
  accounts: AccountLedger;
  symbols: SymbolRegistry;
  /** Where every fee is credited; created on the first fee. */
  feeAccountId: string;
  clock?: () => Date;
}

export interface HoldOrderInput {
  orderId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  quantity: Scaled;
  price: Scaled | null;
  /** The market price a MARKET order is sized from. */
  referencePrice?: Scaled;
}

export interface HoldView {
  orderId: string;
  asset: string;
  amount: string;
  alreadyHeld: boolean;
}

export type HoldResult = { ok: true; hold: HoldView } | { ok: false; refusal: DomainError };

export interface SettleFillInput {
  orderId: string;
  fillId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  quantity: Scaled;
  price: Scaled;
  liquidity: FillLiquidity;
}

export interface FillView {
  fillId: string;
  applied: boolean;
  fee: { asset: string; amount: string };
  balances: AssetBalance[];
}

export type ReleaseView = { released: false } | { released: true; asset: string; amount: string };

const accountNotFound = (accountId: string) => new DomainError('NOT_FOUND', `no account ${accountId}`, { accountId });

/**
 * The risk engine's operations. Bad input and unknown accounts throw DomainErrors; a business refusal
 * of a hold is a value, so the caller can log it as the expected outcome it is.
 */
export function createRiskEngine(deps: RiskEngineDeps) {
  const now = deps.clock ?? (() => new Date());

  const specOf = (symbol: string): SymbolSpec => {
    const spec = deps.symbols.get(symbol);
    if (spec === undefined) throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${symbol}`, { symbol, known: deps.symbols.list().map((s) => s.symbol) });
    return spec;
  };

  /** Credits the trader's pending fees to the fee account, then forgets them on the trader; both steps are idempotent, so any retry completes them. */
  const creditFees = async (traderId: string, pending: Readonly<Record<string, PendingFee>>): Promise<void> => {
    if (Object.keys(pending).length === 0) return;
    const credit = await deps.accounts.updateAccount(deps.feeAccountId, (feeAccount) => decideFeeCredit(feeAccount, traderId, pending), { createAs: 'Fees' });
    await deps.accounts.updateAccount(traderId, (account) => decidePrunePendingFees(account, credit.cursor));
  };

  return {
    /** Pre-trade checks and the hold, in one atomic step per orderId; a repeat answers the hold already placed. */
    async hold(input: HoldOrderInput): Promise<HoldResult> {
      const spec = specOf(input.symbol);
      // The order API checked these rules already; checked again because this service moves the money.
      const broken = validateOrderRules(
        spec,
        { side: input.side, type: input.type, quantity: input.quantity, price: input.price, timeInForce: 'GTC', expireAt: null, postOnly: false },
        now().toISOString(),
      );
      if (broken?.code === 'SYMBOL_HALTED') return { ok: false, refusal: broken };
      if (broken) throw broken;

      const needed = holdFor(input, spec, input.referencePrice);
      if (needed === undefined) {
        const refusal = new DomainError('MARKET_DATA_UNAVAILABLE', `no reference price to size a MARKET BUY of ${spec.symbol}`, { symbol: spec.symbol });
        return { ok: false, refusal };
      }
      const outcome = await deps.accounts.updateAccount(input.accountId, (account) =>
        decideHold(account, {
          orderId: input.orderId,
          symbol: spec.symbol,
          side: input.side,
          baseAsset: spec.baseAsset,
          quantity: input.quantity,
          asset: needed.asset,
          amount: needed.amount,
          notional: notionalOf(input, needed.amount),
        }),
      );
      if (outcome.kind === 'not_found') throw accountNotFound(input.accountId);
      if (outcome.kind === 'refused') return { ok: false, refusal: outcome.error };
      return { ok: true, hold: { orderId: input.orderId, asset: outcome.asset, amount: formatDecimal(outcome.amount), alreadyHeld: outcome.alreadyHeld } };
    },

    /** Settles one side of one fill, once per fillId; `overdrawn` says the account had to pay more than it had available. */
    async settleFill(input: SettleFillInput): Promise<{ fill: FillView; overdrawn: boolean }> {
      const spec = specOf(input.symbol);
      const cost = exactCost(input.price, input.quantity);
      if (cost === undefined) {
        throw new DomainError('TOO_PRECISE', 'price × quantity needs more than 18 fractional digits', {
          price: formatDecimal(input.price),
          quantity: formatDecimal(input.quantity),
        });
      }
      const outcome = await deps.accounts.updateAccount(
        input.accountId,
        (account) =>
          decideFill(account, {
            orderId: input.orderId,
            fillId: input.fillId,
            symbol: spec.symbol,
            side: input.side,
            baseAsset: spec.baseAsset,
            quoteAsset: spec.quoteAsset,
            quantity: input.quantity,
            price: input.price,
            cost,
            liquidity: input.liquidity,
          }),
        { fills: [input.fillId] },
      );
      if (outcome.kind === 'not_found') throw accountNotFound(input.accountId);
      if (outcome.kind === 'refused') throw outcome.error;
      // Also on a repeat: a fee whose credit was interrupted (crash between the two documents) is credited now.
      await creditFees(input.accountId, outcome.pendingFees);
      const { record } = outcome;
      return { fill: { fillId: input.fillId, applied: outcome.applied, fee: record.fee, balances: record.balances }, overdrawn: outcome.overdrawn };
    },

    /** Releases whatever the order still holds; without a hold nothing changes. */
    async release(input: { accountId: string; orderId: string }): Promise<ReleaseView> {
      const outcome = await deps.accounts.updateAccount(input.accountId, (account) => decideRelease(account, input.orderId));
      if (outcome.kind === 'not_found') throw accountNotFound(input.accountId);
      if (outcome.kind === 'nothing_held') return { released: false };
      return { released: true, asset: outcome.asset, amount: formatDecimal(outcome.amount) };
    },

    async balances(accountId: string): Promise<AssetBalance[]> {
      const balances = await deps.accounts.getBalances(accountId);
      if (balances === null) throw accountNotFound(accountId);
      return balances;
    },
  };
}

export type RiskEngine = ReturnType<typeof createRiskEngine>;

/** The order's notional in the quote asset: what a buy may spend, what a sell is worth; unknown for a MARKET sell without a reference price. */
function notionalOf(input: HoldOrderInput, buyAmount: Scaled): Scaled | undefined {
  if (input.side === 'BUY') return buyAmount;
  const price = input.price ?? input.referencePrice;
  return price === undefined ? undefined : mul(price, input.quantity, 'UP');
}
