import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script';

export interface StoredResponse {
  status: number;
  body: unknown;
  /** The body's JSON when the caller encoded it already (to answer with it), so it is not encoded twice. */
  bodyJson?: string;
}

export type IdempotencyBeginResult =
  | { state: 'started'; token: string }
  | { state: 'in-flight' }
  | { state: 'mismatch' }
  | { state: 'completed'; response: StoredResponse };

/**
 * The Idempotency-Key contract of the order API (DESIGN.md, Contracts): the first request of a key runs
 * and stores its response; a repeat replays it; a repeat with another body is a mismatch (422); a repeat
 * while the first still runs is in flight (409); a failed first request abandons the key so it can be retried.
 */
export interface IdempotencyStore {
  /** Claims the key for this request (`started` + a token), or says why it cannot run. */
  begin(scope: string, key: string, fingerprint: string): Promise<IdempotencyBeginResult>;
  /** Stores the final response; false if the claim was lost (expired in flight), so nothing was stored. */
  complete(scope: string, key: string, token: string, response: StoredResponse): Promise<boolean>;
  /** Frees the key if this request still holds it; false if it no longer did. */
  abandon(scope: string, key: string, token: string): Promise<boolean>;
}

export interface RedisIdempotencyStoreOptions {
  /** How long a completed response is replayed (24 h in DESIGN.md). */
  ttlSeconds: number;
  /** How long an unfinished request holds its key, so a crashed API process does not block it for a day. */
  inFlightTtlSeconds?: number;
  prefix?: string;
}

// A record is a hash { state, fp, token, response }. Each script reads and writes one key atomically.
const BEGIN = new LuaScript(`
local r = redis.call('HMGET', KEYS[1], 'state', 'fp', 'response')
if not r[1] then
  redis.call('HSET', KEYS[1], 'state', 'in-flight', 'fp', ARGV[1], 'token', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'started'}
end
if r[2] ~= ARGV[1] then return {'mismatch'} end
if r[1] == 'completed' then return {'completed', r[3]} end
return {'in-flight'}
`);

const COMPLETE = new LuaScript(`
local r = redis.call('HMGET', KEYS[1], 'state', 'token')
if r[1] ~= 'in-flight' or r[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'completed', 'response', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);

const ABANDON = new LuaScript(`
local r = redis.call('HMGET', KEYS[1], 'state', 'token')
if r[1] ~= 'in-flight' or r[2] ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`);

export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly ttlMs: number;
  private readonly inFlightTtlMs: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisIdempotencyStoreOptions,
  ) {
    this.ttlMs = Math.round(options.ttlSeconds * 1_000);
    this.inFlightTtlMs = Math.round(Math.min(options.inFlightTtlSeconds ?? 60, options.ttlSeconds) * 1_000);
    this.prefix = options.prefix ?? 'idempotency:';
    if (this.ttlMs < 1 || this.inFlightTtlMs < 1) throw new RangeError('idempotency TTLs must be positive');
  }

  async begin(scope: string, key: string, fingerprint: string): Promise<IdempotencyBeginResult> {
    const token = randomUUID();
    const reply = await BEGIN.run(this.redis, this.recordKey(scope, key), [fingerprint, token, this.inFlightTtlMs]);
    if (!Array.isArray(reply)) throw new Error(`unexpected idempotency reply: ${String(reply)}`);
    const [state, response] = reply as unknown[];
    switch (state) {
      case 'started':
        return { state, token };
      case 'in-flight':
      case 'mismatch':
        return { state };
      case 'completed':
        return { state, response: parseResponse(response) };
      default:
        throw new Error(`unexpected idempotency state: ${String(state)}`);
    }
  }

  async complete(scope: string, key: string, token: string, response: StoredResponse): Promise<boolean> {
    // With bodyJson, the same record JSON.stringify({ status, body }) makes.
    const stored =
      response.bodyJson === undefined
        ? JSON.stringify({ status: response.status, body: response.body })
        : `{"status":${JSON.stringify(response.status)},"body":${response.bodyJson}}`;
    return (await COMPLETE.run(this.redis, this.recordKey(scope, key), [token, stored, this.ttlMs])) === 1;
  }

  async abandon(scope: string, key: string, token: string): Promise<boolean> {
    return (await ABANDON.run(this.redis, this.recordKey(scope, key), [token])) === 1;
  }

  private recordKey(scope: string, key: string): string {
    // Escaping ':' in the scope keeps (a:b, c) and (a, b:c) apart; the key is last, so it needs nothing.
    return `${this.prefix}${scope.replaceAll('%', '%25').replaceAll(':', '%3A')}:${key}`;
  }
}

function parseResponse(raw: unknown): StoredResponse {
  if (typeof raw !== 'string') throw new Error('completed idempotency record without a response');
  const parsed = JSON.parse(raw) as { status?: unknown; body?: unknown };
  if (typeof parsed.status !== 'number') throw new Error('completed idempotency record with a malformed response');
  return { status: parsed.status, body: parsed.body };
}
