// Public vocabulary of the matching engine. Every price and quantity is a bigint scaled by 10^18
// (one global scale: 1 BTC = 10n ** 18n); the engine never sees a float.

import type { OrderSide, OrderType, TimeInForce as OrderTimeInForce } from '../domain/order';

export type Side = OrderSide;
export type EngineOrderType = OrderType;
/** GTD rests like GTC; its expiry is driven from outside through `MatchingEngine.expire`. */
export type TimeInForce = OrderTimeInForce;

/**
 * What to do when an incoming order would trade with a resting order of the same account.
 * - CANCEL_TAKER (default): cancel the rest of the incoming order; the resting order stays.
 * - CANCEL_MAKER: cancel the resting order and keep matching the incoming one.
 * - CANCEL_BOTH: cancel the resting order and the rest of the incoming one.
 */
export type SelfTradePrevention = 'CANCEL_TAKER' | 'CANCEL_MAKER' | 'CANCEL_BOTH';

export interface EngineOrder {
  orderId: string;
  accountId: string;
  side: Side;
  type: EngineOrderType;
  /** Limit price; null for MARKET. */
  price: bigint | null;
  quantity: bigint;
  timeInForce: TimeInForce;
  /** LIMIT with GTC or GTD only: rejected instead of taking liquidity. */
  postOnly: boolean;
  /**
   * MARKET only, optional: the worst price it may trade at (the risk engine's slippage cap). It stops
   * at levels beyond it; the rest is cancelled MARKET_REMAINDER, or NO_LIQUIDITY when nothing is within it.
   */
  protectionPrice?: bigint | null;
}

export type RejectReason =
  | 'DUPLICATE_ORDER_ID'
  | 'POST_ONLY_WOULD_TAKE'
  | 'FOK_CANNOT_FILL'
  | 'NO_LIQUIDITY'
  | 'INVALID_ORDER';

export type CancelReason = 'USER' | 'IOC_REMAINDER' | 'MARKET_REMAINDER' | 'SELF_TRADE_PREVENTION';

/** Why a cancel or expire request changed nothing: no live order has that id (never seen, or already final). */
export type CancelRejectReason = 'UNKNOWN_ORDER';

/** A live order as the engine holds it (it forgets an order once it is final; the events say how it ended). */
export interface OrderState {
  orderId: string;
  accountId: string;
  side: Side;
  type: EngineOrderType;
  price: bigint | null;
  timeInForce: TimeInForce;
  postOnly: boolean;
  status: 'OPEN' | 'PARTIALLY_FILLED';
  quantity: bigint;
  filledQuantity: bigint;
  /** What still rests on the book. */
  remaining: bigint;
}

export interface BookLevel {
  price: bigint;
  /** Total resting quantity at this price. */
  quantity: bigint;
  orderCount: number;
}

export interface BookSnapshot {
  /** Best (highest) first. */
  bids: BookLevel[];
  /** Best (lowest) first. */
  asks: BookLevel[];
  /** Sequence of the last event emitted before the snapshot; apply BOOK_DELTA events with a greater sequence. */
  sequence: number;
}

export interface AcceptedEvent {
  type: 'ACCEPTED';
  sequence: number;
  orderId: string;
  accountId: string;
  side: Side;
  orderType: EngineOrderType;
  price: bigint | null;
  quantity: bigint;
  timeInForce: TimeInForce;
  postOnly: boolean;
}

export interface RejectedEvent {
  type: 'REJECTED';
  sequence: number;
  orderId: string;
  accountId: string;
  reason: RejectReason;
  /** Human-readable detail, mostly for INVALID_ORDER. */
  message: string;
}

export interface TradeEvent {
  type: 'TRADE';
  sequence: number;
  /** `${symbol}-${n}`, n counting trades from 1. */
  tradeId: string;
  /** Always the maker's price. */
  price: bigint;
  quantity: bigint;
  makerOrderId: string;
  makerAccountId: string;
  takerOrderId: string;
  takerAccountId: string;
  takerSide: Side;
  makerRemaining: bigint;
  takerRemaining: bigint;
}

export interface CancelledEvent {
  type: 'CANCELLED';
  sequence: number;
  orderId: string;
  accountId: string;
  /** The quantity that was cancelled. */
  remaining: bigint;
  reason: CancelReason;
}

export interface ExpiredEvent {
  type: 'EXPIRED';
  sequence: number;
  orderId: string;
  accountId: string;
  /** The quantity that expired. */
  remaining: bigint;
}

/** New total at one price level; quantity 0 (and orderCount 0) removes the level. */
export interface BookDeltaEvent {
  type: 'BOOK_DELTA';
  sequence: number;
  side: Side;
  price: bigint;
  quantity: bigint;
  orderCount: number;
}

/** Answer to a cancel or expire that found nothing to do (no live order with that id). */
export interface CancelRejectedEvent {
  type: 'CANCEL_REJECTED';
  sequence: number;
  orderId: string;
  request: 'CANCEL' | 'EXPIRE';
  reason: CancelRejectReason;
}

export type EngineEvent =
  | AcceptedEvent
  | RejectedEvent
  | TradeEvent
  | CancelledEvent
  | ExpiredEvent
  | BookDeltaEvent
  | CancelRejectedEvent;

export interface MatchingEngineOptions {
  /** Default CANCEL_TAKER. */
  selfTradePrevention?: SelfTradePrevention;
}
