import type { Db } from 'mongodb';
import type { OrderStatus } from '../../domain/order';
import { COLLECTIONS } from './client';

/**
 * How many orders of each given status made their last transition before `olderThan`: one indexed count per status
 * (index status_updated_id), each capped at `cap` and given `maxTimeMs`, so a pile-up costs a bounded query.
 */
export async function countStuckOrders(
  db: Db,
  options: { statuses: readonly OrderStatus[]; olderThan: Date; cap?: number; maxTimeMs?: number },
): Promise<Map<OrderStatus, number>> {
  const orders = db.collection(COLLECTIONS.orders);
  const before = options.olderThan.toISOString();
  const counts = await Promise.all(
    options.statuses.map(async (status) => {
      const count = await orders.countDocuments({ status, updatedAt: { $lt: before } }, { limit: options.cap ?? 100_000, maxTimeMS: options.maxTimeMs ?? 5_000 });
      return [status, count] as const;
    }),
  );
  return new Map(counts);
}
