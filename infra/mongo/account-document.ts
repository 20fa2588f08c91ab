import { formatDecimal, parseDecimal, type Scaled } from '../../domain/decimal';
import { DomainError } from '../../domain/errors';
import type { OrderSide } from '../../domain/order';

/** One asset of an account on the wire; available = total − held. */
export interface AssetBalance {
  asset: string;
  total: string;
  available: string;
  held: string;
}

export type FillLiquidity = 'MAKER' | 'TAKER';

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
 * Stored as wire strings: it is only ever compared and returned, never computed with.
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
  /** BUY only: the order quantity not yet filled. */
  openQuantity?: Scaled;
  /** MARKET only: the worst price the order may fill at, answered again on a repeated hold. */
  protectionPrice?: Scaled;
}

/**
 * One symbol's position, built from the account's fills (risk/positions.ts): signed base quantity, the
 * cost of that open quantity (signed like it; cost / quantity is the average entry price) and the PnL
 * realized in the quote asset. Written in the same update as the fill that changes it.
 */
export interface Position {
  quantity: Scaled;
  cost: Scaled;
  realizedPnl: Scaled;
  /** +1 per applied fill. */
  version: number;
  updatedAt: string;
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
  /** Only the records asked for: loading every applied fill on each update would grow with the account's history. */
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

interface HoldDoc {
  asset: string;
  amount: string;
  symbol?: string;
  side?: OrderSide;
  openQuantity?: string;
  protectionPrice?: string;
}

interface PositionDoc {
  quantity: string;
  cost: string;
  realizedPnl: string;
  version: number;
  updatedAt: string;
}

interface LimitsDoc {
  maxOrderNotional?: string;
  maxOpenOrders?: number;
  maxPosition?: string;
  maxPositionBySymbol?: Record<string, string>;
}

/** Decimal strings; available = total − held is derived, never stored, so the two can never disagree. */
export interface AccountDoc {
  _id: string;
  name: string;
  balances: Record<string, { total: string; held: string }>;
  holds: Record<string, HoldDoc>;
  // The fields below came with the risk engine; documents written before it lack them.
  fills?: Record<string, FillRecord>;
  pendingFees?: Record<string, { seq: number; asset: string; amount: string }>;
  feeSeq?: number;
  feeCursors?: Record<string, number>;
  fees?: FeeRates;
  limits?: LimitsDoc;
  positions?: Record<string, PositionDoc>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

// Asset, order, fill and account ids become field names inside the document: no '.', no leading '$'.
const FIELD_KEY = /^[\w:-]{1,128}$/;

export function checkFieldKey(what: string, value: string): void {
  if (!FIELD_KEY.test(value)) throw new DomainError('VALIDATION_FAILED', `${what} must be 1-128 characters of letters, digits, _ : -`, { [what]: value });
}

export function readBalance(doc: Pick<AccountDoc, 'balances'>, asset: string): Balance {
  const balance = Object.hasOwn(doc.balances, asset) ? doc.balances[asset] : undefined;
  return balance === undefined ? { total: 0n, held: 0n } : { total: parseDecimal(balance.total), held: parseDecimal(balance.held) };
}

export function toAssetBalance(asset: string, balance: Balance): AssetBalance {
  return { asset, total: formatDecimal(balance.total), available: formatDecimal(balance.total - balance.held), held: formatDecimal(balance.held) };
}

/** Every top-level field but `fills`, so a read can pick single fill records (an inclusion projection cannot mix in an exclusion). */
const FIELDS_BUT_FILLS = ['name', 'balances', 'holds', 'pendingFees', 'feeSeq', 'feeCursors', 'fees', 'limits', 'positions', 'version', 'createdAt', 'updatedAt'];

export function projectionFor(fillIds: readonly string[]): Record<string, 0 | 1> {
  if (fillIds.length === 0) return { fills: 0 };
  for (const fillId of fillIds) checkFieldKey('fillId', fillId);
  return Object.fromEntries([...FIELDS_BUT_FILLS, ...fillIds.map((id) => `fills.${id}`)].map((path) => [path, 1]));
}

const mapValues = <A, B>(record: Record<string, A> | undefined, f: (value: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key, f(value)]));

export function toAccount(doc: AccountDoc): Account {
  return {
    accountId: doc._id,
    name: doc.name,
    version: doc.version,
    balances: mapValues(doc.balances, (b) => ({ total: parseDecimal(b.total), held: parseDecimal(b.held) })),
    holds: mapValues(doc.holds, holdFromDoc),
    fills: doc.fills ?? {},
    pendingFees: mapValues(doc.pendingFees, (p) => ({ seq: p.seq, asset: p.asset, amount: parseDecimal(p.amount) })),
    feeSeq: doc.feeSeq ?? 0,
    feeCursors: doc.feeCursors ?? {},
    ...(doc.fees === undefined ? {} : { feeRates: { makerBps: doc.fees.makerBps, takerBps: doc.fees.takerBps } }),
    ...(doc.limits === undefined ? {} : { limits: limitsFromDoc(doc.limits) }),
    positions: mapValues(doc.positions, positionFromDoc),
  };
}

function positionFromDoc(position: PositionDoc): Position {
  return {
    quantity: parseDecimal(position.quantity),
    cost: parseDecimal(position.cost),
    realizedPnl: parseDecimal(position.realizedPnl),
    version: position.version,
    updatedAt: position.updatedAt,
  };
}

function positionToDoc(position: Position): PositionDoc {
  return {
    quantity: formatDecimal(position.quantity),
    cost: formatDecimal(position.cost),
    realizedPnl: formatDecimal(position.realizedPnl),
    version: position.version,
    updatedAt: position.updatedAt,
  };
}

function holdFromDoc(hold: HoldDoc): AccountHold {
  return {
    asset: hold.asset,
    amount: parseDecimal(hold.amount),
    ...(hold.symbol === undefined ? {} : { symbol: hold.symbol }),
    ...(hold.side === undefined ? {} : { side: hold.side }),
    ...(hold.openQuantity === undefined ? {} : { openQuantity: parseDecimal(hold.openQuantity) }),
    ...(hold.protectionPrice === undefined ? {} : { protectionPrice: parseDecimal(hold.protectionPrice) }),
  };
}

function holdToDoc(hold: AccountHold): HoldDoc {
  return {
    asset: hold.asset,
    amount: formatDecimal(hold.amount),
    ...(hold.symbol === undefined ? {} : { symbol: hold.symbol }),
    ...(hold.side === undefined ? {} : { side: hold.side }),
    ...(hold.openQuantity === undefined ? {} : { openQuantity: formatDecimal(hold.openQuantity) }),
    ...(hold.protectionPrice === undefined ? {} : { protectionPrice: formatDecimal(hold.protectionPrice) }),
  };
}

function limitsFromDoc(limits: LimitsDoc): RiskLimitOverrides {
  return {
    ...(limits.maxOrderNotional === undefined ? {} : { maxOrderNotional: parseDecimal(limits.maxOrderNotional) }),
    ...(limits.maxOpenOrders === undefined ? {} : { maxOpenOrders: limits.maxOpenOrders }),
    ...(limits.maxPosition === undefined ? {} : { maxPosition: parseDecimal(limits.maxPosition) }),
    ...(limits.maxPositionBySymbol === undefined ? {} : { maxPositionBySymbol: mapValues(limits.maxPositionBySymbol, parseDecimal) }),
  };
}

export function limitsToDoc(limits: RiskLimitOverrides): LimitsDoc {
  const positive = (what: string, value: Scaled) => {
    if (value <= 0n) throw new DomainError('VALIDATION_FAILED', `${what} must be positive`, { [what]: formatDecimal(value) });
    return formatDecimal(value);
  };
  if (limits.maxOpenOrders !== undefined && (!Number.isSafeInteger(limits.maxOpenOrders) || limits.maxOpenOrders < 0)) {
    throw new DomainError('VALIDATION_FAILED', 'maxOpenOrders must be a non-negative integer', { maxOpenOrders: limits.maxOpenOrders });
  }
  const bySymbol = limits.maxPositionBySymbol;
  if (bySymbol !== undefined) for (const symbol of Object.keys(bySymbol)) checkFieldKey('symbol', symbol);
  return {
    ...(limits.maxOrderNotional === undefined ? {} : { maxOrderNotional: positive('maxOrderNotional', limits.maxOrderNotional) }),
    ...(limits.maxOpenOrders === undefined ? {} : { maxOpenOrders: limits.maxOpenOrders }),
    ...(limits.maxPosition === undefined ? {} : { maxPosition: positive('maxPosition', limits.maxPosition) }),
    ...(bySymbol === undefined ? {} : { maxPositionBySymbol: Object.fromEntries(Object.entries(bySymbol).map(([s, v]) => [s, positive(`maxPositionBySymbol.${s}`, v)])) }),
  };
}

export function checkFeeRates(rates: FeeRates): FeeRates {
  for (const [what, bps] of [['makerBps', rates.makerBps], ['takerBps', rates.takerBps]] as const) {
    // Above 10000 bp a SELL's fee would exceed its proceeds.
    if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new DomainError('VALIDATION_FAILED', `${what} must be an integer from 0 to 10000`, { [what]: bps });
  }
  return { makerBps: rates.makerBps, takerBps: rates.takerBps };
}

/** Field-level $set/$unset for the keys a change names, so concurrent writers of other keys are never overwritten by stale copies. */
export function toUpdate(changes: AccountChanges): { set: Record<string, unknown>; unset: string[] } {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  const each = <T>(field: string, what: string, entries: Record<string, T | null> | undefined, write: (value: T) => unknown) => {
    for (const [key, value] of Object.entries(entries ?? {})) {
      checkFieldKey(what, key);
      if (value === null) unset.push(`${field}.${key}`);
      else set[`${field}.${key}`] = write(value);
    }
  };
  each('balances', 'asset', changes.balances, (b) => ({ total: formatDecimal(b.total), held: formatDecimal(b.held) }));
  each('holds', 'orderId', changes.holds, holdToDoc);
  each('fills', 'fillId', changes.fills, (f) => f);
  each('pendingFees', 'fillId', changes.pendingFees, (p) => ({ seq: p.seq, asset: p.asset, amount: formatDecimal(p.amount) }));
  each('feeCursors', 'accountId', changes.feeCursors, (seq) => seq);
  each('positions', 'symbol', changes.positions, positionToDoc);
  if (changes.feeSeq !== undefined) set.feeSeq = changes.feeSeq;
  return { set, unset };
}

export function isEmptyUpdate(update: { set: Record<string, unknown>; unset: string[] }): boolean {
  return Object.keys(update.set).length === 0 && update.unset.length === 0;
}
