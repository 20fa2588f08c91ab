import type { BookLevel } from './engine-types';
import { MatchingEngine } from './matching-engine';
import { RestingOrders } from './resting-orders';

/** One symbol's engine, with what it takes to replace it by a fresh one. */
export interface EngineSlot {
  engine: MatchingEngine;
  resting: RestingOrders;
  /** Orders this engine has taken, and so remembers. */
  orders: number;
  /** Trades of the engines this one replaced: trade numbers go on across a compaction. */
  tradeOffset: number;
}

export function newEngineSlot(symbol: string, tradeOffset: number): EngineSlot {
  return { engine: new MatchingEngine(symbol), resting: new RestingOrders(), orders: 0, tradeOffset };
}

/**
 * The same book in a fresh engine: every resting order submitted again, oldest first, with what it has left.
 * The engine keeps every order it ever saw (for duplicate checks), and the liquidity replay sends tens a
 * second; this drops the final ones. Undefined if the new book would differ (it cannot while the book is uncrossed).
 */
export function compactEngine(slot: EngineSlot): EngineSlot | undefined {
  const fresh = newEngineSlot(slot.engine.symbol, slot.tradeOffset + slot.engine.tradeCount);
  for (const orderId of slot.resting.inPriority()) {
    const state = slot.engine.getOrder(orderId);
    if (state === undefined) continue;
    const { accountId, side, type, price, timeInForce, remaining } = state;
    // Post-only only matters on entry; the order already rests.
    fresh.resting.follow(fresh.engine.submit({ orderId, accountId, side, type, price, quantity: remaining, timeInForce, postOnly: false }));
    fresh.orders += 1;
  }
  const before = slot.engine.snapshot();
  const after = fresh.engine.snapshot();
  return sameLevels(before.bids, after.bids) && sameLevels(before.asks, after.asks) ? fresh : undefined;
}

function sameLevels(a: readonly BookLevel[], b: readonly BookLevel[]): boolean {
  return a.length === b.length && a.every((l, i) => l.price === b[i]?.price && l.quantity === b[i]?.quantity && l.orderCount === b[i]?.orderCount);
}
