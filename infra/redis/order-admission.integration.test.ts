import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createRedis, withKeyPrefix, withoutKeyPrefix } from './client';
import { RedisIdempotencyStore } from './idempotency-store';
import { RedisOrderAdmission, type CounterGroup } from './order-admission';
import { RedisRateCounters } from './rate-counters';

describe('RedisOrderAdmission (real Redis)', () => {
  const redis = createRedis(loadConfig().redis, createLogger({ name: 'admission-test', level: 'silent' }));
  const prefix = `test-admission-${randomUUID()}:`;
  const counters = new RedisRateCounters(redis, `${prefix}ratelimit:`);
  const idempotency = new RedisIdempotencyStore(redis, { ttlSeconds: 600, prefix: `${prefix}idempotency:` });
  const admission = new RedisOrderAdmission(redis, counters, idempotency);

  afterAll(async () => {
    const keys = await redis.keys(withKeyPrefix(redis, `${prefix}*`));
    if (keys.length > 0) await redis.del(...keys.map((key) => withoutKeyPrefix(redis, key)));
    await redis.quit();
  });

  /** An address and a key of their own, with the order API's shapes: the address counts requests and reads failed authentications. */
  const groups = (limits: { address: number; authFailures: number; key: number; orders: number }): CounterGroup[] => {
    const id = randomUUID();
    return [
      {
        subject: `addr:${id}`,
        counters: [
          { key: 'req', windowMs: 1_000, increment: true, limit: limits.address },
          { key: 'authfail', windowMs: 60_000, increment: false, limit: limits.authFailures },
        ],
      },
      {
        subject: `key:${id}`,
        counters: [
          { key: 'req', windowMs: 1_000, increment: true, limit: limits.key },
          { key: 'orders', windowMs: 1_000, increment: true, limit: limits.orders },
        ],
      },
    ];
  };
  const roomy = { address: 100, authFailures: 10, key: 100, orders: 100 };
  const count = async (group: CounterGroup, counter: string) => Number((await redis.get(counters.keyOf(group.subject, counter))) ?? '0');
  const claimOf = (key: string) => ({ scope: 'acct-1', key, fingerprint: 'fp-1' });

  it('counts every counter of both groups and claims the key in one call, like the counters and the store would', async () => {
    const checked = groups(roomy);
    const key = randomUUID();
    const admitted = await admission.admit(checked, claimOf(key));
    expect(admitted.states).toEqual([
      [
        { count: 1, resetMs: expect.any(Number) },
        { count: 0, resetMs: 0 },
      ],
      [
        { count: 1, resetMs: expect.any(Number) },
        { count: 1, resetMs: expect.any(Number) },
      ],
    ]);
    expect(admitted.states[0]![0]!.resetMs).toBeGreaterThan(0);
    expect(admitted.states[0]![0]!.resetMs).toBeLessThanOrEqual(1_000);
    expect(admitted.begun).toEqual({ state: 'started', token: expect.any(String) });
    // The claim is the store's own: the store sees it in flight, and completes it with the token.
    expect(await idempotency.begin('acct-1', key, 'fp-1')).toEqual({ state: 'in-flight' });
    if (admitted.begun?.state !== 'started') throw new Error('not started');
    expect(await idempotency.complete('acct-1', key, admitted.begun.token, { status: 202, body: { orderId: 'o-1' } })).toBe(true);
    // The counters are the ones RedisRateCounters reads.
    expect(await counters.hit(checked[1]!.subject, [{ key: 'orders', windowMs: 1_000, increment: false }])).toEqual([{ count: 1, resetMs: expect.any(Number) }]);

    // A repeat replays, a different body is a mismatch: both still counted.
    expect((await admission.admit(checked, claimOf(key))).begun).toEqual({ state: 'completed', response: { status: 202, body: { orderId: 'o-1' } } });
    expect((await admission.admit(checked, { ...claimOf(key), fingerprint: 'fp-2' })).begun).toEqual({ state: 'mismatch' });
    expect(await count(checked[0]!, 'req')).toBe(3);
    expect(await count(checked[1]!, 'orders')).toBe(3);
  });

  it('over a key limit: the address and the key are counted, nothing is claimed', async () => {
    const checked = groups({ ...roomy, orders: 1 });
    expect((await admission.admit(checked, claimOf(randomUUID()))).begun?.state).toBe('started');
    const key = randomUUID();
    const refused = await admission.admit(checked, claimOf(key));
    expect(refused.begun).toBeNull();
    expect(refused.states).toHaveLength(2);
    expect(refused.states[1]![1]!.count).toBe(2);
    expect(await count(checked[0]!, 'req')).toBe(2);
    expect(await count(checked[1]!, 'req')).toBe(2);
    // Not claimed: the store starts it afresh.
    expect((await idempotency.begin('acct-1', key, 'fp-1')).state).toBe('started');
  });

  it('over the address limit: the key is not counted and nothing is claimed', async () => {
    const checked = groups({ ...roomy, address: 1 });
    expect((await admission.admit(checked, claimOf(randomUUID()))).begun?.state).toBe('started');
    const key = randomUUID();
    const refused = await admission.admit(checked, claimOf(key));
    expect(refused).toEqual({ states: [[{ count: 2, resetMs: expect.any(Number) }, { count: 0, resetMs: 0 }]], begun: null });
    expect(await count(checked[1]!, 'req')).toBe(1);
    expect(await count(checked[1]!, 'orders')).toBe(1);
    expect((await idempotency.begin('acct-1', key, 'fp-1')).state).toBe('started');
  });

  it('a counter only read refuses once it reached its limit (failed authentications), and is not counted', async () => {
    const checked = groups({ ...roomy, authFailures: 2 });
    await counters.count(checked[0]!.subject, { key: 'authfail', windowMs: 60_000 });
    expect((await admission.admit(checked, claimOf(randomUUID()))).begun?.state).toBe('started');
    await counters.count(checked[0]!.subject, { key: 'authfail', windowMs: 60_000 });
    const refused = await admission.admit(checked, claimOf(randomUUID()));
    expect(refused.begun).toBeNull();
    expect(refused.states[0]![1]).toEqual({ count: 2, resetMs: expect.any(Number) });
    expect(refused.states[0]![1]!.resetMs).toBeGreaterThan(59_000);
    expect(await count(checked[0]!, 'authfail')).toBe(2);
  });
});
