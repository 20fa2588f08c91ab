import type { Redis } from 'ioredis';
import type { IdempotencyBeginResult, RedisIdempotencyStore } from './idempotency-store';
import { BEGIN_CLAIM_LUA } from './idempotency-store';
import { LuaScript } from './lua-script';
import { counterWindow, HIT_COUNTER_LUA, type CounterSpec, type CounterState, type RedisRateCounters } from './rate-counters';

/** A rate-limit counter with the limit it is judged against. */
export interface LimitedCounter extends CounterSpec {
  limit: number;
}

/** The counters of one subject (an address, an API key), checked together like one RedisRateCounters.hit call. */
export interface CounterGroup {
  subject: string;
  counters: readonly LimitedCounter[];
}

export interface Admission {
  /** The states of the groups counted, in order: all of them, or up to and including the first one over a limit. */
  states: CounterState[][];
  /** The idempotency claim; null when a group was over a limit, and then nothing was claimed. */
  begun: IdempotencyBeginResult | null;
}

// KEYS: the counters of every group in order, then the idempotency record. ARGV: per counter its window (negative: only
// read), its limit and 1 when it is the last of its group (else 0); then the claim's fingerprint, token and in-flight ms.
// A group over a limit ends the script after that group, so a refused request counts where it was counted before
// (the address first, then the key) and claims nothing. Over means what RateLimitChecker.check says: a counted request
// past the limit, a counter only read (failed authentications) once it reached it.
const ADMIT = new LuaScript(`${HIT_COUNTER_LUA}${BEGIN_CLAIM_LUA}
local n = #KEYS - 1
local out = {}
local over = false
for i = 1, n do
  local window = tonumber(ARGV[3 * i - 2])
  local limit = tonumber(ARGV[3 * i - 1])
  local count, ttl = hitCounter(KEYS[i], window)
  if (window > 0 and count > limit) or (window <= 0 and count >= limit) then over = true end
  out[#out + 1] = count
  out[#out + 1] = ttl
  if over and ARGV[3 * i] == '1' then
    out[#out + 1] = 'limited'
    return out
  end
end
local claim = beginClaim(KEYS[n + 1], ARGV[3 * n + 1], ARGV[3 * n + 2], ARGV[3 * n + 3])
out[#out + 1] = claim[1]
out[#out + 1] = claim[2]
return out
`);

/**
 * The rate-limit checks of a new order and its idempotency claim in one script, so POST /api/orders makes one Redis
 * round trip before the publish instead of three (the address's counters, the key's, the claim). The counters and the
 * record keep the names and semantics of RedisRateCounters and RedisIdempotencyStore, so both see the same state.
 * The keys lie in several hash slots: a plain Redis or a replication group (what terraform/modules/redis creates), not
 * Redis Cluster.
 */
export class RedisOrderAdmission {
  constructor(
    private readonly redis: Redis,
    private readonly counters: RedisRateCounters,
    private readonly idempotency: RedisIdempotencyStore,
  ) {}

  /** Whether Redis is connected now (as RedisRateCounters.available: a Redis that is down is not waited for). */
  get available(): boolean {
    return this.counters.available;
  }

  async admit(groups: readonly CounterGroup[], claim: { scope: string; key: string; fingerprint: string }): Promise<Admission> {
    const keys: string[] = [];
    const args: Array<string | number> = [];
    for (const group of groups) {
      group.counters.forEach((counter, i) => {
        keys.push(this.counters.keyOf(group.subject, counter.key));
        args.push(counterWindow(counter), counter.limit, i === group.counters.length - 1 ? 1 : 0);
      });
    }
    const request = this.idempotency.claim(claim.scope, claim.key, claim.fingerprint);
    keys.push(request.key);
    args.push(...request.args);
    const reply = await ADMIT.runKeys(this.redis, keys, args);
    if (!Array.isArray(reply)) throw new Error(`unexpected admission reply: ${String(reply)}`);

    const states: CounterState[][] = [];
    let at = 0;
    for (const group of groups) {
      if (typeof reply[at] !== 'number') break;
      states.push(group.counters.map(() => ({ count: Number(reply[at++]), resetMs: Number(reply[at++]) })));
    }
    const state: unknown = reply[at];
    if (state === 'limited') return { states, begun: null };
    if (states.length !== groups.length) throw new Error(`unexpected admission reply: ${JSON.stringify(reply)}`);
    return { states, begun: request.read(state, reply[at + 1]) };
  }
}
