import type { Db } from 'mongodb';
import { isTerminal, ORDER_STATUSES, type OrderStatus } from '../../domain/order';
import type { Logger } from '../logger';
import { startPeriodic } from '../periodic';
import { countStuckOrders } from '../mongo/stuck-order-counts';
import { ordersStuck } from './order-metrics';

/** Statuses an order may rightly keep for long: resting at the venue. */
const RESTING: readonly OrderStatus[] = ['ACCEPTED', 'PARTIALLY_FILLED'];
/** Statuses an order only passes through (NEW, FILLED, PENDING_CANCEL): one that stays is stuck. */
export const STUCK_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter((s) => !isTerminal(s) && !RESTING.includes(s));

export const STUCK_ORDERS_INTERVAL_MS = 30_000;

/**
 * Refreshes oms_orders_stuck{status} every `intervalMs` (unref'd timer) from a bounded Mongo count: orders in a
 * passing status whose last transition is older than `stuckSeconds`. A failed refresh keeps the last values.
 */
export function startStuckOrdersMonitor(options: { db: Db; stuckSeconds: number; logger: Logger; intervalMs?: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const refresh = async (): Promise<void> => {
    const counts = await countStuckOrders(options.db, { statuses: STUCK_STATUSES, olderThan: new Date(now() - options.stuckSeconds * 1_000) });
    for (const [status, count] of counts) ordersStuck.set({ status }, count);
  };
  const periodic = startPeriodic(refresh, {
    intervalMs: options.intervalMs ?? STUCK_ORDERS_INTERVAL_MS,
    runAtStart: true,
    onError: (error) => options.logger.warn({ err: error }, 'worker.stuck_orders_refresh_failed'),
  });
  return { refresh, stop: periodic.stop };
}
