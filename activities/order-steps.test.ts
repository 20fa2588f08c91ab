import { MockActivityEnvironment } from '@temporalio/testing';
import { toOrderView } from '../domain/order';
import { fromOrderSnapshot } from '../domain/order-snapshot';
import { sampleOrder } from '../test/harness/order-fixtures';
import { applyOrderCommand } from '../domain/order-state-machine';
import { toOrderSnapshot } from '../domain/order-snapshot';
import { arrivalTime, withOrderSteps, type OrderStep, type RecordTransitionInput, type SettleFillInput, type SettleOptions } from './order-activities';

/**
 * runSteps' bookkeeping of the first batch (NEW, then the risk check) over recording fakes: which calls it makes, in
 * which order, and what a failed attempt heartbeats. The stores and services behind the calls have their own tests
 * (order-activities.integration.test.ts runs the same batch against the real ones).
 */
describe('runSteps over recording fakes', () => {
  type Call = { name: string; args: unknown[] };

  function fakes(options: { holdFails?: boolean; settleReleases?: boolean } = {}) {
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
      async orderAtVenue(): Promise<never> {
        throw new Error('not in these batches');
      },
      // As the risk engine: with `release` it releases after settling, unless it is one from before the option.
      async settleFill(input: SettleFillInput, settleOptions?: SettleOptions) {
        call('settleFill', input.fillId, settleOptions ?? null);
        const released = settleOptions?.release === true && options.settleReleases !== false ? { released: true } : {};
        return { fee: '7.5', feeAsset: 'USD', ...released };
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

  describe('a settle step with recordFill', () => {
    // The order as the workflow has it when the fill arrives: ACCEPTED, 0.5 BTC open.
    const accepted = applyOrderCommand(fromOrderSnapshot(order), { type: 'RISK_ACCEPTED', at: '2026-01-01T00:00:01.000Z' });
    if (!accepted.ok) throw new Error('ACCEPTED refused');
    const fill = (quantity: string): SettleFillInput => ({
      orderId: order.orderId,
      accountId: order.accountId,
      symbol: 'BTC-USD',
      side: 'BUY',
      fillId: `t-${quantity}:${order.orderId}`,
      tradeId: `t-${quantity}`,
      quantity,
      price: '30000',
      liquidity: 'TAKER',
    });
    const settleBatch = (quantity: string): OrderStep[] => [{ settle: fill(quantity), recordFill: { order: toOrderSnapshot(accepted.order), at: '2026-01-01T00:00:02.000Z' } }];

    it('releases with the settlement of the fill that completes the order: no release call of its own', async () => {
      const { activities, calls } = fakes();
      const { outcome } = await run(activities, settleBatch('0.5'));
      expect(calls).toEqual([
        { name: 'settleFill', args: [`t-0.5:${order.orderId}`, { release: true }] },
        { name: 'recordTransitions', args: [['FILLED', 'SETTLED']] },
      ]);
      // The workflow's answer is the fee alone, as before (what it replays).
      expect(outcome).toEqual({ value: { settled: { fee: '7.5', feeAsset: 'USD' }, recorded: expect.objectContaining({ status: 'SETTLED' }) } });
    });

    it('asks no release with a fill that leaves some of the order open', async () => {
      const { activities, calls } = fakes();
      await run(activities, settleBatch('0.2'));
      expect(calls).toEqual([
        { name: 'settleFill', args: [`t-0.2:${order.orderId}`, null] },
        { name: 'recordTransition', args: ['PARTIALLY_FILLED'] },
      ]);
    });

    it('releases on its own, before FILLED and SETTLED, when the settlement did not release (a risk engine from before the option)', async () => {
      const { activities, calls } = fakes({ settleReleases: false });
      await run(activities, settleBatch('0.5'));
      expect(calls).toEqual([
        { name: 'settleFill', args: [`t-0.5:${order.orderId}`, { release: true }] },
        { name: 'releaseFunds', args: [order.orderId] },
        { name: 'recordTransitions', args: [['FILLED', 'SETTLED']] },
      ]);
    });

    it('settles alone in a batch without recordFill (a workflow from before settle-and-record releases on its own)', async () => {
      const { activities, calls } = fakes();
      const { outcome } = await run(activities, [{ settle: fill('0.5') }]);
      expect(calls).toEqual([{ name: 'settleFill', args: [`t-0.5:${order.orderId}`, null] }]);
      expect(outcome).toEqual({ value: { settled: { fee: '7.5', feeAsset: 'USD' } } });
    });
  });
});

describe('arrivalTime: when the check step records the fills of the submit\'s answer', () => {
  const checkAt = '2026-12-06T12:00:00.000Z';
  const fill = (occurredAt: string) => ({ occurredAt });

  it('is now, after the check and the venue\'s fills', () => {
    expect(arrivalTime(checkAt, [fill('2026-12-06T12:00:00.004Z')], Date.parse('2026-12-06T12:00:00.009Z'))).toBe('2026-12-06T12:00:00.009Z');
  });

  it('is never before the check (the workflow\'s clock) nor the venue\'s latest fill (another clock)', () => {
    const now = Date.parse('2026-12-06T11:59:59.990Z');
    expect(arrivalTime(checkAt, [], now)).toBe(checkAt);
    expect(arrivalTime(checkAt, [fill('2026-12-06T12:00:00.020Z'), fill('2026-12-06T12:00:00.030Z')], now)).toBe('2026-12-06T12:00:00.030Z');
  });

  it('ignores a time it cannot read', () => {
    expect(arrivalTime(checkAt, [fill('not a time')], Date.parse('2026-12-06T12:00:01.000Z'))).toBe('2026-12-06T12:00:01.000Z');
  });
});
