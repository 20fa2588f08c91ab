import * as v from 'valibot';
import { DecimalStringSchema, IsoTimestampSchema } from './events';
import { ORDER_SIDES, ORDER_TYPES, TIME_IN_FORCES, type OrderSide } from './order';
import { parseDecimal, type Scaled } from './decimal';
import type { VenueReport } from './venue-events';

/*
 * A user order and its fills as the venue knows them: the venue keeps them (venue_orders, venue_fills, its
 * outbox), answers them (GET /venue/orders/:id) and the order workflow reconciles against them. One
 * definition for all of these; decimals are strings, as on every wire.
 */

/** Whether a fill's side rested on the book (MAKER) or took from it (TAKER). */
export const LIQUIDITIES = ['MAKER', 'TAKER'] as const;
export type FillLiquidity = (typeof LIQUIDITIES)[number];

/** The matching engine's statuses: OPEN and PARTIALLY_FILLED rest on the book, the others are final. */
export const VENUE_ORDER_STATUSES = ['OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED'] as const;
export type VenueOrderStatus = (typeof VENUE_ORDER_STATUSES)[number];
export const RESTING_STATUSES: readonly VenueOrderStatus[] = ['OPEN', 'PARTIALLY_FILLED'];

/** One execution of one user order at the venue. */
export const VenueFillSchema = v.object({
  /** `${tradeId}:${orderId}` */
  fillId: v.string(),
  tradeId: v.string(),
  price: DecimalStringSchema,
  quantity: DecimalStringSchema,
  liquidity: v.picklist(LIQUIDITIES),
  /** Open at the venue after this fill. */
  remaining: DecimalStringSchema,
  side: v.picklist(ORDER_SIDES),
  version: v.pipe(v.number(), v.description('the number of the FILL report that carried this fill')),
  occurredAt: IsoTimestampSchema,
  /** The other side of the trade (absent in records written before it was kept). */
  contra: v.optional(v.object({ accountId: v.string(), orderId: v.string() }), undefined),
});
export type VenueFill = v.InferOutput<typeof VenueFillSchema>;

/** The venue's truth about one order, with its fills in report order: what reconciliation compares against. */
export const VenueOrderSchema = v.object({
  orderId: v.string(),
  accountId: v.string(),
  symbol: v.string(),
  side: v.picklist(ORDER_SIDES),
  type: v.picklist(ORDER_TYPES),
  quantity: DecimalStringSchema,
  price: v.nullable(DecimalStringSchema),
  /** MARKET only: the worst price it may trade at (absent in records written before it existed). */
  protectionPrice: v.optional(v.pipe(v.nullable(DecimalStringSchema), v.description('MARKET only: the worst price it may trade at'))),
  timeInForce: v.picklist(TIME_IN_FORCES),
  postOnly: v.boolean(),
  status: v.pipe(v.picklist(VENUE_ORDER_STATUSES), v.description('OPEN and PARTIALLY_FILLED rest on the book; the others are final')),
  filledQuantity: DecimalStringSchema,
  remaining: v.pipe(DecimalStringSchema, v.description('still resting on the book')),
  cancelledQuantity: v.pipe(DecimalStringSchema, v.description('cancelled, expired or rejected: filled + remaining + cancelled = quantity')),
  reason: v.pipe(v.nullable(v.string()), v.description('why it was cancelled or rejected')),
  version: v.pipe(v.number(), v.description('the number of the last report sent to venue-reports for this order')),
  createdAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
  fills: v.array(VenueFillSchema),
});
export type VenueOrder = v.InferOutput<typeof VenueOrderSchema>;

/**
 * One order's state in a bulk answer (POST /venue/orders/states): enough for a sweeper to tell whether reports of it
 * were lost (its version is ahead of the last one seen), not the order itself (GET /venue/orders/:orderId has that).
 */
export const VenueOrderStateSummarySchema = v.pick(VenueOrderSchema, ['orderId', 'status', 'filledQuantity', 'version', 'updatedAt']);
export type VenueOrderStateSummary = v.InferOutput<typeof VenueOrderStateSummarySchema>;

/** The answer of POST /venue/orders/states: the orders the venue has and the ids it never saw, each in the order asked. */
export const VenueOrderStatesSchema = v.object({
  orders: v.array(VenueOrderStateSummarySchema),
  missing: v.pipe(v.array(v.string()), v.description('ids the venue never accepted a submit of (resubmitting them is safe)')),
});
export type VenueOrderStates = v.InferOutput<typeof VenueOrderStatesSchema>;

/** A user order as the venue keeps it: the order without its fills (kept apart), plus its place in time. */
export type VenueOrderRecord = Omit<VenueOrder, 'fills'> & {
  /** Time priority: the sequence of the commit that created the order. A restart rebuilds the book in this order. */
  arrival: number;
};

/** A fill as the venue keeps it: with the order, account and symbol it belongs to. */
export type VenueFillRecord = VenueFill & { orderId: string; accountId: string; symbol: string };

/**
 * Everything one engine call did to user orders: their new states, their fills and the reports that tell
 * the order system. The venue commits it whole or not at all, then publishes its reports in `seq` order.
 */
export interface VenueCommit {
  /** Monotonic over the life of the venue's store; the relay publishes in this order. */
  seq: number;
  orders: VenueOrderRecord[];
  fills: VenueFillRecord[];
  reports: VenueReport[];
  committedAt: string;
}

/** The order as the venue answers it: its record (without its place in time) and its fills, in report order. */
export function toVenueOrder(record: VenueOrderRecord, fills: readonly VenueFillRecord[]): VenueOrder {
  const { arrival: _arrival, ...order } = record;
  return {
    ...order,
    fills: fills.map((f) => ({
      fillId: f.fillId,
      tradeId: f.tradeId,
      price: f.price,
      quantity: f.quantity,
      liquidity: f.liquidity,
      remaining: f.remaining,
      side: f.side,
      version: f.version,
      occurredAt: f.occurredAt,
      ...(f.contra === undefined ? {} : { contra: f.contra }),
    })),
  };
}

/** An order's state as the bulk read answers it: these fields only (never the record's place in time or its terms). */
export function toVenueOrderStateSummary(order: Pick<VenueOrder, 'orderId' | 'status' | 'filledQuantity' | 'version' | 'updatedAt'>): VenueOrderStateSummary {
  return { orderId: order.orderId, status: order.status, filledQuantity: order.filledQuantity, version: order.version, updatedAt: order.updatedAt };
}

/** A fill as the risk engine is asked to settle it (amounts scaled, see domain/decimal.ts). */
export interface FillToConfirm {
  orderId: string;
  fillId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  price: Scaled;
  quantity: Scaled;
  liquidity: FillLiquidity;
}

/**
 * Why the venue's record of an order does not show this fill (undefined: it does, term for term). Money moves only
 * through fills the venue made: the risk engine settles a fill once the venue, asked directly, has it with the same
 * order, account, symbol, side, price, quantity and liquidity, whoever sent it (a worker, a replayed report, a signal).
 */
export function venueFillProblem(order: Pick<VenueOrder, 'orderId' | 'accountId' | 'symbol' | 'fills'> | null, fill: FillToConfirm): string | undefined {
  if (order === null) return `the venue has no order ${fill.orderId}`;
  if (order.orderId !== fill.orderId) return `the venue answered order ${order.orderId} for ${fill.orderId}`;
  if (order.accountId !== fill.accountId) return `order ${fill.orderId} is account ${order.accountId}'s at the venue, not ${fill.accountId}'s`;
  if (order.symbol !== fill.symbol) return `order ${fill.orderId} is ${order.symbol} at the venue, not ${fill.symbol}`;
  const made = order.fills.find((f) => f.fillId === fill.fillId);
  if (made === undefined) return `the venue made no fill ${fill.fillId} of order ${fill.orderId}`;
  const differs: string[] = [];
  if (made.side !== fill.side) differs.push(`side ${made.side}`);
  if (parseDecimal(made.price) !== fill.price) differs.push(`price ${made.price}`);
  if (parseDecimal(made.quantity) !== fill.quantity) differs.push(`quantity ${made.quantity}`);
  if (made.liquidity !== fill.liquidity) differs.push(`liquidity ${made.liquidity}`);
  return differs.length === 0 ? undefined : `the venue's fill ${fill.fillId} has ${differs.join(', ')}`;
}
