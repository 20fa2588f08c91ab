import { parseDecimal } from '../domain/decimal';
import type { OrderStatus, OrderView } from '../domain/order';
import type { VenueOrderStateSummary } from '../domain/venue-order';
import type { VenueClient } from '../infra/http/venue-client';
import type { Logger } from '../infra/logger';
import { orderSweepChecked, orderSweepFindings, orderSweepLastCover, orderSweepLastSuccess, orderSweepReconciles, orderSweeps } from '../infra/metrics/order-metrics';
import type { KeysetPosition } from '../infra/mongo/keyset-cursor';
import type { MongoOrderStore } from '../infra/mongo/order-store';
import type { OrderWorkflowGateway } from '../infra/temporal/order-workflows';
import { startPeriodic } from '../infra/periodic';

/** The statuses of an order sent to the venue and waiting there: the ones whose reports the sweeper looks for. */
export const SWEPT_STATUSES: readonly OrderStatus[] = ['ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL'];

/** Orders per page and per venue call: as many UUID order ids as the venue's 16 KB request body holds, with room to spare. */
export const SWEEP_PAGE_SIZE = 400;

/** The venue's statuses of an order still on its book. */
const RESTING_AT_VENUE: ReadonlySet<string> = new Set(['OPEN', 'PARTIALLY_FILLED']);

/** How a stored resting order compares with the venue's state of it. */
export type SweepFinding = 'in-step' | 'behind' | 'unknown-at-venue';

/**
 * Whether the store shows what the venue has: behind when the venue filled more than the store shows or ended the
 * order, and that happened before `settledBefore` (epoch ms): a report of a fill made a moment ago is still on its
 * way. Unknown when the venue never had the order. A PENDING_CANCEL order the venue still has on its book is in step:
 * its cancel is the workflow's own call, in flight or retried.
 */
export function compareWithVenue(order: Pick<OrderView, 'filledQuantity'>, atVenue: VenueOrderStateSummary | undefined, settledBefore: number): SweepFinding {
  if (atVenue === undefined) return 'unknown-at-venue';
  const changedAt = Date.parse(atVenue.updatedAt);
  if (Number.isFinite(changedAt) && changedAt > settledBefore) return 'in-step';
  const sameFill = parseDecimal(atVenue.filledQuantity) === parseDecimal(order.filledQuantity);
  return sameFill && RESTING_AT_VENUE.has(atVenue.status) ? 'in-step' : 'behind';
}

export interface OrderSweeperOptions {
  orders: Pick<MongoOrderStore, 'listByStatusUpdatedBefore'>;
  venue: Pick<VenueClient, 'orderStates'>;
  workflows: Pick<OrderWorkflowGateway, 'requestReconcile'>;
  /** One replica sweeps at a time (infra/mongo/lease.ts); the others stand by. */
  lease: { acquire(): Promise<boolean>; release(): Promise<void> };
  logger: Logger;
  /** Between the starts of two passes. */
  intervalMs: number;
  /** How long a difference must stand, on both sides, before the workflow is asked to reconcile (its reports' time on the way). */
  graceMs: number;
  /** An order asked to reconcile is not asked again before this (a venue that lost an order is asked about it at this pace). */
  askAgainMs: number;
  /** Orders per store page and per venue call: SWEEP_PAGE_SIZE unless told. */
  pageSize?: number;
  /**
   * A pass stops after this many orders (ORDER_SWEEP_MAX_ORDERS_PER_PASS), or once it has run for intervalMs, and the
   * next one goes on from there: a pass's work is bounded however many orders rest, and a pass never runs past the
   * lease's renewal (three intervals), so no other worker takes the lease over from one that is still sweeping.
   */
  maxPerPass?: number;
  now?: () => number;
}

export interface SweepResult {
  /** False when another replica holds the lease. */
  swept: boolean;
  checked: number;
  behind: number;
  unknownAtVenue: number;
  signalled: number;
  /** The pass reached the last resting order (the next starts from the first again). */
  wrapped: boolean;
}

/** A pass that swept nothing (yet): another holds the lease, or it failed. */
const noSweep = (): SweepResult => ({ swept: false, checked: 0, behind: 0, unknownAtVenue: 0, signalled: 0, wrapped: false });

/**
 * At most this many orders of each finding are remembered as asked: the memory is bounded, and so are the signals, to
 * this many per askAgainMs however many orders differ. Beyond that, the orders a pass meets later wait; that many is an
 * incident for people (each order unknown to the venue records VENUE_ORDER_UNKNOWN: alert OrderAnomalies). The two
 * findings are bounded apart, so an order the venue filled (its trader's money waits on the report) is asked however
 * many orders the venue does not know (a venue that lost its book) fill the other memory.
 */
export const MAX_ASKED_REMEMBERED = 10_000;

/**
 * The order sweeper: every `intervalMs` one worker (the lease's holder) pages through the orders the store shows resting
 * at the venue, asks the venue for their states in bulk (POST /venue/orders/states) and sends the reconcile signal to
 * each order whose state the venue did not share for longer than the grace: its workflow then asks the venue and
 * applies what it missed, as on an admin's reconcile. This is what finds a report lost on the way (a resting order's
 * workflow started since the 'quiet-by-sweep' patch does not poll the venue while it hears nothing). A failed pass is
 * logged and counted; the next one tries again.
 */
export function startOrderSweeper(options: OrderSweeperOptions) {
  const now = options.now ?? Date.now;
  const pageSize = options.pageSize ?? SWEEP_PAGE_SIZE;
  const maxPerPass = options.maxPerPass ?? 20 * pageSize;
  /** The orders asked, by finding, and when. */
  const asked: Record<Exclude<SweepFinding, 'in-step'>, Map<string, number>> = { behind: new Map(), 'unknown-at-venue': new Map() };
  /** Where the next pass goes on: the status (an index of SWEPT_STATUSES) and the last order seen in it. */
  let cursor: { status: number; after?: KeysetPosition } = { status: 0 };
  let stopped = false;

  const forgetOldAsks = (at: number): void => {
    for (const memory of Object.values(asked)) for (const [orderId, when] of memory) if (at - when >= options.askAgainMs) memory.delete(orderId);
  };
  /**
   * Signals the order unless it was asked with this finding within askAgainMs, or MAX_ASKED_REMEMBERED others of its
   * finding were (asked when they expire): the signal's outcome, or 'waits'. A workflow that ended (closed) or never
   * existed is remembered too.
   */
  const ask = async (orderId: string, finding: keyof typeof asked, at: number): Promise<Awaited<ReturnType<OrderSweeperOptions['workflows']['requestReconcile']>> | 'waits'> => {
    const memory = asked[finding];
    if (memory.has(orderId) || memory.size >= MAX_ASKED_REMEMBERED) return 'waits';
    const outcome = await options.workflows.requestReconcile(orderId, { requestedBy: 'order-sweeper' });
    orderSweepReconciles.inc({ outcome: outcome.replace('-', '_') });
    memory.set(orderId, at);
    return outcome;
  };

  const pass = async (): Promise<SweepResult> => {
    const result = noSweep();
    if (!(await options.lease.acquire())) {
      orderSweeps.inc({ result: 'standby' });
      return result;
    }
    result.swept = true;
    const startedAt = now();
    forgetOldAsks(startedAt);
    const settledBefore = startedAt - options.graceMs;
    const updatedBefore = new Date(settledBefore).toISOString();
    while (result.checked < maxPerPass && now() - startedAt < options.intervalMs && !stopped) {
      const page = await options.orders.listByStatusUpdatedBefore(SWEPT_STATUSES[cursor.status]!, updatedBefore, pageSize, cursor.after);
      if (page.length > 0) {
        const states = await options.venue.orderStates(page.map((order) => order.orderId));
        const atVenue = new Map(states.orders.map((state) => [state.orderId, state]));
        for (const order of page) {
          const finding = compareWithVenue(order, atVenue.get(order.orderId), settledBefore);
          if (finding === 'in-step') continue;
          if (finding === 'behind') result.behind += 1;
          else result.unknownAtVenue += 1;
          orderSweepFindings.inc({ finding: finding === 'behind' ? 'behind' : 'unknown_at_venue' });
          if ((await ask(order.orderId, finding, startedAt)) === 'signalled') result.signalled += 1;
        }
        result.checked += page.length;
        orderSweepChecked.inc(page.length);
        const last = page.at(-1)!;
        cursor = { status: cursor.status, after: { at: last.updatedAt, id: last.orderId } };
      }
      if (page.length < pageSize) {
        // This status is done: the next one, or after the last, the pass has seen every resting order.
        cursor = { status: (cursor.status + 1) % SWEPT_STATUSES.length };
        if (cursor.status === 0) {
          result.wrapped = true;
          break;
        }
      }
    }
    if (result.behind + result.unknownAtVenue > 0) options.logger.warn(result, 'worker.order_sweep_found');
    orderSweeps.inc({ result: 'ok' });
    orderSweepLastSuccess.set(now() / 1_000);
    if (result.wrapped) orderSweepLastCover.set(now() / 1_000);
    return result;
  };

  const periodic = startPeriodic(pass, {
    intervalMs: options.intervalMs,
    onError: (error) => {
      orderSweeps.inc({ result: 'error' });
      options.logger.warn({ err: error }, 'worker.order_sweep_failed');
      return noSweep();
    },
  });

  return {
    /** One pass now (or the one running); what it found. */
    sweep: periodic.run,
    async stop(): Promise<void> {
      stopped = true;
      await periodic.stop();
      await options.lease.release().catch((error: unknown) => options.logger.warn({ err: error }, 'worker.order_sweep_lease_release_failed'));
    },
  };
}
