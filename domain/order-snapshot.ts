import type * as v from 'valibot';
import { formatDecimal, parseDecimal } from './decimal';
import type { OrderSnapshotSchema } from './events';
import type { Order } from './order';

/** The whole internal order in wire form (decimals as strings): see OrderSnapshotSchema. */
export type OrderSnapshot = v.InferOutput<typeof OrderSnapshotSchema>;

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
