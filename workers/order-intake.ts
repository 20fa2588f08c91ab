import type { OrderCreatedEvent } from '../domain/events';
import type { OrderSnapshot } from '../domain/order-snapshot';
import { PoisonMessageError } from '../infra/kafka/consumer';
import type { Logger } from '../infra/logger';
import type { OrderWorkflowGateway } from '../infra/temporal/order-workflows';

/** The NEW order an OrderCreated event carries, in the form the workflow starts from. */
export function snapshotFromCreated(event: OrderCreatedEvent): OrderSnapshot {
  const { averagePrice: _averagePrice, ...view } = event.order;
  if (view.status !== 'NEW' || view.version !== 1 || view.orderId !== event.orderId) {
    throw new PoisonMessageError('OrderCreated must carry its own order in status NEW at version 1', {
      orderId: event.orderId,
      status: view.status,
      version: view.version,
    });
  }
  return { ...view, filledNotional: '0', fillIds: [] };
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
