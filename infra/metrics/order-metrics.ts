import { Counter, Gauge, Histogram } from 'prom-client';
import { isTerminal, type OrderView } from '../../domain/order';
import { metricsRegistry, ORDER_SECONDS_BUCKETS, FAST_SECONDS_BUCKETS } from './registry';

/** A code-like label value (a reject reason, an anomaly kind) as is; anything else as OTHER, so no free text becomes a series. */
export function codeLabel(value: string | null | undefined): string {
  return value !== null && value !== undefined && /^[A-Z][A-Z0-9_]{0,63}$/.test(value) ? value : 'OTHER';
}

const placed = new Counter({
  name: 'oms_orders_placed_total',
  help: 'New orders the order API accepted for processing (202, not an idempotent replay)',
  labelNames: ['symbol', 'side', 'type'] as const,
  registers: [metricsRegistry],
});

const transitions = new Counter({
  name: 'oms_order_transitions_total',
  help: 'Order state transitions persisted by the worker, by the status entered',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

const rejections = new Counter({
  name: 'oms_order_rejections_total',
  help: 'Orders that ended REJECTED, by reason',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

const acceptLatency = new Histogram({
  name: 'oms_order_accept_latency_seconds',
  help: 'Time from an order\u2019s placement (createdAt) to ACCEPTED',
  buckets: ORDER_SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

const terminalLatency = new Histogram({
  name: 'oms_order_terminal_latency_seconds',
  help: 'Time from an order\u2019s placement (createdAt) to its terminal status',
  labelNames: ['status'] as const,
  buckets: ORDER_SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

const fills = new Counter({
  name: 'oms_fills_total',
  help: 'Fills applied to orders',
  labelNames: ['symbol'] as const,
  registers: [metricsRegistry],
});

export const settlementDuration = new Histogram({
  name: 'oms_settlement_duration_seconds',
  help: 'Time of one successful settleFill activity at the risk engine (the order side and, for a house contra, that side too)',
  buckets: FAST_SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

const anomalies = new Counter({
  name: 'oms_order_anomalies_total',
  help: 'Order anomalies recorded for people to look at (refused fills, refused settlements), by kind',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const ordersStuck = new Gauge({
  name: 'oms_orders_stuck',
  help: 'Orders neither terminal nor resting whose last transition is older than ORDER_STUCK_SECONDS, by status',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

export function recordOrderPlaced(order: Pick<OrderView, 'symbol' | 'side' | 'type'>): void {
  placed.inc({ symbol: order.symbol, side: order.side, type: order.type });
}

/** One persisted transition (counted once: only when the store applied it, not on an activity retry). */
export function recordOrderTransition(order: OrderView, fill: boolean): void {
  transitions.inc({ status: order.status });
  const seconds = (Date.parse(order.updatedAt) - Date.parse(order.createdAt)) / 1_000;
  const elapsed = Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  if (order.status === 'ACCEPTED' && elapsed !== undefined) acceptLatency.observe(elapsed);
  if (isTerminal(order.status) && elapsed !== undefined) terminalLatency.observe({ status: order.status }, elapsed);
  if (order.status === 'REJECTED') rejections.inc({ reason: codeLabel(order.rejectReason) });
  if (fill) fills.inc({ symbol: order.symbol });
}

export function recordOrderAnomaly(kind: string): void {
  anomalies.inc({ kind: codeLabel(kind) });
}

/** The order sweeper's passes (workers/order-sweeper.ts): ok, error, or standby (another replica holds the lease). */
export const orderSweeps = new Counter({
  name: 'oms_order_sweeps_total',
  help: 'Passes of the order sweeper over the resting orders, by result (ok, error, standby: another worker holds the lease)',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

export const orderSweepChecked = new Counter({
  name: 'oms_order_sweep_orders_checked_total',
  help: 'Resting orders the sweeper compared with the venue',
  registers: [metricsRegistry],
});

export const orderSweepFindings = new Counter({
  name: 'oms_order_sweep_findings_total',
  help: "Resting orders whose state the venue did not share for longer than the grace, by finding (behind: the venue's fills or end were not applied; unknown_at_venue)",
  labelNames: ['finding'] as const,
  registers: [metricsRegistry],
});

export const orderSweepReconciles = new Counter({
  name: 'oms_order_sweep_reconciles_total',
  help: "Reconcile signals the sweeper sent to orders' workflows, by outcome (signalled, closed, not_found)",
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const orderSweepLastSuccess = new Gauge({
  name: 'oms_order_sweep_last_success_timestamp_seconds',
  help: 'When this worker last finished a pass of the order sweeper (0: never; a standby replica keeps 0)',
  registers: [metricsRegistry],
});

export const orderSweepLastCover = new Gauge({
  name: 'oms_order_sweep_last_cover_timestamp_seconds',
  help: 'When this worker\'s order sweeper last reached the last resting order, ending a cover of the whole book (one pass or several; 0: never)',
  registers: [metricsRegistry],
});
