import type { EngineOrderType, Side, TimeInForce } from './engine-types';
import type { PriceLevel } from './price-levels';

/**
 * The engine's one record per live order: it is also the node of its price level's FIFO (intrusive doubly
 * linked list, so removal is O(1)). The engine drops it when the order ends: how it ended is in the events.
 */
export interface OrderEntry {
  readonly orderId: string;
  readonly accountId: string;
  readonly side: Side;
  readonly type: EngineOrderType;
  readonly price: bigint | null;
  readonly quantity: bigint;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  /** Open quantity while the order is being matched or rests. */
  remaining: bigint;
  /** The level the order rests at; null when it does not rest. */
  level: PriceLevel | null;
  prev: OrderEntry | null;
  next: OrderEntry | null;
}

/**
 * A plain object literal rather than a class instance: with the same fields, the benchmark mix ran ~20%
 * fewer young-generation collections.
 */
export function createOrderEntry(
  orderId: string,
  accountId: string,
  side: Side,
  type: EngineOrderType,
  price: bigint | null,
  quantity: bigint,
  timeInForce: TimeInForce,
  postOnly: boolean,
): OrderEntry {
  return { orderId, accountId, side, type, price, quantity, timeInForce, postOnly, remaining: quantity, level: null, prev: null, next: null };
}
