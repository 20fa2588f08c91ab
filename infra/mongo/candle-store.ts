import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db, type Filter } from 'mongodb';
import { allDuplicateKeys, isDuplicateKey } from './write-errors';

/**
 * One candle as stored: decimals as strings. `_id` is `${symbol}:${interval}:${openTimeMs}`, so every write is an
 * idempotent upsert of that one document. `lastVersion` is the feed version of the last trade in it (0 for
 * history from the market data files): a live write replaces the stored candle only with a newer one.
 */
export interface CandleRecord {
  symbol: string;
  interval: string;
  openTimeMs: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  lastVersion: number;
  source: 'live' | 'history';
}

export interface CandleQuery {
  symbol: string;
  interval: string;
  /** Inclusive, on openTime. */
  fromMs?: number;
  /** Exclusive, on openTime. */
  toMs?: number;
  limit: number;
  /** The newest `limit` of the range instead of the oldest (the answer is still oldest first). */
  newest: boolean;
}

export const CANDLE_COLLECTIONS = { candles: 'candles', backfills: 'candle_backfills' } as const;

type CandleDoc = CandleRecord & { _id: string };
interface BackfillDoc {
  _id: string;
  file: string;
  sha256: string;
  symbol: string;
  candles: number;
  doneAt: string;
}

const BULK_CHUNK = 1_000;

export async function ensureCandleIndexes(db: Db): Promise<void> {
  await db.collection(CANDLE_COLLECTIONS.candles).createIndexes([{ key: { symbol: 1, interval: 1, openTimeMs: 1 }, name: 'symbol_interval_open' }]);
}

export const candleId = (c: Pick<CandleRecord, 'symbol' | 'interval' | 'openTimeMs'>): string => `${c.symbol}:${c.interval}:${c.openTimeMs}`;

export class MongoCandleStore {
  private readonly candles: Collection<CandleDoc>;
  private readonly backfills: Collection<BackfillDoc>;

  constructor(db: Db) {
    this.candles = db.collection<CandleDoc>(CANDLE_COLLECTIONS.candles);
    this.backfills = db.collection<BackfillDoc>(CANDLE_COLLECTIONS.backfills);
  }

  /** Live candles: each replaces the stored one only if newer (a redelivered or late write changes nothing). */
  async upsertLive(records: readonly CandleRecord[]): Promise<void> {
    await this.bulkUpsert(records, (r) => ({ _id: candleId(r), lastVersion: { $lt: r.lastVersion } }));
  }

  /**
   * History from a file: written as given, except over a live candle (which never happens for past files, and
   * must not). Inserted first (several times faster than upserts on a fresh store); only the candles that are
   * already there (an interrupted earlier run, a changed file) are replaced.
   */
  async upsertHistory(records: readonly CandleRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += BULK_CHUNK) {
      const chunk = records.slice(i, i + BULK_CHUNK);
      const existing = await this.insertNew(chunk);
      await this.bulkUpsert(existing, (r) => ({ _id: candleId(r), source: 'history' }));
    }
  }

  /** Oldest first. */
  async find(query: CandleQuery): Promise<CandleRecord[]> {
    const filter: Filter<CandleDoc> = { symbol: query.symbol, interval: query.interval };
    const range: { $gte?: number; $lt?: number } = {};
    if (query.fromMs !== undefined) range.$gte = query.fromMs;
    if (query.toMs !== undefined) range.$lt = query.toMs;
    if (Object.keys(range).length > 0) filter.openTimeMs = range;
    const docs = await this.candles
      .find(filter)
      .sort({ openTimeMs: query.newest ? -1 : 1 })
      .limit(query.limit)
      .toArray();
    const records = docs.map(({ _id: _ignored, ...record }) => record);
    return query.newest ? records.reverse() : records;
  }

  async backfillDone(id: string): Promise<boolean> {
    return (await this.backfills.countDocuments({ _id: id }, { limit: 1 })) > 0;
  }

  async markBackfilled(marker: Omit<BackfillDoc, '_id'> & { id: string }): Promise<void> {
    const { id, ...rest } = marker;
    await this.backfills.replaceOne({ _id: id }, rest, { upsert: true });
  }

  /** Inserts the records; returns those whose id was already taken. */
  private async insertNew(records: readonly CandleRecord[]): Promise<CandleRecord[]> {
    if (records.length === 0) return [];
    try {
      await this.candles.insertMany(
        records.map((r) => ({ _id: candleId(r), ...r })),
        { ordered: false },
      );
      return [];
    } catch (error) {
      if (!onlyDuplicateKeys(error)) throw error;
      const written: unknown = (error as MongoBulkWriteError).writeErrors;
      const errors = (Array.isArray(written) ? written : [written]) as Array<{ index: number }>;
      return errors.map((e) => records[e.index]).filter((r): r is CandleRecord => r !== undefined);
    }
  }

  private async bulkUpsert(records: readonly CandleRecord[], filterOf: (r: CandleRecord) => Filter<CandleDoc>): Promise<void> {
    if (records.length === 0) return;
    const operations: Array<AnyBulkWriteOperation<CandleDoc>> = records.map((r) => ({
      replaceOne: { filter: filterOf(r), replacement: { _id: candleId(r), ...r }, upsert: true },
    }));
    try {
      await this.candles.bulkWrite(operations, { ordered: false });
    } catch (error) {
      // The filter missed because the stored candle is newer (or live): the upsert's insert then collides. Not applied, as meant.
      if (!onlyDuplicateKeys(error)) throw error;
    }
  }
}

/** A bulk write judged by each of its errors, any other write by its own code. */
function onlyDuplicateKeys(error: unknown): boolean {
  return error instanceof MongoBulkWriteError ? allDuplicateKeys(error) : isDuplicateKey(error);
}
