import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { OrderSnapshotSchema } from '../../domain/events';
import type { OrderSnapshot } from '../../domain/order-snapshot';
import { LuaScript } from './lua-script';

/**
 * The order as the API accepted it, kept for a short while after the 202 so that `GET /api/orders/:id`
 * finds it (and a cancel can start its workflow) before the worker has started the workflow and persisted the order.
 */
export interface PendingOrderCache {
  /** `json`: the order's JSON when the caller encoded it already (the order API, for the event), so it is not encoded twice. */
  put(order: OrderSnapshot, ttlSeconds: number, json?: string): Promise<void>;
  /** The stored order, or undefined when there is none (never stored, or expired). Throws on a value that is not an order snapshot. */
  get(orderId: string): Promise<OrderSnapshot | undefined>;
  /**
   * The account's orders still in the cache, newest first, at most `limit` (the kill switch cancels those whose
   * workflow may not have started yet). Whether a workflow started is for the caller to find out.
   */
  listForAccount(accountId: string, limit: number): Promise<OrderSnapshot[]>;
}

/**
 * Adds the order id to its account's index scored by when its entry expires, drops the expired and all but the newest
 * MAX ids, and lets the index expire with its last entry. One key, so it holds on Redis Cluster too.
 */
const INDEX_ORDER = new LuaScript(`
local now = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
return 1
`);

/** How many order ids the per-account index keeps (newest): beyond it the oldest are dropped, so it stays bounded. */
export const MAX_PENDING_PER_ACCOUNT = 10_000;

export class RedisPendingOrderCache implements PendingOrderCache {
  private readonly prefix: string;
  private readonly accountPrefix: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix?: string } = {},
  ) {
    this.prefix = options.prefix ?? 'pending-order:';
    // A sorted set per account: order ids scored by when their entry expires.
    this.accountPrefix = `${this.prefix.replace(/:$/, '')}-by-account:`;
  }

  async put(order: OrderSnapshot, ttlSeconds: number, json: string = JSON.stringify(order)): Promise<void> {
    if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive');
    const ttlMs = Math.max(1, Math.round(ttlSeconds * 1_000));
    // Both sent in the same turn, so they share one round trip (auto-pipelining) and Redis runs them in this order.
    await Promise.all([
      this.redis.set(this.prefix + order.orderId, json, 'PX', ttlMs),
      INDEX_ORDER.run(this.redis, this.accountPrefix + order.accountId, [order.orderId, Date.now(), ttlMs, MAX_PENDING_PER_ACCOUNT]),
    ]);
  }

  async listForAccount(accountId: string, limit: number): Promise<OrderSnapshot[]> {
    const index = this.accountPrefix + accountId;
    const ids = await this.redis.zrevrangebyscore(index, '+inf', Date.now(), 'LIMIT', 0, limit);
    if (ids.length === 0) return [];
    const found: OrderSnapshot[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const values = await this.redis.mget(...chunk.map((id) => this.prefix + id));
      chunk.forEach((orderId, at) => {
        const order = this.parse(orderId, values[at] ?? null);
        if (order !== undefined && order.accountId === accountId) found.push(order);
      });
    }
    return found;
  }

  async get(orderId: string): Promise<OrderSnapshot | undefined> {
    return this.parse(orderId, await this.redis.get(this.prefix + orderId));
  }

  private parse(orderId: string, stored: string | null): OrderSnapshot | undefined {
    if (stored === null) return undefined;
    const parsed = v.safeParse(OrderSnapshotSchema, parseJson(stored));
    if (!parsed.success) {
      const issue = parsed.issues[0];
      throw new Error(`pending order ${orderId} in Redis is not an order snapshot: ${v.getDotPath(issue) ?? '(value)'}: ${issue.message}`);
    }
    if (parsed.output.orderId !== orderId) throw new Error(`pending order ${orderId} in Redis holds order ${parsed.output.orderId}`);
    return parsed.output;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
