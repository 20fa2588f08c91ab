import type { VenueReport } from '../domain/venue-events';
import { PoisonMessageError } from '../infra/kafka/consumer';
import type { Logger } from '../infra/logger';
import type { OrderWorkflowGateway } from '../infra/temporal/order-workflows';

/**
 * Handles one venue report: signals the order's workflow. A report no running workflow can take
 * (unknown order, or one already finished) goes to the dead-letter topic with the reason; it never
 * blocks the partition. Redelivered reports are harmless: the workflow drops versions it has seen.
 * The venue's acknowledgement (ACCEPTED) is not signalled: it changes nothing of the order, and the workflow takes it
 * from the submit's answer (patch 'ack-with-submit'), so each order costs one signal (a Temporal action) fewer. An
 * order started before that patch asks the venue for it when its next report shows the gap (workflows/order-lifecycle.ts).
 * Nor is a report the submit's answer held (`inSubmitAnswer`: its workflow asked for the order's reports with the
 * answer, patch 'fills-with-submit'): the workflow has it from there, and an order filled on arrival has often ended
 * before the report gets here, where a signal would find its workflow closed.
 */
export function createVenueReportIntake(deps: { workflows: OrderWorkflowGateway; logger: Logger }) {
  return async (report: VenueReport): Promise<void> => {
    if (report.report.type === 'ACCEPTED' || report.inSubmitAnswer === true) return;
    const outcome = await deps.workflows.deliverVenueReport(report);
    if (outcome === 'delivered') {
      deps.logger.debug({ orderId: report.orderId, version: report.version, type: report.report.type }, 'venue_report.delivered');
      return;
    }
    throw new PoisonMessageError(
      outcome === 'closed' ? `order ${report.orderId} has finished; its workflow takes no more reports` : `no order workflow for ${report.orderId}`,
      { orderId: report.orderId, version: report.version, type: report.report.type },
    );
  };
}
