import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../../domain/decimal';
import { newOrder } from '../../domain/order';
import { toOrderSnapshot } from '../../domain/order-snapshot';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createRedis } from './client';
import { MAX_PENDING_PER_ACCOUNT, RedisPendingOrderCache } from './pending-order-cache';

describe('RedisPendingOrderCache (real Redis)', () => {
  const redis = createRedis(loadConfig().redis, createLogger({ name: 'pending-order-test', level: 'silent' }));
  const prefix = `test-pending-${randomUUID()}:`;
  const cache = new RedisPendingOrderCache(redis, { prefix });
  const sampleSnapshot = (orderId: string, accountId = 'acct-pending') =>
    toOrderSnapshot(
      newOrder({
        orderId,
        clientOrderId: null,
        accountId,
        symbol: 'BTC-USD',
        side: 'BUY',
        type: 'LIMIT',
        quantity: parseDecimal('0.5'),
        price: parseDecimal('64000.01'),
        timeInForce: 'GTC',
        expireAt: null,
        postOnly: false,
        createdAt: new Date().toISOString(),
      }),
    );

  afterAll(() => redis.quit());

  it('returns what was put until it expires, and undefined for an unknown order', async () => {
    const orderId = randomUUID();
    const order = sampleSnapshot(orderId);
    await cache.put(order, 0.3);
    expect(await cache.get(orderId)).toEqual(order);
    expect(await cache.get(randomUUID())).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await cache.get(orderId)).toBeUndefined();
  });

  it('refuses a TTL that would keep the entry forever or not at all', async () => {
    await expect(cache.put(sampleSnapshot(randomUUID()), 0)).rejects.toThrow(RangeError);
  });

  it('refuses a stored value that is not an order snapshot instead of handing it on', async () => {
    const orderId = randomUUID();
    await redis.set(prefix + orderId, JSON.stringify({ orderId, status: 'NEW', price: '64000.01' }), 'PX', 5_000);
    await expect(cache.get(orderId)).rejects.toThrow(/not an order snapshot/);
    await redis.set(prefix + orderId, 'not json', 'PX', 5_000);
    await expect(cache.get(orderId)).rejects.toThrow(/not an order snapshot/);
    const other = sampleSnapshot(randomUUID());
    await redis.set(prefix + orderId, JSON.stringify(other), 'PX', 5_000);
    await expect(cache.get(orderId)).rejects.toThrow(/holds order/);
  });

  it("lists an account's cached orders newest first, only that account's and only until each expires", async () => {
    const accountId = `acct-${randomUUID()}`;
    const first = sampleSnapshot(randomUUID(), accountId);
    const second = sampleSnapshot(randomUUID(), accountId);
    const short = sampleSnapshot(randomUUID(), accountId);
    await cache.put(first, 60);
    await cache.put(second, 61);
    await cache.put(short, 0.2);
    await cache.put(sampleSnapshot(randomUUID(), `acct-${randomUUID()}`), 60);
    // Newest by when the entry expires (put with the same TTL, that is newest placed).
    expect((await cache.listForAccount(accountId, 10)).map((o) => o.orderId)).toEqual([second.orderId, first.orderId, short.orderId]);
    expect(await cache.listForAccount(accountId, 1)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await cache.listForAccount(accountId, 10)).map((o) => o.orderId)).toEqual([second.orderId, first.orderId]);
    expect(await cache.listForAccount(`acct-${randomUUID()}`, 10)).toEqual([]);
  });

  it(`keeps at most ${MAX_PENDING_PER_ACCOUNT} order ids per account: the oldest leave the index`, async () => {
    const accountId = `acct-${randomUUID()}`;
    const index = `${prefix.replace(/:$/, '')}-by-account:${accountId}`;
    // Filled directly (putting 10,001 orders would take a while): MAX ids that expire later than the one put next.
    const far = Date.now() + 3_600_000;
    const members: Array<string | number> = [];
    for (let i = 0; i < MAX_PENDING_PER_ACCOUNT; i++) members.push(far + i, `filler-${i}`);
    await redis.zadd(index, ...members);
    await cache.put(sampleSnapshot(randomUUID(), accountId), 60);
    expect(await redis.zcard(index)).toBe(MAX_PENDING_PER_ACCOUNT);
    expect(await redis.pttl(index)).toBeGreaterThan(0);
    await redis.del(index);
  });
});
