import { formatDecimal, parseDecimal } from './decimal';
import type { Order } from './order';

/**
 * The whole internal order in wire form (decimals as strings), for Temporal payloads: workflow
 * input and continue-as-new carry it, so nothing (fill ids, exact notional) is lost on the way.
 */
export interface OrderSnapshot {
  orderId: string;
  clientOrderId: string | null;
  accountId: string;
  symbol: string;
  side: Order['side'];
  type: Order['type'];
  quantity: string;
  price: string | null;
  timeInForce: Order['timeInForce'];
  expireAt: string | null;
  postOnly: boolean;
  status: Order['status'];
  filledQuantity: string;
  filledNotional: string;
  fees: string;
  rejectReason: string | null;
  cancelRequested: boolean;
  fillIds: string[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toOrderSnapshot(order: Order): OrderSnapshot {
  return {
    ...order,
    quantity: formatDecimal(order.quantity),
    price: order.price === null ? null : formatDecimal(order.price),
    filledQuantity: formatDecimal(order.filledQuantity),
    filledNotional: formatDecimal(order.filledNotional),
    fees: formatDecimal(order.fees),
    fillIds: [...order.fillIds],
  };
}

export function fromOrderSnapshot(snapshot: OrderSnapshot): Order {
  return {
    ...snapshot,
    quantity: parseDecimal(snapshot.quantity),
    price: snapshot.price === null ? null : parseDecimal(snapshot.price),
    filledQuantity: parseDecimal(snapshot.filledQuantity),
    filledNotional: parseDecimal(snapshot.filledNotional),
    fees: parseDecimal(snapshot.fees),
    fillIds: [...snapshot.fillIds],
  };
}
