import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script';

/** One fixed-window counter: its key (under the client's REDIS_KEY_PREFIX) and window. */
export interface CounterSpec {
  key: string;
  windowMs: number;
  /** false: only read it (e.g. failed authentications, counted elsewhere). */
  increment: boolean;
}

/** A counter after the call: requests counted in the current window and the milliseconds until it resets. */
export interface CounterState {
  count: number;
  resetMs: number;
}

// Fixed windows: the first INCR of a window sets its expiry, so every key expires and nothing grows. KEYS are the
// counters (one hash tag per call, so Redis Cluster keeps them in one slot); ARGV[i] is KEYS[i]'s window in ms,
// negative for a counter that is only read. Returns count and milliseconds to reset per key.
const HIT = new LuaScript(`
local out = {}
for i = 1, #KEYS do
  local window = tonumber(ARGV[i])
  local count
  local ttl
  if window > 0 then
    count = redis.call('INCR', KEYS[i])
    ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then
      redis.call('PEXPIRE', KEYS[i], window)
      ttl = window
    end
  else
    count = tonumber(redis.call('GET', KEYS[i]) or '0')
    ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then ttl = 0 end
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
`);

/**
 * Rate-limit counters in Redis (DESIGN.md: "Redis: rate-limit counters"): every check is one round trip (one Lua
 * script over the counters of one subject), and every counter expires with its window.
 */
export class RedisRateCounters {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'ratelimit:',
  ) {}

  /** Whether a check can be made now: a Redis that is not connected is not waited for (the caller fails open). */
  get available(): boolean {
    return this.redis.status === 'ready';
  }

  /**
   * Counts (or reads) the counters of one subject (`{subject}` is their hash tag) in one round trip, e.g.
   * hit('key:ak_1', [{ key: 'req', windowMs: 1000, increment: true }]).
   */
  async hit(subject: string, counters: readonly CounterSpec[]): Promise<CounterState[]> {
    const keys = counters.map((c) => `${this.prefix}{${subject}}:${c.key}`);
    const reply = await HIT.runKeys(this.redis, keys, counters.map((c) => (c.increment ? Math.max(1, Math.round(c.windowMs)) : -1)));
    if (!Array.isArray(reply) || reply.length !== counters.length * 2) throw new Error(`unexpected rate-limit reply: ${String(reply)}`);
    return counters.map((_, i) => ({ count: Number(reply[2 * i]), resetMs: Number(reply[2 * i + 1]) }));
  }

  /** Counts one event (a failed authentication) without reading anything back. */
  async count(subject: string, counter: Omit<CounterSpec, 'increment'>): Promise<CounterState> {
    const [state] = await this.hit(subject, [{ ...counter, increment: true }]);
    return state!;
  }
}
