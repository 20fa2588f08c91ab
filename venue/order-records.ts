import { formatDecimal, parseDecimal } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import { toVenueOrder, type VenueFillRecord, type VenueOrder, type VenueOrderRecord } from '../domain/venue-order';
import type { EngineOrder } from './engine-types';
import type { VenueOrderRequest } from './schemas';

/** A user order as the venue holds it in memory: its committed record and fills. */
export interface KnownOrder {
  record: VenueOrderRecord;
  fills: VenueFillRecord[];
}

/** The record of an order about to be submitted; the engine's answer decides its status. */
export function newRecord(request: VenueOrderRequest, arrival: number, nowIso: string): VenueOrderRecord {
  const quantity = formatDecimal(request.quantity);
  return {
    orderId: request.orderId,
    accountId: request.accountId,
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    quantity,
    price: request.price === null ? null : formatDecimal(request.price),
    protectionPrice: request.protectionPrice === null ? null : formatDecimal(request.protectionPrice),
    timeInForce: request.timeInForce,
    postOnly: request.postOnly,
    status: 'OPEN',
    filledQuantity: '0',
    remaining: quantity,
    cancelledQuantity: '0',
    reason: null,
    arrival,
    // The ACCEPTED or REJECTED report will be number 1.
    version: 0,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
}

/** The order's terms for the engine, at its original quantity. */
export function engineTerms(record: VenueOrderRecord): EngineOrder {
  return {
    orderId: record.orderId,
    accountId: record.accountId,
    side: record.side,
    type: record.type,
    price: record.price === null ? null : parseDecimal(record.price),
    protectionPrice: decimalOrNull(record.protectionPrice),
    quantity: parseDecimal(record.quantity),
    timeInForce: record.timeInForce,
    postOnly: record.postOnly,
  };
}

/** A repeated orderId must repeat the order: anything else is a caller's bug, not a second order. */
export function assertSameTerms(record: VenueOrderRecord, request: VenueOrderRequest): void {
  const price = record.price === null ? null : parseDecimal(record.price);
  const differences = [
    record.accountId !== request.accountId && 'accountId',
    record.symbol !== request.symbol && 'symbol',
    record.side !== request.side && 'side',
    record.type !== request.type && 'type',
    parseDecimal(record.quantity) !== request.quantity && 'quantity',
    price !== request.price && 'price',
    decimalOrNull(record.protectionPrice) !== request.protectionPrice && 'protectionPrice',
    record.timeInForce !== request.timeInForce && 'timeInForce',
    record.postOnly !== request.postOnly && 'postOnly',
  ].filter((d): d is string => d !== false);
  if (differences.length > 0) {
    throw new DomainError('IDEMPOTENCY_KEY_REUSED', `order ${record.orderId} already exists with a different ${differences.join(', ')}`, {
      orderId: record.orderId,
      differences,
    });
  }
}

export function orderView(known: KnownOrder): VenueOrder {
  return toVenueOrder(known.record, known.fills);
}

/** An optional decimal field of a record (absent in records written before the field existed). */
function decimalOrNull(text: string | null | undefined): bigint | null {
  return text === null || text === undefined ? null : parseDecimal(text);
}
