import { parseDecimal } from '../domain/decimal';
import type { CancelReason, Order } from '../domain/order';
import type { FillCommand, OrderCommand } from '../domain/order-state-machine';
import type { VenueReport, VenueReportBody } from '../domain/venue-events';
import { reportsFromVenueTruth, type VenueOrderTruth } from '../domain/venue-reconciliation';
import type { LifecycleProgress, ReconcileTiming } from './order-contract';

/**
 * The decisions of the order workflow that need no Temporal API: which venue report comes next, how long to wait
 * before asking the venue, which command a venue report means. Pure, so unit tests cover them exhaustively;
 * workflows/order-lifecycle.ts runs them inside the workflow.
 */

export const DEFAULT_RECONCILE: Required<ReconcileTiming> = { quietMs: 30_000, maxQuietMs: 600_000, gapGraceMs: 5_000, staleSubmitMs: 45_000 };

/** Continue as new after this many history events: well under Temporal's limits. */
export const DEFAULT_CONTINUE_AS_NEW_AFTER = 4_000;

export function initialProgress(): LifecycleProgress {
  return { submitted: false, cancelSent: false, expiring: false, lastReportVersion: 0, pendingReports: [] };
}

/**
 * Queues a venue report unless it was applied or is queued already (Kafka redelivers; a reconciliation rebuilds
 * reports the stream may still bring). The venue numbers each order's reports 1, 2, 3... True when queued.
 */
export function queueReport(progress: LifecycleProgress, report: VenueReport): boolean {
  const known = report.version <= progress.lastReportVersion || progress.pendingReports.some((r) => r.version === report.version);
  if (!known) progress.pendingReports.push(report);
  return !known;
}

/**
 * The venue's answer to the submit (its state of the order) as its reports would say it: when its report 1 is the
 * acknowledgement (the venue numbers ACCEPTED first, or REJECTED when it refuses the order on arrival; read as
 * reconciliation reads the venue's state), that report is counted as applied, since an acknowledgement changes
 * nothing. So the venue-report intake need not signal ACCEPTED: per order a signal (a Temporal action) fewer, and
 * often a workflow task. Patch 'ack-with-submit'.
 */
export function acknowledgedBySubmit(progress: LifecycleProgress, venue: VenueOrderTruth): void {
  if (progress.lastReportVersion >= 1) return;
  const [first] = reportsFromVenueTruth(venue, 0);
  if (first?.version === 1 && first.report.type === 'ACCEPTED') progress.lastReportVersion = 1;
}

/**
 * Patch 'fills-with-submit': the submit's answer (the venue's state of the order) read as the reports it stands for,
 * every one numbered after those applied: the acknowledgement counted as applied (acknowledgedBySubmit), then the
 * fills the order took on arrival and its end (a remainder cancelled, a refusal) queued, so they apply at once. The
 * venue publishes those reports marked `inSubmitAnswer` when the submit asked for them, and the venue-report intake
 * does not signal them: an order filled on arrival needs no signal and no wait. A report that still arrives (from a
 * venue before the flag, or rebuilt by a reconciliation) is dropped by its number.
 */
export function takeSubmitAnswer(progress: LifecycleProgress, venue: VenueOrderTruth): void {
  acknowledgedBySubmit(progress, venue);
  for (const report of reportsFromVenueTruth(venue, progress.lastReportVersion)) queueReport(progress, report);
}

/** The lowest-numbered queued report (queue sorted, applied numbers dropped), or undefined when none waits. */
export function lowestQueued(progress: LifecycleProgress): VenueReport | undefined {
  progress.pendingReports.sort((a, b) => a.version - b.version);
  while (progress.pendingReports[0] !== undefined && progress.pendingReports[0].version <= progress.lastReportVersion) progress.pendingReports.shift();
  return progress.pendingReports[0];
}

/**
 * Whether a report can be applied now. In order (with reconciliation) only the next number can: a missing number
 * is a gap (a report lost on the way, or late). Workflows started before reconciliation existed take reports as
 * they arrive.
 */
export function hasReportToApply(progress: LifecycleProgress, inOrder: boolean): boolean {
  if (!inOrder) return progress.pendingReports.length > 0;
  const head = lowestQueued(progress);
  return head !== undefined && head.version === progress.lastReportVersion + 1;
}

/** Takes the report to apply now off the queue and counts it as applied; undefined when none can be. */
export function takeReport(progress: LifecycleProgress, inOrder: boolean): VenueReport | undefined {
  const report = !inOrder || hasReportToApply(progress, true) ? progress.pendingReports.shift() : undefined;
  if (report !== undefined) progress.lastReportVersion = Math.max(progress.lastReportVersion, report.version);
  return report;
}

/**
 * How long to wait before asking the venue: a gap waits briefly for the late report, silence waits longer; both
 * double with every poll that found nothing (reports are durable, polls are a safety net), up to the cap.
 */
export function pollDelayMs(timing: ReconcileTiming, quietPolls: number, gap: boolean): number {
  return Math.min((gap ? timing.gapGraceMs : timing.quietMs) * 2 ** quietPolls, timing.maxQuietMs);
}

/** The venue's cancel reasons that mean the order ran out of time or liquidity, not that anyone cancelled it. */
export const EXPIRY_REASONS: ReadonlySet<string> = new Set(['IOC_REMAINDER', 'MARKET_REMAINDER', 'FOK_CANNOT_FILL', 'NO_LIQUIDITY', 'GTD_EXPIRED']);

/** The venue's own words for why it ended an order, as the order says it (domain/order.ts ORDER_STATUS_REASONS). */
const STATUS_REASON_OF_VENUE_REASON: Readonly<Record<string, string>> = { FOK_CANNOT_FILL: 'FOK_NOT_FILLED' };

type EndReport = Extract<VenueReportBody, { type: 'REJECTED' | 'CANCELLED' | 'EXPIRED' }>;

/**
 * What the venue's end of an order means for it, and why (the order's statusReason). IOC/FOK/MARKET remainders and a
 * GTD expiry (`expiring`: our timer asked for the cancel) end EXPIRED; a cancel the workflow asked for ends CANCELLED
 * with who asked (`cancelledAs`), self-trade prevention CANCELLED with its name; an order the venue refused on arrival
 * (post-only that would take) ends REJECTED: a refusal is never the trader's cancel.
 */
export function endCommand(
  body: EndReport,
  order: Pick<Order, 'filledQuantity'>,
  expiring: boolean,
  at: string,
  cancelledAs: CancelReason = 'USER_CANCELLED',
): { command: OrderCommand; reason: string } {
  if (body.type === 'EXPIRED' || expiring) {
    return { command: { type: 'EXPIRED', reason: 'GTD_EXPIRED', at }, reason: 'GTD_EXPIRED' };
  }
  const reason = body.reason === 'USER' ? cancelledAs : (STATUS_REASON_OF_VENUE_REASON[body.reason] ?? body.reason);
  if (EXPIRY_REASONS.has(body.reason)) return { command: { type: 'EXPIRED', reason, at }, reason };
  if (body.type === 'REJECTED' && order.filledQuantity === 0n) return { command: { type: 'VENUE_REJECTED', reason, at }, reason };
  return { command: { type: 'VENUE_CANCELLED', reason, at }, reason };
}

export type FillReport = Extract<VenueReportBody, { type: 'FILL' }>;

/** The FILL command for a venue fill, before settlement tells its fee. */
export function fillCommand(fill: FillReport, at: string): FillCommand {
  return {
    type: 'FILL',
    fillId: fill.fillId,
    quantity: parseDecimal(fill.quantity),
    price: parseDecimal(fill.price),
    fee: 0n,
    liquidity: fill.liquidity,
    at,
  };
}
