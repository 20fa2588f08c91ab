import * as v from 'valibot';
import { parseDecimal } from './decimal';
import { OrderSnapshotSchema, OrderViewSchema } from './events';
import { newOrder, toOrderView, type Order } from './order';
import { fromOrderSnapshot, toOrderSnapshot } from './order-snapshot';

const d = parseDecimal;
const filled: Order = {
  ...newOrder({
    orderId: 'ord-1',
    clientOrderId: null,
    accountId: 'acct-1',
    symbol: 'BTC-USD',
    side: 'SELL',
    type: 'LIMIT',
    quantity: d('1'),
    price: d('30000.5'),
    timeInForce: 'GTD',
    expireAt: '2030-01-01T00:00:00Z',
    postOnly: true,
    createdAt: '2026-01-01T00:00:00.000Z',
  }),
  status: 'PARTIALLY_FILLED',
  filledQuantity: d('0.4'),
  filledNotional: d('12000.2'),
  fees: d('-0.5'),
  cancelRequested: true,
  fillIds: ['T1:ord-1'],
  version: 4,
  updatedAt: '2026-01-01T00:00:03.000Z',
};

describe('the order snapshot: the whole order on the wire', () => {
  it('round-trips through JSON and its schema without losing anything (fill ids, exact notional)', () => {
    const wire = JSON.parse(JSON.stringify(toOrderSnapshot(filled))) as unknown;
    expect(fromOrderSnapshot(v.parse(OrderSnapshotSchema, wire))).toEqual(filled);
  });

  it('is refused when bookkeeping is missing or a decimal is not exact', () => {
    const snapshot = toOrderSnapshot(filled);
    const { fillIds: _ids, ...withoutFillIds } = snapshot;
    expect(v.safeParse(OrderSnapshotSchema, withoutFillIds).success).toBe(false);
    expect(v.safeParse(OrderSnapshotSchema, { ...snapshot, filledNotional: 12000.2 }).success).toBe(false);
    expect(v.safeParse(OrderSnapshotSchema, { ...snapshot, quantity: '1e3' }).success).toBe(false);
  });
});

describe('the order view: what readers see', () => {
  it('is what toOrderView builds, and its schema keeps exactly those fields', () => {
    const view = toOrderView(filled);
    const parsed = v.parse(OrderViewSchema, { ...view, fillIds: ['T1:ord-1'], filledNotional: '12000.2' });
    expect(parsed).toEqual(view);
    expect(Object.keys(parsed)).toEqual(Object.keys(view));
  });
});
