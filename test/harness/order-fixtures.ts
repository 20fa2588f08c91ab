import { ApplicationFailure } from '@temporalio/common';
import { withOrderSteps, type OrderActivities, type RecordTransitionInput } from '../../activities/order-activities';
import type { SubmitToVenue, VenueOrderState } from '../../infra/http/venue-client';
import { parseDecimal } from '../../domain/decimal';
import { newOrder, type OrderView } from '../../domain/order';
import { toOrderSnapshot, type OrderSnapshot } from '../../domain/order-snapshot';
import type { VenueReport, VenueReportBody } from '../../domain/venue-events';
import { reportsFromVenueTruth } from '../../domain/venue-reconciliation';

/** A NEW BTC-USD limit order, as the orders consumer would start it. Test support for workflow tests and the history recorder. */
export function sampleOrder(
  orderId: string,
  overrides: Partial<{ quantity: string; price: string; side: 'BUY' | 'SELL'; timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTD'; expireAt: string }> = {},
): OrderSnapshot {
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
      timeInForce: overrides.timeInForce ?? 'GTC',
      expireAt: overrides.expireAt ?? null,
      postOnly: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
  );
}

/** A venue report for `orderId` with the given per-order version. */
export function venueReport(orderId: string, version: number, report: VenueReportBody): VenueReport {
  return {
    eventId: `${orderId}:${version}`,
    eventType: 'VenueReport',
    occurredAt: '2026-01-01T00:00:01.000Z',
    version,
    orderId,
    accountId: 'acct-test',
    symbol: 'BTC-USD',
    report,
  };
}

export function fillReport(orderId: string, version: number, fill: { tradeId: string; price: string; quantity: string; remaining: string; side?: 'BUY' | 'SELL' }): VenueReport {
  return venueReport(orderId, version, {
    type: 'FILL',
    fillId: `${fill.tradeId}:${orderId}`,
    tradeId: fill.tradeId,
    side: fill.side ?? 'BUY',
    price: fill.price,
    quantity: fill.quantity,
    liquidity: 'MAKER',
    remaining: fill.remaining,
  });
}

/**
 * In-memory activities recording what the workflow asked for. `refuse` makes reserveFunds reject with
 * that code; the fee of a fill is 1 USD per fill so sums are easy to check.
 */
export function fakeOrderActivities(
  options: {
    refuse?: string;
    transientFailures?: number;
    protectionPrice?: string;
    /** reserveFunds refuses INSUFFICIENT_BALANCE this many times, then holds (funds arrived). */
    refusalsBeforeHold?: number;
    /** recordDecision records, then fails this many times as a worker dying before its answer would. */
    decisionCrashes?: number;
    /** reserveFunds answers only once this settles: a test signals the workflow while the check runs. */
    holdGate?: Promise<unknown>;
    /** releaseFunds fails this many times (transient) before it releases. */
    releaseFailures?: number;
    /**
     * What the venue's answer to the submit says besides the order (default: OPEN at version 1, its report 1 the
     * acknowledgement); e.g. `{ status: 'REJECTED' }` for an order the venue refuses on arrival (report 1 is the refusal).
     */
    submitAnswer?: Partial<Omit<VenueOrderState, 'orderId' | 'accountId' | 'symbol'>>;
    /** The first submit fails once this settles, the order not at the venue: a request still on its way when its caller gave up. */
    firstSubmitLost?: Promise<unknown>;
    /** The first submit fails once this settles, the order at the venue (in venueTruth): the venue took it, its answer was lost. */
    firstAnswerLost?: Promise<unknown>;
  } = {},
) {
  /** What the venue would answer about an order when the workflow reconciles (set by a test); unknown otherwise. */
  const venueTruth = new Map<string, VenueOrderState>();
  const reconciliations: Array<{ orderId: string; afterVersion: number }> = [];
  const recorded: RecordTransitionInput[] = [];
  const released: string[] = [];
  const settled: string[] = [];
  const submitted: SubmitToVenue[] = [];
  const cancels: Array<{ orderId: string; reason: string }> = [];
  const anomalies: Array<{ kind: string; details: Record<string, unknown> }> = [];
  let reserveCalls = 0;
  /** Orders holding funds: a repeat of their hold answers alreadyHeld, as the risk engine's does. */
  const held = new Set<string>();
  let failuresLeft = options.transientFailures ?? 0;
  let refusalsLeft = options.refusalsBeforeHold ?? 0;
  let decisionCrashesLeft = options.decisionCrashes ?? 0;
  let releaseFailuresLeft = options.releaseFailures ?? 0;
  const venueState = (order: OrderView): VenueOrderState => ({
    orderId: order.orderId,
    accountId: order.accountId,
    symbol: order.symbol,
    status: 'OPEN',
    filledQuantity: '0',
    remaining: order.quantity,
    cancelledQuantity: '0',
    reason: null,
    version: 1,
    updatedAt: order.updatedAt,
    fills: [],
    ...options.submitAnswer,
  });
  const isRecorded = (entry: RecordTransitionInput) => recorded.some((r) => r.order.orderId === entry.order.orderId && r.order.version === entry.order.version);
  const activities: OrderActivities = withOrderSteps({
    // As the store: a transition goes in once per order version (order_events' unique id), a repeat changes nothing.
    async recordTransition(input) {
      if (!isRecorded(input)) recorded.push(input);
    },
    async recordTransitions(inputs) {
      for (const input of inputs) if (!isRecorded(input)) recorded.push(input);
    },
    // As the store: the versions before it go in once, and the first decision recorded for a version stands.
    async recordDecision(input, preceding = []) {
      const has = (entry: RecordTransitionInput) => recorded.find((r) => r.order.orderId === entry.order.orderId && r.order.version === entry.order.version);
      for (const entry of preceding) if (has(entry) === undefined) recorded.push(entry);
      const first = has(input);
      if (first === undefined) recorded.push(input);
      if (decisionCrashesLeft > 0) {
        decisionCrashesLeft -= 1;
        throw new Error('worker lost after the decision was recorded (transient)');
      }
      return first ?? input;
    },
    async reserveFunds(order) {
      reserveCalls += 1;
      await options.holdGate;
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('risk engine unavailable (transient)');
      }
      if (options.refuse !== undefined) throw ApplicationFailure.nonRetryable(`refused: ${options.refuse}`, options.refuse);
      if (refusalsLeft > 0) {
        refusalsLeft -= 1;
        throw ApplicationFailure.nonRetryable('refused: INSUFFICIENT_BALANCE', 'INSUFFICIENT_BALANCE');
      }
      const again = held.has(order.orderId);
      held.add(order.orderId);
      return { asset: 'USD', amount: order.quantity, ...(options.protectionPrice === undefined ? {} : { protectionPrice: options.protectionPrice }), ...(again ? { alreadyHeld: true } : {}) };
    },
    async releaseFunds({ orderId }) {
      if (releaseFailuresLeft > 0) {
        releaseFailuresLeft -= 1;
        throw new Error('risk engine unavailable (transient)');
      }
      released.push(orderId);
    },
    // As the risk engine: asked to release with the fill that completes the order, it releases after settling (and
    // fails as releaseFunds would, after the settlement stood).
    async settleFill(input, settleOptions) {
      settled.push(input.fillId);
      if (settleOptions?.release !== true) return { fee: '1', feeAsset: 'USD' };
      if (releaseFailuresLeft > 0) {
        releaseFailuresLeft -= 1;
        throw new Error('the venue could not be asked for the release (transient)');
      }
      released.push(input.orderId);
      return { fee: '1', feeAsset: 'USD', released: true };
    },
    async submitToVenue(order) {
      submitted.push(order);
      if (submitted.length === 1 && options.firstSubmitLost !== undefined) {
        await options.firstSubmitLost;
        throw new Error('the submit is still on its way to the venue; its caller gave up');
      }
      if (submitted.length === 1 && options.firstAnswerLost !== undefined) {
        venueTruth.set(order.orderId, venueState(order));
        await options.firstAnswerLost;
        throw new Error('the venue took the order; its answer was lost');
      }
      return venueState(order);
    },
    // As the venue: what a test put in venueTruth (the venue took it), else unknown.
    async orderAtVenue({ orderId }) {
      return venueTruth.get(orderId) ?? null;
    },
    async cancelAtVenue(input) {
      cancels.push(input);
    },
    async recordAnomaly(input) {
      anomalies.push({ kind: input.kind, details: input.details });
    },
    async reconcileWithVenue(input) {
      reconciliations.push(input);
      const truth = venueTruth.get(input.orderId);
      if (truth === undefined) return { found: false, venueVersion: 0, reports: [] };
      return { found: true, venueVersion: truth.version, reports: reportsFromVenueTruth(truth, input.afterVersion) };
    },
  });
  return { activities, recorded, released, settled, submitted, cancels, anomalies, venueTruth, reconciliations, reserveCalls: () => reserveCalls };
}

/** runSteps as a worker from before 'check-and-route' runs it: the check step's submit flag is unknown to it. */
export function withoutCheckAndRoute(activities: OrderActivities): OrderActivities {
  return { ...activities, runSteps: ({ steps }) => activities.runSteps({ steps: steps.map((step) => ('check' in step ? { check: { order: step.check.order, at: step.check.at } } : step)) }) };
}

/** runSteps as a worker from before 'settle-and-record' runs it: a settle step's recordFill is unknown to it. */
export function withoutSettleAndRecord(activities: OrderActivities): OrderActivities {
  return { ...activities, runSteps: ({ steps }) => activities.runSteps({ steps: steps.map((step) => ('settle' in step ? { settle: step.settle } : step)) }) };
}
