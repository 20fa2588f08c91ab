import type {
  CancelReason,
  EngineOrderStatus,
  EngineOrderType,
  RejectReason,
  Side,
  TimeInForce,
} from './engine-types';
import type { PriceLevel } from './price-levels';

/**
 * The engine's one record per order: it is both the node of its price level's FIFO (intrusive doubly
 * linked list, so removal is O(1)) and the state kept after the order is final.
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
  status: EngineOrderStatus;
  /** Open quantity while the order is being matched or rests; 0 once final. */
  remaining: bigint;
  /** Cancelled, expired or rejected quantity. Filled is derived: one bigint allocation less per fill. */
  cancelled: bigint;
  reason: CancelReason | RejectReason | null;
  /** The level the order rests at; null when it does not rest. */
  level: PriceLevel | null;
  prev: OrderEntry | null;
  next: OrderEntry | null;
}

/**
 * A plain object literal rather than a class instance: with the same fields, the benchmark mix ran ~20%
 * fewer young-generation collections (entries are the engine's main long-lived allocation).
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
  return {
    orderId,
    accountId,
    side,
    type,
    price,
    quantity,
    timeInForce,
    postOnly,
    status: 'OPEN',
    remaining: quantity,
    cancelled: 0n,
    reason: null,
    level: null,
    prev: null,
    next: null,
  };
}

export function filledQuantity(entry: OrderEntry): bigint {
  return entry.quantity - entry.remaining - entry.cancelled;
}
