import * as v from 'valibot';
import { parseDecimal } from './decimal';
import { RESTING_STATUSES, toVenueOrder, VENUE_ORDER_STATUSES, venueFillProblem, VenueOrderSchema, type VenueFillRecord, type VenueOrderRecord } from './venue-order';

const AT = '2030-01-01T00:00:00.000Z';
const record: VenueOrderRecord = {
  orderId: 'o-1',
  accountId: 'acct-1',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '1',
  price: '30000',
  protectionPrice: null,
  timeInForce: 'GTC',
  postOnly: false,
  status: 'PARTIALLY_FILLED',
  filledQuantity: '0.4',
  remaining: '0.6',
  cancelledQuantity: '0',
  reason: null,
  arrival: 7,
  version: 3,
  createdAt: AT,
  updatedAt: AT,
};
const fill = (version: number, contra?: { accountId: string; orderId: string }): VenueFillRecord => ({
  fillId: `T${version}:o-1`,
  orderId: 'o-1',
  accountId: 'acct-1',
  symbol: 'BTC-USD',
  tradeId: `T${version}`,
  side: 'BUY',
  price: '30000',
  quantity: '0.2',
  liquidity: 'MAKER',
  remaining: '0.6',
  version,
  occurredAt: AT,
  ...(contra === undefined ? {} : { contra }),
});

describe('venue orders', () => {
  it('answers an order as its record without its place in time, with its fills without the order they belong to', () => {
    const order = toVenueOrder(record, [fill(2, { accountId: 'venue-liquidity', orderId: 'q-1' }), fill(3)]);
    expect(order).not.toHaveProperty('arrival');
    const { arrival: _arrival, ...rest } = record;
    expect(order).toMatchObject(rest);
    expect(order.fills).toEqual([
      { fillId: 'T2:o-1', tradeId: 'T2', price: '30000', quantity: '0.2', liquidity: 'MAKER', remaining: '0.6', side: 'BUY', version: 2, occurredAt: AT, contra: { accountId: 'venue-liquidity', orderId: 'q-1' } },
      { fillId: 'T3:o-1', tradeId: 'T3', price: '30000', quantity: '0.2', liquidity: 'MAKER', remaining: '0.6', side: 'BUY', version: 3, occurredAt: AT },
    ]);
    expect(order.fills[1]).not.toHaveProperty('contra');
    // What the venue answers passes the schema its readers validate with, unchanged.
    expect(v.parse(VenueOrderSchema, order)).toEqual(order);
  });

  it('keeps an order without a protection price (written before it existed) without one', () => {
    const { protectionPrice: _p, ...older } = record;
    const order = toVenueOrder(older, []);
    expect(order).not.toHaveProperty('protectionPrice');
    expect(v.parse(VenueOrderSchema, order)).toEqual(order);
  });

  it('rests OPEN and PARTIALLY_FILLED orders only', () => {
    expect(VENUE_ORDER_STATUSES.filter((s) => RESTING_STATUSES.includes(s))).toEqual(['OPEN', 'PARTIALLY_FILLED']);
  });
});

describe('venueFillProblem: whether the venue made a fill, term for term', () => {
  const order = toVenueOrder(record, [fill(2)]);
  const asked = { orderId: 'o-1', fillId: 'T2:o-1', accountId: 'acct-1', symbol: 'BTC-USD', side: 'BUY' as const, price: parseDecimal('30000'), quantity: parseDecimal('0.2'), liquidity: 'MAKER' as const };

  it('finds none in the fill the venue made (decimals compared as numbers)', () => {
    expect(venueFillProblem(order, asked)).toBeUndefined();
    expect(venueFillProblem(order, { ...asked, price: parseDecimal('30000.000') })).toBeUndefined();
  });

  it.each([
    ['no order', null, {}, 'the venue has no order o-1'],
    ['another account', order, { accountId: 'acct-2' }, "order o-1 is account acct-1's at the venue, not acct-2's"],
    ['another symbol', order, { symbol: 'ETH-USD' }, 'order o-1 is BTC-USD at the venue, not ETH-USD'],
    ['a fill it did not make', order, { fillId: 'T9:o-1' }, 'the venue made no fill T9:o-1 of order o-1'],
    ['other terms', order, { side: 'SELL' as const, price: parseDecimal('29999'), quantity: parseDecimal('0.3'), liquidity: 'TAKER' as const }, "the venue's fill T2:o-1 has side BUY, price 30000, quantity 0.2, liquidity MAKER"],
    ['another order answered', { ...order, orderId: 'o-2' }, {}, 'the venue answered order o-2 for o-1'],
  ])('names %s', (_what, venueOrder, change, problem) => {
    expect(venueFillProblem(venueOrder, { ...asked, ...change })).toBe(problem);
  });
});
