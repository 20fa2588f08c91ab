import * as v from 'valibot';
import type { Scaled } from '../domain/decimal';
import { DecimalStringSchema, IsoTimestampSchema } from '../domain/events';
import { ORDER_SIDES, ORDER_TYPES, TIME_IN_FORCES, type OrderSide, type OrderType, type TimeInForce } from '../domain/order';

/** The venue's own orders (liquidity) use accounts and order ids starting with this; callers may not. */
export const RESERVED_PREFIX = 'venue-';

const IdSchema = (what: string) =>
  v.pipe(
    v.string(),
    v.regex(/^[\w.:-]{1,128}$/, `${what} must be 1-128 characters of letters, digits, _ . : -`),
    v.check((id) => !id.startsWith(RESERVED_PREFIX), `${what} may not start with "${RESERVED_PREFIX}" (reserved for the venue's own orders)`),
  );

const DecimalText = (what: string) => v.pipe(v.string(`${what} must be a decimal string such as "0.5"`), v.description(what), v.examples(['0.5']));

/** `POST /venue/orders`: an order the risk engine accepted, sent by the order workflow. */
export const SubmitOrderBodySchema = v.strictObject({
  orderId: IdSchema('orderId'),
  accountId: IdSchema('accountId'),
  symbol: v.pipe(v.string(), v.description('BTC-USD (BTC/USD accepted)'), v.examples(['BTC-USD'])),
  side: v.picklist(ORDER_SIDES),
  type: v.picklist(ORDER_TYPES),
  quantity: DecimalText('quantity in the base asset'),
  price: v.optional(v.nullable(DecimalText('limit price in the quote asset; null for MARKET')), null),
  protectionPrice: v.optional(v.nullable(DecimalText('MARKET only: the worst price it may trade at (the slippage cap); the rest expires')), null),
  timeInForce: v.picklist(TIME_IN_FORCES),
  postOnly: v.boolean(),
});

export const OrderIdParamSchema = v.object({ orderId: v.pipe(v.string(), v.regex(/^[\w.:-]{1,128}$/, 'must be 1-128 characters of letters, digits, _ . : -')) });

/** `POST /venue/orders/:orderId/cancel` (the body is optional). GTD_EXPIRED: the order's GTD time passed, report EXPIRED. */
export const CancelBodySchema = v.strictObject({
  reason: v.optional(v.picklist(['USER', 'GTD_EXPIRED']), 'USER'),
});
export type CancelReasonInput = v.InferOutput<typeof CancelBodySchema>['reason'];

export const BookQuerySchema = v.strictObject({
  depth: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/, 'must be an integer 1-1000'), v.transform(Number), v.minValue(1), v.maxValue(1000)), '20'),
});

/** A validated submit: symbol canonical, decimals scaled and checked against the symbol's tick and lot. */
export interface VenueOrderRequest {
  orderId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  quantity: Scaled;
  price: Scaled | null;
  /** MARKET only: the worst price it may trade at. */
  protectionPrice: Scaled | null;
  timeInForce: TimeInForce;
  postOnly: boolean;
}

export const VENUE_ORDER_STATUSES = ['OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED'] as const;

export const VenueFillViewSchema = v.object({
  fillId: v.string(),
  tradeId: v.string(),
  price: DecimalStringSchema,
  quantity: DecimalStringSchema,
  liquidity: v.picklist(['MAKER', 'TAKER']),
  remaining: DecimalStringSchema,
  side: v.picklist(ORDER_SIDES),
  version: v.pipe(v.number(), v.description('the number of the FILL report that carried this fill')),
  occurredAt: IsoTimestampSchema,
  contra: v.optional(v.object({ accountId: v.string(), orderId: v.string() }), undefined),
});

/** The venue's truth about one order: what reconciliation compares against. */
export const VenueOrderViewSchema = v.object({
  orderId: v.string(),
  accountId: v.string(),
  symbol: v.string(),
  side: v.picklist(ORDER_SIDES),
  type: v.picklist(ORDER_TYPES),
  quantity: DecimalStringSchema,
  price: v.nullable(DecimalStringSchema),
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
  fills: v.array(VenueFillViewSchema),
});
export type VenueOrderView = v.InferOutput<typeof VenueOrderViewSchema>;

const BookLevelSchema = v.object({ price: DecimalStringSchema, quantity: DecimalStringSchema, orderCount: v.number() });

export const BookViewSchema = v.object({
  symbol: v.string(),
  sequence: v.pipe(v.number(), v.description('the last price-feeds version included: apply BookDelta events with a greater version')),
  bids: v.array(BookLevelSchema),
  asks: v.array(BookLevelSchema),
});
export type BookView = v.InferOutput<typeof BookViewSchema>;
