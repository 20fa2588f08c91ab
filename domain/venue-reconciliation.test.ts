import type { VenueReport } from './venue-events';
import { reportsFromVenueTruth, venueStandsBy, type VenueOrderTruth } from './venue-reconciliation';

const AT = '2030-01-01T00:00:00.000Z';
const fill = (version: number, tradeId: string, quantity: string, remaining: string, contra?: { accountId: string; orderId: string }) => ({
  fillId: `${tradeId}:o-1`,
  tradeId,
  side: 'BUY' as const,
  price: '30000',
  quantity,
  liquidity: 'MAKER' as const,
  remaining,
  version,
  occurredAt: `2030-01-01T00:00:0${version}.000Z`,
  ...(contra === undefined ? {} : { contra }),
});
const truth = (over: Partial<VenueOrderTruth>): VenueOrderTruth => ({
  orderId: 'o-1',
  accountId: 'acct-1',
  symbol: 'BTC-USD',
  status: 'OPEN',
  remaining: '1',
  cancelledQuantity: '0',
  reason: null,
  version: 1,
  updatedAt: AT,
  fills: [],
  ...over,
});

/** Acknowledged (1), filled twice (2: against the house, with its contra; 3), then cancelled (4). */
const cancelledAfterTwoFills = truth({
    status: 'CANCELLED',
    reason: 'USER',
    remaining: '0',
    cancelledQuantity: '0.5',
    version: 4,
    fills: [fill(2, 'T1', '0.2', '0.8', { accountId: 'venue-liquidity', orderId: 'q-1' }), fill(3, 'T2', '0.3', '0.5')],
  });

describe('reportsFromVenueTruth', () => {
  it('rebuilds acknowledgement, fills and the final cancel in number order, after the given number only', () => {
    const venue = cancelledAfterTwoFills;
    const all = reportsFromVenueTruth(venue, 0);
    expect(all.map((r) => [r.version, r.report.type])).toEqual([
      [1, 'ACCEPTED'],
      [2, 'FILL'],
      [3, 'FILL'],
      [4, 'CANCELLED'],
    ]);
    expect(all[1]).toMatchObject({
      eventId: 'reconciled:o-1:2',
      occurredAt: '2030-01-01T00:00:02.000Z',
      orderId: 'o-1',
      accountId: 'acct-1',
      report: { type: 'FILL', fillId: 'T1:o-1', tradeId: 'T1', quantity: '0.2', remaining: '0.8', contra: { accountId: 'venue-liquidity', orderId: 'q-1' } },
    });
    expect(all[2]!.report).not.toHaveProperty('contra');
    expect(all[3]!.report).toEqual({ type: 'CANCELLED', reason: 'USER', remaining: '0.5' });
    expect(reportsFromVenueTruth(venue, 2).map((r) => r.version)).toEqual([3, 4]);
    expect(reportsFromVenueTruth(venue, 4)).toEqual([]);
  });

  it('ends with the fill itself when the order filled: no extra final report', () => {
    const venue = truth({ status: 'FILLED', remaining: '0', version: 2, fills: [fill(1, 'T1', '0.4', '0.6'), fill(2, 'T2', '0.6', '0')] });
    expect(reportsFromVenueTruth(venue, 0).map((r) => r.report.type)).toEqual(['FILL', 'FILL']);
  });

  it.each([
    ['EXPIRED', 'GTD_EXPIRED', { type: 'EXPIRED', remaining: '1' }],
    ['REJECTED', 'POST_ONLY_WOULD_TAKE', { type: 'REJECTED', reason: 'POST_ONLY_WOULD_TAKE' }],
    ['CANCELLED', 'IOC_REMAINDER', { type: 'CANCELLED', reason: 'IOC_REMAINDER', remaining: '1' }],
  ] as const)('a %s order without fills ends with that report', (status, reason, report) => {
    const venue = truth({ status, reason, remaining: '0', cancelledQuantity: '1', version: 1 });
    expect(reportsFromVenueTruth(venue, 0).map((r) => r.report)).toEqual([report]);
  });

  it('gives nothing for a live order the workflow is up to date with', () => {
    expect(reportsFromVenueTruth(truth({ version: 1 }), 1)).toEqual([]);
  });
});

describe('venueStandsBy', () => {
  const venue = cancelledAfterTwoFills;
  /** A report as the venue sent it over Kafka (its own eventId and time, the body's fields in the translator's order). */
  const sent = (version: number, report: VenueReport['report'], over: Partial<VenueReport> = {}): VenueReport => ({
    eventId: `o-1:${version}`,
    eventType: 'VenueReport',
    occurredAt: '2030-01-01T00:00:09.000Z',
    version,
    orderId: 'o-1',
    accountId: 'acct-1',
    symbol: 'BTC-USD',
    report,
    ...over,
  });
  const firstFill = { type: 'FILL', fillId: 'T1:o-1', tradeId: 'T1', side: 'BUY', price: '30000', quantity: '0.2', liquidity: 'MAKER', remaining: '0.8', contra: { accountId: 'venue-liquidity', orderId: 'q-1' } } as const;

  it('stands by what the venue sent: each fill and the final report, whatever the event id, time or field order', () => {
    expect(venueStandsBy(sent(2, firstFill), venue)).toBe(true);
    expect(venueStandsBy(sent(3, { type: 'FILL', remaining: '0.5', quantity: '0.3', price: '30000', side: 'BUY', liquidity: 'MAKER', tradeId: 'T2', fillId: 'T2:o-1' }), venue)).toBe(true);
    expect(venueStandsBy(sent(4, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' }), venue)).toBe(true);
    // Redelivered after the order moved on: the venue's record still holds every report it made.
    expect(venueStandsBy(sent(2, firstFill), { ...venue, version: 6, status: 'FILLED' })).toBe(true);
  });

  it.each([
    ['a fill the venue did not make', sent(2, { ...firstFill, fillId: 'T9:o-1', tradeId: 'T9' })],
    ['a larger quantity', sent(2, { ...firstFill, quantity: '2' })],
    ['another price', sent(2, { ...firstFill, price: '1' })],
    ['the other liquidity (another fee)', sent(2, { ...firstFill, liquidity: 'TAKER' })],
    ['another contra (who the house settles)', sent(2, { ...firstFill, contra: { accountId: 'venue-liquidity', orderId: 'q-9' } })],
    ['a contra added', sent(3, { type: 'FILL', fillId: 'T2:o-1', tradeId: 'T2', side: 'BUY', price: '30000', quantity: '0.3', liquidity: 'MAKER', remaining: '0.5', contra: { accountId: 'venue-liquidity', orderId: 'q-1' } })],
    ['a contra dropped', sent(2, { ...firstFill, contra: undefined })],
    ['a fill at the acknowledgement\'s number', sent(1, firstFill)],
    ['a cancel where the venue filled', sent(2, { type: 'CANCELLED', reason: 'USER', remaining: '1' })],
    ['a cancel of another quantity', sent(4, { type: 'CANCELLED', reason: 'USER', remaining: '1' })],
    ['an expiry where the venue cancelled', sent(4, { type: 'EXPIRED', remaining: '0.5' })],
    ['a number the venue has not reached', sent(5, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' })],
    ['another account', sent(2, firstFill, { accountId: 'acct-2' })],
    ['another symbol', sent(2, firstFill, { symbol: 'ETH-USD' })],
  ])('refuses %s', (_what, report) => {
    expect(venueStandsBy(report, venue)).toBe(false);
  });

  it('refuses any report of an order the venue does not know, and one the venue answered for another order', () => {
    expect(venueStandsBy(sent(2, firstFill), null)).toBe(false);
    expect(venueStandsBy(sent(2, firstFill), { ...venue, orderId: 'o-2' })).toBe(false);
  });

  it('stands by the cancel of a live order only once the venue has it cancelled', () => {
    const resting = truth({ version: 1 });
    expect(venueStandsBy(sent(2, { type: 'CANCELLED', reason: 'USER', remaining: '1' }), resting)).toBe(false);
    const cancelled = truth({ status: 'CANCELLED', reason: 'USER', remaining: '0', cancelledQuantity: '1', version: 2 });
    expect(venueStandsBy(sent(2, { type: 'CANCELLED', reason: 'USER', remaining: '1' }), cancelled)).toBe(true);
    expect(venueStandsBy(sent(2, { type: 'CANCELLED', reason: 'SELF_TRADE_PREVENTION', remaining: '1' }), cancelled)).toBe(false);
  });
});
