import fc from 'fast-check';
import { parseDecimal } from '../domain/decimal';
import type { VenueReport, VenueReportBody } from '../domain/venue-events';
import type { VenueOrderTruth } from '../domain/venue-reconciliation';
import type { LifecycleProgress } from './order-contract';
import {
  acknowledgedBySubmit,
  takeSubmitAnswer,
  DEFAULT_RECONCILE,
  endCommand,
  fillCommand,
  hasReportToApply,
  initialProgress,
  lowestQueued,
  pollDelayMs,
  queueReport,
  takeReport,
} from './order-lifecycle-rules';

const report = (version: number, body: VenueReportBody = { type: 'ACCEPTED' }): VenueReport => ({
  eventId: `o1:${version}`,
  eventType: 'VenueReport',
  occurredAt: '2026-01-01T00:00:00.000Z',
  version,
  orderId: 'o1',
  accountId: 'a1',
  symbol: 'BTC-USD',
  report: body,
});

const progressWith = (lastReportVersion: number, versions: number[]): LifecycleProgress => ({
  ...initialProgress(),
  lastReportVersion,
  pendingReports: versions.map((n) => report(n)),
});

describe('the venue report queue', () => {
  it('queues a report once: a redelivery or an applied number changes nothing', () => {
    const progress = progressWith(2, []);
    expect(queueReport(progress, report(3))).toBe(true);
    expect(queueReport(progress, report(3))).toBe(false);
    expect(queueReport(progress, report(2))).toBe(false);
    expect(queueReport(progress, report(1))).toBe(false);
    expect(progress.pendingReports.map((r) => r.version)).toEqual([3]);
  });

  it('in order, applies only the next number: a gap waits', () => {
    const progress = progressWith(0, [3, 2]);
    expect(hasReportToApply(progress, true)).toBe(false);
    expect(takeReport(progress, true)).toBeUndefined();
    expect(lowestQueued(progress)?.version).toBe(2);
    queueReport(progress, report(1));
    expect(takeReport(progress, true)?.version).toBe(1);
    expect(takeReport(progress, true)?.version).toBe(2);
    expect(takeReport(progress, true)?.version).toBe(3);
    expect(takeReport(progress, true)).toBeUndefined();
    expect(progress.lastReportVersion).toBe(3);
  });

  it('drops queued reports that an earlier take already covered', () => {
    const progress = progressWith(4, [2, 5, 4]);
    expect(lowestQueued(progress)?.version).toBe(5);
    expect(progress.pendingReports.map((r) => r.version)).toEqual([5]);
  });

  it('without reconciliation (orders from before it existed), takes reports as they arrived, gaps and all', () => {
    const progress = progressWith(0, [3, 1]);
    expect(hasReportToApply(progress, false)).toBe(true);
    expect(takeReport(progress, false)?.version).toBe(3);
    expect(takeReport(progress, false)?.version).toBe(1);
    expect(progress.lastReportVersion).toBe(3);
    expect(hasReportToApply(progress, false)).toBe(false);
  });

  it('applies every number exactly once, in order, whatever order and repetition they arrive in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 60 }), (arrivals) => {
        const progress = initialProgress();
        const applied: number[] = [];
        for (const n of arrivals) {
          queueReport(progress, report(n));
          for (let next = takeReport(progress, true); next !== undefined; next = takeReport(progress, true)) applied.push(next.version);
        }
        const expected: number[] = [];
        while (arrivals.includes(expected.length + 1)) expected.push(expected.length + 1);
        expect(applied).toEqual(expected);
      }),
    );
  });
});

describe('pollDelayMs', () => {
  const timing = { quietMs: 1_000, maxQuietMs: 6_000, gapGraceMs: 100 };

  it('waits briefly after a gap and longer in silence, doubling after each quiet poll up to the cap', () => {
    expect([0, 1, 2, 3, 4].map((polls) => pollDelayMs(timing, polls, false))).toEqual([1_000, 2_000, 4_000, 6_000, 6_000]);
    expect([0, 1, 2].map((polls) => pollDelayMs(timing, polls, true))).toEqual([100, 200, 400]);
  });

  it('defaults to a 30 s silence and a 5 s gap grace, capped at 10 minutes', () => {
    expect(pollDelayMs(DEFAULT_RECONCILE, 0, false)).toBe(30_000);
    expect(pollDelayMs(DEFAULT_RECONCILE, 0, true)).toBe(5_000);
    expect(pollDelayMs(DEFAULT_RECONCILE, 10, false)).toBe(600_000);
  });
});

describe('endCommand: what the venue ending an order means', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const unfilled = { filledQuantity: 0n };
  const partly = { filledQuantity: parseDecimal('0.1') };

  // Issue 12: an order says who cancelled it (USER_CANCELLED / ADMIN_CANCELLED), no longer the venue's "USER".
  it('a cancel the workflow asked for ends CANCELLED saying who asked; self-trade prevention with its name', () => {
    expect(endCommand({ type: 'CANCELLED', reason: 'USER', remaining: '1' }, unfilled, false, at)).toEqual({
      command: { type: 'VENUE_CANCELLED', reason: 'USER_CANCELLED', at },
      reason: 'USER_CANCELLED',
    });
    expect(endCommand({ type: 'CANCELLED', reason: 'USER', remaining: '1' }, partly, false, at, 'ADMIN_CANCELLED').command).toEqual({
      type: 'VENUE_CANCELLED',
      reason: 'ADMIN_CANCELLED',
      at,
    });
    expect(endCommand({ type: 'CANCELLED', reason: 'SELF_TRADE_PREVENTION', remaining: '1' }, partly, false, at).command).toEqual({
      type: 'VENUE_CANCELLED',
      reason: 'SELF_TRADE_PREVENTION',
      at,
    });
    expect(endCommand({ type: 'CANCELLED', reason: 'SELF_TRADE_PREVENTION', remaining: '1' }, partly, false, at).command.type).toBe('VENUE_CANCELLED');
  });

  it.each([
    ['IOC_REMAINDER', 'IOC_REMAINDER'],
    ['MARKET_REMAINDER', 'MARKET_REMAINDER'],
    ['FOK_CANNOT_FILL', 'FOK_NOT_FILLED'],
    ['NO_LIQUIDITY', 'NO_LIQUIDITY'],
    ['GTD_EXPIRED', 'GTD_EXPIRED'],
  ])('a remainder cancelled for %s ends EXPIRED saying %s', (venueReason, reason) => {
    expect(endCommand({ type: 'CANCELLED', reason: venueReason, remaining: '0' }, partly, false, at)).toEqual({ command: { type: 'EXPIRED', reason, at }, reason });
  });

  it.each(['FOK_CANNOT_FILL', 'NO_LIQUIDITY'])('a venue refusal for %s ends EXPIRED too (nothing to take, nobody refused it)', (venueReason) => {
    expect(endCommand({ type: 'REJECTED', reason: venueReason }, unfilled, false, at).command.type).toBe('EXPIRED');
  });

  // Issue 12: the order says GTD_EXPIRED, no longer the venue's cancel reason "USER".
  it('the cancel the GTD timer asked for ends EXPIRED GTD_EXPIRED whatever reason the venue gives', () => {
    expect(endCommand({ type: 'CANCELLED', reason: 'USER', remaining: '1' }, unfilled, true, at).command).toEqual({ type: 'EXPIRED', reason: 'GTD_EXPIRED', at });
    expect(endCommand({ type: 'CANCELLED', reason: 'SELF_TRADE_PREVENTION', remaining: '1' }, unfilled, true, at).command).toEqual({ type: 'EXPIRED', reason: 'GTD_EXPIRED', at });
  });

  it("the venue's refusal of an order that never traded ends REJECTED, never as the trader's cancel", () => {
    expect(endCommand({ type: 'REJECTED', reason: 'POST_ONLY_WOULD_TAKE' }, unfilled, false, at).command).toEqual({ type: 'VENUE_REJECTED', reason: 'POST_ONLY_WOULD_TAKE', at });
    expect(endCommand({ type: 'REJECTED', reason: 'SOMETHING' }, partly, false, at).command.type).toBe('VENUE_CANCELLED');
  });

  // Issue 12: the reason is the code GTD_EXPIRED (the venue expires only GTD orders), no longer free text.
  it("the venue's expiry ends EXPIRED GTD_EXPIRED", () => {
    expect(endCommand({ type: 'EXPIRED', remaining: '1' }, unfilled, false, at)).toEqual({
      command: { type: 'EXPIRED', reason: 'GTD_EXPIRED', at },
      reason: 'GTD_EXPIRED',
    });
  });
});

describe('fillCommand', () => {
  it('turns the venue fill into a FILL with exact decimals and no fee yet (settlement tells it)', () => {
    const command = fillCommand(
      { type: 'FILL', fillId: 'T1:o1', tradeId: 'T1', side: 'BUY', price: '30000.5', quantity: '0.25', liquidity: 'TAKER', remaining: '0.75' },
      '2026-01-01T00:00:01.000Z',
    );
    expect(command).toEqual({
      type: 'FILL',
      fillId: 'T1:o1',
      price: parseDecimal('30000.5'),
      quantity: parseDecimal('0.25'),
      fee: 0n,
      liquidity: 'TAKER',
      at: '2026-01-01T00:00:01.000Z',
    });
  });
});

describe('acknowledgedBySubmit: the submit answer stands for the venue report 1 when that is the acknowledgement', () => {
  const state = (over: Partial<VenueOrderTruth>): VenueOrderTruth => ({
    orderId: 'o1',
    accountId: 'a1',
    symbol: 'BTC-USD',
    status: 'OPEN',
    remaining: '0.5',
    cancelledQuantity: '0',
    reason: null,
    version: 1,
    updatedAt: '2026-01-01T00:00:00.000Z',
    fills: [],
    ...over,
  });
  const fill = (version: number) => ({
    fillId: `T${version}:o1`,
    tradeId: `T${version}`,
    side: 'BUY' as const,
    price: '30000',
    quantity: '0.1',
    liquidity: 'TAKER' as const,
    remaining: '0.4',
    version,
    occurredAt: '2026-01-01T00:00:00.000Z',
  });
  const after = (venue: VenueOrderTruth, progress = initialProgress()) => {
    acknowledgedBySubmit(progress, venue);
    return progress.lastReportVersion;
  };

  it('counts report 1 applied when the venue accepted the order: resting, partly or wholly filled on arrival, or its remainder cancelled', () => {
    expect(after(state({}))).toBe(1);
    expect(after(state({ status: 'PARTIALLY_FILLED', version: 2, fills: [fill(2)] }))).toBe(1);
    expect(after(state({ status: 'FILLED', remaining: '0', version: 3, fills: [fill(2), fill(3)] }))).toBe(1);
    expect(after(state({ status: 'CANCELLED', reason: 'IOC_REMAINDER', remaining: '0', cancelledQuantity: '0.5', version: 2 }))).toBe(1);
  });

  it('leaves report 1 to come when it is not the acknowledgement: the venue refused the order on arrival', () => {
    expect(after(state({ status: 'REJECTED', reason: 'POST_ONLY_WOULD_TAKE', remaining: '0', version: 1 }))).toBe(0);
  });

  it('changes nothing when report 1 was already applied, or the venue has no report yet', () => {
    expect(after(state({}), { ...initialProgress(), lastReportVersion: 3 })).toBe(3);
    expect(after(state({ version: 0 }))).toBe(0);
  });

  describe("takeSubmitAnswer ('fills-with-submit'): every report the answer stands for, after those applied", () => {
    const taken = (venue: VenueOrderTruth, progress = initialProgress()) => {
      takeSubmitAnswer(progress, venue);
      const reports: Array<[number, string]> = [];
      for (let report = takeReport(progress, true); report !== undefined; report = takeReport(progress, true)) reports.push([report.version, report.report.type]);
      return { reports, lastReportVersion: progress.lastReportVersion };
    };

    it('queues the fills taken on arrival and the end, in their numbers, the acknowledgement counted as applied', () => {
      expect(taken(state({}))).toEqual({ reports: [], lastReportVersion: 1 });
      expect(taken(state({ status: 'FILLED', remaining: '0', version: 3, fills: [fill(2), fill(3)] }))).toEqual({ reports: [[2, 'FILL'], [3, 'FILL']], lastReportVersion: 3 });
      expect(taken(state({ status: 'CANCELLED', reason: 'IOC_REMAINDER', remaining: '0', cancelledQuantity: '0.4', version: 3, fills: [fill(2)] }))).toEqual({
        reports: [[2, 'FILL'], [3, 'CANCELLED']],
        lastReportVersion: 3,
      });
      // Refused on arrival: report 1 is the refusal, which ends the order.
      expect(taken(state({ status: 'REJECTED', reason: 'POST_ONLY_WOULD_TAKE', remaining: '0', version: 1 }))).toEqual({ reports: [[1, 'REJECTED']], lastReportVersion: 1 });
    });

    it('keeps the fill as the venue numbered it, and drops the same report arriving again', () => {
      const progress = initialProgress();
      takeSubmitAnswer(progress, state({ status: 'PARTIALLY_FILLED', version: 2, fills: [fill(2)] }));
      expect(progress.pendingReports.map((r) => [r.version, r.report])).toEqual([[2, { type: 'FILL', fillId: 'T2:o1', tradeId: 'T2', side: 'BUY', price: '30000', quantity: '0.1', liquidity: 'TAKER', remaining: '0.4' }]]);
      expect(queueReport(progress, report(2, { type: 'FILL', fillId: 'T2:o1', tradeId: 'T2', side: 'BUY', price: '30000', quantity: '0.1', liquidity: 'TAKER', remaining: '0.4' }))).toBe(false);
      expect(queueReport(progress, report(3, { type: 'CANCELLED', reason: 'USER', remaining: '0.4' }))).toBe(true);
    });

    it('queues nothing already applied (a repeat of the answer, after its reports came)', () => {
      const progress = { ...initialProgress(), lastReportVersion: 3 };
      takeSubmitAnswer(progress, state({ status: 'FILLED', remaining: '0', version: 3, fills: [fill(2), fill(3)] }));
      expect(progress.pendingReports).toEqual([]);
    });
  });

  it('drops the ACCEPTED report still on its way (a redelivery or a reconciliation), and the next number applies at once', () => {
    const progress = initialProgress();
    acknowledgedBySubmit(progress, state({}));
    expect(queueReport(progress, report(1))).toBe(false);
    expect(queueReport(progress, report(2, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' }))).toBe(true);
    expect(takeReport(progress, true)?.version).toBe(2);
  });
});
