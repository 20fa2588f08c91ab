import type { Redis } from 'ioredis';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createRedis, withKeyPrefix } from './client';
import { API_KEY_REVOCATIONS_CHANNEL, RedisApiKeyRevocations } from './api-key-revocations';

/** The revocation channel on the real Redis (under the run's key prefix): what one process publishes, every process hears. */
describe('RedisApiKeyRevocations (real Redis)', () => {
  const config = loadConfig();
  const logger = createLogger({ name: 'revocations-test', level: 'silent' });
  const connections: Redis[] = [];
  const connect = () => {
    const redis = createRedis(config.redis, logger);
    connections.push(redis);
    return redis;
  };
  afterAll(() => connections.forEach((redis) => redis.disconnect()));

  async function listener() {
    const heard: string[] = [];
    let resubscribed = 0;
    const subscriber = connect();
    const revocations = new RedisApiKeyRevocations(connect(), subscriber, logger);
    await revocations.listen({ onRevoked: (keyId) => heard.push(keyId), onResubscribed: () => (resubscribed += 1) });
    return { revocations, subscriber, heard, resubscribed: () => resubscribed };
  }

  const until = async (what: string, check: () => boolean) => {
    const deadline = Date.now() + 3_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('delivers a revocation to every listening process, and ignores what is not one', async () => {
    const [one, two] = [await listener(), await listener()];
    const raw = connect();
    await raw.publish(withKeyPrefix(raw, API_KEY_REVOCATIONS_CHANNEL), 'not json');
    await raw.publish(withKeyPrefix(raw, API_KEY_REVOCATIONS_CHANNEL), JSON.stringify({ keyId: 'has spaces in it' }));
    expect(await one.revocations.publish('ak_0123456789abcdef01234567')).toBe(2);
    await until('both processes to hear it', () => one.heard.length > 0 && two.heard.length > 0);
    expect([one.heard, two.heard]).toEqual([['ak_0123456789abcdef01234567'], ['ak_0123456789abcdef01234567']]);
    await Promise.all([one.revocations.close(), two.revocations.close()]);
  });

  it('tells the process when its subscription comes back after a disconnect (it may have missed revocations), and keeps delivering', async () => {
    const one = await listener();
    expect(one.resubscribed()).toBe(0);
    one.subscriber.disconnect(true);
    await until('the resubscription', () => one.resubscribed() === 1);
    // Published until heard: the resubscription may land just after the 'ready' that announced it.
    for (let attempt = 0; attempt < 100 && !one.heard.includes('ak_fedcba9876543210fedcba98'); attempt += 1) {
      await one.revocations.publish('ak_fedcba9876543210fedcba98');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(one.heard).toContain('ak_fedcba9876543210fedcba98');
    await one.revocations.close();
  });
});
