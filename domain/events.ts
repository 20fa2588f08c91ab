import * as v from 'valibot';
import { tryParseDecimal } from './decimal';
import { ORDER_SIDES, ORDER_STATUSES, ORDER_TYPES, parseIsoTimestamp, TIME_IN_FORCES } from './order';

/**
 * The events on Kafka, validated with these same schemas by producer and consumer
 * (DESIGN.md, Contracts: a common envelope `{ eventId, eventType, occurredAt, version, orderId?, ...payload }`).
 */
export const DecimalStringSchema = v.pipe(
  v.string(),
  v.check((text) => tryParseDecimal(text).ok, 'must be a decimal string'),
);

export const IsoTimestampSchema = v.pipe(
  v.string(),
  v.check((text) => parseIsoTimestamp(text) !== undefined, 'must be an ISO-8601 timestamp with a zone'),
);

const IdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(128));

/** The fields every wire form of an order has (decimals as strings), in two parts so the view keeps its field order. */
const orderHead = {
  orderId: IdSchema,
  clientOrderId: v.nullable(v.string()),
  accountId: IdSchema,
  symbol: v.string(),
  side: v.picklist(ORDER_SIDES),
  type: v.picklist(ORDER_TYPES),
  quantity: DecimalStringSchema,
  price: v.nullable(DecimalStringSchema),
  timeInForce: v.picklist(TIME_IN_FORCES),
  expireAt: v.nullable(IsoTimestampSchema),
  postOnly: v.boolean(),
  status: v.picklist(ORDER_STATUSES),
  filledQuantity: DecimalStringSchema,
};
const orderTail = {
  fees: DecimalStringSchema,
  rejectReason: v.nullable(v.string()),
  /** Why it ended REJECTED, CANCELLED or EXPIRED (domain/order.ts ORDER_STATUS_REASONS, or a risk refusal's code). */
  statusReason: v.optional(v.nullable(v.string()), null),
  cancelRequested: v.boolean(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  createdAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
};

/**
 * The whole internal order in wire form: what `OrderCreated` carries, what the pending-order cache keeps and what
 * the workflow starts (and continues as new) from, so nothing (fill ids, exact notional) is lost on the way.
 * Maps to and from the domain `Order` in domain/order-snapshot.ts.
 */
export const OrderSnapshotSchema = v.object({
  ...orderHead,
  /** Sum of price × quantity over applied fills, exact. */
  filledNotional: DecimalStringSchema,
  ...orderTail,
  /** Ids of applied fills, so a redelivered fill is recognised and ignored. */
  fillIds: v.array(v.pipe(v.string(), v.minLength(1))),
});

/**
 * The order as readers see it: API answers, `ExecutionReport`s, the Mongo `orders` document. The snapshot without
 * its bookkeeping (fill ids, notional), with the average price instead. Built by `toOrderView` in domain/order.ts.
 */
export const OrderViewSchema = v.object({
  ...orderHead,
  averagePrice: v.nullable(DecimalStringSchema),
  ...orderTail,
});

const envelope = {
  eventId: IdSchema,
  occurredAt: IsoTimestampSchema,
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
};

/** Published by the order API to `orders` (key orderId) once the request is validated. */
export const OrderCreatedEventSchema = v.object({
  ...envelope,
  eventType: v.literal('OrderCreated'),
  orderId: IdSchema,
  /** The NEW order at version 1. */
  order: OrderSnapshotSchema,
});
export type OrderCreatedEvent = v.InferOutput<typeof OrderCreatedEventSchema>;

/** One execution of an order as the order applied it: the venue's fill plus the fee the risk engine charged. */
export const FillFactsSchema = v.object({
  fillId: IdSchema,
  tradeId: IdSchema,
  price: DecimalStringSchema,
  quantity: DecimalStringSchema,
  liquidity: v.picklist(['MAKER', 'TAKER']),
  fee: DecimalStringSchema,
  feeAsset: v.string(),
});
export type FillFacts = v.InferOutput<typeof FillFactsSchema>;

/** One execution of one order as the order API shows it (GET /api/orders/:id/fills, GET /api/fills). */
export const FillViewSchema = v.object({
  ...FillFactsSchema.entries,
  orderId: IdSchema,
  accountId: IdSchema,
  symbol: v.string(),
  side: v.picklist(ORDER_SIDES),
  executedAt: IsoTimestampSchema,
});
export type FillView = v.InferOutput<typeof FillViewSchema>;

/** Published by the order workflow to `executions` (key orderId) on every transition. */
export const ExecutionReportSchema = v.object({
  ...envelope,
  eventType: v.literal('ExecutionReport'),
  orderId: IdSchema,
  accountId: IdSchema,
  status: v.picklist(ORDER_STATUSES),
  previousStatus: v.nullable(v.picklist(ORDER_STATUSES)),
  order: OrderViewSchema,
  reason: v.optional(v.string()),
  /** Present when the transition applied a fill. */
  fill: v.optional(FillFactsSchema),
});
export type ExecutionReport = v.InferOutput<typeof ExecutionReportSchema>;

/** Event ids are derived, not random, so a retried publish carries the same id and readers can dedupe. */
export function orderEventId(orderId: string, version: number): string {
  return `${orderId}:${version}`;
}
