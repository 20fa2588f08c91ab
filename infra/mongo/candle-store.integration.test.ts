import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { connectMongo } from './client';
import { CANDLE_COLLECTIONS, ensureCandleIndexes, MongoCandleStore, type CandleRecord } from './candle-store';

const T = Date.UTC(2016, 9, 7);
const record = (minute: number, overrides: Partial<CandleRecord> = {}): CandleRecord => ({
  symbol: 'BTC-USD',
  interval: '1m',
  openTimeMs: T + minute * 60_000,
  open: '611.78',
  high: '611.91',
  low: '611.7',
  close: '611.9',
  volume: '1.5',
  lastVersion: 0,
  source: 'history',
  ...overrides,
});

describe('MongoCandleStore (real store)', () => {
  const dbName = `test_candles_${randomUUID().slice(0, 8)}`;
  let client: MongoClient | undefined;
  let db: Db;
  let store: MongoCandleStore;

  beforeAll(async () => {
    ({ client, db } = await connectMongo({ url: loadConfig().mongo.url, db: dbName }));
    await ensureCandleIndexes(db);
    store = new MongoCandleStore(db);
  });
  afterAll(async () => {
    if (client === undefined) return;
    await db.dropDatabase();
    await client.close();
  });

  it('stores history with decimal strings, replaces it when a file changed, and finds ranges oldest first', async () => {
    await store.upsertHistory(Array.from({ length: 10 }, (_, i) => record(i)));
    // The same candles again (an interrupted run) and two changed: inserted or replaced, never doubled.
    await store.upsertHistory([record(0), record(1, { close: '612', high: '612' }), record(10)]);
    expect(await db.collection(CANDLE_COLLECTIONS.candles).countDocuments({ symbol: 'BTC-USD' })).toBe(11);
    const raw = await db.collection(CANDLE_COLLECTIONS.candles).findOne({ _id: `BTC-USD:1m:${T + 60_000}` as never });
    expect(raw).toMatchObject({ close: '612', high: '612', volume: '1.5', source: 'history' });

    const range = await store.find({ symbol: 'BTC-USD', interval: '1m', fromMs: T + 2 * 60_000, toMs: T + 5 * 60_000, limit: 100, newest: false });
    expect(range.map((r) => r.openTimeMs)).toEqual([T + 120_000, T + 180_000, T + 240_000]);
    expect(range[0]).toEqual(record(2));
    const firstTwo = await store.find({ symbol: 'BTC-USD', interval: '1m', fromMs: T, limit: 2, newest: false });
    expect(firstTwo.map((r) => r.openTimeMs)).toEqual([T, T + 60_000]);
    const lastThree = await store.find({ symbol: 'BTC-USD', interval: '1m', limit: 3, newest: true });
    expect(lastThree.map((r) => r.openTimeMs)).toEqual([T + 480_000, T + 540_000, T + 600_000]);
    const beforeEnd = await store.find({ symbol: 'BTC-USD', interval: '1m', toMs: T + 2 * 60_000, limit: 5, newest: true });
    expect(beforeEnd.map((r) => r.openTimeMs)).toEqual([T, T + 60_000]);
    expect(await store.find({ symbol: 'BTC-USD', interval: '5m', limit: 5, newest: true })).toEqual([]);
  });

  it('replaces a live candle only with a newer version, and history never overwrites a live one', async () => {
    const live = (version: number, close: string) => record(100, { lastVersion: version, close, source: 'live' });
    await store.upsertLive([live(5, '700')]);
    await store.upsertLive([live(4, '699')]);
    await store.upsertLive([live(5, '698')]);
    await store.upsertHistory([record(100, { close: '1' })]);
    const [stored] = await store.find({ symbol: 'BTC-USD', interval: '1m', fromMs: T + 100 * 60_000, limit: 1, newest: false });
    expect(stored).toMatchObject({ close: '700', lastVersion: 5, source: 'live' });
    await store.upsertLive([live(6, '701'), record(101, { lastVersion: 6, source: 'live' })]);
    const after = await store.find({ symbol: 'BTC-USD', interval: '1m', fromMs: T + 100 * 60_000, limit: 5, newest: false });
    expect(after.map((r) => [r.close, r.lastVersion])).toEqual([
      ['701', 6],
      ['611.9', 6],
    ]);
    // A live write over history (the open candle restored from the store, then extended) takes it over.
    await store.upsertLive([record(3, { lastVersion: 1, close: '620', source: 'live' })]);
    const [taken] = await store.find({ symbol: 'BTC-USD', interval: '1m', fromMs: T + 180_000, limit: 1, newest: false });
    expect(taken).toMatchObject({ close: '620', source: 'live' });
  });

  it('remembers which file contents are backfilled', async () => {
    expect(await store.backfillDone('BTC-USD:f.csv:abc')).toBe(false);
    await store.markBackfilled({ id: 'BTC-USD:f.csv:abc', file: 'f.csv', sha256: 'abc', symbol: 'BTC-USD', candles: 3, doneAt: new Date().toISOString() });
    await store.markBackfilled({ id: 'BTC-USD:f.csv:abc', file: 'f.csv', sha256: 'abc', symbol: 'BTC-USD', candles: 3, doneAt: new Date().toISOString() });
    expect(await store.backfillDone('BTC-USD:f.csv:abc')).toBe(true);
    expect(await store.backfillDone('BTC-USD:f.csv:def')).toBe(false);
  });

  it('creates its range index, idempotently', async () => {
    await ensureCandleIndexes(db);
    const indexes = await db.collection(CANDLE_COLLECTIONS.candles).indexes();
    expect(indexes.find((i) => i.name === 'symbol_interval_open')).toMatchObject({ key: { symbol: 1, interval: 1, openTimeMs: 1 } });
  });
});
