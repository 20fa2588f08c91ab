import { abs, divideRounded, formatDecimal, mul, ONE, type Scaled } from './decimal';
import type { PositionRecord, PositionView } from './market-events';
import type { OrderSide } from './order';
import { markPosition } from './position-view';

/*
 * Position math, pure. A position keeps its signed base quantity (> 0 long, < 0 short) and the cost of
 * that open quantity, signed like it (cost / quantity is the average entry price, always positive).
 * Cost and realized PnL are scaled bigints that only add and subtract exact fill costs, with one exception:
 * a fill that closes part of a position takes out cost × closed / open of the cost basis, rounded half-even
 * at 10^-18 of the quote asset (and a flip values its closing part at price × closed, rounded the same way).
 * Whatever that rounding moves stays inside the position, so at every step
 *
 *     realizedPnl − cost = Σ sells' (price × quantity) − Σ buys' (price × quantity)
 *
 * exactly, and a position back to flat has realized exactly Σ sells − Σ buys. The average entry price is
 * cost / quantity rounded half-even only when it is formatted.
 */

/**
 * One symbol's position of an account, built from the account's fills: signed base quantity, the cost of
 * that open quantity (signed like it) and the PnL realized in the quote asset. Written in the same update
 * as the fill that changes it.
 */
export interface Position {
  quantity: Scaled;
  cost: Scaled;
  realizedPnl: Scaled;
  /** +1 per applied fill. */
  version: number;
  updatedAt: string;
}

export interface PositionFill {
  side: OrderSide;
  quantity: Scaled;
  price: Scaled;
  /** price × quantity, exact (the settlement refuses a fill whose cost is not). */
  cost: Scaled;
}

export type PositionAmounts = Pick<Position, 'quantity' | 'cost' | 'realizedPnl'>;

export const FLAT: Readonly<PositionAmounts> = Object.freeze({ quantity: 0n, cost: 0n, realizedPnl: 0n });

/** The position after one fill: opening or adding, reducing or closing, or closing and opening the other way (a flip). */
export function applyFill(position: PositionAmounts, fill: PositionFill): PositionAmounts {
  if (fill.quantity <= 0n || fill.price <= 0n) throw new RangeError('a fill has a positive quantity and price');
  const direction = fill.side === 'BUY' ? 1n : -1n;
  const { quantity, cost, realizedPnl } = position;
  const sign = quantity > 0n ? 1n : quantity < 0n ? -1n : 0n;

  if (sign === 0n || sign === direction) {
    return { quantity: quantity + direction * fill.quantity, cost: cost + direction * fill.cost, realizedPnl };
  }
  const open = abs(quantity);
  if (fill.quantity <= open) {
    // The share of the cost basis this fill closes; all of it (exactly) when it closes everything.
    const removed = fill.quantity === open ? cost : divideRounded(cost * fill.quantity, open, 'HALF_EVEN');
    return { quantity: quantity + direction * fill.quantity, cost: cost - removed, realizedPnl: realizedPnl + sign * fill.cost - removed };
  }
  const closingValue = mul(fill.price, open, 'HALF_EVEN');
  return {
    quantity: direction * (fill.quantity - open),
    cost: direction * (fill.cost - closingValue),
    realizedPnl: realizedPnl + sign * closingValue - cost,
  };
}

/** cost / quantity, rounded half-even; null when flat. */
export function averageEntryPrice(position: Pick<PositionAmounts, 'quantity' | 'cost'>): Scaled | null {
  if (position.quantity === 0n) return null;
  return divideRounded(position.cost * ONE, position.quantity, 'HALF_EVEN');
}

/** (mark − average entry) × quantity, computed as mark × quantity − cost so only one rounding (half-even) happens; null when flat. */
export function unrealizedPnl(position: Pick<PositionAmounts, 'quantity' | 'cost'>, mark: Scaled): Scaled | null {
  if (position.quantity === 0n) return null;
  return mul(mark, position.quantity, 'HALF_EVEN') - position.cost;
}

export function toPositionRecord(accountId: string, symbol: string, position: Position): PositionRecord {
  const average = averageEntryPrice(position);
  return {
    accountId,
    symbol,
    quantity: formatDecimal(position.quantity),
    averageEntryPrice: average === null ? null : formatDecimal(average),
    realizedPnl: formatDecimal(position.realizedPnl),
    openCost: formatDecimal(position.cost),
    version: position.version,
    updatedAt: position.updatedAt,
  };
}

/** The record marked to `mark` (undefined when no fresh mark is known), as every reader of the record marks it. */
export function toPositionView(accountId: string, symbol: string, position: Position, mark: Scaled | undefined): PositionView {
  return markPosition(toPositionRecord(accountId, symbol, position), mark === undefined ? null : formatDecimal(mark));
}
