import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { createRedis } from '../infra/redis/client';
import { RedisHotSnapshots } from './hot-snapshots';
import type { HotState } from './market-state';

const T = Date.UTC(2026, 10, 21, 10);
const state: HotState = {
  book: { sequence: 42, bids: [{ price: '100.5', quantity: '0.25', orderCount: 2 }], asks: [{ price: '101', quantity: '1', orderCount: 1 }] },
  ticker: { lastVersion: 41, last: { price: '100.75', timeMs: T + 61_000 }, buckets: [] },
  trades: [{ tradeId: 'BTC-USD-1-9', symbol: 'BTC-USD', price: '100.75', quantity: '0.1', takerSide: 'BUY', time: new Date(T + 61_000).toISOString(), version: 41 }],
};
const bucket = (startMs: number, close: string) => ({ startMs, open: '100', high: '101', low: '99', close, volume: '2', quoteVolume: '200.5', trades: 3 });

describe('RedisHotSnapshots (real Redis)', () => {
  const prefix = `test-md-${randomUUID().slice(0, 8)}`;
  const logger = createLogger({ name: 'hot-snapshots-test', level: 'silent' });
  let redis: Redis;
  let snapshots: RedisHotSnapshots;

  beforeAll(() => {
    redis = createRedis(loadConfig().redis, logger);
    snapshots = new RedisHotSnapshots(redis, prefix, logger);
  });
  afterAll(async () => {
    await snapshots.clear('BTC-USD');
    await snapshots.clear('ETH-USD');
    await redis.quit();
  });

  it('has nothing for a symbol never saved', async () => {
    expect(await snapshots.load('ETH-USD')).toBeNull();
  });

  it('round-trips a snapshot; minutes are written when changed and forgotten when evicted', async () => {
    await snapshots.save('BTC-USD', { state, buckets: [bucket(T, '100'), bucket(T + 60_000, '101')], evicted: [] });
    expect(await snapshots.load('BTC-USD')).toEqual({ ...state, ticker: { ...state.ticker, buckets: [bucket(T, '100'), bucket(T + 60_000, '101')] } });
    await snapshots.save('BTC-USD', { state: { ...state, book: { ...state.book!, sequence: 43 } }, buckets: [bucket(T + 60_000, '102')], evicted: [T] });
    const loaded = await snapshots.load('BTC-USD');
    expect(loaded?.book?.sequence).toBe(43);
    expect(loaded?.ticker?.buckets).toEqual([bucket(T + 60_000, '102')]);
    // Only the book moved: the ticker and the trades stay as they were.
    await snapshots.save('BTC-USD', { state: { ...state, book: { ...state.book!, sequence: 44 }, trades: [] }, buckets: [], evicted: [] }, { trades: false });
    expect(await snapshots.load('BTC-USD')).toMatchObject({ book: { sequence: 44 }, trades: state.trades, ticker: { lastVersion: 41 } });
    expect(await redis.ttl(snapshots.keys('BTC-USD').book)).toBeGreaterThan(24 * 3600);
    expect(await redis.ttl(snapshots.keys('BTC-USD').buckets)).toBeGreaterThan(24 * 3600);
  });

  it('leaves out a part that is not what it should be, instead of trusting it', async () => {
    const keys = snapshots.keys('ETH-USD');
    await redis.set(keys.book, '{"sequence":"x"}');
    await redis.set(keys.ticker, 'not json');
    await redis.set(keys.trades, JSON.stringify([{ price: 1 }]));
    await redis.hset(keys.buckets, '1', '{}');
    expect(await snapshots.load('ETH-USD')).toEqual({ book: null, ticker: null, trades: [] });
  });
});
