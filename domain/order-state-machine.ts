import { formatDecimal, ONE, type Scaled } from './decimal';
import type { ErrorCode } from './errors';
import { isTerminal, type CancelReason, type Order, type OrderStatus } from './order';

export type Liquidity = 'MAKER' | 'TAKER';

export interface FillCommand {
  type: 'FILL';
  fillId: string;
  quantity: Scaled;
  price: Scaled;
  /** In the quote asset; may be negative (a maker rebate). */
  fee: Scaled;
  liquidity: Liquidity;
  at: string;
}

export type OrderCommand =
  | { type: 'RISK_ACCEPTED'; at: string }
  | { type: 'RISK_REJECTED'; reason: string; at: string }
  /** atVenue: whether the order may be resting at the venue, so the venue must confirm the cancel. */
  /** reason: who cancelled (USER_CANCELLED when absent); recorded when the order ends CANCELLED without the venue. */
  | { type: 'CANCEL_REQUESTED'; atVenue: boolean; at: string; reason?: CancelReason }
  | FillCommand
  | { type: 'VENUE_CANCELLED'; reason: string; at: string }
  /** The venue refused the order when it arrived (e.g. a post-only order that would take): nothing traded. */
  | { type: 'VENUE_REJECTED'; reason: string; at: string }
  | { type: 'EXPIRED'; reason: string; at: string }
  | { type: 'SETTLED'; at: string };

export type TransitionResult =
  | { ok: true; changed: true; order: Order; from: OrderStatus; to: OrderStatus }
  | { ok: true; changed: false; order: Order; note: string }
  | { ok: false; code: ErrorCode; message: string };

export function remainingQuantity(order: Pick<Order, 'quantity' | 'filledQuantity'>): Scaled {
  return order.quantity - order.filledQuantity;
}

function changed(order: Order, at: string, patch: Partial<Order> & { status: OrderStatus }): TransitionResult {
  const next: Order = { ...order, ...patch, version: order.version + 1, updatedAt: at };
  return { ok: true, changed: true, order: next, from: order.status, to: next.status };
}

function unchanged(order: Order, note: string): TransitionResult {
  return { ok: true, changed: false, order, note };
}

function refused(code: ErrorCode, message: string): TransitionResult {
  return { ok: false, code, message };
}

function invalid(order: Order, cmd: OrderCommand): TransitionResult {
  return refused('INVALID_TRANSITION', `${cmd.type} is not allowed for an order in status ${order.status}`);
}

/**
 * The order state machine (DESIGN.md). Pure: the same order and command always give the same result,
 * so a workflow can replay it. A refused command leaves the order as it was.
 */
export function applyOrderCommand(order: Order, cmd: OrderCommand): TransitionResult {
  // Checked before anything else: a redelivered fill must be harmless whatever happened since.
  if (cmd.type === 'FILL' && order.fillIds.includes(cmd.fillId)) {
    return unchanged(order, `fill ${cmd.fillId} was already applied`);
  }
  if (isTerminal(order.status)) {
    return refused('ORDER_TERMINAL', `order ${order.orderId} is ${order.status}; nothing can change it`);
  }
  switch (cmd.type) {
    case 'RISK_ACCEPTED':
      return order.status === 'NEW' ? changed(order, cmd.at, { status: 'ACCEPTED' }) : invalid(order, cmd);
    case 'RISK_REJECTED':
      return order.status === 'NEW'
        ? changed(order, cmd.at, { status: 'REJECTED', rejectReason: cmd.reason, statusReason: cmd.reason })
        : invalid(order, cmd);
    case 'CANCEL_REQUESTED':
      return applyCancelRequest(order, cmd.atVenue, cmd.at, cmd.reason ?? 'USER_CANCELLED');
    case 'FILL':
      return applyFill(order, cmd);
    case 'VENUE_REJECTED':
      return (order.status === 'ACCEPTED' || order.status === 'PENDING_CANCEL') && order.filledQuantity === 0n
        ? changed(order, cmd.at, { status: 'REJECTED', rejectReason: cmd.reason, statusReason: cmd.reason })
        : invalid(order, cmd);
    case 'VENUE_CANCELLED':
      return isLiveAtVenue(order.status) ? changed(order, cmd.at, { status: 'CANCELLED', statusReason: cmd.reason }) : invalid(order, cmd);
    case 'EXPIRED':
      return isLiveAtVenue(order.status) ? changed(order, cmd.at, { status: 'EXPIRED', statusReason: cmd.reason }) : invalid(order, cmd);
    case 'SETTLED':
      return order.status === 'FILLED' ? changed(order, cmd.at, { status: 'SETTLED' }) : invalid(order, cmd);
  }
}

function isLiveAtVenue(status: OrderStatus): boolean {
  return status === 'ACCEPTED' || status === 'PARTIALLY_FILLED' || status === 'PENDING_CANCEL';
}

function applyCancelRequest(order: Order, atVenue: boolean, at: string, reason: CancelReason): TransitionResult {
  switch (order.status) {
    case 'NEW':
      // Not sent to the venue yet, so there is nothing to wait for.
      return changed(order, at, { status: 'CANCELLED', cancelRequested: true, statusReason: reason });
    case 'ACCEPTED':
    case 'PARTIALLY_FILLED':
      // At the venue the order ends when the venue confirms (VENUE_CANCELLED carries the reason then).
      return atVenue
        ? changed(order, at, { status: 'PENDING_CANCEL', cancelRequested: true })
        : changed(order, at, { status: 'CANCELLED', cancelRequested: true, statusReason: reason });
    case 'PENDING_CANCEL':
      return unchanged(order, 'a cancel is already pending at the venue');
    case 'FILLED':
      return unchanged(order, 'the order is already filled (settlement pending) and cannot be cancelled');
    default:
      // Terminal statuses were refused before we got here.
      return refused('INVALID_TRANSITION', `CANCEL_REQUESTED is not allowed for an order in status ${order.status}`);
  }
}

function applyFill(order: Order, fill: FillCommand): TransitionResult {
  // FILLED accepts the attempt only to report it as an overfill.
  if (!isLiveAtVenue(order.status) && order.status !== 'FILLED') return invalid(order, fill);
  if (fill.quantity <= 0n || fill.price <= 0n) {
    return refused('INVALID_TRANSITION', `fill ${fill.fillId} must have a positive quantity and price`);
  }
  const notionalAtDoubleScale = fill.price * fill.quantity;
  if (notionalAtDoubleScale % ONE !== 0n) {
    // Keeps filledNotional exact; only a fill off the tick/lot grid can get here.
    return refused('INVALID_TRANSITION', `fill ${fill.fillId}: price × quantity has more than 18 fractional digits`);
  }
  const filledQuantity = order.filledQuantity + fill.quantity;
  if (filledQuantity > order.quantity) {
    return refused(
      'OVERFILL',
      `fill ${fill.fillId} of ${formatDecimal(fill.quantity)} exceeds the remaining quantity ${formatDecimal(remainingQuantity(order))}`,
    );
  }
  const complete = filledQuantity === order.quantity;
  const status: OrderStatus = complete ? 'FILLED' : order.status === 'PENDING_CANCEL' ? 'PENDING_CANCEL' : 'PARTIALLY_FILLED';
  return changed(order, fill.at, {
    status,
    filledQuantity,
    filledNotional: order.filledNotional + notionalAtDoubleScale / ONE,
    fees: order.fees + fill.fee,
    fillIds: [...order.fillIds, fill.fillId],
  });
}
