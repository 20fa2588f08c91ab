import * as v from 'valibot';
import { DecimalStringSchema, IsoTimestampSchema } from './events';

/**
 * What the market data service tells the rest of the system. Schemas shared by producer and consumers.
 *
 * - Kafka `prices` (key symbol): a PriceUpdate whenever the last trade, the best bid or the best ask of a
 *   symbol changes. The risk engine bands LIMIT prices and caps MARKET slippage against `mark`.
 * - Redis `prices:<SYMBOL>`: the latest PriceUpdate as JSON (last prices, DESIGN.md Contracts: Redis).
 * - Redis `positions:<accountId>` (hash, field = symbol, value = PositionRecord JSON) written by the risk
 *   engine after each settled fill, and the Redis pub/sub channel `positions:<accountId>` on which it
 *   publishes the same PositionRecord JSON when a position changes (the market data service pushes it to that
 *   account's private WebSocket channel).
 */
const IdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const Sequence = v.pipe(v.number(), v.integer(), v.minValue(1));

export const PriceUpdateSchema = v.object({
  eventId: IdSchema,
  eventType: v.literal('PriceUpdate'),
  occurredAt: IsoTimestampSchema,
  /** Per symbol, increasing; restarts of the publisher jump it forward (it is seeded from the clock). */
  version: Sequence,
  symbol: v.string(),
  last: v.nullable(DecimalStringSchema),
  bid: v.nullable(DecimalStringSchema),
  ask: v.nullable(DecimalStringSchema),
  /** The mid of bid and ask when both exist, else the last trade price. */
  mark: DecimalStringSchema,
});
export type PriceUpdate = v.InferOutput<typeof PriceUpdateSchema>;

export const pricesRedisKey = (symbol: string): string => `prices:${symbol}`;
export const positionsRedisKey = (accountId: string): string => `positions:${accountId}`;
export const positionsChannel = (accountId: string): string => `positions:${accountId}`;

/** One account's position in one symbol, as the risk engine keeps it (durable, updated once per fillId). */
export const PositionRecordSchema = v.object({
  accountId: IdSchema,
  symbol: v.string(),
  /** Signed base quantity: > 0 long, < 0 short, "0" flat. */
  quantity: DecimalStringSchema,
  /** Average price of the open quantity; null when flat. */
  averageEntryPrice: v.nullable(DecimalStringSchema),
  /** Quote asset, from closing fills (fees not included; they are on the fills). */
  realizedPnl: DecimalStringSchema,
  /** The exact cost of the open quantity (signed like it), so a reader marks it without the average's rounding. */
  openCost: v.optional(DecimalStringSchema),
  /** Increases by one per applied fill: readers ignore an older record. */
  version: Sequence,
  updatedAt: IsoTimestampSchema,
});
export type PositionRecord = v.InferOutput<typeof PositionRecordSchema>;

/** A position as clients see it: the record marked to the latest PriceUpdate mark. */
export const PositionViewSchema = v.object({
  ...PositionRecordSchema.entries,
  markPrice: v.nullable(DecimalStringSchema),
  /** (mark - averageEntryPrice) × quantity; null when no mark is known or the position is flat. */
  unrealizedPnl: v.nullable(DecimalStringSchema),
});
export type PositionView = v.InferOutput<typeof PositionViewSchema>;
