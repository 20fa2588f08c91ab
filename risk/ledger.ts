import {
  balanceOf,
  toAssetBalance,
  type Account,
  type AccountChanges,
  type AccountDecision,
  type AccountHold,
  type Balance,
  type FillContra,
  type FillRecord,
  type PendingFee,
} from '../domain/account';
import { formatDecimal, max, min, type Scaled } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import type { OrderSide } from '../domain/order';
import { applyFill, FLAT, type Position } from '../domain/position';
import type { FillLiquidity } from '../domain/venue-order';
import { buyHoldAmount, bpsFor, feeOn, feeRatesOf } from './fees';
import { checkLimits } from './limits';

/*
 * Every change to an account as a pure decision on the account as read: the store retries a decision
 * whose compare-and-set lost a race, so these functions must not do I/O or keep state. Invariants kept:
 * per asset, held = the sum of the holds on it; no hold is ever negative; money only moves between
 * accounts (what one side loses another gains, fees included).
 */

function holdOf(account: Account, orderId: string): AccountHold | undefined {
  return Object.hasOwn(account.holds, orderId) ? account.holds[orderId] : undefined;
}

/** How the engine sized the order from its price and the mark, or why it could not (no mark, a price out of band). */
export type HoldSizing =
  | {
      ok: true;
      /** What the order needs before any fee (domain holdFor): quote for a buy, base for a sell. */
      asset: string;
      amount: Scaled;
      /** price × quantity in the quote asset, for the notional limit. */
      notional: Scaled;
      /** MARKET only: the worst price it may fill at. */
      protectionPrice: Scaled | null;
    }
  | { ok: false; refusal: DomainError };

export interface HoldRequest {
  orderId: string;
  symbol: string;
  side: OrderSide;
  baseAsset: string;
  quantity: Scaled;
  /** LIMIT: the order's price (MARKET: its protection price comes with the sizing). */
  price: Scaled | null;
  sizing: HoldSizing;
}

export type HoldOutcome =
  | { kind: 'held'; alreadyHeld: boolean; asset: string; amount: Scaled; protectionPrice: Scaled | null }
  | { kind: 'refused'; error: DomainError }
  | { kind: 'not_found' };

/**
 * Price checks, limits, then balance, then the hold, all against one version of the account. A hold already
 * placed for the order is never refused, and answers the protection price it was sized with (the mark may
 * have moved, or gone stale, since).
 */
export function decideHold(account: Account | null, request: HoldRequest): AccountDecision<HoldOutcome> {
  if (account === null) return { result: { kind: 'not_found' } };
  const existing = holdOf(account, request.orderId);
  if (existing !== undefined) {
    return { result: { kind: 'held', alreadyHeld: true, asset: existing.asset, amount: existing.amount, protectionPrice: existing.protectionPrice ?? null } };
  }
  // In the same compare-and-set as the hold: a hold decided before the switch landed is re-decided after it.
  if (account.tradingDisabled === true) {
    return { result: { kind: 'refused', error: new DomainError('ACCOUNT_DISABLED', `trading is disabled for account ${account.accountId}`, { accountId: account.accountId }) } };
  }
  const { sizing } = request;
  if (!sizing.ok) return { result: { kind: 'refused', error: sizing.refusal } };

  const refusal = checkLimits(account, { symbol: request.symbol, side: request.side, baseAsset: request.baseAsset, quantity: request.quantity, notional: sizing.notional });
  if (refusal !== undefined) return { result: { kind: 'refused', error: refusal } };

  const { asset, protectionPrice } = sizing;
  const amount = request.side === 'BUY' ? buyHoldAmount(sizing.amount, feeRatesOf(account)) : sizing.amount;
  const balance = balanceOf(account, asset);
  const available = balance.total - balance.held;
  if (available < amount) {
    const error = new DomainError('INSUFFICIENT_BALANCE', `${asset} available ${formatDecimal(available)}, required ${formatDecimal(amount)}`, {
      asset,
      available: formatDecimal(available),
      required: formatDecimal(amount),
    });
    return { result: { kind: 'refused', error } };
  }
  const limitPrice = protectionPrice ?? request.price;
  const hold: AccountHold = {
    asset,
    amount,
    symbol: request.symbol,
    side: request.side,
    openQuantity: request.quantity,
    ...(protectionPrice === null ? {} : { protectionPrice }),
    ...(limitPrice === null ? {} : { limitPrice }),
  };
  return {
    result: { kind: 'held', alreadyHeld: false, asset, amount, protectionPrice },
    changes: { balances: { [asset]: { total: balance.total, held: balance.held + amount } }, holds: { [request.orderId]: hold } },
  };
}

export type ReleaseOutcome =
  | { kind: 'released'; asset: string; amount: Scaled }
  | { kind: 'nothing_held' }
  | { kind: 'not_found' }
  /** A fill the venue made for the order has no settlement here yet: the hold stays until it has. */
  | { kind: 'unsettled'; fillId: string };

/**
 * Releases the order's hold once every fill the venue made for it (`venueFills`, by fillId; the account must be read
 * with their records) is settled here: a hold released before its fills settle would let the funds be spent twice.
 */
export function decideRelease(account: Account | null, orderId: string, venueFills: readonly string[] = []): AccountDecision<ReleaseOutcome> {
  if (account === null) return { result: { kind: 'not_found' } };
  const hold = holdOf(account, orderId);
  if (hold === undefined) return { result: { kind: 'nothing_held' } };
  const unsettled = venueFills.find((fillId) => !Object.hasOwn(account.fills, fillId));
  if (unsettled !== undefined) return { result: { kind: 'unsettled', fillId: unsettled } };
  const balance = balanceOf(account, hold.asset);
  // Held is the sum of the holds; going below zero means the document was corrupted, not a business case.
  if (balance.held < hold.amount) throw new Error(`account ${account.accountId}: releasing hold ${orderId} would make ${hold.asset} held negative`);
  return {
    result: { kind: 'released', asset: hold.asset, amount: hold.amount },
    changes: { balances: { [hold.asset]: { total: balance.total, held: balance.held - hold.amount } }, holds: { [orderId]: null } },
  };
}

export interface FillRequest {
  orderId: string;
  fillId: string;
  symbol: string;
  side: OrderSide;
  baseAsset: string;
  quoteAsset: string;
  quantity: Scaled;
  price: Scaled;
  /** price × quantity, exact. */
  cost: Scaled;
  liquidity: FillLiquidity;
  /** When it is settled (ISO-8601): the position's updatedAt. */
  at: string;
  /** The other side, as the venue reported it; recorded, so that side can be settled once if it is the venue's own. */
  contra?: FillContra;
}

export type FillOutcome =
  | {
      kind: 'settled';
      applied: boolean;
      record: FillRecord;
      /** The account's fees not yet credited to the fee account, this fill's included, as of this decision. */
      pendingFees: Readonly<Record<string, PendingFee>>;
      /** The fill took more than the account had available (it is settled anyway: money that moved at the venue is never ignored). */
      overdrawn: boolean;
      /** The account's position in the fill's symbol after this decision (on a repeat: as it is now); undefined when it has none. */
      position: Position | undefined;
    }
  | { kind: 'refused'; error: DomainError }
  | { kind: 'not_found' };

function sameFill(record: FillRecord, fill: FillRequest): boolean {
  return (
    record.orderId === fill.orderId &&
    record.symbol === fill.symbol &&
    record.side === fill.side &&
    record.quantity === formatDecimal(fill.quantity) &&
    record.price === formatDecimal(fill.price) &&
    record.liquidity === fill.liquidity
  );
}

/**
 * One side of one fill, applied at most once per fillId (the record is written in the same update).
 * BUY: the quote pays cost + fee, taken from the order's hold first and from available for any rest;
 * the base grows. SELL: the base pays the quantity (hold first), the quote receives cost − fee.
 * The fee becomes a pending fee of this account, credited to the fee account by decideFeeCredit.
 */
export function decideFill(account: Account | null, fill: FillRequest): AccountDecision<FillOutcome> {
  if (account === null) return { result: { kind: 'not_found' } };
  const recorded = Object.hasOwn(account.fills, fill.fillId) ? account.fills[fill.fillId] : undefined;
  const position = Object.hasOwn(account.positions, fill.symbol) ? account.positions[fill.symbol] : undefined;
  if (recorded !== undefined) return repeatOf(account, fill, recorded, position);

  const hold = holdOf(account, fill.orderId);
  const refusal = checkFillAgainstHold(hold, fill);
  if (refusal !== undefined) return { result: { kind: 'refused', error: refusal } };
  return applyFillDecision(account, fill, hold, position);
}

/**
 * The venue's side of a fill with one of its own accounts (its simulated market), which holds nothing: it only
 * mirrors a user's fill the engine already settled against that user's hold, whose record names this account
 * and order as the contra. The mirror has the same symbol, quantity and price and the other side, so what one
 * account pays the other receives, and its fillId is derived from the trade, so it is settled once.
 */
export function decideHouseFill(account: Account | null, fill: FillRequest, mirrored: FillRecord | undefined): AccountDecision<FillOutcome> {
  if (account === null) return { result: { kind: 'not_found' } };
  const recorded = Object.hasOwn(account.fills, fill.fillId) ? account.fills[fill.fillId] : undefined;
  const position = Object.hasOwn(account.positions, fill.symbol) ? account.positions[fill.symbol] : undefined;
  if (recorded !== undefined) return repeatOf(account, fill, recorded, position);
  const matches =
    mirrored !== undefined &&
    mirrored.contra?.accountId === account.accountId &&
    mirrored.contra.orderId === fill.orderId &&
    mirrored.symbol === fill.symbol &&
    mirrored.side !== fill.side &&
    mirrored.quantity === formatDecimal(fill.quantity) &&
    mirrored.price === formatDecimal(fill.price);
  if (!matches) {
    const error = new DomainError('FILL_NOT_HELD', `fill ${fill.fillId} of the venue's account ${account.accountId} mirrors no settled fill that names it`, {
      fillId: fill.fillId,
      accountId: account.accountId,
      orderId: fill.orderId,
    });
    return { result: { kind: 'refused', error } };
  }
  return applyFillDecision(account, fill, undefined, position);
}

function repeatOf(account: Account, fill: FillRequest, recorded: FillRecord, position: Position | undefined): AccountDecision<FillOutcome> {
  if (sameFill(recorded, fill)) return { result: { kind: 'settled', applied: false, record: recorded, pendingFees: account.pendingFees, overdrawn: false, position } };
  const error = new DomainError('DUPLICATE_FILL', `fill ${fill.fillId} was already applied with other terms`, { fillId: fill.fillId, applied: recorded });
  return { result: { kind: 'refused', error } };
}

/**
 * A trader's fill is one its order could have made: the order has a hold here (placed by the risk check, so
 * for this account), for this symbol and side, the price is within the order's limit (LIMIT price or MARKET
 * protection price) and the quantity within what is still open and still held. Grid checks (tick, lot) are
 * the engine's, which knows the symbol.
 */
export function checkFillAgainstHold(hold: AccountHold | undefined, fill: FillRequest): DomainError | undefined {
  if (hold === undefined) {
    return new DomainError('FILL_NOT_HELD', `order ${fill.orderId} holds nothing here to settle fill ${fill.fillId} from`, { orderId: fill.orderId, fillId: fill.fillId });
  }
  const paidIn = fill.side === 'BUY' ? fill.quoteAsset : fill.baseAsset;
  if (hold.asset !== paidIn || (hold.side ?? fill.side) !== fill.side || (hold.symbol ?? fill.symbol) !== fill.symbol) {
    return new DomainError('FILL_MISMATCH', `fill ${fill.fillId} does not match order ${fill.orderId}'s hold`, {
      fill: { symbol: fill.symbol, side: fill.side },
      hold: { asset: hold.asset, symbol: hold.symbol, side: hold.side },
    });
  }
  const limit = hold.limitPrice;
  if (limit !== undefined && (fill.side === 'BUY' ? fill.price > limit : fill.price < limit)) {
    return new DomainError('FILL_PRICE_BEYOND_LIMIT', `fill ${fill.fillId} at ${formatDecimal(fill.price)} is beyond order ${fill.orderId}'s limit ${formatDecimal(limit)}`, {
      price: formatDecimal(fill.price),
      limitPrice: formatDecimal(limit),
      side: fill.side,
    });
  }
  // What is still open, and what is still held: a SELL holds its open base; a BUY's cost at a price within the
  // limit fits its hold (only a fee rounded up per fill may take a few units from available).
  const open = hold.openQuantity ?? (fill.side === 'SELL' ? hold.amount : undefined);
  const overOpen = open !== undefined && fill.quantity > open;
  const overHeld = fill.side === 'SELL' ? fill.quantity > hold.amount : fill.cost > hold.amount;
  if (overOpen || overHeld) {
    return new DomainError('OVERFILL', `fill ${fill.fillId} of ${formatDecimal(fill.quantity)} is more than order ${fill.orderId} has open or held`, {
      quantity: formatDecimal(fill.quantity),
      ...(open === undefined ? {} : { openQuantity: formatDecimal(open) }),
      held: formatDecimal(hold.amount),
    });
  }
  return undefined;
}

function applyFillDecision(account: Account, fill: FillRequest, hold: AccountHold | undefined, position: Position | undefined): AccountDecision<FillOutcome> {
  const fee = feeOn(fill.cost, bpsFor(feeRatesOf(account), fill.liquidity));
  const base = balanceOf(account, fill.baseAsset);
  const quote = balanceOf(account, fill.quoteAsset);
  const paid = fill.side === 'BUY' ? fill.cost + fee : fill.quantity;
  // The hold shrinks by what was paid; if it is smaller, the rest comes from available and the hold stops at zero.
  const fromHold = hold === undefined ? 0n : min(hold.amount, paid);
  const newBase: Balance =
    fill.side === 'BUY' ? { total: base.total + fill.quantity, held: base.held } : { total: base.total - fill.quantity, held: base.held - fromHold };
  const newQuote: Balance =
    fill.side === 'BUY' ? { total: quote.total - paid, held: quote.held - fromHold } : { total: quote.total + fill.cost - fee, held: quote.held };

  const changes: AccountChanges = { balances: { [fill.baseAsset]: newBase, [fill.quoteAsset]: newQuote } };
  if (hold !== undefined) {
    const openQuantity = hold.openQuantity === undefined ? {} : { openQuantity: max(0n, hold.openQuantity - fill.quantity) };
    changes.holds = { [fill.orderId]: { ...hold, amount: hold.amount - fromHold, ...openQuantity } };
  }
  let pendingFees = account.pendingFees;
  if (fee > 0n) {
    const pending: PendingFee = { seq: account.feeSeq + 1, asset: fill.quoteAsset, amount: fee };
    changes.pendingFees = { [fill.fillId]: pending };
    changes.feeSeq = pending.seq;
    pendingFees = { ...account.pendingFees, [fill.fillId]: pending };
  }
  const record: FillRecord = {
    orderId: fill.orderId,
    symbol: fill.symbol,
    side: fill.side,
    quantity: formatDecimal(fill.quantity),
    price: formatDecimal(fill.price),
    liquidity: fill.liquidity,
    fee: { asset: fill.quoteAsset, amount: formatDecimal(fee) },
    balances: [toAssetBalance(fill.baseAsset, newBase), toAssetBalance(fill.quoteAsset, newQuote)].sort((a, b) => (a.asset < b.asset ? -1 : 1)),
    ...(fill.contra === undefined ? {} : { contra: fill.contra }),
  };
  changes.fills = { [fill.fillId]: record };
  // The position moves in the same update as the balances, so it counts each fillId exactly once too.
  const newPosition: Position = { ...applyFill(position ?? FLAT, fill), version: (position?.version ?? 0) + 1, updatedAt: fill.at };
  changes.positions = { [fill.symbol]: newPosition };
  const overdrawn = newBase.total < newBase.held || newQuote.total < newQuote.held;
  return { result: { kind: 'settled', applied: true, record, pendingFees, overdrawn, position: newPosition }, changes };
}

export interface FeeCredit {
  /** The trader's fees are credited up to and including this seq. */
  cursor: number;
  /** What this decision credited (empty when another request already had). */
  credited: PendingFee[];
}

/**
 * Credits a trader's pending fees to the fee account, exactly once each: the fee account keeps, per
 * trader, the seq up to which it has credited, and advances it in the same update as the balances.
 * `pending` is the trader's pending fees as read after its fill; since seqs are handed out one by one
 * and only fees at or below the cursor are ever pruned, it holds every seq above the cursor up to its last.
 */
export function decideFeeCredit(feeAccount: Account | null, traderId: string, pending: Readonly<Record<string, PendingFee>>): AccountDecision<FeeCredit> {
  if (feeAccount === null) throw new Error('the fee account must exist before fees are credited to it');
  const cursor = (Object.hasOwn(feeAccount.feeCursors, traderId) ? feeAccount.feeCursors[traderId] : undefined) ?? 0;
  const due = Object.values(pending)
    .filter((fee) => fee.seq > cursor)
    .sort((a, b) => a.seq - b.seq);
  if (due.length === 0) return { result: { cursor, credited: [] } };
  due.forEach((fee, i) => {
    if (fee.seq !== cursor + 1 + i) throw new Error(`account ${traderId}: pending fee seq ${cursor + 1 + i} is missing (found ${fee.seq})`);
  });
  const balances: Record<string, Balance> = {};
  for (const fee of due) {
    const balance = balances[fee.asset] ?? balanceOf(feeAccount, fee.asset);
    balances[fee.asset] = { total: balance.total + fee.amount, held: balance.held };
  }
  const last = cursor + due.length;
  return { result: { cursor: last, credited: due }, changes: { balances, feeCursors: { [traderId]: last } } };
}

/** The fillIds of the pending fees the fee account has credited up to `cursor`: the trader forgets them, so its document stays small. */
export function creditedPendingFees(pending: Readonly<Record<string, PendingFee>>, cursor: number): string[] {
  return Object.entries(pending)
    .filter(([, fee]) => fee.seq <= cursor)
    .map(([fillId]) => fillId);
}
