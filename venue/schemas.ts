import * as v from 'valibot';
import { integerQuery } from '../infra/http/openapi';
import type { Scaled } from '../domain/decimal';
import { DecimalStringSchema } from '../domain/events';
import { ORDER_SIDES, ORDER_TYPES, TIME_IN_FORCES } from '../domain/order';

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
  /**
   * The caller takes this order's reports from the answer (the order system's workflows, patch 'fills-with-submit'):
   * the reports this submit makes of the order (its acknowledgement, the fills it takes on arrival, a remainder's end)
   * are published with `inSubmitAnswer: true`, and the order system's venue-report intake does not signal them.
   */
  reportsInAnswer: v.optional(v.pipe(v.boolean(), v.description('the caller reads the reports this submit makes of the order from its answer')), false),
});

/** An order id as the routes that name an existing order take it (no reserved-prefix check: asking about one is harmless). */
const OrderIdSchema = v.pipe(v.string(), v.regex(/^[\w.:-]{1,128}$/, 'must be 1-128 characters of letters, digits, _ . : -'));

export const OrderIdParamSchema = v.object({ orderId: OrderIdSchema });

/** The most ids one `POST /venue/orders/states` may ask about: one store query of at most this many ids. */
export const MAX_ORDER_STATE_IDS = 500;

/** `POST /venue/orders/states`: the orders a reconciliation sweeper wants the venue's view of. A repeated id is answered once. */
export const OrderStatesBodySchema = v.strictObject({
  orderIds: v.pipe(
    v.array(OrderIdSchema),
    v.minLength(1, 'must name at least one orderId'),
    v.maxLength(MAX_ORDER_STATE_IDS, `must name at most ${MAX_ORDER_STATE_IDS} orderIds`),
    v.description(`1-${MAX_ORDER_STATE_IDS} order ids; the answer keeps their order, a repeated id answered once`),
  ),
});

/** `POST /venue/orders/:orderId/cancel` (the body is optional). GTD_EXPIRED: the order's GTD time passed, report EXPIRED. */
export const CancelBodySchema = v.strictObject({
  reason: v.optional(v.picklist(['USER', 'GTD_EXPIRED']), 'USER'),
});
export type CancelReasonInput = v.InferOutput<typeof CancelBodySchema>['reason'];

export const BookQuerySchema = v.strictObject({
  depth: v.optional(integerQuery(1, 1000), '20'),
});

/** A validated submit: symbol canonical, decimals scaled and checked against the symbol's tick and lot. */
export type VenueOrderRequest = Omit<v.InferOutput<typeof SubmitOrderBodySchema>, 'quantity' | 'price' | 'protectionPrice' | 'reportsInAnswer'> & {
  quantity: Scaled;
  price: Scaled | null;
  /** MARKET only: the worst price it may trade at. */
  protectionPrice: Scaled | null;
  /** Not one of the order's terms: a repeat may differ in it. Absent: false. */
  reportsInAnswer?: boolean;
};

const BookLevelSchema = v.object({ price: DecimalStringSchema, quantity: DecimalStringSchema, orderCount: v.number() });

export const BookViewSchema = v.object({
  symbol: v.string(),
  sequence: v.pipe(v.number(), v.description('the last price-feeds version included: apply BookDelta events with a greater version')),
  bids: v.array(BookLevelSchema),
  asks: v.array(BookLevelSchema),
});
export type BookView = v.InferOutput<typeof BookViewSchema>;
