import type { VenueReport } from '../domain/venue-events';
import type { VenueOrderTruth } from '../domain/venue-reconciliation';
import type { VenueOrderState } from '../infra/http/venue-client';
import { PoisonMessageError } from '../infra/kafka/consumer';
import { createLogger } from '../infra/logger';
import type { OrderAnomaly } from '../infra/mongo/order-anomaly-store';
import type { OrderWorkflowGateway } from '../infra/temporal/order-workflows';
import { createVenueReportIntake, UNCONFIRMED_VENUE_REPORT } from './venue-report-intake';

const FILL = { type: 'FILL', fillId: 'T1:o-1', tradeId: 'T1', side: 'SELL', price: '30000', quantity: '0.1', liquidity: 'MAKER', remaining: '0.2' } as const;
const report = (over: Partial<VenueReport> = {}): VenueReport => ({
  eventId: 'o-1:2',
  eventType: 'VenueReport',
  occurredAt: '2030-01-01T00:00:02.000Z',
  version: 2,
  orderId: 'o-1',
  accountId: 'acct-1',
  symbol: 'BTC-USD',
  report: FILL,
  ...over,
});
const venueTruth: VenueOrderTruth & { filledQuantity: string } = {
  orderId: 'o-1',
  accountId: 'acct-1',
  symbol: 'BTC-USD',
  status: 'PARTIALLY_FILLED',
  remaining: '0.2',
  cancelledQuantity: '0',
  reason: null,
  version: 2,
  updatedAt: '2030-01-01T00:00:02.000Z',
  filledQuantity: '0.1',
  fills: [{ ...FILL, version: 2, occurredAt: '2030-01-01T00:00:02.000Z' }],
};

/** Pure unit test of the intake's decisions; the real topic, venue and workflow are in test/orders/trading-faults.test.ts. */
function intakeWith(answer: () => Promise<VenueOrderState | null>) {
  const delivered: VenueReport[] = [];
  const asked: string[] = [];
  const anomalies: OrderAnomaly[] = [];
  const workflows = {
    deliverVenueReport: (r: VenueReport) => {
      delivered.push(r);
      return Promise.resolve('delivered' as const);
    },
  } as unknown as OrderWorkflowGateway;
  const intake = createVenueReportIntake({
    workflows,
    venue: {
      order: (orderId: string) => {
        asked.push(orderId);
        return answer();
      },
    },
    anomalies: {
      record: (anomaly: OrderAnomaly) => {
        anomalies.push(anomaly);
        return Promise.resolve();
      },
    },
    logger: createLogger({ name: 'intake-test', level: 'silent' }),
  });
  return { intake, delivered, asked, anomalies };
}

describe('venue report intake', () => {
  it('signals a report the venue stands by', async () => {
    const { intake, delivered, asked, anomalies } = intakeWith(() => Promise.resolve(venueTruth));
    await intake(report());
    expect(asked).toEqual(['o-1']);
    expect(delivered).toEqual([report()]);
    expect(anomalies).toEqual([]);
  });

  it('refuses one the venue does not stand by: an anomaly and the dead letters, never the workflow', async () => {
    const { intake, delivered, anomalies } = intakeWith(() => Promise.resolve(venueTruth));
    const altered = report({ report: { ...FILL, quantity: '0.3', remaining: '0' } });
    await expect(intake(altered)).rejects.toBeInstanceOf(PoisonMessageError);
    expect(delivered).toEqual([]);
    expect(anomalies).toEqual([
      { orderId: 'o-1', accountId: 'acct-1', kind: UNCONFIRMED_VENUE_REPORT, version: 2, details: { version: 2, eventId: 'o-1:2', type: 'FILL', report: altered.report } },
    ]);
  });

  it('refuses any report of an order the venue does not know', async () => {
    const { intake, delivered, anomalies } = intakeWith(() => Promise.resolve(null));
    await expect(intake(report({ report: { type: 'CANCELLED', reason: 'USER', remaining: '0.3' } }))).rejects.toBeInstanceOf(PoisonMessageError);
    expect(delivered).toEqual([]);
    expect(anomalies.map((a) => a.kind)).toEqual([UNCONFIRMED_VENUE_REPORT]);
  });

  it('fails, without a dead letter or an anomaly, when the venue cannot be asked: the consumer retries the message', async () => {
    const { intake, delivered, anomalies } = intakeWith(() => Promise.reject(new Error('connect ECONNREFUSED')));
    const failure = await intake(report()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(PoisonMessageError);
    expect(delivered).toEqual([]);
    expect(anomalies).toEqual([]);
  });

  it('asks nothing about a report it does not signal: an acknowledgement, or one the submit answered', async () => {
    const { intake, delivered, asked } = intakeWith(() => Promise.resolve(venueTruth));
    await intake(report({ version: 1, report: { type: 'ACCEPTED' } }));
    await intake(report({ inSubmitAnswer: true }));
    expect(asked).toEqual([]);
    expect(delivered).toEqual([]);
  });
});
