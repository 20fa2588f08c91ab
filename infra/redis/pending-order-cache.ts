import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { OrderSnapshotSchema } from '../../domain/events';
import type { OrderSnapshot } from '../../domain/order-snapshot';

/**
 * The order as the API accepted it, kept for a short while after the 202 so that `GET /api/orders/:id`
 * finds it (and a cancel can start its workflow) before the worker has started the workflow and persisted the order.
 */
export interface PendingOrderCache {
  put(order: OrderSnapshot, ttlSeconds: number): Promise<void>;
  /** The stored order, or undefined when there is none (never stored, or expired). Throws on a value that is not an order snapshot. */
  get(orderId: string): Promise<OrderSnapshot | undefined>;
}

export class RedisPendingOrderCache implements PendingOrderCache {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix?: string } = {},
  ) {
    this.prefix = options.prefix ?? 'pending-order:';
  }

  async put(order: OrderSnapshot, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive');
    await this.redis.set(this.prefix + order.orderId, JSON.stringify(order), 'PX', Math.max(1, Math.round(ttlSeconds * 1_000)));
  }

  async get(orderId: string): Promise<OrderSnapshot | undefined> {
    const stored = await this.redis.get(this.prefix + orderId);
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
