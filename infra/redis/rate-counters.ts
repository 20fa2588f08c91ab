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

// Fixed windows: the first INCR of a window sets its expiry, so every key expires and nothing grows. `window` is the
// counter's window in ms, or negative for a counter that is only read. Returns the count and the milliseconds to reset.
// Shared with the order admission script (order-admission.ts).
export const HIT_COUNTER_LUA = `
local function hitCounter(key, window)
  local count
  local ttl
  if window > 0 then
    count = redis.call('INCR', key)
    ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, window)
      ttl = window
    end
  else
    count = tonumber(redis.call('GET', key) or '0')
    ttl = redis.call('PTTL', key)
    if ttl < 0 then ttl = 0 end
  end
  return count, ttl
end
`;

// KEYS are the counters (one hash tag per call, so Redis Cluster keeps them in one slot); ARGV[i] is KEYS[i]'s window
// (counterWindow). Returns count and milliseconds to reset per key.
const HIT = new LuaScript(`${HIT_COUNTER_LUA}
local out = {}
for i = 1, #KEYS do
  local count, ttl = hitCounter(KEYS[i], tonumber(ARGV[i]))
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
`);

/** A counter's window as the scripts take it: its window in ms, or -1 for a counter only read. */
export function counterWindow(counter: CounterSpec): number {
  return counter.increment ? Math.max(1, Math.round(counter.windowMs)) : -1;
}

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
    const keys = counters.map((c) => this.keyOf(subject, c.key));
    const reply = await HIT.runKeys(this.redis, keys, counters.map(counterWindow));
    if (!Array.isArray(reply) || reply.length !== counters.length * 2) throw new Error(`unexpected rate-limit reply: ${String(reply)}`);
    return counters.map((_, i) => ({ count: Number(reply[2 * i]), resetMs: Number(reply[2 * i + 1]) }));
  }

  /** The Redis key of one counter of a subject (`{subject}` is the hash tag of the subject's counters). */
  keyOf(subject: string, counter: string): string {
    return `${this.prefix}{${subject}}:${counter}`;
  }

  /** Counts one event (a failed authentication) without reading anything back. */
  async count(subject: string, counter: Omit<CounterSpec, 'increment'>): Promise<CounterState> {
    const [state] = await this.hit(subject, [{ ...counter, increment: true }]);
    return state!;
  }
}
