import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createRedis } from './client';
import { RedisPendingOrderCache } from './pending-order-cache';

describe('RedisPendingOrderCache (real Redis)', () => {
  const redis = createRedis(loadConfig().redis, createLogger({ name: 'pending-order-test', level: 'silent' }));
  const cache = new RedisPendingOrderCache(redis, { prefix: `test-pending-${randomUUID()}:` });

  afterAll(() => redis.quit());

  it('returns what was put until it expires, and undefined for an unknown order', async () => {
    const orderId = randomUUID();
    const order = JSON.stringify({ orderId, status: 'NEW', price: '64000.01' });
    await cache.put(orderId, order, 0.3);
    expect(await cache.get(orderId)).toBe(order);
    expect(await cache.get(randomUUID())).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await cache.get(orderId)).toBeUndefined();
  });

  it('refuses a TTL that would keep the entry forever or not at all', async () => {
    await expect(cache.put(randomUUID(), '{}', 0)).rejects.toThrow(RangeError);
  });
});
