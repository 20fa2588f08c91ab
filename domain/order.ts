import type * as v from 'valibot';
import { div, formatDecimal, isMultipleOf, mul, ONE, type Scaled } from './decimal';
import { DomainError } from './errors';
import type { OrderViewSchema } from './events';
import type { SymbolSpec } from './symbols';

export const ORDER_SIDES = ['BUY', 'SELL'] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];

export const ORDER_TYPES = ['LIMIT', 'MARKET'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const TIME_IN_FORCES = ['GTC', 'IOC', 'FOK', 'GTD'] as const;
export type TimeInForce = (typeof TIME_IN_FORCES)[number];

export const ORDER_STATUSES = [
  'NEW',
  'ACCEPTED',
  'PARTIALLY_FILLED',
  'FILLED',
  'PENDING_CANCEL',
  'CANCELLED',
  'REJECTED',
  'EXPIRED',
  'SETTLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = Object.freeze(['SETTLED', 'REJECTED', 'CANCELLED', 'EXPIRED']);

/**
 * Why an order ended without (all of) its fills, beyond a risk refusal's error code (which REJECTED orders carry as
 * their reason): the order view's `statusReason`, the executions' `order.statusReason`, the dashboard's "why".
 */
export const ORDER_STATUS_REASONS = [
  /** A MARKET (or FOK) order found nothing to take. */
  'NO_LIQUIDITY',
  /** An IOC order's part that did not fill at once. */
  'IOC_REMAINDER',
  /** A FOK order that could not fill completely at once. */
  'FOK_NOT_FILLED',
  /** A MARKET order's part that found no more liquidity within its protection price. */
  'MARKET_REMAINDER',
  /** A GTD order's expireAt passed. */
  'GTD_EXPIRED',
  /** The trader cancelled it (POST /api/orders/{id}/cancel or DELETE). */
  'USER_CANCELLED',
  /** An admin cancelled it (the kill switch). */
  'ADMIN_CANCELLED',
  /** The venue's self-trade prevention cancelled it. */
  'SELF_TRADE_PREVENTION',
  /** A post-only order would have taken liquidity: the venue refused it. */
  'POST_ONLY_WOULD_TAKE',
] as const;
export type OrderStatusReason = (typeof ORDER_STATUS_REASONS)[number];

/** Who may cancel an order: what the cancel signal carries, and what a CANCELLED order then says. */
export const CANCEL_REASONS = ['USER_CANCELLED', 'ADMIN_CANCELLED'] as const satisfies readonly OrderStatusReason[];
export type CancelReason = (typeof CANCEL_REASONS)[number];

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The internal order: exact bigints. Changed only through applyOrderCommand. */
export interface Order {
  readonly orderId: string;
  readonly clientOrderId: string | null;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: Scaled;
  readonly price: Scaled | null;
  readonly timeInForce: TimeInForce;
  readonly expireAt: string | null;
  readonly postOnly: boolean;
  readonly status: OrderStatus;
  readonly filledQuantity: Scaled;
  /** Sum of price × quantity over applied fills, exact (fills whose product needs rounding are refused). */
  readonly filledNotional: Scaled;
  /** Sum of fill fees, in the quote asset. */
  readonly fees: Scaled;
  readonly rejectReason: string | null;
  /**
   * Why the order ended REJECTED, CANCELLED or EXPIRED (a code: ORDER_STATUS_REASONS or a risk refusal's error
   * code); null while it lives and for SETTLED. Orders persisted before it existed read as null.
   */
  readonly statusReason: string | null;
  readonly cancelRequested: boolean;
  /** Ids of applied fills, so a redelivered fill is recognised and ignored. */
  readonly fillIds: readonly string[];
  /** 1 for NEW, +1 per change; readers ignore events with a version they have already seen. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The wire form of an order as readers see it (API, executions, Mongo): see OrderViewSchema. */
export type OrderView = v.InferOutput<typeof OrderViewSchema>;

export function averagePrice(order: Pick<Order, 'filledNotional' | 'filledQuantity'>): Scaled | null {
  return order.filledQuantity === 0n ? null : div(order.filledNotional, order.filledQuantity, 'HALF_EVEN');
}

export function toOrderView(order: Order): OrderView {
  const average = averagePrice(order);
  return {
    orderId: order.orderId,
    clientOrderId: order.clientOrderId,
    accountId: order.accountId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    quantity: formatDecimal(order.quantity),
    price: order.price === null ? null : formatDecimal(order.price),
    timeInForce: order.timeInForce,
    expireAt: order.expireAt,
    postOnly: order.postOnly,
    status: order.status,
    filledQuantity: formatDecimal(order.filledQuantity),
    averagePrice: average === null ? null : formatDecimal(average),
    fees: formatDecimal(order.fees),
    rejectReason: order.rejectReason,
    statusReason: order.statusReason,
    cancelRequested: order.cancelRequested,
    version: order.version,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** What a trader asks for; the same shape validateOrderRules checks. */
export interface OrderTerms {
  side: OrderSide;
  type: OrderType;
  quantity: Scaled;
  price: Scaled | null;
  timeInForce: TimeInForce;
  expireAt: string | null;
  postOnly: boolean;
}

export interface NewOrderParams extends OrderTerms {
  orderId: string;
  clientOrderId: string | null;
  accountId: string;
  symbol: string;
  createdAt: string;
}

export function newOrder(params: NewOrderParams): Order {
  return {
    orderId: params.orderId,
    clientOrderId: params.clientOrderId,
    accountId: params.accountId,
    symbol: params.symbol,
    side: params.side,
    type: params.type,
    quantity: params.quantity,
    price: params.price,
    timeInForce: params.timeInForce,
    expireAt: params.expireAt,
    postOnly: params.postOnly,
    status: 'NEW',
    filledQuantity: 0n,
    filledNotional: 0n,
    fees: 0n,
    rejectReason: null,
    statusReason: null,
    cancelRequested: false,
    fillIds: [],
    version: 1,
    createdAt: params.createdAt,
    updatedAt: params.createdAt,
  };
}

export const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * Milliseconds since the epoch for an ISO-8601 timestamp with an explicit zone ('Z' or '+02:00'),
 * or undefined. Stricter than Date.parse, which accepts many formats and rolls 2025-02-30 over to March.
 */
export function parseIsoTimestamp(text: string): number | undefined {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year = '', month = '', day = ''] = match;
  const calendarDay = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendarDay.getUTCMonth() !== Number(month) - 1 || calendarDay.getUTCDate() !== Number(day)) return undefined;
  const millis = Date.parse(text);
  return Number.isNaN(millis) ? undefined : millis;
}

/**
 * The static rules of a symbol (no balances, no market data): the first rule broken, or undefined.
 * Deterministic: "now" is passed in.
 */
export function validateOrderRules(spec: SymbolSpec, terms: OrderTerms, nowIso: string): DomainError | undefined {
  if (spec.status === 'HALTED') {
    return new DomainError('SYMBOL_HALTED', `${spec.symbol} is halted; no new orders are accepted`, { symbol: spec.symbol });
  }
  if (terms.type === 'LIMIT' && terms.price === null) {
    return new DomainError('PRICE_REQUIRED', 'a LIMIT order needs a price');
  }
  if (terms.type === 'MARKET' && terms.price !== null) {
    return new DomainError('PRICE_NOT_ALLOWED', 'a MARKET order must not have a price');
  }
  if (terms.price !== null && (terms.price <= 0n || !isMultipleOf(terms.price, spec.tickSize))) {
    const tickSize = formatDecimal(spec.tickSize);
    return new DomainError('INVALID_PRICE_TICK', `price must be a positive multiple of the tick size ${tickSize} for ${spec.symbol}`, {
      price: formatDecimal(terms.price),
      tickSize,
    });
  }
  if (terms.quantity <= 0n || !isMultipleOf(terms.quantity, spec.lotSize)) {
    const lotSize = formatDecimal(spec.lotSize);
    return new DomainError('INVALID_QUANTITY_LOT', `quantity must be a positive multiple of the lot size ${lotSize} for ${spec.symbol}`, {
      quantity: formatDecimal(terms.quantity),
      lotSize,
    });
  }
  if (terms.quantity < spec.minQuantity) {
    const minQuantity = formatDecimal(spec.minQuantity);
    return new DomainError('QUANTITY_TOO_SMALL', `quantity is below the minimum ${minQuantity} for ${spec.symbol}`, {
      quantity: formatDecimal(terms.quantity),
      minQuantity,
    });
  }
  if (terms.quantity > spec.maxQuantity) {
    const maxQuantity = formatDecimal(spec.maxQuantity);
    return new DomainError('QUANTITY_TOO_LARGE', `quantity is above the maximum ${maxQuantity} for ${spec.symbol}`, {
      quantity: formatDecimal(terms.quantity),
      maxQuantity,
    });
  }
  // Compared at double scale so a notional just under the minimum is never rounded up to it.
  if (terms.price !== null && terms.price * terms.quantity < spec.minNotional * ONE) {
    const minNotional = formatDecimal(spec.minNotional);
    return new DomainError('NOTIONAL_TOO_SMALL', `price × quantity is below the minimum notional ${minNotional} ${spec.quoteAsset}`, {
      notional: formatDecimal(mul(terms.price, terms.quantity, 'DOWN')),
      minNotional,
    });
  }
  return validateTimeInForce(terms, nowIso);
}

function validateTimeInForce(terms: OrderTerms, nowIso: string): DomainError | undefined {
  if (terms.timeInForce === 'GTD' && terms.expireAt === null) {
    return new DomainError('EXPIRE_AT_REQUIRED', 'a GTD order needs expireAt');
  }
  if (terms.timeInForce !== 'GTD' && terms.expireAt !== null) {
    return new DomainError('EXPIRE_AT_NOT_ALLOWED', `expireAt is only allowed with timeInForce GTD, not ${terms.timeInForce}`);
  }
  if (terms.expireAt !== null) {
    const expireAt = parseIsoTimestamp(terms.expireAt);
    if (expireAt === undefined) {
      return new DomainError('VALIDATION_FAILED', 'expireAt must be an ISO-8601 timestamp with a zone, e.g. 2030-01-01T00:00:00Z', {
        expireAt: terms.expireAt,
      });
    }
    const now = parseIsoTimestamp(nowIso);
    if (now === undefined) throw new RangeError(`nowIso is not an ISO-8601 timestamp: ${nowIso}`);
    if (expireAt <= now) {
      return new DomainError('EXPIRE_AT_IN_PAST', 'expireAt must be in the future', { expireAt: terms.expireAt, now: nowIso });
    }
  }
  if (terms.postOnly && (terms.type !== 'LIMIT' || terms.timeInForce === 'IOC' || terms.timeInForce === 'FOK')) {
    return new DomainError('POST_ONLY_REQUIRES_LIMIT', 'postOnly needs a LIMIT order that rests on the book (GTC or GTD)');
  }
  return undefined;
}

export interface Hold {
  asset: string;
  amount: Scaled;
}

/**
 * The funds an order needs reserved before it reaches the venue: quote for a buy, base for a sell.
 * A MARKET buy has no price of its own, so it is sized from its worst price (the protection price the
 * risk engine derives from the mark and sends to the venue); without one the hold is unknown (undefined).
 */
export function holdFor(
  order: Pick<Order, 'side' | 'type' | 'quantity' | 'price'>,
  spec: SymbolSpec,
  worstPrice?: Scaled,
): Hold | undefined {
  if (order.side === 'SELL') return { asset: spec.baseAsset, amount: order.quantity };
  const price = order.type === 'LIMIT' ? order.price : worstPrice;
  if (price === null || price === undefined) return undefined;
  return { asset: spec.quoteAsset, amount: mul(price, order.quantity, 'UP') };
}
