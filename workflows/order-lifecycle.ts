import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/order-activities';
import { isErrorCode } from '../domain/errors';
import { isTerminal, toOrderView, type Order, type OrderView } from '../domain/order';
import { applyOrderCommand, type OrderCommand } from '../domain/order-state-machine';
import { fromOrderSnapshot, type OrderSnapshot } from '../domain/order-snapshot';
import { OrderStatusKey } from './search-attributes';

export interface OrderLifecycleInput {
  order: OrderSnapshot;
}

export interface CancelRequest {
  reason?: string;
}

/** Asks the order to cancel; a cancel of a finished order changes nothing. */
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');
/** The order as the workflow knows it right now (wire form). */
export const getOrderQuery = defineQuery<OrderView>('getOrder');

// Persistence and publishing must eventually succeed: retry without a limit, backing off to 10 s.
const { recordTransition } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

// Funds: a business refusal is a non-retryable ApplicationFailure (type = error code); anything
// else (store down, timeout) is retried, never turned into a rejection.
const { reserveFunds, releaseFunds } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/**
 * One order's whole life as a durable workflow (DESIGN.md, Order state machine). Every transition
 * goes through the pure state machine, then is persisted, published and mirrored into search attributes.
 */
export async function orderLifecycle(input: OrderLifecycleInput): Promise<OrderView> {
  let order: Order = fromOrderSnapshot(input.order);
  let cancelRequested = order.cancelRequested;

  setHandler(cancelSignal, () => {
    cancelRequested = true;
  });
  setHandler(getOrderQuery, () => toOrderView(order));

  const apply = async (command: OrderCommand, reason?: string): Promise<void> => {
    const result = applyOrderCommand(order, command);
    if (!result.ok) {
      // The workflow only issues commands its own state allows; a refusal here is a bug, not input.
      throw ApplicationFailure.nonRetryable(`${command.type} refused in ${order.status}: ${result.message}`, result.code);
    }
    if (!result.changed) return;
    order = result.order;
    await publishState(order, result.from, reason);
  };

  const now = () => new Date().toISOString();

  await publishState(order, null);

  if (cancelRequested) {
    await apply({ type: 'CANCEL_REQUESTED', atVenue: false, at: now() }, 'cancelled before risk check');
    return toOrderView(order);
  }

  const refusal = await reserve(order);
  if (refusal !== undefined) {
    await apply({ type: 'RISK_REJECTED', reason: refusal, at: now() }, refusal);
    return toOrderView(order);
  }
  await apply({ type: 'RISK_ACCEPTED', at: now() });

  // Routing to the venue and fills come with the venue; until then an accepted order rests here.
  await condition(() => cancelRequested);
  await releaseFunds({ accountId: order.accountId, orderId: order.orderId });
  await apply({ type: 'CANCEL_REQUESTED', atVenue: false, at: now() }, 'cancelled by the trader');

  if (!isTerminal(order.status)) log.warn('order workflow ending before a terminal state', { status: order.status });
  return toOrderView(order);
}

/** Places the order's hold; the error code of a business refusal, or undefined when accepted. */
async function reserve(order: Order): Promise<string | undefined> {
  try {
    await reserveFunds(toOrderView(order));
    return undefined;
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && isErrorCode(error.cause.type)) {
      return error.cause.type;
    }
    throw error;
  }
}

async function publishState(order: Order, previousStatus: Order['status'] | null, reason?: string): Promise<void> {
  upsertSearchAttributes([{ key: OrderStatusKey, value: order.status }]);
  setCurrentDetails(describe(order, reason));
  await recordTransition({ order: toOrderView(order), previousStatus, ...(reason === undefined ? {} : { reason }) });
}

/** A line for ops in the Temporal UI (User Metadata): the order's state in plain words. */
function describe(order: Order, reason?: string): string {
  const view = toOrderView(order);
  const price = view.price === null ? 'MARKET' : `@ ${view.price}`;
  const why = reason === undefined ? '' : ` (${reason})`;
  return `**${view.status}**${why}: ${view.side} ${view.quantity} ${view.symbol} ${price}, filled ${view.filledQuantity}, version ${view.version}`;
}
