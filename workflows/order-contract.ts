import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { parseDecimal } from '../domain/decimal';
import type { FillFacts } from '../domain/events';
import type { CancelReason, OrderView } from '../domain/order';
import type { FillCommand } from '../domain/order-state-machine';
import type { OrderSnapshot } from '../domain/order-snapshot';
import type { SettleFillInput } from '../activities/order-activities';
import type { VenueReport } from '../domain/venue-events';

/**
 * The order workflow's contract, the one thing the workflow (workflows/order-lifecycle.ts) and its callers
 * (the Temporal gateway in infra/temporal/order-workflows.ts, tests, scripts) both import: its type name, id
 * scheme, input, signals, query and search attributes. Safe outside workflow code: defineSignal/defineQuery
 * only describe a name and its argument types.
 *
 * The names below are recorded in every running order's history: renaming one breaks those orders.
 */

/** The workflow type: the name `workflows/index.ts` exports the workflow function under. */
export const ORDER_WORKFLOW_TYPE = 'orderLifecycle';

/** One workflow per order, its id derived from the order id (the start rejects a duplicate id). */
export function orderWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}

/** How long the workflow trusts the report stream before it asks the venue (milliseconds). */
export interface ReconcileTiming {
  /** Silence before the first poll of a live order; doubles after each quiet poll... */
  quietMs: number;
  /** ...up to this. */
  maxQuietMs: number;
  /** How long a report that arrived after a gap waits for the missing one before the workflow asks. */
  gapGraceMs: number;
  /**
   * How long after the risk check was asked a submit of it may still reach the venue: the venue refuses a call signed
   * more than MAX_SKEW_SECONDS ago (infra/http/internal-auth.ts), and a check step signs its submit within
   * ROUTE_WITH_CHECK_WITHIN_MS of the time it was asked. Absent: DEFAULT_RECONCILE's.
   */
  staleSubmitMs?: number;
}

/** Where a long-lived order stands when it continues as new; absent on the first run. */
export interface LifecycleProgress {
  submitted: boolean;
  cancelSent: boolean;
  /** Set when the GTD timer asked the venue to cancel: the venue's cancel then means EXPIRED. */
  expiring: boolean;
  lastReportVersion: number;
  pendingReports: VenueReport[];
  /**
   * The trader's cancel arrived, whether or not the order applied it yet: a cancel that comes with a venue report
   * waits for the next pass, which may be the next run's. Not in the order snapshot, whose cancelRequested only
   * the state machine sets (readers would see a cancel no transition recorded). Absent from inputs of older runs.
   */
  cancelRequested?: boolean;
  /** Who asked for that cancel (absent: the trader, and in inputs of older runs). */
  cancelReason?: CancelReason;
}

export interface OrderLifecycleInput {
  /** The whole order in wire form: NEW on the first run, as it stands on a continue-as-new. */
  order: OrderSnapshot;
  progress?: LifecycleProgress;
  reconcile?: Partial<ReconcileTiming>;
  /** Continue as new after this many history events (default well under Temporal's limits). */
  continueAsNewAfterEvents?: number;
}

/** The workflow's signature, so a caller that names it by ORDER_WORKFLOW_TYPE still gets typed arguments and result. */
export type OrderLifecycleWorkflow = (input: OrderLifecycleInput) => Promise<OrderView>;

export interface CancelRequest {
  /** Free text for the Temporal UI's details line. */
  reason?: string;
  /**
   * Who cancelled: what the CANCELLED order's statusReason says. Absent means USER_CANCELLED (cancels sent before it
   * existed, and a signal sent by hand from the Temporal UI as `{}`). The first cancel of an order decides.
   */
  cancelledBy?: CancelReason;
}

/** Asks the order to cancel; a cancel of a finished order changes nothing. */
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');

export interface ReconcileRequest {
  /** Who asked, for the order's details line (e.g. the admin's key id); optional. */
  requestedBy?: string;
}

/**
 * Asks the order to reconcile with the venue now (ops: POST /api/admin/orders/{id}/reconcile, or the Temporal UI's
 * "Send signal" with name `reconcile` and input `{}`): the workflow queries the venue and applies what it missed.
 * Before the order reaches the venue it is remembered until then; a finished order ignores it.
 */
export const reconcileSignal = defineSignal<[ReconcileRequest?]>('reconcile');
/** A report from the venue (ack, fill, cancel, expiry), delivered by the venue-reports consumer. */
export const venueReportSignal = defineSignal<[VenueReport]>('venueReport');
/** The order as the workflow knows it right now (wire form). */
export const getOrderQuery = defineQuery<OrderView>('getOrder');

/**
 * The search attributes of an order workflow, so ops can filter in the Temporal Web UI, e.g.
 * `OrderStatus="ACCEPTED" AND Symbol="BTC-USD"`. The local stack registers exactly these.
 */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const SymbolKey = defineSearchAttributeKey('Symbol', SearchAttributeType.KEYWORD);
export const AccountIdKey = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD);
export const SideKey = defineSearchAttributeKey('Side', SearchAttributeType.KEYWORD);
export const OrderTypeKey = defineSearchAttributeKey('OrderType', SearchAttributeType.KEYWORD);

export const ORDER_SEARCH_ATTRIBUTE_KEYS = [OrderStatusKey, SymbolKey, AccountIdKey, SideKey, OrderTypeKey] as const;

/** The reason SETTLED's transition carries, whether the workflow or the settle step (patch 'settle-and-record') records it. */
export const SETTLED_REASON = 'all fills settled';

/**
 * A settled fill as its transition carries it: the FILL command at `at` with the settled fee, and the fill's facts.
 * One function for the workflow and the settle step (patch 'settle-and-record'), so both apply and record the same.
 */
export function settledFill(
  fill: Pick<FillFacts, 'fillId' | 'tradeId' | 'price' | 'quantity' | 'liquidity'>,
  settled: { fee: string; feeAsset: string },
  at: string,
): { command: FillCommand; facts: FillFacts } {
  const { fillId, tradeId, price, quantity, liquidity } = fill;
  return {
    command: { type: 'FILL', fillId, quantity: parseDecimal(quantity), price: parseDecimal(price), fee: parseDecimal(settled.fee), liquidity, at },
    facts: { fillId, tradeId, price, quantity, liquidity, fee: settled.fee, feeAsset: settled.feeAsset },
  };
}

/** What the settlement of a venue fill of `order` asks the risk engine: the order's side of it (and the other side, named). */
export function settleFillInput(
  order: Pick<OrderView, 'orderId' | 'accountId' | 'symbol' | 'side'>,
  fill: Pick<SettleFillInput, 'fillId' | 'tradeId' | 'quantity' | 'price' | 'liquidity'> & { contra?: SettleFillInput['contra'] | undefined },
): SettleFillInput {
  return {
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
  };
}
