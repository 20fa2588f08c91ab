import * as v from 'valibot';
import { DecimalStringSchema, IsoTimestampSchema } from '../domain/events';
import { ISO_TIMESTAMP, ORDER_SIDES } from '../domain/order';
import { integerQuery } from '../infra/http/openapi';
import { MAX_CANDLE_LIMIT } from './candle-query';
import { CANDLE_INTERVALS } from './candles';

/**
 * The shapes the market data REST API answers with (and the WebSocket channels carry), for the OpenAPI document
 * and for tests that check every answer against them. Decimals are strings.
 */
const Decimal = (description: string) => v.pipe(DecimalStringSchema, v.description(description));
const NullableDecimal = (description: string) => v.pipe(v.nullable(DecimalStringSchema), v.description(description));

export const SymbolSpecSchema = v.object({
  symbol: v.string(),
  baseAsset: v.string(),
  quoteAsset: v.string(),
  tickSize: DecimalStringSchema,
  lotSize: DecimalStringSchema,
  minQuantity: DecimalStringSchema,
  maxQuantity: DecimalStringSchema,
  minNotional: DecimalStringSchema,
  priceBandPercent: DecimalStringSchema,
  status: v.picklist(['TRADING', 'HALTED']),
});
export const SymbolListSchema = v.object({ symbols: v.array(SymbolSpecSchema) });

export const TickerSchema = v.object({
  symbol: v.string(),
  last: NullableDecimal('last trade price'),
  lastTime: v.nullable(IsoTimestampSchema),
  bid: NullableDecimal('best bid'),
  ask: NullableDecimal('best ask'),
  open: NullableDecimal('first trade price of the 24 h window'),
  high: NullableDecimal('highest trade price of the window'),
  low: NullableDecimal('lowest trade price of the window'),
  volume: Decimal('traded base quantity over the window'),
  quoteVolume: Decimal('traded quote amount over the window'),
  trades: v.number(),
  change: NullableDecimal('last - open'),
  changePercent: NullableDecimal('change in percent of open, 4 decimals'),
  windowStart: IsoTimestampSchema,
  time: IsoTimestampSchema,
});
export const TickerListSchema = v.object({ tickers: v.array(TickerSchema) });

const LevelSchema = v.object({ price: DecimalStringSchema, quantity: DecimalStringSchema, orderCount: v.number() });
export const BookSchema = v.object({
  symbol: v.string(),
  sequence: v.pipe(v.number(), v.description('the last price-feeds version included (the venue\'s GET /venue/book sequence)')),
  synced: v.pipe(v.boolean(), v.description('false while the book waits for a fresh snapshot from the venue (served from the last known state)')),
  bids: v.array(LevelSchema),
  asks: v.array(LevelSchema),
});

export const TradeSchema = v.object({
  tradeId: v.string(),
  symbol: v.string(),
  price: DecimalStringSchema,
  quantity: DecimalStringSchema,
  takerSide: v.picklist(ORDER_SIDES),
  time: IsoTimestampSchema,
  version: v.number(),
});
export const TradeListSchema = v.object({ symbol: v.string(), trades: v.array(TradeSchema) });

export const CandleSchema = v.object({
  symbol: v.string(),
  interval: v.picklist(CANDLE_INTERVALS),
  openTime: IsoTimestampSchema,
  closeTime: v.pipe(IsoTimestampSchema, v.description('openTime + interval (exclusive)')),
  open: DecimalStringSchema,
  high: DecimalStringSchema,
  low: DecimalStringSchema,
  close: DecimalStringSchema,
  volume: Decimal('base quantity'),
});
export const CandleListSchema = v.object({ symbol: v.string(), interval: v.picklist(CANDLE_INTERVALS), candles: v.array(CandleSchema) });

export const BookQuerySchema = v.strictObject({
  depth: v.optional(integerQuery(1, 1000), '20'),
});
/** Epoch milliseconds or ISO-8601 with a zone (a calendar day that does not exist is refused later, in candle-query.ts). */
const CandleTimeSchema = v.pipe(
  v.string(),
  v.regex(new RegExp(`^(?:\\d{1,15}|${ISO_TIMESTAMP.source.slice(1, -1)})$`), 'must be epoch milliseconds or an ISO-8601 timestamp with a zone, e.g. 2016-10-07T00:00:00Z'),
  v.description('1475798400000 or 2016-10-07T00:00:00Z'),
);
/** The interval is checked in candle-query.ts, which answers INVALID_INTERVAL. */
export const CandleQuerySchema = v.strictObject({
  interval: v.optional(v.string()),
  start: v.optional(CandleTimeSchema),
  end: v.optional(CandleTimeSchema),
  limit: v.optional(integerQuery(1, MAX_CANDLE_LIMIT)),
});
