import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';

describe('Redis (stack)', () => {
  const redis = new Redis(loadConfig().redis.url, { lazyConnect: true });

  afterAll(() => redis.quit());

  it('stores and returns a value with an expiry, and SET NX refuses a second writer', async () => {
    await redis.connect();
    const key = `stack-test:${randomUUID()}`;
    expect(await redis.set(key, 'first', 'EX', 60, 'NX')).toBe('OK');
    expect(await redis.set(key, 'second', 'EX', 60, 'NX')).toBeNull();
    expect(await redis.get(key)).toBe('first');
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await redis.del(key);
  });
});
