import type * as v from 'valibot';
import type { AssetBalance, PendingFee } from '../domain/account';
import { formatDecimal, mul, type Scaled } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import type { PositionView } from '../domain/market-events';
import { holdFor, validateOrderRules, type OrderSide, type OrderType } from '../domain/order';
import { toPositionRecord, toPositionView, type Position } from '../domain/position';
import type { SymbolRegistry, SymbolSpec } from '../domain/symbols';
import type { FillLiquidity } from '../domain/venue-order';
import type { Logger } from '../infra/logger';
import type { AccountLedger } from '../infra/mongo/account-store';
import type { PositionMirror } from '../infra/redis/position-mirror';
import { exactCost } from './fees';
import { decideFeeCredit, decideFill, decideHold, decidePrunePendingFees, decideRelease, type HoldSizing } from './ledger';
import type { MarkSource } from './price-book';
import { checkPriceBand, protectionPrice } from './price-protection';
import type { FillResponseSchema, HoldResponseSchema } from './schemas';

export const DEFAULT_FEE_ACCOUNT_ID = 'fees';

export interface RiskEngineDeps {
  accounts: AccountLedger;
  symbols: SymbolRegistry;
  /** The latest fresh mark per symbol (from Kafka `prices`). */
  prices: MarkSource;
  /** Best effort: a failure is logged, never fails a settlement. */
  positionMirror: PositionMirror;
  logger: Logger;
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
}

/** The hold as answered (HoldResponseSchema). protectionPrice, MARKET only: the venue gets it as the order's limit. */
export type HoldView = v.InferOutput<typeof HoldResponseSchema>;

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

export type FillView = v.InferOutput<typeof FillResponseSchema>;

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

  /** Copies positions to Redis; a failure is logged and left for the next fill or read of the account to repair. */
  const mirrorPositions = async (accountId: string, positions: ReadonlyArray<[string, Position]>): Promise<void> => {
    if (positions.length === 0) return;
    try {
      await deps.positionMirror.mirror(positions.map(([symbol, position]) => toPositionRecord(accountId, symbol, position)));
    } catch (error) {
      deps.logger.warn({ err: error, accountId, symbols: positions.map(([symbol]) => symbol) }, 'risk.position_mirror_failed');
    }
  };

  /** The order's hold from its own price (LIMIT) or the mark (MARKET), after the price checks the mark allows. */
  const sizeOrder = (input: HoldOrderInput, spec: SymbolSpec): HoldSizing => {
    const mark = deps.prices.markOf(spec.symbol)?.mark;
    if (input.type === 'LIMIT') {
      if (input.price === null) throw new Error('a LIMIT order has a price (validateOrderRules)');
      // Without a known mark a LIMIT order is not banded: its own price bounds what it can cost.
      const outOfBand = mark === undefined ? undefined : checkPriceBand(spec, input.price, mark);
      if (outOfBand !== undefined) return { ok: false, refusal: outOfBand };
      const needed = holdFor(input, spec)!;
      return { ok: true, ...needed, notional: mul(input.price, input.quantity, 'UP'), protectionPrice: null };
    }
    const worst = mark === undefined ? undefined : protectionPrice(spec, input.side, mark);
    if (mark === undefined || worst === undefined) {
      const reason = mark === undefined ? 'no recent mark price' : `the mark ${formatDecimal(mark)} is below one tick`;
      return { ok: false, refusal: new DomainError('MARKET_DATA_UNAVAILABLE', `${spec.symbol}: ${reason} to protect a MARKET order with`, { symbol: spec.symbol }) };
    }
    const needed = holdFor(input, spec, worst)!;
    // A buy may spend up to its hold; a sell is worth about the mark (its protection price is only its floor).
    const notional = input.side === 'BUY' ? needed.amount : mul(mark, input.quantity, 'UP');
    return { ok: true, ...needed, notional, protectionPrice: worst };
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

      // Sized once, outside the compare-and-set loop: every retry of the decision sees the same mark.
      const sizing = sizeOrder(input, spec);
      const outcome = await deps.accounts.updateAccount(input.accountId, (account) =>
        decideHold(account, { orderId: input.orderId, symbol: spec.symbol, side: input.side, baseAsset: spec.baseAsset, quantity: input.quantity, sizing }),
      );
      if (outcome.kind === 'not_found') throw accountNotFound(input.accountId);
      if (outcome.kind === 'refused') return { ok: false, refusal: outcome.error };
      return {
        ok: true,
        hold: {
          orderId: input.orderId,
          asset: outcome.asset,
          amount: formatDecimal(outcome.amount),
          alreadyHeld: outcome.alreadyHeld,
          protectionPrice: outcome.protectionPrice === null ? null : formatDecimal(outcome.protectionPrice),
        },
      };
    },

    /** Settles one side of one fill, once per fillId; `overdrawn` says the account had to pay more than it had available. */
    async settleFill(input: SettleFillInput): Promise<{ fill: FillView; overdrawn: boolean }> {
      const spec = specOf(input.symbol);
      const at = now().toISOString();
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
            at,
          }),
        { fills: [input.fillId] },
      );
      if (outcome.kind === 'not_found') throw accountNotFound(input.accountId);
      if (outcome.kind === 'refused') throw outcome.error;
      // Also on a repeat: a fee whose credit was interrupted (crash between the two documents) is credited now,
      // and a position whose mirroring was (Redis down, crash) is mirrored now; the mirror keeps the newest version.
      await creditFees(input.accountId, outcome.pendingFees);
      if (outcome.position !== undefined) await mirrorPositions(input.accountId, [[spec.symbol, outcome.position]]);
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

    /**
     * The account's positions from the store (the truth), sorted by symbol, each marked to the latest fresh
     * mark. Also mirrors them to Redis, which repairs a mirror a failed write left behind.
     */
    async positions(accountId: string): Promise<PositionView[]> {
      const account = await deps.accounts.getAccount(accountId);
      if (account === null) throw accountNotFound(accountId);
      const positions = Object.entries(account.positions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      await mirrorPositions(accountId, positions);
      return positions.map(([symbol, position]) => toPositionView(accountId, symbol, position, deps.prices.markOf(symbol)?.mark));
    },
  };
}

export type RiskEngine = ReturnType<typeof createRiskEngine>;
