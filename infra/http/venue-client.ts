import type { OrderView } from '../../domain/order';
import type { VenueOrder, VenueOrderStates } from '../../domain/venue-order';
import type { VenueOrderTruth } from '../../domain/venue-reconciliation';
import { callJson, serviceError, type ServiceEndpoint, type ServiceError } from './http-json';

/** The venue's answer about one order (domain/venue-order.ts VenueOrder), as far as the order activities read it. */
export type VenueOrderState = VenueOrderTruth & Pick<VenueOrder, 'filledQuantity'>;

/** An accepted order as the workflow sends it to the venue: a MARKET order with its protection price. */
export type SubmitToVenue = OrderView & { protectionPrice?: string; reportsInAnswer?: boolean };

type Answer<T> = { ok: true; value: T } | { ok: false; status: number; error: ServiceError };

/** The venue's order-entry HTTP API, as the order activities use it. */
export class VenueClient {
  constructor(private readonly service: ServiceEndpoint) {}

  /**
   * Idempotent by orderId: a repeat answers the order's current state, never a second order. `reportsInAnswer`: the
   * caller takes the reports this submit makes of the order from the answer (the venue marks them `inSubmitAnswer`).
   */
  async submit(order: SubmitToVenue): Promise<Answer<VenueOrderState>> {
    const response = await callJson(this.service, 'POST', '/venue/orders', {
      orderId: order.orderId,
      accountId: order.accountId,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      quantity: order.quantity,
      price: order.price,
      timeInForce: order.timeInForce,
      postOnly: order.postOnly,
      ...(order.protectionPrice === undefined ? {} : { protectionPrice: order.protectionPrice }),
      ...(order.reportsInAnswer === true ? { reportsInAnswer: true } : {}),
    });
    return response.status === 200 ? { ok: true, value: response.body as VenueOrderState } : { ok: false, status: response.status, error: serviceError(response) };
  }

  async cancel(orderId: string, reason: 'USER' | 'GTD_EXPIRED'): Promise<Answer<VenueOrderState>> {
    const response = await callJson(this.service, 'POST', `/venue/orders/${encodeURIComponent(orderId)}/cancel`, { reason });
    return response.status === 200 ? { ok: true, value: response.body as VenueOrderState } : { ok: false, status: response.status, error: serviceError(response) };
  }

  async order(orderId: string): Promise<VenueOrderState | null> {
    const response = await callJson(this.service, 'GET', `/venue/orders/${encodeURIComponent(orderId)}`);
    if (response.status === 404) return null;
    if (response.status !== 200) throw new Error(`venue order ${orderId} answered ${response.status}: ${serviceError(response).message}`);
    return response.body as VenueOrderState;
  }

  /**
   * The venue's state of each order (at most 500 ids a call, and the 16 KB body limit holds about 400 UUIDs), in the
   * order asked, a repeated id once; `missing`: the ids the venue never saw. For the reconciliation sweeper.
   */
  async orderStates(orderIds: readonly string[]): Promise<VenueOrderStates> {
    const response = await callJson(this.service, 'POST', '/venue/orders/states', { orderIds });
    if (response.status !== 200) throw new Error(`venue order states of ${orderIds.length} orders answered ${response.status}: ${serviceError(response).message}`);
    return response.body as VenueOrderStates;
  }
}
