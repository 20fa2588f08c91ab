import { createdEventJson } from './orders';
import { newOrder } from '../../domain/order';
import { toOrderSnapshot } from '../../domain/order-snapshot';
import type { OrderCreatedEvent } from '../../domain/events';
import { parseDecimal } from '../../domain/decimal';

describe('createdEventJson', () => {
  it('is the JSON of the whole event, with the order encoded once beforehand', () => {
    const createdAt = '2026-12-04T22:00:00.000Z';
    const order = newOrder({
      orderId: 'o-1',
      clientOrderId: 'c-1',
      accountId: 'acct-1',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      quantity: parseDecimal('0.5'),
      price: parseDecimal('30000.00'),
      timeInForce: 'GTC',
      expireAt: null,
      postOnly: false,
      createdAt,
    });
    const snapshot = toOrderSnapshot(order);
    const event: OrderCreatedEvent = { eventId: 'o-1:created', eventType: 'OrderCreated', occurredAt: createdAt, version: 1, orderId: 'o-1', order: snapshot };
    const json = createdEventJson(event, JSON.stringify(snapshot));
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(event)));
    expect(json).toBe(JSON.stringify(event));
  });
});
