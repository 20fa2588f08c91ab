import type { OrderCreatedEvent } from '../domain/events';
import type { OrderSnapshot } from '../domain/order-snapshot';
import { PoisonMessageError } from '../infra/kafka/consumer';
import type { Logger } from '../infra/logger';
import type { OrderWorkflowGateway } from '../infra/temporal/order-workflows';

/** The NEW order an OrderCreated event carries: the snapshot the workflow starts from, as it is. */
export function snapshotFromCreated(event: OrderCreatedEvent): OrderSnapshot {
  const order = event.order;
  if (order.status !== 'NEW' || order.version !== 1 || order.orderId !== event.orderId) {
    throw new PoisonMessageError('OrderCreated must carry its own order in status NEW at version 1', {
      orderId: event.orderId,
      status: order.status,
      version: order.version,
    });
  }
  return order;
}

/**
 * Handles one OrderCreated: starts the order's workflow. A redelivered event finds the workflow
 * already there (REJECT_DUPLICATE) and counts as done, so the offset is committed either way.
 */
export function createOrderIntake(deps: { workflows: OrderWorkflowGateway; logger: Logger }) {
  return async (event: OrderCreatedEvent): Promise<'started' | 'duplicate'> => {
    const outcome = await deps.workflows.start(snapshotFromCreated(event));
    deps.logger.info({ orderId: event.orderId, outcome }, outcome === 'started' ? 'order.workflow_started' : 'order.workflow_duplicate');
    return outcome;
  };
}
