import {
  ACCOUNT_KEY_PATTERN,
  checkFeeRates,
  checkOpeningBalance,
  checkRiskLimitOverrides,
  type Account,
  type AccountChanges,
  type AccountHold,
  type Balance,
  type FeeRates,
  type FillRecord,
  type NewAccount,
  type RiskLimitOverrides,
} from '../../domain/account';
import { formatDecimal, parseDecimal } from '../../domain/decimal';
import { DomainError } from '../../domain/errors';
import type { OrderSide } from '../../domain/order';
import type { Position } from '../../domain/position';

/*
 * The account document: the domain Account (domain/account.ts) with its amounts as decimal strings, and the
 * field-level updates that write an AccountChanges. Mapping only; the rules live in domain/ and risk/.
 */

interface HoldDoc {
  asset: string;
  amount: string;
  symbol?: string;
  side?: OrderSide;
  openQuantity?: string;
  protectionPrice?: string;
  limitPrice?: string;
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
  /** Absent: trading enabled. Set by an admin (PUT /api/admin/accounts/{accountId}/trading through the risk engine). */
  trading?: { enabled: boolean; changedAt: string };
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Every key of an account's entries becomes a field name inside the document (domain ACCOUNT_KEY_PATTERN). */
export function checkFieldKey(what: string, value: string): void {
  if (!ACCOUNT_KEY_PATTERN.test(value)) throw new DomainError('VALIDATION_FAILED', `${what} must be 1-128 characters of letters, digits, _ : -`, { [what]: value });
}

export function readBalance(doc: Pick<AccountDoc, 'balances'>, asset: string): Balance {
  const balance = Object.hasOwn(doc.balances, asset) ? doc.balances[asset] : undefined;
  return balance === undefined ? { total: 0n, held: 0n } : { total: parseDecimal(balance.total), held: parseDecimal(balance.held) };
}

/** A new account's document, version 1. Its opening balances, fees and limits are checked first. */
export function newAccountDoc(input: NewAccount, now: string): AccountDoc {
  const balances: AccountDoc['balances'] = {};
  for (const [asset, total] of Object.entries(input.balances)) {
    checkFieldKey('asset', asset);
    checkOpeningBalance(asset, total);
    balances[asset] = { total: formatDecimal(total), held: '0' };
  }
  return {
    _id: input.accountId,
    name: input.name,
    balances,
    holds: {},
    ...(input.fees === undefined ? {} : { fees: checkFeeRates(input.fees) }),
    ...(input.limits === undefined ? {} : { limits: limitsToDoc(input.limits) }),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** Every top-level field but `fills`, so a read can pick single fill records (an inclusion projection cannot mix in an exclusion). */
const FIELDS_BUT_FILLS = ['name', 'balances', 'holds', 'pendingFees', 'feeSeq', 'feeCursors', 'fees', 'limits', 'positions', 'trading', 'version', 'createdAt', 'updatedAt'];

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
    ...(doc.trading?.enabled === false ? { tradingDisabled: true } : {}),
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
    ...(hold.limitPrice === undefined ? {} : { limitPrice: parseDecimal(hold.limitPrice) }),
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
    ...(hold.limitPrice === undefined ? {} : { limitPrice: formatDecimal(hold.limitPrice) }),
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

/** Validated first (domain rules), then the symbols checked as field names. */
export function limitsToDoc(limits: RiskLimitOverrides): LimitsDoc {
  checkRiskLimitOverrides(limits);
  const bySymbol = limits.maxPositionBySymbol;
  if (bySymbol !== undefined) for (const symbol of Object.keys(bySymbol)) checkFieldKey('symbol', symbol);
  return {
    ...(limits.maxOrderNotional === undefined ? {} : { maxOrderNotional: formatDecimal(limits.maxOrderNotional) }),
    ...(limits.maxOpenOrders === undefined ? {} : { maxOpenOrders: limits.maxOpenOrders }),
    ...(limits.maxPosition === undefined ? {} : { maxPosition: formatDecimal(limits.maxPosition) }),
    ...(bySymbol === undefined ? {} : { maxPositionBySymbol: mapValues(bySymbol, formatDecimal) }),
  };
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
