import { reportsFromVenueTruth, type VenueOrderTruth } from './venue-reconciliation';

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

describe('reportsFromVenueTruth', () => {
  it('rebuilds acknowledgement, fills and the final cancel in number order, after the given number only', () => {
    const venue = truth({
      status: 'CANCELLED',
      reason: 'USER',
      remaining: '0',
      cancelledQuantity: '0.5',
      version: 4,
      fills: [fill(2, 'T1', '0.2', '0.8', { accountId: 'venue-liquidity', orderId: 'q-1' }), fill(3, 'T2', '0.3', '0.5')],
    });
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
