import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/order-activities';
import { parseDecimal } from '../domain/decimal';
import { isErrorCode } from '../domain/errors';
import { isTerminal, parseIsoTimestamp, toOrderView, type Order, type OrderView } from '../domain/order';
import { applyOrderCommand, type OrderCommand } from '../domain/order-state-machine';
import { fromOrderSnapshot, toOrderSnapshot } from '../domain/order-snapshot';
import type { FillFacts } from '../domain/events';
import type { VenueReport } from '../domain/venue-events';
import { cancelSignal, getOrderQuery, OrderStatusKey, venueReportSignal, type LifecycleProgress, type OrderLifecycleInput, type ReconcileTiming } from './order-contract';

const DEFAULT_RECONCILE: ReconcileTiming = { quietMs: 30_000, maxQuietMs: 600_000, gapGraceMs: 5_000 };

const DEFAULT_CONTINUE_AS_NEW_AFTER = 4_000;

// Every activity is idempotent and retried without a limit, backing off to 10 s: a timeout or a
// transport error toward the venue or the risk engine is never turned into a rejection. Business
// refusals are non-retryable ApplicationFailures whose type is the error code.
const activities = proxyActivities<OrderActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/**
 * One order's whole life as a durable workflow (DESIGN.md, Order state machine). Every transition
 * goes through the pure state machine, then is persisted, published and mirrored into search attributes.
 */
export async function orderLifecycle(input: OrderLifecycleInput): Promise<OrderView> {
  let order: Order = fromOrderSnapshot(input.order);
  let cancelRequested = order.cancelRequested;
  const progress: LifecycleProgress = input.progress ?? { submitted: false, cancelSent: false, expiring: false, lastReportVersion: 0, pendingReports: [] };
  let reportsArrived = 0;
  let protectionPrice: string | null = null;

  setHandler(cancelSignal, () => {
    cancelRequested = true;
  });
  setHandler(venueReportSignal, (report) => {
    // Kafka may redeliver; the venue numbers each order's reports 1, 2, 3...
    const known = report.version <= progress.lastReportVersion || progress.pendingReports.some((r) => r.version === report.version);
    if (!known) {
      progress.pendingReports.push(report);
      reportsArrived += 1;
    }
  });
  setHandler(getOrderQuery, () => toOrderView(order));

  const now = () => new Date().toISOString();
  const apply = async (command: OrderCommand, reason?: string, fill?: FillFacts): Promise<void> => {
    const result = applyOrderCommand(order, command);
    if (!result.ok) {
      // The workflow only issues commands its own state allows; a refusal here is a bug, not input.
      throw ApplicationFailure.nonRetryable(`${command.type} refused in ${order.status}: ${result.message}`, result.code);
    }
    if (!result.changed) return;
    order = result.order;
    await publishState(order, result.from, reason, fill);
  };

  if (input.progress === undefined) {
    await publishState(order, null);
    if (cancelRequested) {
      await apply({ type: 'CANCEL_REQUESTED', atVenue: false, at: now() }, 'cancelled before risk check');
      return toOrderView(order);
    }
    const reserved = await reserve(order);
    if (!reserved.ok) {
      await apply({ type: 'RISK_REJECTED', reason: reserved.refusal, at: now() }, reserved.refusal);
      return toOrderView(order);
    }
    protectionPrice = reserved.protectionPrice;
    await apply({ type: 'RISK_ACCEPTED', at: now() });

    if (!patched('route-to-venue')) {
      // Orders accepted before venue routing existed rest here until cancelled.
      await condition(() => cancelRequested);
      await activities.releaseFunds({ accountId: order.accountId, orderId: order.orderId });
      await apply({ type: 'CANCEL_REQUESTED', atVenue: false, at: now() }, 'cancelled by the trader');
      return toOrderView(order);
    }
    if (cancelRequested) {
      await activities.releaseFunds({ accountId: order.accountId, orderId: order.orderId });
      await apply({ type: 'CANCEL_REQUESTED', atVenue: false, at: now() }, 'cancelled before reaching the venue');
      return toOrderView(order);
    }
  }

  if (!progress.submitted) {
    // A MARKET order carries the risk engine's protection price: the worst price it may trade at.
    await activities.submitToVenue({ ...toOrderView(order), ...(protectionPrice === null ? {} : { protectionPrice }) });
    progress.submitted = true;
  }

  // Workflows started before reconciliation existed replay without its timers and activities.
  const reconciles = patched('reconcile-with-venue');
  const timing = { ...DEFAULT_RECONCILE, ...input.reconcile };
  const expireAtMs = order.expireAt === null ? undefined : parseIsoTimestamp(order.expireAt);
  let expiryDue = false;
  let quietPolls = 0;
  let venueMissingRecorded = false;
  const release = () => activities.releaseFunds({ accountId: order.accountId, orderId: order.orderId });
  const limit = input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER;

  // The venue numbers an order's reports 1, 2, 3...; with reconciliation on, they are applied in that order
  // and a missing number is a gap: a report was lost on the way (or is late), so the workflow asks the venue.
  const nextInOrder = (): VenueReport | undefined => {
    progress.pendingReports.sort((a, b) => a.version - b.version);
    while (progress.pendingReports[0] !== undefined && progress.pendingReports[0].version <= progress.lastReportVersion) progress.pendingReports.shift();
    return progress.pendingReports[0];
  };
  const hasReportToApply = (): boolean => {
    if (!reconciles) return progress.pendingReports.length > 0;
    const head = nextInOrder();
    return head !== undefined && head.version === progress.lastReportVersion + 1;
  };

  while (!isTerminal(order.status)) {
    // A report that arrives after a gap wakes the wait too, so its shorter grace period starts at once.
    const arrivedBefore = reportsArrived;
    const ready = () =>
      hasReportToApply() || order.status === 'FILLED' || (!progress.cancelSent && (cancelRequested || expiryDue)) || (reconciles && reportsArrived !== arrivedBefore);
    // A GTD order waits with a durable timer (condition with a timeout): it survives worker restarts.
    const waitsForExpiry = expireAtMs !== undefined && !progress.cancelSent && !expiryDue;
    let timeoutMs = waitsForExpiry ? Math.max(1, expireAtMs - Date.now()) : undefined;
    if (reconciles && !ready()) {
      // A gap waits briefly for the late report; silence waits longer and longer (reports are durable, polls are a safety net).
      const pollMs = Math.min((nextInOrder() !== undefined ? timing.gapGraceMs : timing.quietMs) * 2 ** quietPolls, timing.maxQuietMs);
      timeoutMs = Math.min(timeoutMs ?? pollMs, pollMs);
    }
    const woken = timeoutMs === undefined ? await condition(ready).then(() => true) : await condition(ready, timeoutMs);
    if (!woken) {
      if (waitsForExpiry && (!reconciles || Date.now() >= expireAtMs)) {
        expiryDue = true;
      } else {
        await reconcile();
        quietPolls += 1;
      }
    }

    if (order.status === 'FILLED') {
      // Every fill is settled as it arrives; what the hold kept beyond the fills goes back.
      await release();
      await apply({ type: 'SETTLED', at: now() }, 'all fills settled');
      break;
    }

    const report = reconciles ? (hasReportToApply() ? progress.pendingReports.shift() : undefined) : progress.pendingReports.shift();
    if (report !== undefined) {
      quietPolls = 0;
      progress.lastReportVersion = Math.max(progress.lastReportVersion, report.version);
      await handleReport(report);
    } else if (!progress.cancelSent && (cancelRequested || expiryDue)) {
      progress.cancelSent = true;
      if (expiryDue && !cancelRequested) {
        progress.expiring = true;
        setCurrentDetails(describe(order, 'GTD time reached: cancelling at the venue'));
      } else {
        await apply({ type: 'CANCEL_REQUESTED', atVenue: true, at: now() }, 'cancel sent to the venue');
      }
      await activities.cancelAtVenue({ orderId: order.orderId, reason: progress.expiring ? 'GTD_EXPIRED' : 'USER' });
    }

    if (!isTerminal(order.status) && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > limit)) {
      await continueAsNew<typeof orderLifecycle>({ order: toOrderSnapshot(order), progress, continueAsNewAfterEvents: limit, ...(input.reconcile === undefined ? {} : { reconcile: input.reconcile }) });
    }
  }
  return toOrderView(order);

  /** Asks the venue for the order's truth and queues the reports this workflow has not applied. */
  async function reconcile(): Promise<void> {
    const answer = await activities.reconcileWithVenue({ orderId: order.orderId, afterVersion: progress.lastReportVersion });
    if (!answer.found) {
      // Submitted (the venue committed it before answering), yet unknown there: the venue lost its state.
      // Resubmitting could trade what the trader may no longer want; people decide. The order keeps polling.
      if (!venueMissingRecorded) {
        venueMissingRecorded = true;
        await activities.recordAnomaly({ order: toOrderView(order), kind: 'VENUE_ORDER_UNKNOWN', details: { lastReportVersion: progress.lastReportVersion } });
      }
      return;
    }
    for (const report of answer.reports) {
      const known = report.version <= progress.lastReportVersion || progress.pendingReports.some((r) => r.version === report.version);
      if (!known) progress.pendingReports.push(report);
    }
  }

  async function handleReport(report: VenueReport): Promise<void> {
    const body = report.report;
    switch (body.type) {
      case 'ACCEPTED':
        return;
      case 'FILL':
        return applyFill(report.occurredAt, body);
      case 'REJECTED':
      case 'CANCELLED': {
        const reason = body.reason;
        await release();
        // IOC/FOK/MARKET remainders and a GTD expiry end EXPIRED; a trader's cancel or STP ends CANCELLED;
        // an order the venue refused on arrival (post-only that would take) ends REJECTED.
        const expired = progress.expiring || EXPIRY_REASONS.has(reason);
        const command: OrderCommand = expired
          ? { type: 'EXPIRED', reason, at: now() }
          : body.type === 'REJECTED' && order.filledQuantity === 0n
            ? { type: 'VENUE_REJECTED', reason, at: now() }
            : { type: 'VENUE_CANCELLED', reason, at: now() };
        await apply(command, reason);
        return;
      }
      case 'EXPIRED':
        await release();
        await apply({ type: 'EXPIRED', reason: 'expired at the venue', at: now() }, 'expired at the venue');
        return;
    }
  }

  async function applyFill(at: string, fill: Extract<VenueReport['report'], { type: 'FILL' }>): Promise<void> {
    const command: OrderCommand = {
      type: 'FILL',
      fillId: fill.fillId,
      quantity: parseDecimal(fill.quantity),
      price: parseDecimal(fill.price),
      fee: 0n,
      liquidity: fill.liquidity,
      at,
    };
    // Dry run first: a duplicate or an overfill must never reach settlement.
    const check = applyOrderCommand(order, command);
    if (!check.ok) {
      log.error('fill refused', { orderId: order.orderId, fillId: fill.fillId, code: check.code, message: check.message });
      await activities.recordAnomaly({ order: toOrderView(order), kind: check.code, details: { ...fill, message: check.message } });
      return;
    }
    if (!check.changed) return;
    const settled = await activities.settleFill({
      orderId: order.orderId,
      accountId: order.accountId,
      symbol: order.symbol,
      side: order.side,
      fillId: fill.fillId,
      tradeId: fill.tradeId,
      quantity: fill.quantity,
      price: fill.price,
      liquidity: fill.liquidity,
      ...(fill.contra === undefined ? {} : { contra: fill.contra }),
    });
    await apply({ ...command, fee: parseDecimal(settled.fee), at: now() }, undefined, {
      fillId: fill.fillId,
      tradeId: fill.tradeId,
      price: fill.price,
      quantity: fill.quantity,
      liquidity: fill.liquidity,
      fee: settled.fee,
      feeAsset: settled.feeAsset,
    });
  }
}

const EXPIRY_REASONS = new Set(['IOC_REMAINDER', 'MARKET_REMAINDER', 'FOK_CANNOT_FILL', 'NO_LIQUIDITY', 'GTD_EXPIRED']);

/** Places the order's hold: its MARKET protection price, or the error code of a business refusal. */
async function reserve(order: Order): Promise<{ ok: true; protectionPrice: string | null } | { ok: false; refusal: string }> {
  try {
    const hold = await activities.reserveFunds(toOrderView(order));
    // Holds placed before the risk engine priced MARKET orders itself answer without it.
    return { ok: true, protectionPrice: hold.protectionPrice ?? null };
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && isErrorCode(error.cause.type)) {
      return { ok: false, refusal: error.cause.type };
    }
    throw error;
  }
}

async function publishState(order: Order, previousStatus: Order['status'] | null, reason?: string, fill?: FillFacts): Promise<void> {
  upsertSearchAttributes([{ key: OrderStatusKey, value: order.status }]);
  setCurrentDetails(describe(order, reason));
  await activities.recordTransition({
    order: toOrderView(order),
    previousStatus,
    ...(reason === undefined ? {} : { reason }),
    ...(fill === undefined ? {} : { fill }),
  });
}

/** A line for ops in the Temporal UI (User Metadata): the order's state in plain words. */
function describe(order: Order, reason?: string): string {
  const view = toOrderView(order);
  const price = view.price === null ? 'MARKET' : `@ ${view.price}`;
  const why = reason === undefined ? '' : ` (${reason})`;
  const average = view.averagePrice === null ? '' : ` at avg ${view.averagePrice}`;
  return `**${view.status}**${why}: ${view.side} ${view.quantity} ${view.symbol} ${price}, filled ${view.filledQuantity}${average}, version ${view.version}`;
}
