import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { DecimalStringSchema, IsoTimestampSchema } from '../domain/events';
import { ORDER_SIDES } from '../domain/order';
import type { Logger } from '../infra/logger';
import type { HotState } from './market-state';
import type { BucketState } from './ticker';

/**
 * The hot snapshots of each symbol in Redis, so a restarted service serves at once and then catches up:
 * `<prefix>:book:<SYM>`, `<prefix>:ticker:<SYM>` (last trade and watermark), `<prefix>:ticker-buckets:<SYM>`
 * (a hash of the window's minutes: only changed minutes are written), `<prefix>:trades:<SYM>` (recent trades).
 * Everything expires a little after the ticker window, so a service gone for longer starts clean.
 */
const TTL_SECONDS = 25 * 60 * 60;

const LevelSchema = v.object({ price: DecimalStringSchema, quantity: DecimalStringSchema, orderCount: v.pipe(v.number(), v.integer(), v.minValue(0)) });
const Version = v.pipe(v.number(), v.integer(), v.minValue(0));
const BookStateSchema = v.object({ sequence: Version, bids: v.array(LevelSchema), asks: v.array(LevelSchema) });
const TickerMetaSchema = v.object({ lastVersion: Version, last: v.nullable(v.object({ price: DecimalStringSchema, timeMs: v.number() })) });
const BucketSchema = v.object({
  startMs: v.number(),
  open: DecimalStringSchema,
  high: DecimalStringSchema,
  low: DecimalStringSchema,
  close: DecimalStringSchema,
  volume: DecimalStringSchema,
  quoteVolume: DecimalStringSchema,
  trades: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
const TradesSchema = v.array(
  v.object({
    tradeId: v.string(),
    symbol: v.string(),
    price: DecimalStringSchema,
    quantity: DecimalStringSchema,
    takerSide: v.picklist(ORDER_SIDES),
    time: IsoTimestampSchema,
    version: Version,
  }),
);

export class RedisHotSnapshots {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  keys(symbol: string): { book: string; ticker: string; buckets: string; trades: string } {
    return {
      book: `${this.prefix}:book:${symbol}`,
      ticker: `${this.prefix}:ticker:${symbol}`,
      buckets: `${this.prefix}:ticker-buckets:${symbol}`,
      trades: `${this.prefix}:trades:${symbol}`,
    };
  }

  /**
   * One MULTI: a reader never sees the watermark of one write with the minutes of another. `trades: false` (only
   * the book moved) leaves the ticker and the recent trades as they are, which is most writes.
   */
  async save(symbol: string, hot: { state: HotState; buckets: BucketState[]; evicted: number[] }, parts: { trades: boolean } = { trades: true }): Promise<void> {
    const keys = this.keys(symbol);
    const multi = this.redis.multi();
    if (hot.state.book !== null) multi.set(keys.book, JSON.stringify(hot.state.book), 'EX', TTL_SECONDS);
    if (parts.trades && hot.state.ticker !== null) {
      const { lastVersion, last } = hot.state.ticker;
      multi.set(keys.ticker, JSON.stringify({ lastVersion, last }), 'EX', TTL_SECONDS);
    }
    for (const bucket of hot.buckets) multi.hset(keys.buckets, String(bucket.startMs), JSON.stringify(bucket));
    if (hot.evicted.length > 0) multi.hdel(keys.buckets, ...hot.evicted.map(String));
    if (parts.trades) {
      multi.expire(keys.buckets, TTL_SECONDS);
      multi.set(keys.trades, JSON.stringify(hot.state.trades), 'EX', TTL_SECONDS);
    }
    const results = await multi.exec();
    const failed = results?.find(([error]) => error !== null);
    if (results === null || failed !== undefined) throw failed?.[0] ?? new Error(`hot snapshot of ${symbol} was not written`);
  }

  /** What is stored for the symbol; a part that is missing or unreadable is left out (and logged), never trusted. */
  async load(symbol: string): Promise<HotState | null> {
    const keys = this.keys(symbol);
    const [book, ticker, trades, buckets] = await Promise.all([
      this.redis.get(keys.book),
      this.redis.get(keys.ticker),
      this.redis.get(keys.trades),
      this.redis.hgetall(keys.buckets),
    ]);
    if (book === null && ticker === null && trades === null) return null;
    const bookState = this.parse(BookStateSchema, book, keys.book);
    const meta = this.parse(TickerMetaSchema, ticker, keys.ticker);
    const bucketStates: BucketState[] = [];
    for (const [field, value] of Object.entries(buckets)) {
      const bucket = this.parse(BucketSchema, value, `${keys.buckets}#${field}`);
      if (bucket !== null) bucketStates.push(bucket);
    }
    bucketStates.sort((a, b) => a.startMs - b.startMs);
    return {
      book: bookState,
      ticker: meta === null ? null : { ...meta, buckets: bucketStates },
      trades: this.parse(TradesSchema, trades, keys.trades) ?? [],
    };
  }

  /** Removes the symbol's snapshots (tests, and an operator who wants a clean start). */
  async clear(symbol: string): Promise<void> {
    const keys = this.keys(symbol);
    await this.redis.del(keys.book, keys.ticker, keys.buckets, keys.trades);
  }

  private parse<S extends v.GenericSchema>(schema: S, text: string | null, key: string): v.InferOutput<S> | null {
    if (text === null) return null;
    try {
      const parsed = v.safeParse(schema, JSON.parse(text));
      if (parsed.success) return parsed.output;
      this.logger.warn({ key, issue: parsed.issues[0]?.message }, 'market_data.hot_snapshot_invalid');
    } catch (error) {
      this.logger.warn({ key, err: error }, 'market_data.hot_snapshot_invalid');
    }
    return null;
  }
}
