import type { Redis } from 'ioredis';
import { positionsChannel, positionsRedisKey, type PositionRecord } from '../../domain/market-events';
import { withKeyPrefix } from './client';
import { LuaScript } from './lua-script';

/** Where the risk engine copies positions for readers that want them hot (domain/market-events.ts). */
export interface PositionMirror {
  /** Writes each record that is newer than the mirrored one and announces it; throws when Redis does not answer. */
  mirror(records: readonly PositionRecord[]): Promise<void>;
}

/**
 * Replaces the hash field only with a higher version, and publishes only what it wrote: two settlements of
 * one account racing each other, or a late repair, can then never put an older position back.
 * KEYS[1] hash; ARGV: field (symbol), version, record JSON, channel.
 */
const MIRROR_IF_NEWER = new LuaScript(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.version) ~= nil and tonumber(decoded.version) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1
`);

export class RedisPositionMirror implements PositionMirror {
  constructor(private readonly redis: Redis) {}

  async mirror(records: readonly PositionRecord[]): Promise<void> {
    // While disconnected, ioredis would queue the command and retry it: fail at once instead, the
    // caller's settlement must not wait for Redis (the next fill or read mirrors the position again).
    if (this.redis.status !== 'ready') throw new Error(`redis is not connected (${this.redis.status})`);
    await Promise.all(
      records.map((record) =>
        MIRROR_IF_NEWER.run(this.redis, positionsRedisKey(record.accountId), [record.symbol, record.version, JSON.stringify(record), withKeyPrefix(this.redis, positionsChannel(record.accountId))]),
      ),
    );
  }
}
