import * as v from 'valibot';
import { DecimalStringSchema, IsoTimestampSchema } from './events';
import { ORDER_SIDES } from './order';
import { LIQUIDITIES } from './venue-order';

/**
 * What the venue tells the order system (Kafka `venue-reports`, key orderId) and the market
 * (`price-feeds`, key symbol). Validated with these schemas by the venue and by every consumer.
 */
const IdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(128));

/**
 * The venue's own accounts, which stand for the rest of the market: the market maker quoting the ladder,
 * and the replayed market's taker flow (a separate account, or self-trade prevention would stop every
 * replayed trade at the ladder). They hold balances at the risk engine like any account, without fees,
 * and their side of a trade with a user is settled with the user's fill, so every asset's sum over all
 * accounts never changes.
 */
export const VENUE_LIQUIDITY_ACCOUNT_ID = 'venue-liquidity';
export const VENUE_MARKET_FLOW_ACCOUNT_ID = 'venue-market-flow';
export const VENUE_HOUSE_ACCOUNT_IDS: readonly string[] = [VENUE_LIQUIDITY_ACCOUNT_ID, VENUE_MARKET_FLOW_ACCOUNT_ID];
export const isVenueHouseAccount = (accountId: string): boolean => VENUE_HOUSE_ACCOUNT_IDS.includes(accountId);
const Sequence = v.pipe(v.number(), v.integer(), v.minValue(1));

export const VenueReportBodySchema = v.variant('type', [
  /** The order is live at the venue (resting or about to match). */
  v.object({ type: v.literal('ACCEPTED') }),
  v.object({ type: v.literal('REJECTED'), reason: v.string() }),
  v.object({
    type: v.literal('FILL'),
    /** Unique per order per execution: `${tradeId}:${orderId}`. */
    fillId: IdSchema,
    tradeId: IdSchema,
    side: v.picklist(ORDER_SIDES),
    price: DecimalStringSchema,
    quantity: DecimalStringSchema,
    liquidity: v.picklist(LIQUIDITIES),
    /** What is still open at the venue after this fill. */
    remaining: DecimalStringSchema,
    /** The other side of the trade (absent in reports of venues before it was added). */
    contra: v.optional(v.object({ accountId: IdSchema, orderId: IdSchema })),
  }),
  v.object({ type: v.literal('CANCELLED'), reason: v.string(), remaining: DecimalStringSchema }),
  v.object({ type: v.literal('EXPIRED'), remaining: DecimalStringSchema }),
]);

export const VenueReportSchema = v.object({
  eventId: IdSchema,
  eventType: v.literal('VenueReport'),
  occurredAt: IsoTimestampSchema,
  /** The venue's per-order report number, 1, 2, ...: readers can detect a gap or a redelivery. */
  version: Sequence,
  orderId: IdSchema,
  accountId: IdSchema,
  symbol: v.string(),
  report: VenueReportBodySchema,
  /**
   * Made by a submit whose caller takes the order's reports from the submit's answer (`reportsInAnswer`): the order
   * system's workflow has it from there, so its venue-report intake does not signal it (absent: signal it).
   */
  inSubmitAnswer: v.optional(v.literal(true)),
});
export type VenueReport = v.InferOutput<typeof VenueReportSchema>;
export type VenueReportBody = v.InferOutput<typeof VenueReportBodySchema>;

export const PublicTradeSchema = v.object({
  eventId: IdSchema,
  eventType: v.literal('PublicTrade'),
  occurredAt: IsoTimestampSchema,
  /** The venue's sequence for this symbol's public feed (trades and book deltas share it). */
  version: Sequence,
  symbol: v.string(),
  tradeId: IdSchema,
  price: DecimalStringSchema,
  quantity: DecimalStringSchema,
  takerSide: v.picklist(ORDER_SIDES),
});

export const BookDeltaSchema = v.object({
  eventId: IdSchema,
  eventType: v.literal('BookDelta'),
  occurredAt: IsoTimestampSchema,
  version: Sequence,
  symbol: v.string(),
  side: v.picklist(ORDER_SIDES),
  price: DecimalStringSchema,
  /** The new total at this price; "0" removes the level. */
  quantity: DecimalStringSchema,
  orderCount: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

export const PriceFeedEventSchema = v.variant('eventType', [PublicTradeSchema, BookDeltaSchema]);
export type PriceFeedEvent = v.InferOutput<typeof PriceFeedEventSchema>;
