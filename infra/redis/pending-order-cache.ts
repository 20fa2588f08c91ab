import type { Redis } from 'ioredis';

/**
 * The order as the API accepted it, kept for a short while after the 202 so that `GET /api/orders/:id`
 * finds it before the worker has started the workflow and persisted the order.
 */
export interface PendingOrderCache {
  put(orderId: string, value: string, ttlSeconds: number): Promise<void>;
  /** The stored value, or undefined when there is none (never stored, or expired). */
  get(orderId: string): Promise<string | undefined>;
}

export class RedisPendingOrderCache implements PendingOrderCache {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix?: string } = {},
  ) {
    this.prefix = options.prefix ?? 'pending-order:';
  }

  async put(orderId: string, value: string, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive');
    await this.redis.set(this.prefix + orderId, value, 'PX', Math.max(1, Math.round(ttlSeconds * 1_000)));
  }

  async get(orderId: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + orderId)) ?? undefined;
  }
}
