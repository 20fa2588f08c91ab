import * as v from 'valibot';
import { formatDecimal, type Scaled } from './decimal';
import { DomainError } from './errors';
import type { OrderSide } from './order';
import type { Position } from './position';
import type { FillLiquidity } from './venue-order';

/*
 * A trading account as the risk engine decides on it: balances per asset, the holds of its open orders,
 * the fills it settled, its positions, fees and limits. Amounts are scaled bigints here; the store maps
 * them to decimal strings (infra/mongo/account-document.ts) and back.
 */

/**
 * Asset, order, fill and account ids and symbols key an account's entries, and the store keeps each as a
 * field name (no '.', no leading '$'): letters, digits, _ : - only.
 */
export const ACCOUNT_KEY_PATTERN = /^[\w:-]{1,128}$/;

const DecimalOut = v.pipe(v.string(), v.description('decimal string'));

/** One asset of an account on the wire; available = total − held. */
export const AssetBalanceSchema = v.object({ asset: v.string(), total: DecimalOut, available: DecimalOut, held: DecimalOut });
export type AssetBalance = v.InferOutput<typeof AssetBalanceSchema>;

/** Basis points (1 bp = 0.01 %), plain integers. */
export interface FeeRates {
  makerBps: number;
  takerBps: number;
}

/** Per-account overrides of the risk limits; an absent field means "the risk engine's default". */
export interface RiskLimitOverrides {
  maxOrderNotional?: Scaled;
  maxOpenOrders?: number;
  maxPosition?: Scaled;
  maxPositionBySymbol?: Record<string, Scaled>;
}

/**
 * What was applied for one fill, kept on the account so a redelivered fillId answers the same result.
 * Wire strings: it is only ever compared and returned, never computed with.
 */
export interface FillRecord {
  orderId: string;
  symbol: string;
  side: OrderSide;
  quantity: string;
  price: string;
  liquidity: FillLiquidity;
  fee: { asset: string; amount: string };
  /** The fill's base and quote balances right after it was applied. */
  balances: AssetBalance[];
  /**
   * The other side of the trade as the venue reported it, when that side is one of the venue's own accounts:
   * the one account and order whose mirror settlement this fill allows (risk/ledger.ts decideHouseFill).
   */
  contra?: FillContra;
}

/** The account and order on the other side of a fill. */
export interface FillContra {
  accountId: string;
  orderId: string;
}

export interface Balance {
  total: Scaled;
  held: Scaled;
}

/**
 * Funds reserved for one order. Holds placed by the risk engine also say what they are for, so limits
 * can count open buy quantity per symbol; holds written before that carry only asset and amount.
 */
export interface AccountHold {
  asset: string;
  amount: Scaled;
  symbol?: string;
  side?: OrderSide;
  /** The order quantity not yet filled (holds placed before SELLs tracked it carry it for BUYs only). */
  openQuantity?: Scaled;
  /** MARKET only: the worst price the order may fill at, answered again on a repeated hold. */
  protectionPrice?: Scaled;
  /**
   * The worst price a fill of this order may have: its limit (LIMIT) or its protection price (MARKET). A BUY
   * never pays more, a SELL never receives less. Absent on holds placed before settlement checked it.
   */
  limitPrice?: Scaled;
}

/** A fee taken from a trader and not yet credited to the fee account; seq orders them per trader account. */
export interface PendingFee {
  seq: number;
  asset: string;
  amount: Scaled;
}

/** The bigint view of an account that decisions are made on. */
export interface Account {
  accountId: string;
  name: string;
  version: number;
  balances: Readonly<Record<string, Balance>>;
  holds: Readonly<Record<string, AccountHold>>;
  /**
   * Only the records asked for. The document keeps a fill's record only from its settlement until it is archived
   * in its own collection (infra/mongo/account-store.ts archiveFill), so it stays bounded; the store answers
   * archived records here too, so a repeat is recognised either way.
   */
  fills: Readonly<Record<string, FillRecord>>;
  pendingFees: Readonly<Record<string, PendingFee>>;
  /** The seq of the last pending fee ever recorded (0 for none). */
  feeSeq: number;
  /** Fee account only: per trader account, the seq up to which its fees were credited here. */
  feeCursors: Readonly<Record<string, number>>;
  feeRates?: FeeRates;
  limits?: RiskLimitOverrides;
  /** Per symbol. */
  positions: Readonly<Record<string, Position>>;
  /** An admin turned the account's trading off: no new hold (ACCOUNT_DISABLED). Absent: trading is on. */
  tradingDisabled?: boolean;
}

/** An account to open: what it starts with. */
export interface NewAccount {
  accountId: string;
  name: string;
  balances: Record<string, Scaled>;
  /** Stored only when given; without them the risk engine's defaults apply. */
  fees?: FeeRates;
  limits?: RiskLimitOverrides;
}

/** A change to an account, keyed like the account; `null` removes the entry. Only listed keys are written. */
export interface AccountChanges {
  balances?: Record<string, Balance>;
  holds?: Record<string, AccountHold | null>;
  fills?: Record<string, FillRecord>;
  pendingFees?: Record<string, PendingFee | null>;
  feeSeq?: number;
  feeCursors?: Record<string, number>;
  positions?: Record<string, Position>;
}

/** A pure decision on the account as read: what to answer and what to change (nothing when `changes` is absent). */
export interface AccountDecision<R> {
  result: R;
  changes?: AccountChanges;
}

/** A keyed field of the account: an entry set to null is removed. */
function withEntries<T>(current: Readonly<Record<string, T>>, entries: Readonly<Record<string, T | null>> | undefined): Readonly<Record<string, T>> {
  if (entries === undefined) return current;
  const next: Record<string, T> = { ...current };
  for (const [key, value] of Object.entries(entries)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** The account as it is once `changes` are written (what the store's update does to the document). Pure. */
export function applyChanges(account: Account, changes: AccountChanges): Account {
  return {
    ...account,
    balances: withEntries(account.balances, changes.balances),
    holds: withEntries(account.holds, changes.holds),
    fills: withEntries(account.fills, changes.fills),
    pendingFees: withEntries(account.pendingFees, changes.pendingFees),
    feeCursors: withEntries(account.feeCursors, changes.feeCursors),
    positions: withEntries(account.positions, changes.positions),
    ...(changes.feeSeq === undefined ? {} : { feeSeq: changes.feeSeq }),
  };
}

/**
 * `first` then `second` as one change: per key the later entry wins (a removal included), so that writing the
 * result does to an account what writing both in turn does. Pure.
 */
export function mergeChanges(first: AccountChanges, second: AccountChanges): AccountChanges {
  const merged: AccountChanges = { ...first };
  for (const field of ['balances', 'holds', 'fills', 'pendingFees', 'feeCursors', 'positions'] as const) {
    const later = second[field];
    if (later !== undefined) (merged as Record<string, unknown>)[field] = { ...(first[field] ?? {}), ...later };
  }
  if (second.feeSeq !== undefined) merged.feeSeq = second.feeSeq;
  return merged;
}

/** The account's balance of one asset; zero when it never had any. */
export function balanceOf(account: Pick<Account, 'balances'>, asset: string): Balance {
  return (Object.hasOwn(account.balances, asset) ? account.balances[asset] : undefined) ?? { total: 0n, held: 0n };
}

export function toAssetBalance(asset: string, balance: Balance): AssetBalance {
  return { asset, total: formatDecimal(balance.total), available: formatDecimal(balance.total - balance.held), held: formatDecimal(balance.held) };
}

/** An account opens with what it holds, never with a debt. */
export function checkOpeningBalance(asset: string, total: Scaled): void {
  if (total < 0n) throw new DomainError('VALIDATION_FAILED', `balance of ${asset} must not be negative`);
}

export function checkFeeRates(rates: FeeRates): FeeRates {
  for (const [what, bps] of [['makerBps', rates.makerBps], ['takerBps', rates.takerBps]] as const) {
    // Above 10000 bp a SELL's fee would exceed its proceeds.
    if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new DomainError('VALIDATION_FAILED', `${what} must be an integer from 0 to 10000`, { [what]: bps });
  }
  return { makerBps: rates.makerBps, takerBps: rates.takerBps };
}

/** An open-order limit is a count; every other limit is a positive amount. Answers the overrides when they are valid. */
export function checkRiskLimitOverrides(limits: RiskLimitOverrides): RiskLimitOverrides {
  if (limits.maxOpenOrders !== undefined && (!Number.isSafeInteger(limits.maxOpenOrders) || limits.maxOpenOrders < 0)) {
    throw new DomainError('VALIDATION_FAILED', 'maxOpenOrders must be a non-negative integer', { maxOpenOrders: limits.maxOpenOrders });
  }
  const positive = (what: string, value: Scaled) => {
    if (value <= 0n) throw new DomainError('VALIDATION_FAILED', `${what} must be positive`, { [what]: formatDecimal(value) });
  };
  if (limits.maxOrderNotional !== undefined) positive('maxOrderNotional', limits.maxOrderNotional);
  if (limits.maxPosition !== undefined) positive('maxPosition', limits.maxPosition);
  for (const [symbol, value] of Object.entries(limits.maxPositionBySymbol ?? {})) positive(`maxPositionBySymbol.${symbol}`, value);
  return limits;
}
