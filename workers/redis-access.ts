import type { AppConfig } from '../infra/config';
import { pricesRedisKey, positionsChannel, positionsRedisKey } from '../domain/market-events';
import { API_KEY_REVOCATIONS_CHANNEL } from '../infra/redis/api-key-revocations';
import { SYMBOL_STATUS_CHANNEL } from '../infra/redis/symbol-status-updates';

/** The processes that use Redis, each under a Redis ACL user of its own (ElastiCache RBAC in production). */
export const REDIS_SERVICES = ['api', 'risk', 'market-data'] as const;
export type RedisService = (typeof REDIS_SERVICES)[number];

export interface RedisGrant {
  /** Key patterns (glob) the user may read and write, read only, or write only. */
  readonly keys: { readonly readWrite: readonly string[]; readonly read: readonly string[] };
  /** Pub/sub channels and patterns it may publish to and subscribe to (Redis does not tell the two apart). */
  readonly channels: readonly string[];
}

/**
 * The commands every process may run: reads, writes, Lua scripts (whose own commands are checked against the
 * user's keys and channels too), pub/sub, MULTI, connection commands, and INFO for the client's ready check. Nothing
 * dangerous (KEYS, FLUSHALL, CONFIG, DEBUG, ...) and no administration.
 */
export const REDIS_COMMANDS = '-@all +@read +@write +@scripting +@pubsub +@transaction +@connection -@dangerous -@admin +info';

const everyKeyOf = (name: string) => `${name}*`;

/**
 * Who may touch what in Redis (the key names are the code's own: infra/redis/*, domain/market-events.ts,
 * market-data/hot-snapshots.ts), under REDIS_KEY_PREFIX. Only market data writes the latest prices, which the risk
 * engine seeds its marks from, and only the risk engine writes the positions mirror; the order API's keys are its own
 * (idempotency records, rate counters, the pending orders).
 */
export function redisAccess(config: Pick<AppConfig, 'redis' | 'marketData'>): Record<RedisService, RedisGrant> {
  const p = config.redis.keyPrefix;
  const key = (name: string) => `${p}${name}`;
  const prices = key(everyKeyOf(pricesRedisKey('')));
  const positions = key(everyKeyOf(positionsRedisKey('')));
  const rateCounters = key('ratelimit:*');
  return {
    api: {
      keys: { readWrite: [key('idempotency:*'), rateCounters, key('pending-order:*'), key('pending-order-by-account:*')], read: [] },
      channels: [key(API_KEY_REVOCATIONS_CHANNEL)],
    },
    risk: {
      keys: { readWrite: [positions], read: [prices] },
      channels: [key(everyKeyOf(positionsChannel(''))), key(SYMBOL_STATUS_CHANNEL)],
    },
    'market-data': {
      keys: { readWrite: [prices, rateCounters, key(`${config.marketData.redisPrefix}:*`)], read: [positions] },
      channels: [key(everyKeyOf(positionsChannel(''))), key(API_KEY_REVOCATIONS_CHANNEL)],
    },
  };
}

/** The grant as a Redis ACL rule list (ACL SETUSER ..., ElastiCache's access string): keys, channels, commands. */
export function redisAccessString(grant: RedisGrant): string {
  return ['on', ...grant.keys.readWrite.map((k) => `~${k}`), ...grant.keys.read.map((k) => `%R~${k}`), 'resetchannels', ...grant.channels.map((c) => `&${c}`), REDIS_COMMANDS].join(' ');
}
