import { ApplicationFailure } from '@temporalio/common';
import type { OrderActivities, RecordTransitionInput } from '../../activities/order-activities';
import { parseDecimal } from '../../domain/decimal';
import { newOrder } from '../../domain/order';
import { toOrderSnapshot, type OrderSnapshot } from '../../domain/order-snapshot';

/** A NEW BTC-USD limit buy, as the orders consumer would start it. Test support, shared by tests and the history recorder. */
export function sampleOrder(orderId: string, overrides: Partial<{ quantity: string; price: string; side: 'BUY' | 'SELL' }> = {}): OrderSnapshot {
  return toOrderSnapshot(
    newOrder({
      orderId,
      clientOrderId: orderId,
      accountId: 'acct-test',
      symbol: 'BTC-USD',
      side: overrides.side ?? 'BUY',
      type: 'LIMIT',
      quantity: parseDecimal(overrides.quantity ?? '0.5'),
      price: parseDecimal(overrides.price ?? '30000'),
      timeInForce: 'GTC',
      expireAt: null,
      postOnly: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
  );
}

/** In-memory activities recording what the workflow asked for; `refuse` makes reserveFunds reject with that code. */
export function fakeOrderActivities(options: { refuse?: string; transientFailures?: number } = {}) {
  const recorded: RecordTransitionInput[] = [];
  const released: string[] = [];
  let reserveCalls = 0;
  let failuresLeft = options.transientFailures ?? 0;
  const activities: OrderActivities = {
    async recordTransition(input) {
      recorded.push(input);
    },
    async reserveFunds(order) {
      reserveCalls += 1;
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('store unavailable (transient)');
      }
      if (options.refuse !== undefined) throw ApplicationFailure.nonRetryable(`refused: ${options.refuse}`, options.refuse);
      return { asset: 'USD', amount: order.quantity };
    },
    async releaseFunds({ orderId }) {
      released.push(orderId);
    },
  };
  return { activities, recorded, released, reserveCalls: () => reserveCalls };
}
