import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../../domain/decimal';
import { newOrder } from '../../domain/order';
import { toOrderSnapshot } from '../../domain/order-snapshot';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createRedis } from './client';
import { RedisPendingOrderCache } from './pending-order-cache';

describe('RedisPendingOrderCache (real Redis)', () => {
  const redis = createRedis(loadConfig().redis, createLogger({ name: 'pending-order-test', level: 'silent' }));
  const prefix = `test-pending-${randomUUID()}:`;
  const cache = new RedisPendingOrderCache(redis, { prefix });
  const sampleSnapshot = (orderId: string) =>
    toOrderSnapshot(
      newOrder({
        orderId,
        clientOrderId: null,
        accountId: 'acct-pending',
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
});
