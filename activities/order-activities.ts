import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { parseDecimal } from '../domain/decimal';
import { isErrorCode } from '../domain/errors';
import { applyOrderCommand, type OrderCommand } from '../domain/order-state-machine';
import { fromOrderSnapshot, toOrderSnapshot, type OrderSnapshot } from '../domain/order-snapshot';
import { orderEventId, type ExecutionReport, type FillFacts } from '../domain/events';
import { isVenueHouseAccount, type VenueReport } from '../domain/venue-events';
import { reportsFromVenueTruth } from '../domain/venue-reconciliation';
import { SETTLED_REASON, settledFill, settleFillInput } from '../workflows/order-contract';
import { toOrderView, type Order, type OrderStatus, type OrderView } from '../domain/order';
import type { EventPublisher } from '../infra/kafka/event-publisher';
import type { Logger } from '../infra/logger';
import type { FillStore } from '../infra/mongo/fill-store';
import { keepAnomaly, type OrderAnomalyStore } from '../infra/mongo/order-anomaly-store';
import type { OrderStore, TransitionEvent } from '../infra/mongo/order-store';
import { serviceError, UpstreamServiceError, type JsonResponse } from '../infra/http/http-json';
import { recordOrderAnomaly, recordOrderTransition, settlementDuration } from '../infra/metrics/order-metrics';
import { withSpan } from '../infra/telemetry/tracing';
import type { RiskClient, SettledFill } from '../infra/http/risk-client';
import type { SubmitToVenue, VenueClient, VenueOrderState } from '../infra/http/venue-client';

export interface OrderActivitiesDeps {
  orders: OrderStore;
  fills: FillStore;
  anomalies: OrderAnomalyStore;
  publisher: EventPublisher;
  /** The `executions` topic's name (config.kafka.topics). */
  executionsTopic: string;
  risk: RiskClient;
  venue: VenueClient;
  logger: Logger;
}

export interface RecordTransitionInput {
  order: OrderView;
  previousStatus: OrderStatus | null;
  reason?: string;
  /** The fill this transition applied, recorded in `fills` (unique fillId). */
  fill?: FillFacts;
}

/**
 * The side effects of the order workflow. Every activity is idempotent, because Temporal retries
 * it after a crash or timeout: the store upserts by version, fills are unique by fillId, the risk
 * engine keys holds by orderId and settlements by fillId, the venue keys orders by orderId, and
 * events carry an id derived from (orderId, version) so readers drop a republished one.
 * Transport errors and 5xx answers throw plain errors (retried); a business refusal is a
 * non-retryable ApplicationFailure whose type is the error code.
 */
export function createOrderActivities(deps: OrderActivitiesDeps) {
  return withOrderSteps({
    /** Persists one transition (versioned upsert + audit entry, and the fill) and publishes it to `executions`. */
    async recordTransition(input: RecordTransitionInput): Promise<void> {
      await recordTransitions(deps, [input]);
    },

    /** Consecutive transitions of one order as recordTransition records each, in one write per store and one publish. */
    async recordTransitions(inputs: RecordTransitionInput[]): Promise<void> {
      await recordTransitions(deps, inputs);
    },

    /**
     * Persists the risk check's decision (ACCEPTED, or REJECTED with the refusal) unless an earlier attempt recorded
     * one for the same version first: answers what is recorded, and publishes that. `preceding` (the check step's NEW)
     * goes into the trail in the same write and its event first in the same publish; the order's document goes straight
     * to the decision.
     */
    async recordDecision(input: RecordTransitionInput, preceding: RecordTransitionInput[] = []): Promise<RecordTransitionInput> {
      if (preceding.some((entry) => entry.fill !== undefined)) throw new Error('recordDecision records no fill before the decision');
      const { recorded, applied } = await deps.orders.recordDecision(
        input.order,
        transitionEvent(input),
        preceding.map((entry) => ({ order: entry.order, event: transitionEvent(entry) })),
      );
      const reason = recorded.details?.reason;
      const decided: RecordTransitionInput = { order: recorded.order, previousStatus: recorded.previousStatus, ...(typeof reason === 'string' ? { reason } : {}) };
      const entries = [...preceding, decided];
      if (applied) for (const entry of entries) recordOrderTransition(entry.order, false);
      await deps.publisher.publish(
        deps.executionsTopic,
        entries.map((entry) => ({ key: entry.order.orderId, value: JSON.stringify(executionReport(entry)) })),
      );
      return decided;
    },

    /** Pre-trade checks and the order's hold at the risk engine, in one atomic, idempotent step. */
    async reserveFunds(order: OrderView): Promise<{ asset: string; amount: string; protectionPrice?: string | null; alreadyHeld?: boolean }> {
      const answer = await deps.risk.hold(order);
      if (answer.ok) return answer.hold;
      throw ApplicationFailure.nonRetryable(`${answer.error.code}: ${answer.error.message}`, answer.error.code, answer.error.details);
    },

    /** Releases whatever the order still holds; releasing twice changes nothing. */
    async releaseFunds(input: { accountId: string; orderId: string }): Promise<void> {
      const answer = await deps.risk.release(input);
      if (!answer.ok) throw unexpectedAnswer(`release of ${input.orderId}`, { status: answer.status, body: { error: answer.error } });
    },

    /** Settles the order's side of one fill at the risk engine (idempotent per fillId); returns the fee charged. */
    /**
     * Settles the order's side of a fill at the risk engine, and, when the other side is one of the venue's own
     * accounts (the market it simulates), that side too: a user on the other side settles it in their own
     * order's workflow. Both settlements are idempotent by fillId, so a retry finishes what a crash interrupted.
     */
    async settleFill(input: SettleFillInput, options: SettleOptions = {}): Promise<SettledAnswer> {
      const settling = settlementDuration.startTimer();
      const { tradeId, ...own } = input;
      const { contra } = input;
      let answer = await deps.risk.settleFill(options.release === true ? { ...own, release: true } : own);
      // A risk engine from before `release` refuses the field (its bodies are strict): asked again without it, the
      // caller then releases on its own (released stays undefined).
      const releaseRefused = options.release === true && !answer.ok && answer.status === 400;
      if (releaseRefused) answer = await deps.risk.settleFill(own);
      if (!answer.ok) throw await refusedSettlement(deps, input, input.fillId, { status: answer.status, body: { error: answer.error } });
      const released = options.release === true && !releaseRefused ? releaseOutcome(input.orderId, answer.fill.release) : undefined;
      if (contra !== undefined && isVenueHouseAccount(contra.accountId)) {
        const contraFillId = `${tradeId}:${contra.orderId}`;
        const house = await deps.risk.settleFill({
          orderId: contra.orderId,
          accountId: contra.accountId,
          symbol: input.symbol,
          side: input.side === 'BUY' ? 'SELL' : 'BUY',
          fillId: contraFillId,
          quantity: input.quantity,
          price: input.price,
          liquidity: input.liquidity === 'MAKER' ? 'TAKER' : 'MAKER',
          // The user's side, whose settled record names this account and order: the risk engine settles only that mirror.
          contra: { accountId: input.accountId, orderId: input.orderId },
        });
        if (!house.ok) throw await refusedSettlement(deps, input, contraFillId, { status: house.status, body: { error: house.error } });
      }
      settling();
      return { fee: answer.fill.fee.amount, feeAsset: answer.fill.fee.asset, ...(released === undefined ? {} : { released }) };
    },

    /**
     * The venue's state of an order, or null when the venue never took a submit of it: a check step's retry asks it,
     * since the attempt before may have sent the order before it failed.
     */
    async orderAtVenue(input: { orderId: string }): Promise<VenueOrderState | null> {
      return deps.venue.order(input.orderId);
    },

    /**
     * Sends the accepted order to the venue; a repeat (retry, replay) answers its current state. A venue from before
     * `reportsInAnswer` refuses the field (its bodies are strict): asked again without it, its reports are signalled
     * as before, and the workflow drops the ones it took from the answer by their numbers.
     */
    async submitToVenue(order: SubmitToVenue): Promise<VenueOrderState> {
      let answer = await deps.venue.submit(order);
      if (order.reportsInAnswer === true && !answer.ok && answer.status === 400) {
        answer = await deps.venue.submit({ ...order, reportsInAnswer: false });
      }
      if (!answer.ok) throw unexpectedAnswer(`submit of ${order.orderId}`, { status: answer.status, body: { error: answer.error } });
      return answer.value;
    },

    /** Asks the venue to cancel; an order that already ended there is fine: its reports tell how. */
    async cancelAtVenue(input: CancelAtVenueInput): Promise<void> {
      const answer = await deps.venue.cancel(input.orderId, input.reason);
      if (answer.ok || answer.error.code === 'ORDER_TERMINAL') return;
      throw unexpectedAnswer(`cancel of ${input.orderId}`, { status: answer.status, body: { error: answer.error } });
    },

    /**
     * Asks the venue for the order's truth and rebuilds the reports numbered after `afterVersion` (the workflow
     * lost some, or heard nothing for long). `found: false` when the venue does not know the order.
     */
    async reconcileWithVenue(input: { orderId: string; afterVersion: number }): Promise<{ found: boolean; venueVersion: number; reports: VenueReport[] }> {
      const truth = await deps.venue.order(input.orderId);
      if (truth === null) return { found: false, venueVersion: 0, reports: [] };
      const reports = reportsFromVenueTruth(truth, input.afterVersion);
      if (reports.length > 0) deps.logger.warn({ orderId: input.orderId, afterVersion: input.afterVersion, venueVersion: truth.version, rebuilt: reports.length }, 'order.reconciled');
      return { found: true, venueVersion: truth.version, reports };
    },

    /** Keeps what the order refused (an overfill, a fill in a state that takes none) for people to look at. */
    async recordAnomaly(input: { order: OrderView; kind: string; details: Record<string, unknown> }): Promise<void> {
      deps.logger.error({ orderId: input.order.orderId, kind: input.kind, details: input.details }, 'order.anomaly');
      await keepAnomaly(deps.anomalies, { orderId: input.order.orderId, accountId: input.order.accountId, kind: input.kind, version: input.order.version, details: input.details });
    },
  });
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;

/** The trail entry of a transition: its details carry the reason and the fill. */
function transitionEvent({ order, previousStatus, reason, fill }: RecordTransitionInput): TransitionEvent {
  return {
    previousStatus,
    eventType: 'ExecutionReport',
    occurredAt: order.updatedAt,
    ...(reason === undefined && fill === undefined ? {} : { details: { ...(reason === undefined ? {} : { reason }), ...(fill === undefined ? {} : { fill }) } }),
  };
}

/**
 * Transitions of one order in a row (versions ascending): the order's writes and the fills' are independent (each
 * idempotent), so they go together, then every event in one publish. One transition is recordTransition's upsert and
 * audit entry; several are one upsert of the last and one write of every audit entry (OrderStore.recordTransitions).
 */
async function recordTransitions(deps: OrderActivitiesDeps, inputs: readonly RecordTransitionInput[]): Promise<void> {
  if (inputs.length === 0) return;
  const fills = inputs.flatMap(({ order, fill }) =>
    fill === undefined
      ? []
      : [
          {
            fillId: fill.fillId,
            tradeId: fill.tradeId,
            orderId: order.orderId,
            accountId: order.accountId,
            symbol: order.symbol,
            side: order.side,
            price: fill.price,
            quantity: fill.quantity,
            liquidity: fill.liquidity,
            fee: fill.fee,
            feeAsset: fill.feeAsset,
            executedAt: order.updatedAt,
          },
        ],
  );
  const [{ applied }] = await Promise.all([
    inputs.length === 1
      ? deps.orders.recordTransition(inputs[0]!.order, transitionEvent(inputs[0]!))
      : deps.orders.recordTransitions(inputs.map((input) => ({ order: input.order, event: transitionEvent(input) }))),
    ...fills.map((fill) => deps.fills.record(fill)),
  ]);
  // Counted when the store moved: a retried activity or a replayed older version is not a second transition.
  if (applied) for (const { order, fill } of inputs) recordOrderTransition(order, fill !== undefined);
  await deps.publisher.publish(
    deps.executionsTopic,
    inputs.map((input) => ({ key: input.order.orderId, value: JSON.stringify(executionReport(input)) })),
  );
}

/** The `executions` event of a transition; its id (orderId, version) lets readers drop a republished one. */
function executionReport({ order, previousStatus, reason, fill }: RecordTransitionInput): ExecutionReport {
  return {
    eventId: orderEventId(order.orderId, order.version),
    eventType: 'ExecutionReport',
    occurredAt: order.updatedAt,
    version: order.version,
    orderId: order.orderId,
    accountId: order.accountId,
    status: order.status,
    previousStatus,
    order,
    ...(reason === undefined ? {} : { reason }),
    ...(fill === undefined ? {} : { fill }),
  };
}

/** The hold the risk engine placed (reserveFunds' answer). */
export type HoldAnswer = Awaited<ReturnType<OrderActivities['reserveFunds']>>;

/**
 * One step of a batch the workflow hands to runSteps (patch 'batched-steps'): persist and publish a transition,
 * release the order's hold, or, as the batch's last step (what the workflow decides next depends on its answer):
 * place the hold (the risk check), send the order to the venue, settle a fill or ask the venue to cancel.
 */
export type OrderStep =
  | { record: RecordTransitionInput }
  | { release: { accountId: string; orderId: string } }
  | { reserve: OrderView }
  | { check: RiskCheckInput }
  | { submit: SubmitToVenue }
  | { settle: SettleFillInput; recordFill?: FillRecordInput }
  | { cancel: CancelAtVenueInput };

/**
 * Patch 'settle-and-record': with `recordFill`, the settle step also records the fill's transition (the order as the
 * workflow has it before the fill, the FILL with the settled fee at `at`), and when that fill completes the order, it
 * releases the hold and records SETTLED at the same `at`. The workflow applies the same commands at the same time
 * (StepsOutcome.recorded says the step did), so its order is the one recorded: per filled order one activity task
 * and one workflow task fewer, and a partial fill needs no activity task of its own for its transition. A worker from
 * before the patch ignores `recordFill` and answers no `recorded`: the workflow then records them itself.
 */
export interface FillRecordInput {
  order: OrderSnapshot;
  at: string;
}

/**
 * The risk check as one step (patch 'decide-with-hold'): the NEW order (its snapshot) and the time its decision
 * carries. The step places the hold and records the decision as the order's next version: ACCEPTED, or REJECTED with
 * the refusal's code. The workflow applies the same command at the same time, so its order is the one recorded.
 */
export interface RiskCheckInput {
  order: OrderSnapshot;
  at: string;
  /**
   * Patch 'check-and-route': once ACCEPTED is recorded, the step sends the order to the venue too (with the hold's
   * MARKET protection price) and answers the venue's state, saving the submit's activity task and workflow task; only
   * on its first attempt and within ROUTE_WITH_CHECK_WITHIN_MS of `at` (withinRouteWindow). A retry asks the venue
   * instead (an attempt before it may have sent the order) and answers the venue's state when the venue has the order.
   * Otherwise, and on a worker from before the patch (it ignores the flag), it answers no venue state and the workflow
   * submits on its own.
   */
  submit?: boolean;
  /** Patch 'fills-with-submit': that submit asks the venue for `reportsInAnswer` (the workflow takes them from the answer). */
  reportsInAnswer?: boolean;
  /**
   * Patch 'fills-with-submit': the fills in that submit's answer are settled and recorded by the step too, as the settle
   * step with `recordFill` would, at the time the answer came (arrivalTime; StepsOutcome.arrivals), so an order filled
   * on arrival needs no other task.
   */
  settleArrivals?: boolean;
}

/**
 * A fill of the submit's answer that the check step settled and recorded (RiskCheckInput.settleArrivals): its fee, the
 * time it was recorded at, and the order's version and status once recorded (SETTLED after the fill that completed it).
 * The workflow applies the same commands at that time and checks that it reaches them.
 */
export interface ArrivalSettlement {
  fillId: string;
  fee: string;
  feeAsset: string;
  /**
   * When the fill and what followed it (FILLED, SETTLED) were recorded: the step's time after the venue answered, never
   * before the check or the venue's time of any fill in the answer (arrivalTime). Absent in answers of workers from
   * before it, which recorded them at the check's time.
   */
  at?: string;
  version: number;
  status: OrderStatus;
}

/**
 * How long after the workflow asked for the check (`at`) the check step may still send the accepted order to the venue
 * itself. The workflow hears of a cancel only between activity tasks: a cancel that arrives while the check runs ends
 * the order before it reaches the venue when the workflow submits (routeToVenue), but is sent to the venue after it
 * when the step did. Bounded, that is the race of any cancel with a submit; a check that took longer (a retry, a
 * risk engine that was down, a queue of activity tasks) leaves the submit to the workflow, which looks for the cancel.
 * A retry first asks the venue whether an earlier attempt sent the order: then the order is there, and a cancel goes
 * to the venue, as it would after the step's own submit.
 */
export const ROUTE_WITH_CHECK_WITHIN_MS = 2_000;

function withinRouteWindow(input: RiskCheckInput): boolean {
  if (Context.current().info.attempt !== 1) return false;
  const asked = Date.parse(input.at);
  return Number.isFinite(asked) && Date.now() - asked <= ROUTE_WITH_CHECK_WITHIN_MS;
}

/** What the check step decided and recorded: ACCEPTED with the hold, or REJECTED with the refusal's code. */
export type RiskDecision = { accepted: true; hold?: HoldAnswer } | { accepted: false; refusal: string };

/** What a batch's last step answered: the hold of a reserve, the venue's state of a submit, the fee of a settlement. */
export interface StepsOutcome {
  decision?: RiskDecision;
  hold?: HoldAnswer;
  venue?: VenueOrderState;
  /**
   * A check step's retry found the order unknown at the venue although an earlier attempt got as far as the hold, so
   * it may have sent the order, and a submit still on its way may yet be taken: the workflow asks again once the venue
   * would refuse it (ReconcileTiming.staleSubmitMs after the check was asked) before it ends a cancelled order here.
   */
  mayReachVenue?: true;
  settled?: { fee: string; feeAsset: string };
  /** A settle step with `recordFill` (FillRecordInput): the order as it recorded it last (after the fill, or SETTLED). */
  recorded?: OrderView;
  /** A check step with `settleArrivals`: the fills of the submit's answer it settled and recorded, in their order. */
  arrivals?: ArrivalSettlement[];
}

/** The venue's cancel of an order, for the trader or for its GTD time (cancelAtVenue). */
export interface CancelAtVenueInput {
  orderId: string;
  reason: 'USER' | 'GTD_EXPIRED';
}

/** settleFill's options: `release` also releases what the order still holds (sent with the fill that completes it). */
export interface SettleOptions {
  release?: boolean;
}

/** A settlement's fee; `released` only when asked for: true once the release is done (released, or nothing was held). */
export interface SettledAnswer {
  fee: string;
  feeAsset: string;
  released?: boolean;
}

/**
 * The release that came with a settlement, as releaseFunds takes a release's answer: done (released or nothing held),
 * a 5xx retried (the venue could not be asked), a 4xx not (the venue still has the order open). A risk engine that
 * answered none did not release: false, so the caller releases.
 */
function releaseOutcome(orderId: string, release: SettledFill['release']): boolean {
  if (release === undefined) return false;
  if (!('status' in release)) return true;
  if (release.status >= 500) throw new UpstreamServiceError(`release of ${orderId} with its settlement answered ${release.status}: ${release.error.message}`, release.status);
  throw unexpectedAnswer(`release of ${orderId}`, { status: release.status, body: { error: release.error } });
}

/** One fill of the order to settle at the risk engine (settleFill). */
export interface SettleFillInput {
  orderId: string;
  accountId: string;
  symbol: string;
  side: OrderView['side'];
  fillId: string;
  tradeId: string;
  quantity: string;
  price: string;
  liquidity: 'MAKER' | 'TAKER';
  contra?: { accountId: string; orderId: string };
}

type StepActivities = {
  recordTransition(input: RecordTransitionInput): Promise<void>;
  recordTransitions(inputs: RecordTransitionInput[]): Promise<void>;
  recordDecision(input: RecordTransitionInput, preceding?: RecordTransitionInput[]): Promise<RecordTransitionInput>;
  releaseFunds(input: { accountId: string; orderId: string }): Promise<void>;
  reserveFunds(order: OrderView): Promise<HoldAnswer>;
  submitToVenue(order: SubmitToVenue): Promise<VenueOrderState>;
  orderAtVenue(input: { orderId: string }): Promise<VenueOrderState | null>;
  settleFill(input: SettleFillInput, options?: SettleOptions): Promise<SettledAnswer>;
  cancelAtVenue(input: CancelAtVenueInput): Promise<void>;
};

/**
 * Adds runSteps to a set of order activities: the steps of a batch, in order, through the activities given, as one
 * activity task (one schedule, poll and completion instead of one per step). An attempt that fails at a step
 * heartbeats how many were done first (no heartbeat otherwise: it would be a server call per batch), and the retry
 * starts after them. Every step is idempotent besides, so running one again is safe (after a crash, or when that
 * heartbeat did not reach the server): a transition is upserted by version and its event keyed by (orderId, version), with the same
 * content on every attempt (the workflow computed it); a release of a released hold changes nothing; a repeated
 * hold, submit, settlement or cancel answers the first one. A business refusal of the reserve ends the batch as the
 * reserveFunds activity would (non-retryable); the steps before it stay done, as they would have as activities.
 */
export function withOrderSteps<A extends StepActivities>(activities: A): A & { runSteps(input: { steps: OrderStep[] }): Promise<StepsOutcome> } {
  const runStep = async (step: OrderStep, outcome: StepsOutcome, hold?: Promise<HoldOrRefusal>, preceding?: RecordTransitionInput): Promise<void> => {
    // A span per step, named after the activity it stands for, under the runSteps activity's span.
    if ('record' in step) await withSpan('OrderStep:recordTransition', () => activities.recordTransition(step.record));
    else if ('release' in step) await withSpan('OrderStep:releaseFunds', () => activities.releaseFunds(step.release));
    else if ('reserve' in step) outcome.hold = await withSpan('OrderStep:reserveFunds', () => activities.reserveFunds(step.reserve));
    // The check's calls have spans of their own (its hold may start before it, beside the transitions).
    else if ('check' in step) {
      if (settlesAfterRetry(step.check)) {
        // The attempt before may have settled what the order traded on arrival and released its hold: a hold asked
        // again would be placed anew (or refused, funds spent). So the venue first: when it has the order, that attempt
        // recorded ACCEPTED before its submit, and its state stands for the submit (the workflow settles the fills,
        // each settlement answered as the first). Otherwise as any retry, below (no fill of this order was settled).
        const atVenue = await withSpan('OrderStep:orderAtVenue', () => activities.orderAtVenue({ orderId: step.check.order.orderId }));
        if (atVenue !== null) {
          outcome.decision = await acceptedAsRecorded(activities, step.check, preceding);
          outcome.venue = atVenue;
          return;
        }
      }
      const { decision, recorded } = await checkRisk(activities, step.check, hold, preceding);
      outcome.decision = decision;
      if (step.check.submit === true && decision.accepted) {
        if (withinRouteWindow(step.check)) {
          outcome.venue = await submitAccepted(activities, recorded, decision.hold?.protectionPrice ?? null, step.check.reportsInAnswer === true);
          if (step.check.settleArrivals === true && outcome.venue.fills.length > 0) outcome.arrivals = await settleArrivals(activities, step.check, outcome.venue);
        }
        else if (Context.current().info.attempt > 1) {
          // An attempt before this one may have sent the order before it failed (the venue took it, the answer was
          // lost). If the venue has it, its state stands for the submit: the workflow treats the order as sent, and a
          // cancel that came meanwhile goes to the venue. Otherwise the workflow submits after looking for the cancel.
          const atVenue = await withSpan('OrderStep:orderAtVenue', () => activities.orderAtVenue({ orderId: recorded.orderId }));
          if (atVenue !== null) outcome.venue = atVenue;
          else if (decision.hold?.alreadyHeld === true) outcome.mayReachVenue = true;
        }
      }
    }
    else if ('submit' in step) outcome.venue = await withSpan('OrderStep:submitToVenue', () => activities.submitToVenue(step.submit));
    else if ('settle' in step) {
      // The fill that completes the order releases its hold with the settlement: one call to the risk engine fewer.
      const { recordFill: record } = step;
      const release = record !== undefined && completesOrder(record.order, step.settle.quantity);
      const { released, ...settled } = await withSpan('OrderStep:settleFill', () => activities.settleFill(step.settle, release ? { release } : undefined));
      outcome.settled = settled;
      if (record !== undefined) outcome.recorded = toOrderView(await recordFill(activities, step.settle, record, settled, released === true));
    }
    else await withSpan('OrderStep:cancelAtVenue', () => activities.cancelAtVenue(step.cancel));
  };
  return {
    ...activities,
    async runSteps({ steps }: { steps: OrderStep[] }): Promise<StepsOutcome> {
      if (steps.some((step, i) => !('record' in step || 'release' in step) && i !== steps.length - 1)) {
        throw ApplicationFailure.nonRetryable('a reserve, check, submit, settle or cancel step must be the last of its batch', 'INVALID_STEPS');
      }
      const outcome: StepsOutcome = {};
      const context = Context.current();
      const before: unknown = context.info.heartbeatDetails;
      const done = typeof before === 'number' && Number.isSafeInteger(before) && before > 0 && before < steps.length ? before : 0;
      const last = steps[steps.length - 1];
      // The risk engine's hold does not depend on the transitions before it (NEW): it is asked at once, and the decision
      // is recorded after them (NEW in the same write, below), so NEW's event still comes first.
      const hold = last !== undefined && 'check' in last && done < steps.length - 1 && !settlesAfterRetry(last.check) ? reserveOrRefusal(activities, last.check) : undefined;
      // Awaited by the check step; until then (or when a transition before it fails) its failure is not unhandled.
      hold?.catch(() => undefined);
      // How many steps are done: the failed attempt's last heartbeat tells the next one where to start.
      let completed = done;
      try {
        for (let i = done; i < steps.length; i += 1) {
          const step = steps[i]!;
          const deferred = hold === undefined ? undefined : recordBeforeCheck(step, steps[i + 1]);
          if (deferred !== undefined) {
            // NEW right before the check: recorded with the decision, in one write of the trail and one publish (one
            // upsert, one insert and one Kafka send fewer per order). When the risk engine did not answer (the step is
            // retried), NEW goes in on its own first, so the order is seen as NEW while its check waits.
            try {
              await hold;
            } catch (error) {
              await runStep(step, outcome);
              completed = i + 1;
              throw error;
            }
            i += 1;
            await runStep(steps[i]!, outcome, hold, deferred);
            completed = i + 1;
            continue;
          }
          await runStep(step, outcome, hold);
          completed = i + 1;
        }
      } catch (error) {
        if (completed > 0) context.heartbeat(completed);
        if (hold !== undefined) await hold.catch(() => undefined);
        throw error;
      }
      return outcome;
    },
  };
}

type HoldOrRefusal = { hold: HoldAnswer } | { refusal: string };

/** A retry of a check step whose first attempt may have settled the order's fills on arrival (and released its hold). */
function settlesAfterRetry(check: RiskCheckInput): boolean {
  return check.submit === true && check.settleArrivals === true && Context.current().info.attempt > 1;
}

/**
 * The decision as recorded, for a retried check step whose order the venue has: ACCEPTED, which an attempt before
 * recorded before it sent the order (the first decision recorded for the version stands). NEW and the decision are
 * recorded again, which changes nothing; no hold is asked for.
 */
async function acceptedAsRecorded(activities: StepActivities, check: RiskCheckInput, preceding?: RecordTransitionInput): Promise<RiskDecision> {
  const order = fromOrderSnapshot(check.order);
  const decided = applyOrderCommand(order, { type: 'RISK_ACCEPTED', at: check.at });
  if (!decided.ok || !decided.changed) throw ApplicationFailure.nonRetryable(`the check step needs a NEW order, got ${order.status} version ${order.version}`, 'INVALID_STEPS');
  const decision = { order: toOrderView(decided.order), previousStatus: order.status };
  const recorded = await withSpan('OrderStep:recordDecision', () => activities.recordDecision(decision, preceding === undefined ? [] : [preceding]));
  if (recorded.order.status !== 'ACCEPTED') {
    throw ApplicationFailure.nonRetryable(`order ${order.orderId} is at the venue but its recorded decision is ${recorded.order.status}`, 'INVALID_STEPS');
  }
  return { accepted: true };
}

/**
 * The transition of `step` when it is the NEW order of the check step right after it (runSteps records both together;
 * a check step is always its batch's last, runSteps refuses any other).
 */
function recordBeforeCheck(step: OrderStep, next: OrderStep | undefined): RecordTransitionInput | undefined {
  if (next === undefined || !('record' in step) || !('check' in next)) return undefined;
  const { order, fill } = step.record;
  return fill === undefined && order.orderId === next.check.order.orderId && order.version === next.check.order.version ? step.record : undefined;
}

/** The hold, or the business refusal's code (a transport failure or a 5xx throws: retried). */
async function reserveOrRefusal(activities: Pick<StepActivities, 'reserveFunds'>, input: RiskCheckInput): Promise<HoldOrRefusal> {
  try {
    return { hold: await withSpan('OrderStep:reserveFunds', () => activities.reserveFunds(toOrderView(fromOrderSnapshot(input.order)))) };
  } catch (error) {
    if (error instanceof ApplicationFailure && error.nonRetryable && isErrorCode(error.type)) return { refusal: error.type };
    throw error;
  }
}

/**
 * The risk check's step: the hold (asked already when `asked` is given), then its decision recorded as the order's
 * next version. The first decision recorded for that version stands, so a retry never records a second, different
 * one: a retry whose hold now passes, after an earlier attempt recorded the refusal (funds arrived in between),
 * releases that new hold and answers the refusal. A recorded ACCEPTED has its hold (only the workflow releases it,
 * after this step), which a repeat of the hold answers.
 */
async function checkRisk(
  activities: StepActivities,
  input: RiskCheckInput,
  asked?: Promise<HoldOrRefusal>,
  preceding?: RecordTransitionInput,
): Promise<{ decision: RiskDecision; recorded: OrderView }> {
  const order = fromOrderSnapshot(input.order);
  const answer = await (asked ?? reserveOrRefusal(activities, input));
  const command: OrderCommand = 'hold' in answer ? { type: 'RISK_ACCEPTED', at: input.at } : { type: 'RISK_REJECTED', reason: answer.refusal, at: input.at };
  const decided = applyOrderCommand(order, command);
  if (!decided.ok || !decided.changed) {
    throw ApplicationFailure.nonRetryable(`the check step needs a NEW order, got ${order.status} version ${order.version}`, 'INVALID_STEPS');
  }
  const decision = { order: toOrderView(decided.order), previousStatus: order.status, ...('refusal' in answer ? { reason: answer.refusal } : {}) };
  const recorded = await withSpan('OrderStep:recordDecision', () => activities.recordDecision(decision, preceding === undefined ? [] : [preceding]));
  if (recorded.order.status === 'ACCEPTED') {
    if ('hold' in answer) return { decision: { accepted: true, hold: answer.hold }, recorded: recorded.order };
    const again = await reserveOrRefusal(activities, input);
    if ('hold' in again) return { decision: { accepted: true, hold: again.hold }, recorded: recorded.order };
    // Retried: the recorded ACCEPTED's hold should answer; a refusal means it is gone, which people must look at.
    throw new Error(`order ${order.orderId}: ACCEPTED is recorded but the risk engine refused its hold (${again.refusal})`);
  }
  if ('hold' in answer) await withSpan('OrderStep:releaseFunds', () => activities.releaseFunds({ accountId: order.accountId, orderId: order.orderId }));
  return { decision: { accepted: false, refusal: recorded.order.rejectReason ?? recorded.reason ?? 'REJECTED' }, recorded: recorded.order };
}

/**
 * A settled fill's transitions, as the workflow would record them (patch 'settle-and-record'): the FILL with the
 * settled fee at `at`; when it completes the order, the release of what the hold kept first, then FILLED and SETTLED
 * (at the same time) in one write. Every call is idempotent (versioned upserts, the release of a released hold), so a
 * retry records the same.
 */
async function recordFill(
  activities: Pick<StepActivities, 'recordTransition' | 'recordTransitions' | 'releaseFunds'>,
  settle: SettleFillInput,
  input: FillRecordInput,
  settled: { fee: string; feeAsset: string },
  /** The settlement released the hold already (settleFill with `release`). */
  releasedWithSettlement = false,
): Promise<Order> {
  const order = fromOrderSnapshot(input.order);
  const { command, facts: fill } = settledFill(settle, settled, input.at);
  const filled = applyOrderCommand(order, command);
  if (!filled.ok || !filled.changed) {
    throw ApplicationFailure.nonRetryable(`fill ${settle.fillId} does not apply to order ${order.orderId} at ${order.status} version ${order.version}`, 'INVALID_STEPS');
  }
  const fillTransition: RecordTransitionInput = { order: toOrderView(filled.order), previousStatus: order.status, fill };
  if (filled.order.status !== 'FILLED') {
    await withSpan('OrderStep:recordTransition', () => activities.recordTransition(fillTransition));
    return filled.order;
  }
  const done = applyOrderCommand(filled.order, { type: 'SETTLED', at: input.at });
  if (!done.ok || !done.changed) throw ApplicationFailure.nonRetryable(`order ${order.orderId} FILLED cannot settle`, 'INVALID_STEPS');
  // The release first (unless the settlement did it): the risk engine asks the venue, not the store, whether the order
  // can still fill. Then FILLED and SETTLED together (one upsert, one write of both audit entries, one publish of both events).
  if (!releasedWithSettlement) await withSpan('OrderStep:releaseFunds', () => activities.releaseFunds({ accountId: order.accountId, orderId: order.orderId }));
  await withSpan('OrderStep:recordTransition', () =>
    activities.recordTransitions([fillTransition, { order: toOrderView(done.order), previousStatus: 'FILLED', reason: SETTLED_REASON }]),
  );
  return done.order;
}

/**
 * The fills of the submit's answer, settled and recorded in their order as the settle step with `recordFill` records
 * them (at arrivalTime), starting from the order as the check recorded it ACCEPTED. A shortcut, never the only way:
 * at the first fill that does not apply or a call that fails, it stops and answers what it finished (each entry
 * settled and recorded), and the workflow settles the rest with settle steps (a repeat of a settlement or a record is
 * answered as the first). Errors are logged, not thrown: the order is ACCEPTED and at the venue already.
 */
async function settleArrivals(activities: StepActivities, check: RiskCheckInput, venue: VenueOrderState): Promise<ArrivalSettlement[]> {
  const accepted = applyOrderCommand(fromOrderSnapshot(check.order), { type: 'RISK_ACCEPTED', at: check.at });
  if (!accepted.ok) return [];
  let order = accepted.order;
  const at = arrivalTime(check.at, venue.fills);
  const done: ArrivalSettlement[] = [];
  try {
    for (const fill of [...venue.fills].sort((a, b) => a.version - b.version)) {
      const settle = settleFillInput(order, fill);
      const snapshot = toOrderSnapshot(order);
      // A fill the order cannot take (a duplicate, an overfill) is the workflow's to refuse and record.
      const takes = applyOrderCommand(order, settledFill(settle, { fee: '0', feeAsset: '' }, at).command);
      if (!takes.ok || !takes.changed) break;
      const release = completesOrder(snapshot, fill.quantity);
      const { released, ...settled } = await withSpan('OrderStep:settleFill', () => activities.settleFill(settle, release ? { release } : undefined));
      order = await recordFill(activities, settle, { order: snapshot, at }, settled, released === true);
      done.push({ fillId: fill.fillId, ...settled, at, version: order.version, status: order.status });
    }
  } catch (error) {
    log.warn('order.arrival_settlement_deferred', { orderId: order.orderId, settled: done.length, error: error instanceof Error ? error.message : String(error) });
  }
  return done;
}

/**
 * The time the check step records the fills of the submit's answer at: now, as a signalled fill is recorded after its
 * report came, but never before the check's time (ACCEPTED's) nor the venue's time of any of those fills (another
 * clock): a transition, and the fill record's executedAt, never predate the execution they record.
 */
export function arrivalTime(checkAt: string, fills: ReadonlyArray<{ occurredAt: string }>, nowMs = Date.now()): string {
  const times = [nowMs, Date.parse(checkAt), ...fills.map((fill) => Date.parse(fill.occurredAt))].filter(Number.isFinite);
  return new Date(Math.max(...times)).toISOString();
}

/** Whether a fill of `quantity` fills what the order (as the workflow had it before the fill) has left. */
function completesOrder(snapshot: OrderSnapshot, quantity: string): boolean {
  const order = fromOrderSnapshot(snapshot);
  return order.filledQuantity + parseDecimal(quantity) >= order.quantity;
}

/**
 * The accepted order to the venue, as the workflow would send it after the check: the order as ACCEPTED was recorded
 * (the workflow applies the same command at the same time) with the hold's protection price. Only after ACCEPTED is
 * recorded, so the venue never has an order the store does not show accepted; a repeat answers the venue's state.
 */
async function submitAccepted(activities: StepActivities, accepted: OrderView, protectionPrice: string | null, reportsInAnswer: boolean): Promise<VenueOrderState> {
  const order = { ...accepted, ...(protectionPrice === null ? {} : { protectionPrice }), ...(reportsInAnswer ? { reportsInAnswer } : {}) };
  return withSpan('OrderStep:submitToVenue', () => activities.submitToVenue(order));
}

/**
 * A settlement the risk engine refused (a 4xx: the fill is not one the order could have made, so no money moved):
 * recorded as the order's anomaly for people to look at, then a non-retryable failure, as any unexpected answer.
 */
async function refusedSettlement(
  deps: OrderActivitiesDeps,
  input: { orderId: string; accountId: string; fillId: string; symbol: string; side: string; quantity: string; price: string },
  fillId: string,
  response: JsonResponse,
): Promise<ApplicationFailure> {
  const failure = unexpectedAnswer(`settlement of ${fillId}`, response);
  if (response.status >= 400 && response.status < 500) {
    const error = serviceError(response);
    deps.logger.error({ orderId: input.orderId, fillId, code: error.code }, 'order.settlement_refused');
    await deps.anomalies.record({
      orderId: input.orderId,
      accountId: input.accountId,
      kind: `SETTLEMENT_${error.code}`,
      version: 0,
      details: { fillId, symbol: input.symbol, side: input.side, quantity: input.quantity, price: input.price, message: error.message },
    });
    recordOrderAnomaly(`SETTLEMENT_${error.code}`);
  }
  return failure;
}

/** A 4xx the caller did not expect: our request was wrong, and retrying the same request cannot help. */
function unexpectedAnswer(what: string, response: JsonResponse): ApplicationFailure {
  const error = serviceError(response);
  return ApplicationFailure.nonRetryable(`${what}: ${response.status} ${error.code}: ${error.message}`, error.code, error.details);
}
