import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by its SHA (EVALSHA), loaded on first use and again after a Redis restart or failover
 * emptied the script cache (NOSCRIPT). One key per script keeps it valid on Redis Cluster.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, key: string, args: ReadonlyArray<string | number>): Promise<unknown> {
    return this.runKeys(redis, [key], args);
  }

  /** With several keys: on Redis Cluster they must share a hash slot (a common `{tag}` in their names). */
  async runKeys(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
