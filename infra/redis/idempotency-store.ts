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
// beginClaim is shared with the order admission script (order-admission.ts), which claims after counting.
export const BEGIN_CLAIM_LUA = `
local function beginClaim(key, fp, token, inFlightMs)
  local r = redis.call('HMGET', key, 'state', 'fp', 'response')
  if not r[1] then
    redis.call('HSET', key, 'state', 'in-flight', 'fp', fp, 'token', token)
    redis.call('PEXPIRE', key, inFlightMs)
    return {'started'}
  end
  if r[2] ~= fp then return {'mismatch'} end
  if r[1] == 'completed' then return {'completed', r[3]} end
  return {'in-flight'}
end
`;

const BEGIN = new LuaScript(`${BEGIN_CLAIM_LUA}
return beginClaim(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
`);

/** A claim as a script makes it: its record key, the script's arguments (fingerprint, token, in-flight ms) and how to read the answer. */
export interface ClaimRequest {
  key: string;
  args: [fingerprint: string, token: string, inFlightMs: number];
  /** The script's answer ({ state } or { 'completed', response }) as begin() returns it. */
  read(state: unknown, response: unknown): IdempotencyBeginResult;
}

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
    const claim = this.claim(scope, key, fingerprint);
    const reply = await BEGIN.run(this.redis, claim.key, claim.args);
    if (!Array.isArray(reply)) throw new Error(`unexpected idempotency reply: ${String(reply)}`);
    const [state, response] = reply as unknown[];
    return claim.read(state, response);
  }

  /** begin() as part of another script (order-admission.ts, which runs BEGIN_CLAIM_LUA): the same key, token and TTL. */
  claim(scope: string, key: string, fingerprint: string): ClaimRequest {
    const token = randomUUID();
    return {
      key: this.recordKey(scope, key),
      args: [fingerprint, token, this.inFlightTtlMs],
      read: (state, response) => {
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
      },
    };
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
