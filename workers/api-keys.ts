import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { CachedApiKeyStore } from '../api/api-key-cache';
import { apiKeyHashing, ConfigError, DEVELOPMENT_API_KEY_PEPPER, type AppConfig } from '../infra/config';
import type { Logger } from '../infra/logger';
import { MongoApiKeyStore } from '../infra/mongo/api-key-store';
import { DEMO_API_KEYS } from '../infra/mongo/demo-accounts';
import { createRedis } from '../infra/redis/client';
import { RedisApiKeyRevocations, type ApiKeyRevocationListener } from '../infra/redis/api-key-revocations';

export interface ApiKeys {
  store: MongoApiKeyStore;
  cache: CachedApiKeyStore;
  revocations: RedisApiKeyRevocations;
  /** Revokes locally at once and tells every other process. */
  announceRevocation: (keyId: string) => Promise<void>;
  close(): Promise<void>;
}

/**
 * API key checking for a process that serves keys (the order API, market data): the peppered store, the cache in
 * front of it, and the Redis revocation channel that drops a key from the cache (and lets the process close its
 * sessions: `onRevoked`). In production it refuses to start without a pepper (ConfigError) and while any development
 * demo key is stored: those keys are public.
 */
export async function openApiKeys(
  config: AppConfig,
  db: Db,
  redis: Redis,
  logger: Logger,
  hooks: Partial<ApiKeyRevocationListener> = {},
): Promise<ApiKeys> {
  const store = new MongoApiKeyStore(db, apiKeyHashing(config));
  if (config.env === 'production') {
    const demo = await store.countDemoKeys(DEMO_API_KEYS, DEVELOPMENT_API_KEY_PEPPER);
    if (demo > 0) {
      throw new ConfigError(
        `refusing to start: ${demo} development demo API key(s) (${DEMO_API_KEYS.join(', ')}, public in the README) are stored in ${config.mongo.db}.api_keys; delete them (documents with demo: true) before running with OMS_ENV=production`,
      );
    }
  }
  const cache = new CachedApiKeyStore(store, { ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 100_000, maxNegativeEntries: 10_000 });
  const subscriber = createRedis(config.redis, logger);
  const revocations = new RedisApiKeyRevocations(redis, subscriber, logger);
  await revocations.listen({
    onRevoked: (keyId) => {
      cache.revoke(keyId);
      hooks.onRevoked?.(keyId);
    },
    onResubscribed: () => {
      cache.clear();
      hooks.onResubscribed?.();
    },
  });
  return {
    store,
    cache,
    revocations,
    announceRevocation: async (keyId) => {
      cache.revoke(keyId);
      hooks.onRevoked?.(keyId);
      await revocations.publish(keyId);
    },
    close: async () => {
      await revocations.close();
      subscriber.disconnect();
    },
  };
}
