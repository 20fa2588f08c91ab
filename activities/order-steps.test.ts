import { MockActivityEnvironment } from '@temporalio/testing';
import { toOrderView } from '../domain/order';
import { fromOrderSnapshot } from '../domain/order-snapshot';
import { sampleOrder } from '../test/harness/order-fixtures';
import { withOrderSteps, type OrderStep, type RecordTransitionInput } from './order-activities';

/**
 * runSteps' bookkeeping of the first batch (NEW, then the risk check) over recording fakes: which calls it makes, in
 * which order, and what a failed attempt heartbeats. The stores and services behind the calls have their own tests
 * (order-activities.integration.test.ts runs the same batch against the real ones).
 */
describe('runSteps: NEW and the risk check', () => {
  type Call = { name: string; args: unknown[] };

  function fakes(options: { holdFails?: boolean } = {}) {
    const calls: Call[] = [];
    const call = (name: string, ...args: unknown[]) => {
      calls.push({ name, args });
    };
    const activities = withOrderSteps({
      async recordTransition(input: RecordTransitionInput) {
        call('recordTransition', input.order.status);
      },
      async recordTransitions(inputs: RecordTransitionInput[]) {
        call('recordTransitions', inputs.map((i) => i.order.status));
      },
      async recordDecision(input: RecordTransitionInput, preceding: RecordTransitionInput[] = []) {
        call('recordDecision', input.order.status, preceding.map((p) => p.order.status));
        return input;
      },
      async releaseFunds(input: { accountId: string; orderId: string }) {
        call('releaseFunds', input.orderId);
      },
      async reserveFunds() {
        call('reserveFunds');
        if (options.holdFails === true) throw new Error('risk engine unavailable (transient)');
        return { asset: 'USD', amount: '15000' };
      },
      async submitToVenue(): Promise<never> {
        throw new Error('not in these batches');
      },
      async settleFill(): Promise<never> {
        throw new Error('not in these batches');
      },
      async cancelAtVenue() {
        call('cancelAtVenue');
      },
    });
    return { activities, calls };
  }

  const order = sampleOrder('o-steps');
  const newRecord: RecordTransitionInput = { order: toOrderView(fromOrderSnapshot(order)), previousStatus: null };
  const firstBatch: OrderStep[] = [{ record: newRecord }, { check: { order, at: '2026-01-01T00:00:01.000Z' } }];

  async function run(activities: ReturnType<typeof fakes>['activities'], steps: OrderStep[], info: { attempt?: number; heartbeatDetails?: unknown } = {}) {
    const env = new MockActivityEnvironment({ attempt: info.attempt ?? 1, ...(info.heartbeatDetails === undefined ? {} : { heartbeatDetails: info.heartbeatDetails }) });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const outcome = await env.run(activities.runSteps, { steps }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    return { outcome, heartbeats };
  }

  it('records NEW with the decision: no write of NEW on its own', async () => {
    const { activities, calls } = fakes();
    const { outcome, heartbeats } = await run(activities, firstBatch);
    expect(outcome).toEqual({ value: { decision: { accepted: true, hold: { asset: 'USD', amount: '15000' } } } });
    expect(calls).toEqual([
      { name: 'reserveFunds', args: [] },
      { name: 'recordDecision', args: ['ACCEPTED', ['NEW']] },
    ]);
    expect(heartbeats).toEqual([]);
  });

  it('records NEW on its own when the hold fails, and heartbeats that it is done', async () => {
    const { activities, calls } = fakes({ holdFails: true });
    const { outcome, heartbeats } = await run(activities, firstBatch);
    expect(outcome).toEqual({ error: expect.objectContaining({ message: 'risk engine unavailable (transient)' }) });
    expect(calls).toEqual([
      { name: 'reserveFunds', args: [] },
      { name: 'recordTransition', args: ['NEW'] },
    ]);
    expect(heartbeats).toEqual([1]);
  });

  it('a retry that starts after NEW checks and records the decision alone', async () => {
    const { activities, calls } = fakes();
    const { outcome } = await run(activities, firstBatch, { attempt: 2, heartbeatDetails: 1 });
    expect(outcome).toEqual({ value: { decision: expect.objectContaining({ accepted: true }) } });
    expect(calls).toEqual([
      { name: 'reserveFunds', args: [] },
      { name: 'recordDecision', args: ['ACCEPTED', []] },
    ]);
  });

  it('records a transition that is not the checked order\'s NEW on its own, as before', async () => {
    const { activities, calls } = fakes();
    const other = { ...newRecord, order: { ...newRecord.order, orderId: 'o-other' } };
    await run(activities, [{ record: other }, { check: { order, at: '2026-01-01T00:00:01.000Z' } }]);
    expect(calls.map((c) => c.name).sort()).toEqual(['recordDecision', 'recordTransition', 'reserveFunds']);
    expect(calls.find((c) => c.name === 'recordDecision')?.args).toEqual(['ACCEPTED', []]);
  });
});
