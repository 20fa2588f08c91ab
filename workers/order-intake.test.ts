import * as v from 'valibot';
import { parseDecimal } from '../domain/decimal';
import { OrderCreatedEventSchema, type OrderCreatedEvent } from '../domain/events';
import { newOrder } from '../domain/order';
import { toOrderSnapshot } from '../domain/order-snapshot';
import { PoisonMessageError } from '../infra/kafka/consumer';
import { snapshotFromCreated } from './order-intake';

const created = (): OrderCreatedEvent => {
  const order = toOrderSnapshot(
    newOrder({
      orderId: 'o-1',
      clientOrderId: 'c-1',
      accountId: 'acct-1',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      quantity: parseDecimal('0.5'),
      price: parseDecimal('30000'),
      timeInForce: 'GTC',
      expireAt: null,
      postOnly: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
  );
  return { eventId: 'o-1:created', eventType: 'OrderCreated', occurredAt: order.createdAt, version: 1, orderId: 'o-1', order };
};

describe('snapshotFromCreated', () => {
  it('starts the workflow from the snapshot the event carries, unchanged after the schema read it', () => {
    const event = created();
    const read = v.parse(OrderCreatedEventSchema, JSON.parse(JSON.stringify(event)));
    expect(snapshotFromCreated(read)).toEqual(event.order);
  });

  it('refuses an event without the order snapshot (e.g. only the view) at the schema', () => {
    const { filledNotional: _notional, fillIds: _ids, ...view } = created().order;
    expect(v.safeParse(OrderCreatedEventSchema, { ...created(), order: { ...view, averagePrice: null } }).success).toBe(false);
  });

  it.each([
    ['another order', { orderId: 'o-2' }],
    ['an order past NEW', { status: 'ACCEPTED' as const }],
    ['a later version', { version: 2 }],
  ])('refuses an event carrying %s as poison', (_what, change) => {
    const event = created();
    expect(() => snapshotFromCreated({ ...event, order: { ...event.order, ...change } })).toThrow(PoisonMessageError);
  });
});
