import type { VenueReport } from '../domain/venue-events';
import { venueStandsBy } from '../domain/venue-reconciliation';
import type { VenueClient } from '../infra/http/venue-client';
import { PoisonMessageError } from '../infra/kafka/consumer';
import type { Logger } from '../infra/logger';
import { keepAnomaly, type OrderAnomalyStore } from '../infra/mongo/order-anomaly-store';
import type { OrderWorkflowGateway } from '../infra/temporal/order-workflows';

/** The anomaly (and its metric's kind) of a report the venue does not stand by. */
export const UNCONFIRMED_VENUE_REPORT = 'VENUE_REPORT_UNCONFIRMED';

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
 *
 * Every report it signals is first confirmed by the venue itself (GET /venue/orders/:id, a signed call): the topic is
 * written by whoever holds the Kafka credentials, which every service does, and a signalled fill is settled, a
 * signalled cancel releases the hold. So money moves only through reports the venue stands by (venueStandsBy). One it
 * does not is recorded as the order's anomaly (VENUE_REPORT_UNCONFIRMED, critical alert VenueReportUnconfirmed) and goes to the dead
 * letters, never to the workflow; a venue that cannot be asked fails the message, which the consumer retries.
 */
export function createVenueReportIntake(deps: {
  workflows: OrderWorkflowGateway;
  venue: Pick<VenueClient, 'order'>;
  anomalies: Pick<OrderAnomalyStore, 'record'>;
  logger: Logger;
}) {
  return async (report: VenueReport): Promise<void> => {
    if (report.report.type === 'ACCEPTED' || report.inSubmitAnswer === true) return;
    if (!venueStandsBy(report, await deps.venue.order(report.orderId))) {
      const details = { version: report.version, eventId: report.eventId, type: report.report.type, report: report.report };
      deps.logger.error({ orderId: report.orderId, ...details }, 'venue_report.unconfirmed');
      await keepAnomaly(deps.anomalies, { orderId: report.orderId, accountId: report.accountId, kind: UNCONFIRMED_VENUE_REPORT, version: report.version, details });
      throw new PoisonMessageError(`the venue does not stand by report ${report.version} of order ${report.orderId}`, { orderId: report.orderId, version: report.version, type: report.report.type });
    }
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
