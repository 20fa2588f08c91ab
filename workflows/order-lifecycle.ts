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
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import * as v from 'valibot';
import type { ArrivalSettlement, OrderActivities, OrderStep, RecordTransitionInput, StepsOutcome } from '../activities/order-activities';
import { isErrorCode } from '../domain/errors';
import { OrderSnapshotSchema, type FillFacts } from '../domain/events';
import { CANCEL_REASONS, isTerminal, parseIsoTimestamp, toOrderView, type CancelReason, type Order, type OrderView } from '../domain/order';
import { applyOrderCommand, type OrderCommand } from '../domain/order-state-machine';
import { fromOrderSnapshot, toOrderSnapshot } from '../domain/order-snapshot';
import type { VenueReport } from '../domain/venue-events';
import {
  cancelSignal,
  getOrderQuery,
  OrderStatusKey,
  reconcileSignal,
  SETTLED_REASON,
  settledFill,
  settleFillInput,
  venueReportSignal,
  type LifecycleProgress,
  type OrderLifecycleInput,
  type OrderLifecycleWorkflow,
  type ReconcileTiming,
} from './order-contract';
import {
  acknowledgedBySubmit,
  DEFAULT_CONTINUE_AS_NEW_AFTER,
  DEFAULT_RECONCILE,
  endCommand,
  fillCommand,
  hasReportToApply,
  initialProgress,
  lowestQueued,
  pollDelayMs,
  queueReport,
  takeReport,
  takeSubmitAnswer,
  type FillReport,
} from './order-lifecycle-rules';

// Every activity is idempotent and retried without a limit, backing off to 10 s: a timeout or a
// transport error toward the venue or the risk engine is never turned into a rejection. Business
// refusals are non-retryable ApplicationFailures whose type is the error code.
const activities = proxyActivities<OrderActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/**
 * One order's whole life as a durable workflow (DESIGN.md, Order state machine): risk, route to the venue,
 * then the venue's fills, cancel, expiry and reconciliation until the order ends (settled when filled).
 * Every transition goes through the pure state machine, then is persisted, published and mirrored into
 * search attributes. A run that continued as new starts at the venue, where the last one stopped.
 *
 * Nine `patched()` markers keep orders started by older code replaying (workflows/histories/ holds one of each);
 * a new run asks for one, 'quiet-by-sweep', at its start, which stands for every behaviour before it too (each
 * marker comes with an upsert of the TemporalChangeVersion search attribute, a write to the visibility store):
 * - 'route-to-venue': orders accepted before venue routing existed rest until cancelled (restUntilCancelled);
 * - 'reconcile-with-venue': orders routed before reconciliation existed apply reports as they arrive and never
 *   ask the venue (VenueWatch.reconciles false);
 * - 'batched-steps': orders started before it run each transition, release and hold as an activity of its own
 *   (OrderRun.batch);
 * - 'decide-with-hold': batched orders started before it record the risk check's decision in the workflow, with the
 *   submit; since, the check step records it beside the hold (activities/order-activities.ts checkRisk);
 * - 'check-and-route': orders started before it send the accepted order to the venue in an activity task of its own
 *   (routeToVenue) and ask for the markers above; since, the check step sends it, once ACCEPTED is recorded
 *   (OrderRun.routesWithCheck);
 * - 'settle-and-record': orders started before it record a fill's transition in the workflow after its settlement,
 *   and the release and SETTLED in an activity task of their own; since, the settle step records them
 *   (OrderRun.recordsWithSettlement), and the workflow applies what it recorded;
 * - 'ack-with-submit': orders started before it wait for the venue's ACCEPTED report; since, the submit's answer
 *   stands for it (OrderRun.acksWithSubmit), and the venue-report intake no longer signals it: an order started before
 *   that is waiting for it then asks the venue once its next report shows the gap (or its quiet poll is due);
 * - 'fills-with-submit': orders started before it take only the acknowledgement from the submit's answer; since, every
 *   report the answer stands for (the fills taken on arrival, the end of a remainder or a refusal) is taken from it
 *   and applied at once, and the submit asks the venue to mark those reports so that the intake does not signal them
 *   (OrderRun.fillsWithSubmit); the check step settles and records those fills too (OrderRun.arrivals): an order filled
 *   on arrival needs one activity task, no signal and no wait for the venue.
 * - 'quiet-by-sweep': orders started before it poll the venue while they hear nothing (after ORDER_RECONCILE_QUIET_SECONDS,
 *   doubling up to its maximum: a timer and an activity per poll, for as long as the order rests); since, only a gap in
 *   the reports' numbers starts a timer, and a report lost with no later one to show the gap is found by the worker's
 *   order sweeper (workers/order-sweeper.ts), which sends the reconcile signal. A resting order costs nothing while it
 *   rests.
 * They stay while their recorded histories stand for orders that may still run.
 */
export async function orderLifecycle(input: OrderLifecycleInput): Promise<OrderView> {
  const run = begin(input);
  await live(run, input);
  await flush(run);
  return toOrderView(run.order);
}

/** Risk, the route to the venue and the wait for the venue, until the order ended (or continues as new). */
async function live(run: OrderRun, input: OrderLifecycleInput): Promise<void> {
  if (input.progress === undefined) {
    const accepted = await checkRisk(run);
    if (accepted === undefined) return;
    // With 'check-and-route' the check's activity task sent the accepted order to the venue already.
    // A submit of a retried check may still reach the venue until staleSubmitMs after the check was asked.
    const staleAfterMs = input.reconcile?.staleSubmitMs ?? DEFAULT_RECONCILE.staleSubmitMs;
    const submitStaleAt = accepted.mayReachVenueSince === undefined ? undefined : (parseIsoTimestamp(accepted.mayReachVenueSince) ?? Date.now()) + staleAfterMs;
    const routed = accepted.venue === undefined ? await routeToVenue(run, accepted.protectionPrice, submitStaleAt) : { venue: accepted.venue };
    if (routed === undefined) return;
    run.progress.submitted = true;
    if (routed.venue !== undefined) {
      if (run.fillsWithSubmit) takeSubmitAnswer(run.progress, routed.venue);
      else if (run.acksWithSubmit) acknowledgedBySubmit(run.progress, routed.venue);
    }
  }
  const watch = watchVenue(run, input);
  while (!isTerminal(run.order.status)) {
    if (!(await awaitNext(run, watch))) await onTimer(run, watch);
    else if (run.reconcileRequested) await reconcileOnRequest(run, watch);
    if (run.order.status === 'FILLED') {
      await settle(run);
      break;
    }
    const report = takeReport(run.progress, watch.reconciles);
    if (report !== undefined) {
      watch.quietPolls = 0;
      await applyReport(run, report);
    } else if (cancelDue(run, watch)) {
      await cancelAtVenue(run, watch);
    }
    await continueAsNewIfLong(run, input);
  }
}

/** The order and what the workflow has heard about it, shared by the steps below. */
interface OrderRun {
  order: Order;
  /** The cancel signal arrived (in this run or an earlier one), or the order already carried a cancel. */
  cancelRequested: boolean;
  /** Carried across continue-as-new. */
  progress: LifecycleProgress;
  /** Reports the signal queued so far: a new one wakes the wait, so a gap's grace period starts at once. */
  reportsArrived: number;
  /** Who asked for the cancel: the CANCELLED order's statusReason. */
  cancelReason: CancelReason;
  /** The reconcile signal arrived and the venue has not been asked since. Never set in histories that lack the signal. */
  reconcileRequested: boolean;
  /**
   * Transitions and releases not yet persisted (patch 'batched-steps'): they run as one activity (runSteps) before the
   * next wait, continue-as-new or end, or together with the call that follows them (the hold, the venue's submit or
   * cancel, a settlement).
   * Undefined in runs from before the patch, which run each step as an activity of its own.
   */
  batch: OrderStep[] | undefined;
  /** The status the batch's transitions lead to, mirrored into the OrderStatus search attribute when the batch runs (one upsert per batch). */
  statusToMirror: Order['status'] | undefined;
  /**
   * Patch 'check-and-route', asked once at the run's start: the risk check's step sends an accepted order to the venue,
   * and the run has every behaviour of the patches before it without asking for their markers.
   */
  routesWithCheck: boolean;
  /**
   * Patch 'settle-and-record', asked once at the run's start: a fill's settle step records the fill's transition too,
   * and when it completes the order, the release and SETTLED (activities FillRecordInput).
   */
  recordsWithSettlement: boolean;
  /** Patch 'ack-with-submit', asked once at the run's start: the submit's answer stands for the venue's ACCEPTED report. */
  acksWithSubmit: boolean;
  /**
   * Patch 'fills-with-submit', asked once at the run's start: the submit's answer stands for every report it holds, and
   * the submit asks the venue for them (`reportsInAnswer`), so the intake does not signal them.
   */
  fillsWithSubmit: boolean;
  /**
   * Patch 'quiet-by-sweep', asked once at the run's start: a resting order that hears nothing waits without a timer (no
   * quiet poll: the worker's order sweeper finds a lost report and sends the reconcile signal); only a gap in the
   * reports' numbers still starts one.
   */
  quietBySweep: boolean;
  /**
   * Patch 'fills-with-submit': the fills of the submit's answer the check step settled and recorded (by fillId), with the
   * check's time (the time they were recorded at when the answer does not say); applied from here without a settle step
   * of their own.
   */
  arrivals: { at: string; settled: Map<string, ArrivalSettlement> } | undefined;
}

/** How the order waits for the venue in this run. */
interface VenueWatch {
  /** Apply reports in their numbers' order and ask the venue after a gap or a silence. */
  readonly reconciles: boolean;
  readonly timing: ReconcileTiming;
  readonly expireAtMs: number | undefined;
  /** The GTD time is reached: the venue is to be asked to cancel. */
  expiryDue: boolean;
  /** Polls in a row that found nothing: each doubles the next wait. */
  quietPolls: number;
  venueMissingRecorded: boolean;
}

/** Validates the input (the snapshot is read from a Temporal payload) and installs the signal and query handlers. */
function begin(input: OrderLifecycleInput): OrderRun {
  const snapshot = v.safeParse(OrderSnapshotSchema, input.order);
  if (!snapshot.success) {
    const issue = snapshot.issues[0];
    throw ApplicationFailure.nonRetryable(`the workflow input is not an order snapshot: ${v.getDotPath(issue) ?? '(order)'}: ${issue.message}`, 'VALIDATION_FAILED');
  }
  const order = fromOrderSnapshot(snapshot.output);
  const progress = input.progress ?? initialProgress();
  // The first command of a new run; a run from before it replays with the markers it recorded (asked below and later).
  // One marker per run: the newest stands for every behaviour before it.
  const quietBySweep = patched('quiet-by-sweep');
  const fillsWithSubmit = quietBySweep || patched('fills-with-submit');
  const acksWithSubmit = fillsWithSubmit || patched('ack-with-submit');
  const recordsWithSettlement = acksWithSubmit || patched('settle-and-record');
  const current = recordsWithSettlement || patched('check-and-route');
  const run: OrderRun = {
    order,
    cancelRequested: order.cancelRequested || progress.cancelRequested === true,
    progress,
    reportsArrived: 0,
    cancelReason: progress.cancelReason ?? 'USER_CANCELLED',
    reconcileRequested: false,
    // Decided before the first command: a history recorded before the patch replays with the activities it ran.
    batch: current || patched('batched-steps') ? [] : undefined,
    statusToMirror: undefined,
    routesWithCheck: current,
    recordsWithSettlement,
    acksWithSubmit,
    fillsWithSubmit,
    quietBySweep,
    arrivals: undefined,
  };
  setHandler(cancelSignal, (request) => {
    // The first cancel decides who cancelled; a payload from before `cancelledBy` existed (or `{}`) is the trader's.
    if (!run.cancelRequested) run.cancelReason = cancelReasonOf(request?.cancelledBy);
    run.cancelRequested = true;
  });
  setHandler(reconcileSignal, (request) => {
    if (isTerminal(run.order.status)) return;
    run.reconcileRequested = true;
    log.info('reconcile requested', { orderId: run.order.orderId, requestedBy: request?.requestedBy ?? null });
  });
  setHandler(venueReportSignal, (report) => {
    if (queueReport(run.progress, report)) run.reportsArrived += 1;
  });
  setHandler(getOrderQuery, () => toOrderView(run.order));
  return run;
}

/** The venue's state of an order, as a submit answers it. */
type VenueState = NonNullable<StepsOutcome['venue']>;

/**
 * Risk: NEW, then the risk engine's check and hold. ACCEPTED with the hold's MARKET protection price (and the venue's
 * answer when the check's step routed it to the venue too), or undefined when the order ended: REJECTED with the
 * refusal, or CANCELLED when the cancel came before any check.
 */
async function checkRisk(run: OrderRun): Promise<{ protectionPrice: string | null; venue?: VenueState; mayReachVenueSince?: string } | undefined> {
  await publishState(run, null);
  if (run.cancelRequested) {
    await apply(run, { type: 'CANCEL_REQUESTED', atVenue: false, at: now(), reason: run.cancelReason }, 'cancelled before risk check');
    return undefined;
  }
  const reserved = await reserve(run);
  // With 'decide-with-hold' the check recorded its decision itself (at the time it was given): applied here, not recorded again.
  const recorded = reserved.at !== undefined;
  const at = reserved.at ?? now();
  if (!reserved.ok) {
    await apply(run, { type: 'RISK_REJECTED', reason: reserved.refusal, at }, reserved.refusal, undefined, recorded);
    return undefined;
  }
  await apply(run, { type: 'RISK_ACCEPTED', at }, undefined, undefined, recorded);
  return {
    protectionPrice: reserved.protectionPrice,
    ...(reserved.venue === undefined ? {} : { venue: reserved.venue }),
    // The check step's retry could not rule out that an earlier attempt sent the order: since the check was asked.
    ...(reserved.mayReachVenue === true ? { mayReachVenueSince: at } : {}),
  };
}

/**
 * Route: submits the accepted order to the venue, answering the venue's state of it (when the activity answered one);
 * undefined when it ended instead (cancelled before it got there).
 */
async function routeToVenue(
  run: OrderRun,
  protectionPrice: string | null,
  /**
   * Given when the check step could not rule out that an earlier attempt of it sent the order: the workflow time (ms)
   * from which the venue refuses that submit (ReconcileTiming.staleSubmitMs after the check was asked).
   */
  submitStaleAt?: number,
): Promise<{ venue: VenueState | undefined } | undefined> {
  if (!run.routesWithCheck && !patched('route-to-venue')) {
    await restUntilCancelled(run);
    return undefined;
  }
  if (run.cancelRequested) {
    if (submitStaleAt !== undefined) {
      // Found there once no submit of the check can still arrive, the order is treated as sent: its cancel goes there.
      const venue = await venueOnceSubmitsStale(run, submitStaleAt);
      if (venue !== undefined) return { venue };
    }
    await release(run);
    await apply(run, { type: 'CANCEL_REQUESTED', atVenue: false, at: now(), reason: run.cancelReason }, 'cancelled before reaching the venue');
    return undefined;
  }
  // A MARKET order carries the risk engine's protection price: the worst price it may trade at.
  const order = { ...toOrderView(run.order), ...(protectionPrice === null ? {} : { protectionPrice }), ...(run.fillsWithSubmit ? { reportsInAnswer: true } : {}) };
  // Batched: the ACCEPTED transition and the submit are one activity task.
  if (run.batch === undefined) return { venue: await activities.submitToVenue(order) };
  return { venue: (await activities.runSteps({ steps: takeBatch(run, { submit: order }) })).venue };
}

/**
 * A cancelled order whose check step's retry did not find it at the venue, although an earlier attempt got as far as
 * the hold and may have sent it (its answer lost): waits until the venue would refuse that submit (`submitStaleAt`),
 * then asks the venue once more. The venue's state when it has the order, else undefined:
 * then it never will, and the order can end here.
 */
async function venueOnceSubmitsStale(run: OrderRun, submitStaleAt: number): Promise<VenueState | undefined> {
  await flush(run);
  const waitMs = submitStaleAt - Date.now();
  setCurrentDetails(describe(run.order, 'cancel requested: making sure the venue does not have the order'));
  if (waitMs > 0) await sleep(waitMs);
  return (await activities.orderAtVenue({ orderId: run.order.orderId })) ?? undefined;
}

/** Orders accepted before venue routing existed (no 'route-to-venue' marker) rest here until cancelled. */
async function restUntilCancelled(run: OrderRun): Promise<void> {
  await condition(() => run.cancelRequested);
  await release(run);
  await apply(run, { type: 'CANCEL_REQUESTED', atVenue: false, at: now(), reason: run.cancelReason }, 'cancelled by the trader');
}

/** Decides, once per run, how this order waits for the venue. Workflows started before reconciliation existed replay without its timers and activities. */
function watchVenue(run: OrderRun, input: OrderLifecycleInput): VenueWatch {
  return {
    reconciles: run.routesWithCheck || patched('reconcile-with-venue'),
    timing: { ...DEFAULT_RECONCILE, ...input.reconcile },
    expireAtMs: run.order.expireAt === null ? undefined : parseIsoTimestamp(run.order.expireAt),
    expiryDue: false,
    quietPolls: 0,
    venueMissingRecorded: false,
  };
}

/**
 * Await fills, cancel, expiry: waits until there is something to do (a report to apply, a fill to settle, a cancel to
 * send) or a timer ends the wait (false). A GTD order's timer is durable (condition with a timeout): it survives worker
 * restarts. With reconciliation, a poll timer bounds the wait too, and a report after a gap wakes it at once.
 */
async function awaitNext(run: OrderRun, watch: VenueWatch): Promise<boolean> {
  const arrivedBefore = run.reportsArrived;
  const ready = () =>
    hasReportToApply(run.progress, watch.reconciles) ||
    run.order.status === 'FILLED' ||
    cancelDue(run, watch) ||
    (watch.reconciles && run.reportsArrived !== arrivedBefore) ||
    run.reconcileRequested;
  // What the last passes changed is persisted before a wait (not when there is more to do at once: a FILLED order's
  // transition goes with its release and SETTLED); a report that arrives meanwhile still wakes the wait.
  if (!ready()) await flush(run);
  let timeoutMs = untilExpiryMs(run, watch);
  const gap = lowestQueued(run.progress) !== undefined;
  if (watch.reconciles && !ready() && (gap || !run.quietBySweep)) {
    const pollMs = pollDelayMs(watch.timing, watch.quietPolls, gap);
    timeoutMs = Math.min(timeoutMs ?? pollMs, pollMs);
  }
  return timeoutMs === undefined ? condition(ready).then(() => true) : condition(ready, timeoutMs);
}

/** Time left until the GTD time, while the order still waits for it. */
function untilExpiryMs(run: OrderRun, watch: VenueWatch): number | undefined {
  if (watch.expireAtMs === undefined || run.progress.cancelSent || watch.expiryDue) return undefined;
  return Math.max(1, watch.expireAtMs - Date.now());
}

/** Expiry or reconciliation: a timer ended the wait. At the GTD time the cancel becomes due; otherwise the venue is asked. */
async function onTimer(run: OrderRun, watch: VenueWatch): Promise<void> {
  const { expireAtMs } = watch;
  const waitedForExpiry = expireAtMs !== undefined && !run.progress.cancelSent && !watch.expiryDue;
  if (waitedForExpiry && (!watch.reconciles || Date.now() >= expireAtMs)) {
    watch.expiryDue = true;
    return;
  }
  await reconcile(run, watch);
  watch.quietPolls += 1;
}

function cancelDue(run: OrderRun, watch: VenueWatch): boolean {
  return !run.progress.cancelSent && (run.cancelRequested || watch.expiryDue);
}

/** Cancel: asks the venue once, for the trader (PENDING_CANCEL) or for the GTD timer (the venue's cancel then means EXPIRED). */
async function cancelAtVenue(run: OrderRun, watch: VenueWatch): Promise<void> {
  run.progress.cancelSent = true;
  if (watch.expiryDue && !run.cancelRequested) {
    run.progress.expiring = true;
    setCurrentDetails(describe(run.order, 'GTD time reached: cancelling at the venue'));
  } else {
    await apply(run, { type: 'CANCEL_REQUESTED', atVenue: true, at: now() }, 'cancel sent to the venue');
  }
  const cancel = { orderId: run.order.orderId, reason: run.progress.expiring ? ('GTD_EXPIRED' as const) : ('USER' as const) };
  // Batched: PENDING_CANCEL's transition and the venue's cancel are one activity task.
  if (run.batch === undefined) await activities.cancelAtVenue(cancel);
  else await activities.runSteps({ steps: takeBatch(run, { cancel }) });
}

/**
 * Reconcile on request (the reconcile signal): asks the venue now, once the order has been sent there (an order on its
 * way takes the request when its wait begins, after the submit), and starts the quiet-poll backoff over.
 */
async function reconcileOnRequest(run: OrderRun, watch: VenueWatch): Promise<void> {
  run.reconcileRequested = false;
  if (!run.progress.submitted) return;
  setCurrentDetails(describe(run.order, 'reconcile requested: asking the venue'));
  await reconcile(run, watch);
  watch.quietPolls = 0;
}

/** Reconciliation: asks the venue for the order's truth and queues the reports this workflow has not applied. */
async function reconcile(run: OrderRun, watch: VenueWatch): Promise<void> {
  await flush(run);
  const answer = await activities.reconcileWithVenue({ orderId: run.order.orderId, afterVersion: run.progress.lastReportVersion });
  if (!answer.found) {
    // Submitted (the venue committed it before answering), yet unknown there: the venue lost its state.
    // Resubmitting could trade what the trader may no longer want; people decide. The order keeps polling (since
    // 'quiet-by-sweep', the sweeper keeps asking it to).
    if (!watch.venueMissingRecorded) {
      watch.venueMissingRecorded = true;
      await recordAnomaly(run, { order: toOrderView(run.order), kind: 'VENUE_ORDER_UNKNOWN', details: { lastReportVersion: run.progress.lastReportVersion } });
    }
    return;
  }
  for (const report of answer.reports) queueReport(run.progress, report);
}

/** One venue report, in turn: an ack changes nothing, a fill is settled and applied, an end releases the hold and ends the order. */
async function applyReport(run: OrderRun, report: VenueReport): Promise<void> {
  const body = report.report;
  switch (body.type) {
    case 'ACCEPTED':
      return;
    case 'FILL':
      return applyFill(run, report.occurredAt, body);
    case 'REJECTED':
    case 'CANCELLED':
    case 'EXPIRED': {
      await release(run);
      const end = endCommand(body, run.order, run.progress.expiring, now(), run.cancelReason);
      await apply(run, end.command, end.reason);
      return;
    }
  }
}

/** A fill: checked first (a duplicate or an overfill never reaches settlement), settled at the risk engine, then applied with its fee. */
async function applyFill(run: OrderRun, at: string, fill: FillReport): Promise<void> {
  const command = fillCommand(fill, at);
  const check = applyOrderCommand(run.order, command);
  if (!check.ok) {
    log.error('fill refused', { orderId: run.order.orderId, fillId: fill.fillId, code: check.code, message: check.message });
    await recordAnomaly(run, { order: toOrderView(run.order), kind: check.code, details: { ...fill, message: check.message } });
    return;
  }
  if (!check.changed) return;
  // A fill applied already (the same fillId) never gets here: the state machine answered it unchanged above.
  const arrival = run.arrivals?.settled.get(fill.fillId);
  if (run.arrivals !== undefined && arrival !== undefined) return applyArrival(run, fill, arrival, arrival.at ?? run.arrivals.at);
  const { order } = run;
  const input = settleFillInput(order, fill);
  // Batched: the settlement goes with the steps before it (the last fill's transition, when it came while that was pending).
  // With 'settle-and-record' the step records the fill at `filledAt` too, and SETTLED when the fill completes the order.
  const filledAt = now();
  const { settled, recorded } =
    run.batch === undefined
      ? { settled: await activities.settleFill(input), recorded: undefined }
      : await activities.runSteps({ steps: takeBatch(run, { settle: input, ...(run.recordsWithSettlement ? { recordFill: { order: toOrderSnapshot(order), at: filledAt } } : {}) }) });
  if (settled === undefined) throw ApplicationFailure.nonRetryable('the batch with the settle step answered no settlement', 'INVALID_STEPS');
  // Without the patch (or from a worker before it, which answers no `recorded`), the fill's time is this task's.
  const filled = settledFill(fill, settled, recorded === undefined ? now() : filledAt);
  await apply(run, filled.command, undefined, filled.facts, recorded !== undefined);
  if (recorded === undefined) return;
  if (recorded.status === 'SETTLED') await apply(run, { type: 'SETTLED', at: filledAt }, SETTLED_REASON, undefined, true);
  if (recorded.version !== run.order.version || recorded.status !== run.order.status) {
    // The step applied the same commands to the same order: a difference is a bug, which fails this workflow task (retried after a fix).
    throw new Error(`order ${order.orderId}: the settle step recorded ${recorded.status} version ${recorded.version}, the workflow has ${run.order.status} version ${run.order.version}`);
  }
}

/**
 * A fill of the submit's answer that the check step settled and recorded (patch 'fills-with-submit'): the same commands
 * at the time the step recorded them (the check's time in answers from workers before it answered that time), SETTLED
 * after the fill that completed the order (the step released the hold with it).
 */
async function applyArrival(run: OrderRun, fill: FillReport, arrival: ArrivalSettlement, at: string): Promise<void> {
  const filled = settledFill(fill, arrival, at);
  await apply(run, filled.command, undefined, filled.facts, true);
  if (run.order.status === 'FILLED') await apply(run, { type: 'SETTLED', at }, SETTLED_REASON, undefined, true);
  if (arrival.version !== run.order.version || arrival.status !== run.order.status) {
    // The step applied the same commands to the same order: a difference is a bug, which fails this workflow task (retried after a fix).
    throw new Error(`order ${run.order.orderId}: the check step recorded ${arrival.status} version ${arrival.version} for fill ${fill.fillId}, the workflow has ${run.order.status} version ${run.order.version}`);
  }
}

/** Settle: every fill was settled as it arrived; what the hold kept beyond the fills goes back, and the order is SETTLED. */
async function settle(run: OrderRun): Promise<void> {
  await release(run);
  await apply(run, { type: 'SETTLED', at: now() }, SETTLED_REASON);
}

/**
 * A long life continues as new well before Temporal's history limits, carrying the order and its progress. A pass
 * applies a report or the cancel, not both: a cancel that arrived with a report is not applied yet, so the progress
 * carries it and the next run sends it.
 */
async function continueAsNewIfLong(run: OrderRun, input: OrderLifecycleInput): Promise<void> {
  const limit = input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER;
  if (isTerminal(run.order.status) || !(workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > limit)) return;
  await flush(run);
  await continueAsNew<OrderLifecycleWorkflow>({
    order: toOrderSnapshot(run.order),
    progress: { ...run.progress, cancelRequested: run.cancelRequested, ...(run.cancelRequested ? { cancelReason: run.cancelReason } : {}) },
    continueAsNewAfterEvents: limit,
    ...(input.reconcile === undefined ? {} : { reconcile: input.reconcile }),
  });
}

/**
 * Applies a command the workflow's own state allows, then persists and publishes the transition (nothing when
 * unchanged), unless an activity `recorded` it already (the risk check's decision).
 */
async function apply(run: OrderRun, command: OrderCommand, reason?: string, fill?: FillFacts, recorded = false): Promise<void> {
  const result = applyOrderCommand(run.order, command);
  if (!result.ok) {
    // The workflow only issues commands its own state allows; a refusal here is a bug, not input.
    throw ApplicationFailure.nonRetryable(`${command.type} refused in ${run.order.status}: ${result.message}`, result.code);
  }
  if (!result.changed) return;
  run.order = result.order;
  await publishState(run, result.from, reason, fill, recorded);
}

/** Releases the order's hold: now, or (batched) with the steps around it. */
async function release(run: OrderRun): Promise<void> {
  const input = { accountId: run.order.accountId, orderId: run.order.orderId };
  if (run.batch === undefined) await activities.releaseFunds(input);
  else run.batch.push({ release: input });
}

async function recordAnomaly(run: OrderRun, input: { order: OrderView; kind: string; details: Record<string, unknown> }): Promise<void> {
  await flush(run);
  await activities.recordAnomaly(input);
}

/** The batched steps, followed by `last` when given, leaving the batch empty. */
function takeBatch(run: OrderRun, last?: OrderStep): OrderStep[] {
  const steps = [...(run.batch ?? []), ...(last === undefined ? [] : [last])];
  if (run.batch !== undefined) run.batch = [];
  if (run.statusToMirror !== undefined) {
    upsertSearchAttributes([{ key: OrderStatusKey, value: run.statusToMirror }]);
    run.statusToMirror = undefined;
  }
  return steps;
}

/**
 * Persists what the batch holds, as one activity, before anything that must follow it: another activity, a wait for
 * the venue, continue-as-new, the workflow's end. Nothing in runs from before 'batched-steps' (their batch is undefined).
 */
async function flush(run: OrderRun): Promise<void> {
  if (run.batch === undefined) return;
  // A status an activity recorded itself (REJECTED by the risk check) has nothing to persist, only to mirror.
  if (run.batch.length === 0) takeBatch(run);
  else await activities.runSteps({ steps: takeBatch(run) });
}

/**
 * Places the order's hold: its MARKET protection price, or the error code of a business refusal. With
 * 'decide-with-hold' the same activity task records the decision too (ACCEPTED, or REJECTED with the refusal) at `at`,
 * the time this answer carries; before it, the workflow records it.
 */
async function reserve(
  run: OrderRun,
): Promise<({ ok: true; protectionPrice: string | null; venue?: VenueState; mayReachVenue?: true } | { ok: false; refusal: string }) & { at?: string }> {
  // A run with 'check-and-route' never asks for 'decide-with-hold', whose histories replay below. With it the step
  // also sends an accepted order to the venue, unless a worker from before it ran the step (or the check took too
  // long): then no venue state comes back and routeToVenue submits.
  const route = run.routesWithCheck;
  if (route || (run.batch !== undefined && patched('decide-with-hold'))) {
    // One activity task: NEW's transition (persisted while the risk engine decides), the hold and the decision.
    const at = now();
    const check = { order: toOrderSnapshot(run.order), at, ...(route ? { submit: true } : {}), ...(run.fillsWithSubmit ? { reportsInAnswer: true, settleArrivals: true } : {}) };
    const { decision, venue, mayReachVenue, arrivals } = await activities.runSteps({ steps: takeBatch(run, { check }) });
    if (decision === undefined) throw ApplicationFailure.nonRetryable('the batch with the check step answered no decision', 'INVALID_STEPS');
    if (!decision.accepted) return { ok: false, refusal: decision.refusal, at };
    if (arrivals !== undefined && arrivals.length > 0) run.arrivals = { at, settled: new Map(arrivals.map((arrival) => [arrival.fillId, arrival])) };
    return { ok: true, protectionPrice: decision.hold?.protectionPrice ?? null, ...(venue === undefined ? {} : { venue }), ...(mayReachVenue === true ? { mayReachVenue } : {}), at };
  }
  try {
    // Batched: NEW's transition and the hold are one activity task.
    const hold =
      run.batch === undefined
        ? await activities.reserveFunds(toOrderView(run.order))
        : (await activities.runSteps({ steps: takeBatch(run, { reserve: toOrderView(run.order) }) })).hold;
    if (hold === undefined) throw ApplicationFailure.nonRetryable('the batch with the reserve step answered no hold', 'INVALID_STEPS');
    // Holds placed before the risk engine priced MARKET orders itself answer without it.
    return { ok: true, protectionPrice: hold.protectionPrice ?? null };
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && isErrorCode(error.cause.type)) {
      return { ok: false, refusal: error.cause.type };
    }
    throw error;
  }
}

async function publishState(run: OrderRun, previousStatus: Order['status'] | null, reason?: string, fill?: FillFacts, recorded = false): Promise<void> {
  const { order } = run;
  // A search attribute upsert is a billed action on Temporal Cloud: batched, the status a batch leads to is mirrored
  // once when it runs (FILLED then SETTLED: SETTLED), and NEW not at all (the start set it). Runs from before
  // 'batched-steps' upsert every status.
  if (run.batch === undefined) upsertSearchAttributes([{ key: OrderStatusKey, value: order.status }]);
  else if (previousStatus !== null) run.statusToMirror = order.status;
  setCurrentDetails(describe(order, reason));
  if (recorded) return;
  const transition: RecordTransitionInput = {
    order: toOrderView(order),
    previousStatus,
    ...(reason === undefined ? {} : { reason }),
    ...(fill === undefined ? {} : { fill }),
  };
  if (run.batch === undefined) await activities.recordTransition(transition);
  else run.batch.push({ record: transition });
}

function cancelReasonOf(cancelledBy: unknown): CancelReason {
  return CANCEL_REASONS.find((reason) => reason === cancelledBy) ?? 'USER_CANCELLED';
}

/** Workflow time (deterministic), as the ISO timestamp transitions carry. */
function now(): string {
  return new Date().toISOString();
}

/** A line for ops in the Temporal UI (User Metadata): the order's state in plain words. */
function describe(order: Order, reason?: string): string {
  const view = toOrderView(order);
  const price = view.price === null ? 'MARKET' : `@ ${view.price}`;
  const why = reason === undefined ? '' : ` (${reason})`;
  const average = view.averagePrice === null ? '' : ` at avg ${view.averagePrice}`;
  return `**${view.status}**${why}: ${view.side} ${view.quantity} ${view.symbol} ${price}, filled ${view.filledQuantity}${average}, version ${view.version}`;
}
