import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestWorkflowEnvironment } from '../test/harness/temporal-env';
import { fakeOrderActivities, fillReport, sampleOrder, venueReport, withoutCheckAndRoute, withoutSettleAndRecord } from '../test/harness/order-fixtures';
import { withOrderSteps, type OrderActivities } from '../activities/order-activities';
import type { VenueOrderState } from '../infra/http/venue-client';
import { WORKFLOW_TRACING_MODULES, workerTracing } from '../infra/telemetry/temporal-tracing';
import { workflowPreloadFiles } from '../infra/temporal/workflow-preload';
import { tracingOff } from '../infra/telemetry/tracing';
import { cancelSignal, getOrderQuery, orderWorkflowId, OrderStatusKey, reconcileSignal, venueReportSignal, type OrderLifecycleInput } from './order-contract';
import { orderLifecycle } from './order-lifecycle';

// Each test runs a worker against the real server: a few take 3-5 s on a quiet machine, more on a busy one.
jest.setTimeout(30_000);

// The worker's tracing sink with tracing off: the bundle carries the interceptors, as production's does.
const tracing = workerTracing(tracingOff('workflow-test'));

/**
 * Each activity task of a history: its name, or for runSteps its steps ('NEW+check': NEW's transition, then the check;
 * 'check+submit': the check asked to send an accepted order to the venue too).
 */
function activityShapes(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (!scheduled) return [];
    const name = scheduled.activityType?.name ?? '';
    if (name !== 'runSteps') return [name];
    const { steps } = JSON.parse(Buffer.from(scheduled.input!.payloads![0]!.data!).toString()) as { steps: Array<Record<string, { order?: { status: string }; submit?: boolean }>> };
    const stepName = (kind: string, body: { order?: { status: string }; submit?: boolean }) => (kind === 'record' ? body.order!.status : kind === 'check' && body.submit === true ? 'check+submit' : kind);
    return [steps.map((step) => Object.entries(step).map(([kind, body]) => stepName(kind, body))[0]).join('+')];
  });
}

/** The patch markers of a history (their ids) and its search attribute upserts (the keys of each), in order. */
function markersAndUpserts(history: temporal.api.history.v1.IHistory): { patches: string[]; upserts: string[] } {
  const patches: string[] = [];
  const upserts: string[] = [];
  for (const e of history.events ?? []) {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    if (data) patches.push((JSON.parse(Buffer.from(data).toString()) as { id: string }).id);
    const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    if (fields) upserts.push(Object.keys(fields).join(','));
  }
  return { patches, upserts };
}

/** The OrderStatus values the workflow upserted, in order. */
function mirroredStatuses(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const field = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[OrderStatusKey.name];
    return field?.data ? [JSON.parse(Buffer.from(field.data).toString()) as string] : [];
  });
}

describe('orderLifecycle workflow (Temporal test environment, fake activities)', () => {
  let env: TestWorkflowEnvironment;
  // Bundled once for the file (as Temporal recommends); each test runs its own worker on its own task queue.
  let workflowBundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    [env, workflowBundle] = await Promise.all([createTestWorkflowEnvironment(), bundleWorkflowCode({ workflowsPath: require.resolve('./index'), workflowInterceptorModules: [...WORKFLOW_TRACING_MODULES], preloadModules: workflowPreloadFiles(join(__dirname, '..'), '.ts') })]);
  }, 60_000);
  afterAll(() => env?.teardown());

  type Fake = ReturnType<typeof fakeOrderActivities>;
  /** A worker running the fake's activities (runSteps over them, so a test's override of one is used by its step). */
  async function withWorker<T>(fake: Fake, run: (taskQueue: string) => Promise<T>, adapt: (activities: OrderActivities) => OrderActivities = (a) => a): Promise<T> {
    const taskQueue = `wf-test-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: adapt(withOrderSteps(fake.activities)), sinks: tracing.sinks });
    return worker.runUntil(run(taskQueue));
  }

  async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 300; i += 1) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const start = (taskQueue: string, order: ReturnType<typeof sampleOrder>, continueAsNewAfterEvents?: number, reconcile?: OrderLifecycleInput['reconcile']) =>
    env.client.workflow.start(orderLifecycle, {
      taskQueue,
      workflowId: orderWorkflowId(order.orderId),
      args: [{ order, ...(continueAsNewAfterEvents === undefined ? {} : { continueAsNewAfterEvents }), ...(reconcile === undefined ? {} : { reconcile }) }],
    });

  /** The venue's truth for an order of sampleOrder(): filled by the given fills (versions 1, 2, ...), then `final`. */
  function venueTruth(
    order: ReturnType<typeof sampleOrder>,
    fills: Array<{ tradeId: string; price: string; quantity: string; remaining: string }>,
    final?: { status: 'CANCELLED' | 'EXPIRED' | 'REJECTED'; reason: string | null },
  ): VenueOrderState {
    const filled = fills.reduce((sum, f) => sum + Number(f.quantity), 0); // test data only: a few round quantities
    const last = fills.at(-1);
    return {
      orderId: order.orderId,
      accountId: 'acct-test',
      symbol: 'BTC-USD',
      status: final?.status ?? (last?.remaining === '0' ? 'FILLED' : fills.length > 0 ? 'PARTIALLY_FILLED' : 'OPEN'),
      filledQuantity: String(filled),
      remaining: final === undefined ? (last?.remaining ?? order.quantity) : '0',
      cancelledQuantity: final === undefined ? '0' : (last?.remaining ?? order.quantity),
      reason: final?.reason ?? null,
      // Report 1 is the venue's acknowledgement (ACCEPTED), its fills and end come after it.
      version: 1 + fills.length + (final === undefined ? 0 : 1),
      updatedAt: new Date().toISOString(),
      fills: fills.map((f, i) => ({ fillId: `${f.tradeId}:${order.orderId}`, side: 'BUY', liquidity: 'MAKER', version: i + 2, occurredAt: new Date().toISOString(), ...f })),
    };
  }

  it('asks the venue when a report is missing (a gap in the numbers) and applies what it lost, in order', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '1' });
    const fills = [
      { tradeId: 'T1', price: '30000', quantity: '0.25', remaining: '0.75' },
      { tradeId: 'T2', price: '30010', quantity: '0.75', remaining: '0' },
    ];
    fake.venueTruth.set(order.orderId, venueTruth(order, fills));
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order, undefined, { quietMs: 600_000, gapGraceMs: 300 });
      await until('the venue submit', () => fake.submitted.length === 1);
      // Report 1 never arrives (lost on the way); report 2 does.
      await handle.signal(venueReportSignal, fillReport(order.orderId, 3, fills[1]!));
      return handle.result();
    });
    expect(fake.reconciliations).toEqual([{ orderId: order.orderId, afterVersion: 1 }]);
    expect(result).toMatchObject({ status: 'SETTLED', filledQuantity: '1', averagePrice: '30007.5' });
    expect(fake.settled).toEqual([`T1:${order.orderId}`, `T2:${order.orderId}`]);
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'SETTLED']);
  });

  it("waits without a timer while it hears nothing ('quiet-by-sweep'); the sweeper's reconcile signal reaches the venue's truth: fills applied once, the cancel it reported ends the order", async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '1' });
    const fills = [{ tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' }];
    const { result, history } = await withWorker(fake, async (taskQueue) => {
      // A quiet poll of 100 ms would have asked the venue several times in the second below: orders started before
      // the patch still do (the recorded history order-lifecycle-quiet-poll).
      const handle = await start(taskQueue, order, undefined, { quietMs: 100, maxQuietMs: 100, gapGraceMs: 100 });
      await until('the venue submit', () => fake.submitted.length === 1);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(fake.reconciliations).toEqual([]);
      expect((await handle.fetchHistory()).events?.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
      // The venue filled part of it and cancelled the rest (self-trade prevention), and every report was lost.
      fake.venueTruth.set(order.orderId, venueTruth(order, fills, { status: 'CANCELLED', reason: 'SELF_TRADE_PREVENTION' }));
      await handle.signal(reconcileSignal, { requestedBy: 'order-sweeper' });
      return { result: await handle.result(), history: await handle.fetchHistory() };
    });
    expect(result).toMatchObject({ status: 'CANCELLED', filledQuantity: '0.4' });
    expect(fake.reconciliations).toEqual([{ orderId: order.orderId, afterVersion: 1 }]);
    expect(fake.settled).toEqual([`T1:${order.orderId}`]);
    expect(fake.released).toEqual([order.orderId]);
    expect(fake.recorded.map((r) => [r.order.status, r.reason ?? null])).toEqual([
      ['NEW', null],
      ['ACCEPTED', null],
      ['PARTIALLY_FILLED', null],
      ['CANCELLED', 'SELF_TRADE_PREVENTION'],
    ]);
    expect(history.events?.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
    expect(markersAndUpserts(history).patches).toEqual(['quiet-by-sweep']);
  });

  it("takes the venue's acknowledgement from the submit's answer: no ACCEPTED report needed, the fills numbered after it apply at once", async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '1' });
    const result = await withWorker(fake, async (taskQueue) => {
      // A gap would be asked about after 200 ms: the fills below apply without it.
      const handle = await start(taskQueue, order, undefined, { quietMs: 600_000, gapGraceMs: 200 });
      await until('the venue submit', () => fake.submitted.length === 1);
      await handle.signal(venueReportSignal, fillReport(order.orderId, 2, { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' }));
      await until('PARTIALLY_FILLED', async () => (await handle.query(getOrderQuery)).status === 'PARTIALLY_FILLED');
      // A late ACCEPTED (redelivered, or from the intake of an older worker) changes nothing.
      await handle.signal(venueReportSignal, venueReport(order.orderId, 1, { type: 'ACCEPTED' }));
      await handle.signal(venueReportSignal, fillReport(order.orderId, 3, { tradeId: 'T2', price: '29999.5', quantity: '0.6', remaining: '0' }));
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'SETTLED', filledQuantity: '1' });
    expect(fake.reconciliations).toEqual([]);
    expect(fake.settled).toEqual([`T1:${order.orderId}`, `T2:${order.orderId}`]);
  });

  describe("'fills-with-submit': what the order traded on arrival comes with the submit's answer", () => {
    const signalsAndTimers = (history: temporal.api.history.v1.IHistory) => ({
      signals: (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length,
      timers: (history.events ?? []).filter((e) => e.timerStartedEventAttributes).length,
    });

    it('settles a taker filled on arrival with no signal and no wait, and asks the venue to mark those reports', async () => {
      const order = sampleOrder(randomUUID(), { quantity: '1' });
      const answer = venueTruth(order, [{ tradeId: 'T1', price: '30000', quantity: '1', remaining: '0' }]);
      // The venue's clock a minute ahead: the step records the fill no earlier than the venue says it happened.
      const venueAt = new Date(Date.now() + 60_000).toISOString();
      const fake = fakeOrderActivities({ submitAnswer: { ...answer, fills: answer.fills.map((fill) => ({ ...fill, occurredAt: venueAt })) } });
      const { result, history } = await withWorker(fake, async (taskQueue) => {
        const handle = await start(taskQueue, order);
        return { result: await handle.result(), history: await handle.fetchHistory() };
      });
      expect(result).toMatchObject({ status: 'SETTLED', version: 4, filledQuantity: '1', averagePrice: '30000', fees: '1' });
      expect(fake.submitted).toEqual([expect.objectContaining({ orderId: order.orderId, reportsInAnswer: true })]);
      expect(fake.settled).toEqual([`T1:${order.orderId}`]);
      expect(fake.released).toEqual([order.orderId]);
      // The check step recorded the whole life, ACCEPTED at the time of the check, the fill and SETTLED at the time it
      // answered for them (here the venue's), as the workflow has it.
      expect(fake.recorded.map((r) => [r.order.status, r.order.version, r.fill?.fee ?? null])).toEqual([
        ['NEW', 1, null],
        ['ACCEPTED', 2, null],
        ['FILLED', 3, '1'],
        ['SETTLED', 4, null],
      ]);
      expect(fake.recorded[3]!.order).toEqual(result);
      expect(fake.recorded.slice(1).map((r) => r.order.updatedAt)).toEqual([expect.any(String), venueAt, venueAt]);
      expect(Date.parse(fake.recorded[1]!.order.updatedAt)).toBeLessThan(Date.parse(venueAt));
      // One activity task and nothing else from outside: no signal, and no poll timer started while it waited.
      expect(activityShapes(history)).toEqual(['NEW+check+submit']);
      expect(signalsAndTimers(history)).toEqual({ signals: 0, timers: 0 });
      expect(markersAndUpserts(history)).toEqual({ patches: ['quiet-by-sweep'], upserts: ['TemporalChangeVersion', 'OrderStatus'] });
      expect(mirroredStatuses(history)).toEqual(['SETTLED']);
    });

    it('a retry after the check step settled on arrival (its answer lost) asks for no hold again; the settle step repeats the settlement', async () => {
      const order = sampleOrder(randomUUID(), { quantity: '1' });
      const answer = venueTruth(order, [{ tradeId: 'T1', price: '30000', quantity: '1', remaining: '0' }]);
      const fake = fakeOrderActivities({ submitAnswer: answer });
      let lost = false;
      const loseFirstAnswer = (activities: OrderActivities): OrderActivities => ({
        ...activities,
        async runSteps(input) {
          const outcome = await activities.runSteps(input);
          if (!lost && outcome.arrivals !== undefined) {
            // The step did everything (settled, released, recorded SETTLED); the worker is lost before its answer lands.
            lost = true;
            fake.venueTruth.set(order.orderId, answer);
            throw new Error('worker lost after the check step finished');
          }
          return outcome;
        },
      });
      const { result, history } = await withWorker(
        fake,
        async (taskQueue) => {
          const handle = await start(taskQueue, order);
          return { result: await handle.result(), history: await handle.fetchHistory() };
        },
        loseFirstAnswer,
      );
      expect(result).toMatchObject({ status: 'SETTLED', version: 4, filledQuantity: '1', fees: '1' });
      // One hold: the retry found the order at the venue and took the decision as recorded.
      expect(fake.reserveCalls()).toBe(1);
      expect(fake.submitted).toHaveLength(1);
      // The retry answered the venue's state, not the arrivals: the workflow settled the fill with a settle step (the
      // risk engine answers a fillId's first settlement; the fake counts both calls).
      expect(activityShapes(history)).toEqual(['NEW+check+submit', 'settle']);
      expect(fake.settled).toEqual([`T1:${order.orderId}`, `T1:${order.orderId}`]);
    });

    it('settles the rest with settle steps when the check step could not (the risk engine did not answer): each fill once', async () => {
      const order = sampleOrder(randomUUID(), { quantity: '1' });
      const fills = [
        { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' },
        { tradeId: 'T2', price: '30000.5', quantity: '0.6', remaining: '0' },
      ];
      const fake = fakeOrderActivities({ submitAnswer: venueTruth(order, fills) });
      // The second fill's settlement fails once in the check step; the step answers the first, the workflow settles the second.
      let failures = 1;
      const { settleFill } = fake.activities;
      fake.activities.settleFill = async (input, options) => {
        if (input.fillId.startsWith('T2') && failures-- > 0) throw new Error('risk engine unavailable (transient)');
        return settleFill(input, options);
      };
      const { result, history } = await withWorker(fake, async (taskQueue) => {
        const handle = await start(taskQueue, order);
        return { result: await handle.result(), history: await handle.fetchHistory() };
      });
      expect(result).toMatchObject({ status: 'SETTLED', version: 5, filledQuantity: '1', fees: '2' });
      expect(activityShapes(history)).toEqual(['NEW+check+submit', 'settle']);
      expect(fake.settled).toEqual([`T1:${order.orderId}`, `T2:${order.orderId}`]);
      expect(fake.recorded.map((r) => [r.order.status, r.order.version])).toEqual([
        ['NEW', 1],
        ['ACCEPTED', 2],
        ['PARTIALLY_FILLED', 3],
        ['FILLED', 4],
        ['SETTLED', 5],
      ]);
      expect(fake.released).toEqual([order.orderId]);
    });

    it('a taker partly filled on arrival rests: the fill in the answer applies once, however often its report comes, and later fills as signals', async () => {
      const order = sampleOrder(randomUUID(), { quantity: '1' });
      const first = { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' };
      const fake = fakeOrderActivities({ submitAnswer: venueTruth(order, [first]) });
      const result = await withWorker(fake, async (taskQueue) => {
        const handle = await start(taskQueue, order, undefined, { quietMs: 600_000, gapGraceMs: 200 });
        await until('PARTIALLY_FILLED', async () => (await handle.query(getOrderQuery)).status === 'PARTIALLY_FILLED');
        // The same fill from a venue that did not mark it (or a redelivery) changes nothing.
        await handle.signal(venueReportSignal, fillReport(order.orderId, 2, first));
        await handle.signal(venueReportSignal, fillReport(order.orderId, 3, { tradeId: 'T2', price: '29999.5', quantity: '0.6', remaining: '0' }));
        return handle.result();
      });
      expect(result).toMatchObject({ status: 'SETTLED', filledQuantity: '1', averagePrice: '29999.7', fees: '2' });
      expect(fake.settled).toEqual([`T1:${order.orderId}`, `T2:${order.orderId}`]);
      expect(fake.reconciliations).toEqual([]);
    });

    it.each([
      ['IOC', { status: 'CANCELLED', reason: 'IOC_REMAINDER' }, 'EXPIRED', 'IOC_REMAINDER'],
      ['FOK', { status: 'REJECTED', reason: 'FOK_CANNOT_FILL' }, 'EXPIRED', 'FOK_NOT_FILLED'],
      ['GTC', { status: 'REJECTED', reason: 'NO_LIQUIDITY' }, 'EXPIRED', 'NO_LIQUIDITY'],
      ['GTC', { status: 'CANCELLED', reason: 'MARKET_REMAINDER' }, 'EXPIRED', 'MARKET_REMAINDER'],
      ['GTC', { status: 'REJECTED', reason: 'POST_ONLY_WOULD_TAKE' }, 'REJECTED', 'POST_ONLY_WOULD_TAKE'],
      ['GTC', { status: 'CANCELLED', reason: 'SELF_TRADE_PREVENTION' }, 'CANCELLED', 'SELF_TRADE_PREVENTION'],
    ] as const)('a %s order the venue answers %j ends %s saying %s, its hold released, with no report signalled', async (timeInForce, end, status, statusReason) => {
      const order = sampleOrder(randomUUID(), { timeInForce });
      // A refusal is the venue's report 1; a remainder cancelled on arrival is report 2, after the acknowledgement.
      const answer = venueTruth(order, [], end);
      const fake = fakeOrderActivities({ submitAnswer: end.status === 'REJECTED' ? { ...answer, version: 1 } : answer });
      const { result, history } = await withWorker(fake, async (taskQueue) => {
        const handle = await start(taskQueue, order);
        return { result: await handle.result(), history: await handle.fetchHistory() };
      });
      expect(result).toMatchObject({ status, statusReason, filledQuantity: '0' });
      expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED', status]);
      expect(fake.recorded.at(-1)).toMatchObject({ reason: statusReason });
      expect(fake.released).toEqual([order.orderId]);
      expect(signalsAndTimers(history)).toEqual({ signals: 0, timers: 0 });
    });
  });

  it('records once that the venue does not know a submitted order, and asks again on every reconcile signal', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order, undefined, { quietMs: 100, maxQuietMs: 100 });
      await until('the venue submit', () => fake.submitted.length === 1);
      for (let i = 1; i <= 3; i += 1) {
        await handle.signal(reconcileSignal, { requestedBy: 'order-sweeper' });
        await until(`ask ${i}`, () => fake.reconciliations.length === i);
      }
      await until('the anomaly', () => fake.anomalies.length === 1);
      expect(fake.anomalies).toEqual([{ kind: 'VENUE_ORDER_UNKNOWN', details: { lastReportVersion: 1 } }]);
      // The venue still answers a cancel; its report ends the order.
      await handle.signal(cancelSignal, {});
      await until('the cancel at the venue', () => fake.cancels.length === 1);
      await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' }));
      expect(await handle.result()).toMatchObject({ status: 'CANCELLED' });
    });
    expect(fake.anomalies).toHaveLength(1);
  });

  it('sends the venue the protection price the risk engine gave with the hold (the MARKET slippage cap)', async () => {
    const fake = fakeOrderActivities({ protectionPrice: '30600' });
    const order = sampleOrder(randomUUID());
    await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the venue submit', () => fake.submitted.length === 1);
      await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'MARKET_REMAINDER', remaining: '0.5' }));
      return handle.result();
    });
    expect(fake.submitted[0]).toMatchObject({ orderId: order.orderId, protectionPrice: '30600' });
    const plain = fakeOrderActivities();
    const other = sampleOrder(randomUUID());
    await withWorker(plain, async (taskQueue) => {
      const handle = await start(taskQueue, other);
      await until('the venue submit', () => plain.submitted.length === 1);
      await handle.cancel();
    });
    expect(plain.submitted[0]).not.toHaveProperty('protectionPrice');
  });

  it('accepts, routes to the venue, and on cancel waits for the venue before CANCELLED, releasing the hold', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the venue submit', () => fake.submitted.length === 1);
      // The check step submits before its workflow task mirrors ACCEPTED (and visibility follows that task).
      await until('ACCEPTED in the OrderStatus search attribute', async () => (await handle.describe()).typedSearchAttributes.get(OrderStatusKey) === 'ACCEPTED');
      await handle.signal(venueReportSignal, venueReport(order.orderId, 1, { type: 'ACCEPTED' }));
      await handle.signal(cancelSignal, { reason: 'test' });
      await until('the cancel at the venue', () => fake.cancels.length === 1);
      expect((await handle.query(getOrderQuery)).status).toBe('PENDING_CANCEL');
      await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' }));
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'CANCELLED', version: 4, cancelRequested: true });
    expect(fake.recorded.map((r) => [r.order.status, r.order.version])).toEqual([
      ['NEW', 1],
      ['ACCEPTED', 2],
      ['PENDING_CANCEL', 3],
      ['CANCELLED', 4],
    ]);
    expect(fake.cancels).toEqual([{ orderId: order.orderId, reason: 'USER' }]);
    expect(fake.released).toEqual([order.orderId]);
  });

  it('applies partial fills then the last one, settles each once, and ends SETTLED with an exact average price', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '1' });
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the venue submit', () => fake.submitted.length === 1);
      const first = fillReport(order.orderId, 2, { tradeId: 'T1', price: '30000', quantity: '0.25', remaining: '0.75' });
      await handle.signal(venueReportSignal, first);
      await handle.signal(venueReportSignal, first); // Kafka redelivery
      await until('PARTIALLY_FILLED', async () => (await handle.query(getOrderQuery)).status === 'PARTIALLY_FILLED');
      // The same execution under another report number is still one fill.
      await handle.signal(venueReportSignal, { ...first, version: 3, eventId: `${order.orderId}:3` });
      await handle.signal(venueReportSignal, fillReport(order.orderId, 4, { tradeId: 'T2', price: '29990', quantity: '0.75', remaining: '0' }));
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'SETTLED', filledQuantity: '1', averagePrice: '29992.5', fees: '2' });
    expect(fake.settled).toEqual([`T1:${order.orderId}`, `T2:${order.orderId}`]);
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'SETTLED']);
    expect(fake.recorded.filter((r) => r.fill !== undefined).map((r) => r.fill!.fillId)).toEqual([`T1:${order.orderId}`, `T2:${order.orderId}`]);
    expect(fake.released).toEqual([order.orderId]); // what the hold kept beyond the fills
  });

  describe("'settle-and-record': a fill's settle step records it, and the last one the release and SETTLED", () => {
    const twoFills = async (fake: Fake, adapt?: (activities: OrderActivities) => OrderActivities) => {
      const order = sampleOrder(randomUUID(), { quantity: '1' });
      return withWorker(
        fake,
        async (taskQueue) => {
          const handle = await start(taskQueue, order);
          await until('the venue submit', () => fake.submitted.length === 1);
          await handle.signal(venueReportSignal, fillReport(order.orderId, 2, { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' }));
          await until('PARTIALLY_FILLED', async () => (await handle.query(getOrderQuery)).status === 'PARTIALLY_FILLED');
          await handle.signal(venueReportSignal, fillReport(order.orderId, 3, { tradeId: 'T2', price: '29999.5', quantity: '0.6', remaining: '0' }));
          return { order, result: await handle.result(), history: await handle.fetchHistory() };
        },
        adapt,
      );
    };

    it('one activity task per fill: the transitions the workflow would record, once each, the last ones at the time of the fill', async () => {
      const fake = fakeOrderActivities();
      const { order, result, history } = await twoFills(fake);
      expect(result).toMatchObject({ status: 'SETTLED', version: 5, filledQuantity: '1', averagePrice: '29999.7', fees: '2' });
      expect(activityShapes(history)).toEqual(['NEW+check+submit', 'settle', 'settle']);
      expect(fake.recorded.map((r) => [r.order.status, r.order.version, r.previousStatus, r.reason ?? null, r.fill?.fillId ?? null])).toEqual([
        ['NEW', 1, null, null, null],
        ['ACCEPTED', 2, 'NEW', null, null],
        ['PARTIALLY_FILLED', 3, 'ACCEPTED', null, `T1:${order.orderId}`],
        ['FILLED', 4, 'PARTIALLY_FILLED', null, `T2:${order.orderId}`],
        ['SETTLED', 5, 'FILLED', 'all fills settled', null],
      ]);
      expect(fake.recorded[3]!.fill).toEqual({ fillId: `T2:${order.orderId}`, tradeId: 'T2', price: '29999.5', quantity: '0.6', liquidity: 'MAKER', fee: '1', feeAsset: 'USD' });
      // What the workflow returns is what the step recorded last.
      expect(fake.recorded[4]!.order).toEqual(result);
      expect(fake.recorded[3]!.order.updatedAt).toBe(result.updatedAt);
      expect(fake.released).toEqual([order.orderId]);
      expect(mirroredStatuses(history)).toEqual(['ACCEPTED', 'PARTIALLY_FILLED', 'SETTLED']);
      expect(markersAndUpserts(history).patches).toEqual(['quiet-by-sweep']);
    });

    it('records them itself when the step answers none (a worker from before the patch)', async () => {
      const fake = fakeOrderActivities();
      const { order, result, history } = await twoFills(fake, withoutSettleAndRecord);
      expect(result).toMatchObject({ status: 'SETTLED', version: 5, fees: '2' });
      // The partial fill's transition is persisted before the wait for the next report: a task of its own.
      expect(activityShapes(history)).toEqual(['NEW+check+submit', 'settle', 'PARTIALLY_FILLED', 'settle', 'FILLED+release+SETTLED']);
      expect(fake.recorded.map((r) => [r.order.status, r.order.version])).toEqual([
        ['NEW', 1],
        ['ACCEPTED', 2],
        ['PARTIALLY_FILLED', 3],
        ['FILLED', 4],
        ['SETTLED', 5],
      ]);
      expect(fake.released).toEqual([order.orderId]);
    });

    it('a release that fails is retried with the settlement (answered once by the risk engine), then FILLED and SETTLED are recorded once', async () => {
      const fake = fakeOrderActivities({ releaseFailures: 1 });
      const { order, result } = await twoFills(fake);
      expect(result).toMatchObject({ status: 'SETTLED', version: 5 });
      // The release comes before the last fill's transition and SETTLED, which are recorded together after it.
      expect(fake.recorded.map((r) => [r.order.status, r.order.version])).toEqual([
        ['NEW', 1],
        ['ACCEPTED', 2],
        ['PARTIALLY_FILLED', 3],
        ['FILLED', 4],
        ['SETTLED', 5],
      ]);
      expect(fake.recorded.filter((r) => r.order.status === 'SETTLED').map((r) => r.order)).toEqual([result]);
      expect(fake.settled).toEqual([`T1:${order.orderId}`, `T2:${order.orderId}`, `T2:${order.orderId}`]);
      expect(fake.released).toEqual([order.orderId]);
    });
  });

  it('refuses an overfill and records it, leaving the order as it was', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '0.5' });
    await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the venue submit', () => fake.submitted.length === 1);
      await handle.signal(venueReportSignal, fillReport(order.orderId, 2, { tradeId: 'T1', price: '30000', quantity: '0.6', remaining: '0' }));
      await until('the anomaly', () => fake.anomalies.length === 1);
      expect(await handle.query(getOrderQuery)).toMatchObject({ status: 'ACCEPTED', filledQuantity: '0', version: 2 });
      await handle.terminate('test done');
    });
    expect(fake.anomalies[0]!.kind).toBe('OVERFILL');
    expect(fake.settled).toEqual([]);
  });

  it('applies a fill that arrives after the cancel was sent; a complete fill wins over the cancel', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '0.5' });
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the venue submit', () => fake.submitted.length === 1);
      await handle.signal(cancelSignal, {});
      await until('the cancel at the venue', () => fake.cancels.length === 1);
      await handle.signal(venueReportSignal, fillReport(order.orderId, 2, { tradeId: 'T9', price: '30000', quantity: '0.5', remaining: '0' }));
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'SETTLED', filledQuantity: '0.5', cancelRequested: true });
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED', 'PENDING_CANCEL', 'FILLED', 'SETTLED']);
  });

  it('ends an IOC remainder EXPIRED with its partial fill kept', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '1', timeInForce: 'IOC' });
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the venue submit', () => fake.submitted.length === 1);
      await handle.signal(venueReportSignal, fillReport(order.orderId, 2, { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0' }));
      await handle.signal(venueReportSignal, venueReport(order.orderId, 3, { type: 'CANCELLED', reason: 'IOC_REMAINDER', remaining: '0' }));
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'EXPIRED', filledQuantity: '0.4' });
    expect(fake.released).toEqual([order.orderId]);
  });

  it('cancels a GTD order at the venue when its timer fires and ends EXPIRED', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { timeInForce: 'GTD', expireAt: new Date(Date.now() + 1_500).toISOString() });
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the GTD cancel at the venue', () => fake.cancels.length === 1);
      await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'EXPIRED', remaining: '0.5' }));
      return handle.result();
    });
    expect(fake.cancels).toEqual([{ orderId: order.orderId, reason: 'GTD_EXPIRED' }]);
    expect(result.status).toBe('EXPIRED');
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED', 'EXPIRED']);
  });

  it('continues as new on a long life and loses nothing across runs', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '1' });
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order, 40);
      await until('the venue submit', () => fake.submitted.length === 1);
      // Fill i is the venue's report i + 1: report 1 is its acknowledgement, taken from the submit's answer.
      for (let i = 1; i <= 10; i += 1) {
        const remaining = (1 - i / 10).toFixed(1);
        await env.client.workflow
          .getHandle(handle.workflowId)
          .signal(venueReportSignal, fillReport(order.orderId, i + 1, { tradeId: `T${i}`, price: '30000', quantity: '0.1', remaining }));
        await until(`fill ${i}`, () => fake.settled.length === i);
      }
      return env.client.workflow.getHandle(handle.workflowId).result();
    });
    expect(result).toMatchObject({ status: 'SETTLED', filledQuantity: '1', fees: '10', version: 13 });
    expect(new Set(fake.settled).size).toBe(10);
    expect(fake.settled).toHaveLength(10);
    const runs: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId="${orderWorkflowId(order.orderId)}"` })) runs.push(wf.runId);
    expect(runs.length).toBeGreaterThan(1);
  }, 60_000);

  it('settles and records every fill once when reports arrive while a batch is persisted just before continue-as-new', async () => {
    // Every pass continues as new (threshold 1), after persisting its batch. The batch that records fill T1 waits until
    // fill T2's report was signalled, so that report comes in while the run is about to continue as new. Activities'
    // results are in the history before any later decision (local activities' were not: a task the server refused
    // for a new signal ran them again, and a crash could leave their effects behind a different decision), so nothing
    // is done twice and the report is carried into the next run.
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '0.3' });
    let heldT1 = false;
    let letT1Through!: () => void;
    const t1Released = new Promise<void>((resolve) => (letT1Through = resolve));
    const gated: Fake = {
      ...fake,
      activities: {
        ...fake.activities,
        async recordTransition(input) {
          if (input.fill?.tradeId === 'T1' && !heldT1) {
            heldT1 = true;
            await t1Released;
          }
          return fake.activities.recordTransition(input);
        },
      },
    };
    const result = await withWorker(gated, async (taskQueue) => {
      const handle = await start(taskQueue, order, 1);
      await until('the venue submit', () => fake.submitted.length === 1);
      // Fill i is the venue's report i + 1: report 1 is its acknowledgement, taken from the submit's answer.
      const report = (i: number) => fillReport(order.orderId, i + 1, { tradeId: `T${i}`, price: '30000', quantity: '0.1', remaining: (0.3 - i / 10).toFixed(1) });
      await handle.signal(venueReportSignal, report(1));
      await until('the transition of fill T1 to run', () => heldT1);
      await handle.signal(venueReportSignal, report(2));
      letT1Through();
      await handle.signal(venueReportSignal, report(3));
      return env.client.workflow.getHandle(handle.workflowId).result();
    });
    expect(result).toMatchObject({ status: 'SETTLED', filledQuantity: '0.3', fees: '3' });
    expect(heldT1).toBe(true);
    expect(fake.settled).toEqual(['T1', 'T2', 'T3'].map((t) => `${t}:${order.orderId}`));
    expect(fake.recorded.map((r) => [r.order.version, r.order.status])).toEqual([
      [1, 'NEW'],
      [2, 'ACCEPTED'],
      [3, 'PARTIALLY_FILLED'],
      [4, 'PARTIALLY_FILLED'],
      [5, 'FILLED'],
      [6, 'SETTLED'],
    ]);
    const runs: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId="${orderWorkflowId(order.orderId)}"` })) runs.push(wf.runId);
    expect(runs.length).toBeGreaterThan(2);
  }, 60_000);

  it('carries a cancel that arrives with a venue report into the run that continues as new, and cancels at the venue', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    // The submit to the venue waits until the venue's ack and the trader's cancel were both sent (a cancel before the
    // submit would end the order before it reaches the venue), so the loop's first pass finds both, applies the
    // report (one per pass) and continues as new: the history is already over the threshold.
    let submitting = false;
    let letSubmitThrough!: () => void;
    const submitAnswered = new Promise<void>((resolve) => (letSubmitThrough = resolve));
    const gated: Fake = {
      ...fake,
      activities: {
        ...fake.activities,
        async submitToVenue(input) {
          submitting = true;
          await submitAnswered;
          return fake.activities.submitToVenue(input);
        },
      },
    };
    const result = await withWorker(gated, async (taskQueue) => {
      const handle = await start(taskQueue, order, 20);
      await until('the venue submit', () => submitting);
      await handle.signal(venueReportSignal, venueReport(order.orderId, 1, { type: 'ACCEPTED' }));
      await handle.signal(cancelSignal, { reason: 'changed my mind' });
      letSubmitThrough();
      const firstRun = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
      await until('the first run to continue as new', async () => (await firstRun.describe()).status.name === 'CONTINUED_AS_NEW');
      await until('the cancel at the venue', () => fake.cancels.length === 1);
      const current = env.client.workflow.getHandle(handle.workflowId);
      expect((await current.query(getOrderQuery)).status).toBe('PENDING_CANCEL');
      await current.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' }));
      return current.result();
    });
    expect(result).toMatchObject({ status: 'CANCELLED', cancelRequested: true, filledQuantity: '0' });
    expect(fake.cancels).toEqual([{ orderId: order.orderId, reason: 'USER' }]);
    expect(fake.recorded.map((r) => [r.order.status, r.order.version])).toEqual([
      ['NEW', 1],
      ['ACCEPTED', 2],
      ['PENDING_CANCEL', 3],
      ['CANCELLED', 4],
    ]);
    expect(fake.released).toEqual([order.orderId]);
    const runs: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId="${orderWorkflowId(order.orderId)}"` })) runs.push(wf.runId);
    expect(runs.length).toBeGreaterThan(1);
  }, 60_000);

  it('rejects with the risk refusal as the reason and never releases a hold it did not place', async () => {
    const fake = fakeOrderActivities({ refuse: 'INSUFFICIENT_BALANCE' });
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake, (taskQueue) =>
      env.client.workflow.execute(orderLifecycle, { taskQueue, workflowId: orderWorkflowId(order.orderId), args: [{ order }] }),
    );
    expect(result).toMatchObject({ status: 'REJECTED', rejectReason: 'INSUFFICIENT_BALANCE' });
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'REJECTED']);
    expect(fake.released).toEqual([]);
    expect(fake.submitted).toEqual([]);
  });

  it('keeps the first recorded decision: a retry whose hold now passes releases it and ends REJECTED as recorded', async () => {
    // Attempt 1 is refused and records REJECTED, then dies before answering; funds arrive; attempt 2's hold passes.
    const fake = fakeOrderActivities({ refusalsBeforeHold: 1, decisionCrashes: 1 });
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake, (taskQueue) =>
      env.client.workflow.execute(orderLifecycle, { taskQueue, workflowId: orderWorkflowId(order.orderId), args: [{ order }] }),
    );
    expect(result).toMatchObject({ status: 'REJECTED', rejectReason: 'INSUFFICIENT_BALANCE', version: 2 });
    expect(fake.reserveCalls()).toBe(2);
    expect(fake.recorded.map((r) => [r.order.status, r.reason ?? null])).toEqual([
      ['NEW', null],
      ['REJECTED', 'INSUFFICIENT_BALANCE'],
    ]);
    // The hold the retry placed goes back: nothing stays held behind a REJECTED order.
    expect(fake.released).toEqual([order.orderId]);
    expect(fake.submitted).toEqual([]);
  });

  it('records the decision with the hold and routes it: NEW, hold, ACCEPTED and the submit are one activity task, and a REJECTED order needs no other', async () => {
    const accepted = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    const history = await withWorker(accepted, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the venue submit', () => accepted.submitted.length === 1);
      await until('the workflow waiting for the venue', async () => (await handle.describe()).raw.pendingActivities?.length === 0 && activityShapes(await handle.fetchHistory()).length === 1);
      await handle.terminate('test done');
      return handle.fetchHistory();
    });
    expect(activityShapes(history)).toEqual(['NEW+check+submit']);
    expect(accepted.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED']);
    // What the workflow would have sent itself: the order at ACCEPTED.
    expect(accepted.submitted).toEqual([expect.objectContaining({ orderId: order.orderId, status: 'ACCEPTED', version: 2 })]);

    const refused = fakeOrderActivities({ refuse: 'INSUFFICIENT_BALANCE' });
    const rejectedOrder = sampleOrder(randomUUID());
    const rejectedHistory = await withWorker(refused, async (taskQueue) => {
      const handle = await start(taskQueue, rejectedOrder);
      await handle.result();
      return handle.fetchHistory();
    });
    expect(activityShapes(rejectedHistory)).toEqual(['NEW+check+submit']);
    // The REJECTED status still reaches the OrderStatus search attribute (Temporal UI lists by it).
    expect(mirroredStatuses(rejectedHistory)).toEqual(['REJECTED']);
  });

  it('retries a transient risk failure instead of rejecting', async () => {
    const fake = fakeOrderActivities({ transientFailures: 2 });
    const order = sampleOrder(randomUUID());
    await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the venue submit', () => fake.submitted.length === 1);
      await handle.terminate('test done');
    });
    expect(fake.reserveCalls()).toBe(3);
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED']);
  });

  it('a cancel that arrives while the risk check runs ends the accepted order before it reaches the venue, its hold released', async () => {
    const fake = fakeOrderActivities({ transientFailures: 3 });
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the first risk attempt', () => fake.reserveCalls() >= 1);
      await handle.signal(cancelSignal, { reason: 'changed my mind' });
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'CANCELLED', cancelRequested: true });
    expect(fake.recorded.map((r) => [r.order.status, r.reason ?? null])).toEqual([
      ['NEW', null],
      ['ACCEPTED', null],
      ['CANCELLED', 'cancelled before reaching the venue'],
    ]);
    expect(fake.released).toEqual([order.orderId]);
    expect(fake.submitted).toEqual([]);
  }, 30_000);

  /**
   * The trader cancels while the check step runs (once `underWay`), the step goes on (`proceed`), and the venue confirms
   * the cancel the workflow sends it: the order must end CANCELLED at the venue, its hold released.
   */
  async function cancelledAtVenueDuringCheck(fake: Fake, order: ReturnType<typeof sampleOrder>, underWay: () => boolean, proceed: () => void) {
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the check under way', underWay);
      await handle.signal(cancelSignal, { reason: 'changed my mind' });
      proceed();
      await until('the cancel at the venue', () => fake.cancels.length === 1);
      await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' }));
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'CANCELLED', cancelRequested: true });
    expect(fake.cancels).toEqual([expect.objectContaining({ orderId: order.orderId, reason: 'USER' })]);
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED', 'PENDING_CANCEL', 'CANCELLED']);
    expect(fake.released).toEqual([order.orderId]);
  }

  it('a cancel that arrives while the first check attempt runs finds the order at the venue (check-and-route) and cancels it there', async () => {
    let openGate!: () => void;
    const fake = fakeOrderActivities({ holdGate: new Promise<void>((resolve) => (openGate = resolve)) });
    const order = sampleOrder(randomUUID());
    await cancelledAtVenueDuringCheck(fake, order, () => fake.reserveCalls() === 1, () => openGate());
    expect(fake.submitted.map((o) => o.orderId)).toEqual([order.orderId]);
  }, 30_000);

  it('a cancel that arrives while a check step is retried after its submit reached the venue cancels the order there, not only here', async () => {
    // The first attempt sends the order to the venue, then fails before its answer reaches Temporal (a worker lost after
    // the venue took the order, or an answer that timed out); the cancel comes before the retry. The retry does not
    // submit (the route window is the first attempt's), but the venue has the order: ending it CANCELLED here without
    // telling the venue would leave it resting there, free to trade, with its hold released.
    let letFirstAttemptFail!: () => void;
    const fake = fakeOrderActivities({ firstAnswerLost: new Promise<void>((resolve) => (letFirstAttemptFail = resolve)) });
    const order = sampleOrder(randomUUID());
    await cancelledAtVenueDuringCheck(fake, order, () => fake.venueTruth.has(order.orderId), () => letFirstAttemptFail());
    // The retry asked the venue for the order instead of sending it again.
    expect(fake.submitted).toHaveLength(1);
  }, 30_000);

  describe('a cancel while a check step is retried, the venue not having the order when the retry asks', () => {
    // The first attempt sends the order to the venue, then fails before the venue took it (a request still on its way
    // when its caller gave up); the cancel comes before the retry, which finds nothing at the venue. The workflow waits
    // until the venue would refuse that submit (staleSubmitMs after the check was asked; 45 s by default), then asks.
    const reconcile = { staleSubmitMs: 3_000 };
    async function retriedAfterLostSubmit(landsLate: boolean) {
      let letFirstAttemptFail!: () => void;
      const fake = fakeOrderActivities({ firstSubmitLost: new Promise<void>((resolve) => (letFirstAttemptFail = resolve)) });
      const order = sampleOrder(randomUUID());
      const outcome = await withWorker(fake, async (taskQueue) => {
        const handle = await start(taskQueue, order, undefined, reconcile);
        await until('the first submit', () => fake.submitted.length === 1);
        await handle.signal(cancelSignal, { reason: 'changed my mind' });
        letFirstAttemptFail();
        const waiting = async () => (await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes) === true;
        await until('the workflow waiting for submits to go stale', waiting);
        if (landsLate) {
          // The lost submit reaches the venue after all, within the time the venue still takes it.
          fake.venueTruth.set(order.orderId, venueTruth(order, []));
          await until('the cancel at the venue', () => fake.cancels.length === 1);
          await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' }));
        }
        return { result: await handle.result(), history: await handle.fetchHistory() };
      });
      return { ...outcome, fake, order };
    }

    it('finds the order there once its submit could have landed, and cancels it there', async () => {
      const { result, fake, order } = await retriedAfterLostSubmit(true);
      expect(result).toMatchObject({ status: 'CANCELLED', cancelRequested: true });
      expect(fake.submitted).toHaveLength(1);
      expect(fake.cancels).toEqual([expect.objectContaining({ orderId: order.orderId, reason: 'USER' })]);
      expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED', 'PENDING_CANCEL', 'CANCELLED']);
      expect(fake.released).toEqual([order.orderId]);
    }, 30_000);

    it('ends the order here when the venue still does not have it', async () => {
      const { result, fake, order, history } = await retriedAfterLostSubmit(false);
      expect(result).toMatchObject({ status: 'CANCELLED', cancelRequested: true });
      expect(fake.submitted).toHaveLength(1);
      expect(fake.cancels).toEqual([]);
      expect(fake.recorded.map((r) => [r.order.status, r.reason ?? null])).toEqual([
        ['NEW', null],
        ['ACCEPTED', null],
        ['CANCELLED', 'cancelled before reaching the venue'],
      ]);
      expect(fake.released).toEqual([order.orderId]);
      expect(activityShapes(history)).toEqual(['NEW+check+submit', 'orderAtVenue', 'release+CANCELLED']);
    }, 30_000);
  });

  it('submits on its own when the check step answers no venue state (a worker from before check-and-route)', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    const history = await withWorker(
      fake,
      async (taskQueue) => {
        const handle = await start(taskQueue, order);
        await until('the venue submit', () => fake.submitted.length === 1);
        await until('the workflow waiting for the venue', async () => activityShapes(await handle.fetchHistory()).length === 2 && (await handle.describe()).raw.pendingActivities?.length === 0);
        await handle.terminate('test done');
        return handle.fetchHistory();
      },
      withoutCheckAndRoute,
    );
    expect(activityShapes(history)).toEqual(['NEW+check+submit', 'submit']);
    expect(fake.submitted).toEqual([expect.objectContaining({ orderId: order.orderId, status: 'ACCEPTED', version: 2 })]);
  });

  it('a cancel delivered with the start (signal-with-start) cancels before any risk check', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart(orderLifecycle, {
        taskQueue,
        workflowId: orderWorkflowId(order.orderId),
        args: [{ order }],
        signal: cancelSignal,
        signalArgs: [{ reason: 'early' }],
      });
      return env.client.workflow.getHandle(handle.workflowId).result();
    });
    expect(result.status).toBe('CANCELLED');
    expect(fake.reserveCalls()).toBe(0);
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'CANCELLED']);
  });

  it('reconciles at once on the reconcile signal: a fill whose report was lost appears without waiting for a poll', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { quantity: '1' });
    const fills = [{ tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' }];
    await withWorker(fake, async (taskQueue) => {
      // No poll for ten minutes: only the signal can make the workflow ask.
      const handle = await start(taskQueue, order, undefined, { quietMs: 600_000, maxQuietMs: 600_000 });
      await until('the venue submit', () => fake.submitted.length === 1);
      fake.venueTruth.set(order.orderId, venueTruth(order, fills)); // the venue filled part of it; the report was lost
      expect((await handle.query(getOrderQuery)).status).toBe('ACCEPTED');
      await handle.signal(reconcileSignal, { requestedBy: 'test' });
      await until('PARTIALLY_FILLED', async () => (await handle.query(getOrderQuery)).status === 'PARTIALLY_FILLED');
      expect(fake.reconciliations).toEqual([{ orderId: order.orderId, afterVersion: 1 }]);
      // A signal without input (the Temporal UI's) works too, and one that finds nothing new changes nothing.
      await handle.signal(reconcileSignal);
      await until('the second reconcile', () => fake.reconciliations.length === 2);
      expect(fake.reconciliations[1]).toEqual({ orderId: order.orderId, afterVersion: 2 });
      expect(await handle.query(getOrderQuery)).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '0.4' });
      await handle.terminate('test done');
    });
    expect(fake.settled).toEqual([`T1:${order.orderId}`]);
  });

  it('takes a reconcile signal that arrives before the venue submit once the order is there', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    await withWorker(fake, async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart(orderLifecycle, {
        taskQueue,
        workflowId: orderWorkflowId(order.orderId),
        args: [{ order, reconcile: { quietMs: 600_000, maxQuietMs: 600_000 } }],
        signal: reconcileSignal,
        signalArgs: [{}],
      });
      await until('the reconcile after the submit', () => fake.submitted.length === 1 && fake.reconciliations.length === 1);
      await handle.terminate('test done');
    });
    expect(fake.reconciliations).toEqual([{ orderId: order.orderId, afterVersion: 1 }]);
  });

  it.each([
    ['a trader cancel (old payload)', { reason: 'changed my mind' }, 'USER_CANCELLED'],
    ['a trader cancel', { cancelledBy: 'USER_CANCELLED' as const }, 'USER_CANCELLED'],
    ['an admin cancel', { cancelledBy: 'ADMIN_CANCELLED' as const }, 'ADMIN_CANCELLED'],
  ])('says who cancelled: %s ends CANCELLED %s', async (_what, request, statusReason) => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the venue submit', () => fake.submitted.length === 1);
      await handle.signal(cancelSignal, request);
      await until('the cancel at the venue', () => fake.cancels.length === 1);
      await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' }));
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'CANCELLED', statusReason });
    expect(fake.recorded.at(-1)).toMatchObject({ reason: statusReason, order: { statusReason } });
    expect(fake.recorded.slice(0, -1).every((r) => r.order.statusReason === null)).toBe(true);
  });

  it('an admin cancel before the venue says ADMIN_CANCELLED too', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart(orderLifecycle, {
        taskQueue,
        workflowId: orderWorkflowId(order.orderId),
        args: [{ order }],
        signal: cancelSignal,
        signalArgs: [{ cancelledBy: 'ADMIN_CANCELLED' }],
      });
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'CANCELLED', statusReason: 'ADMIN_CANCELLED' });
  });

  it('a GTD order its timer ended says GTD_EXPIRED', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID(), { timeInForce: 'GTD', expireAt: new Date(Date.now() + 1_000).toISOString() });
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await until('the GTD cancel at the venue', () => fake.cancels.length === 1);
      await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'USER', remaining: '0.5' }));
      return handle.result();
    });
    expect(result).toMatchObject({ status: 'EXPIRED', statusReason: 'GTD_EXPIRED' });
  });

  it("answers the stack trace query (the Temporal UI's Stack Trace tab) with where a waiting order waits, in the workflow's own code", async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    const [plain, enhanced] = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      // ACCEPTED is applied when the check's activity task answers, and the same activation goes on into the wait.
      await until('ACCEPTED', async () => (await handle.query(getOrderQuery)).status === 'ACCEPTED');
      const answers = await Promise.all([
        handle.query<string>('__stack_trace'),
        handle.query<{ stacks: Array<{ locations: Array<{ function_name?: string; file_path?: string }> }> }>('__enhanced_stack_trace'),
      ]);
      await handle.terminate('the stack trace was read');
      return answers;
    });
    // An ACCEPTED order waits for the venue in awaitNext (a condition): that frame, mapped to this source file.
    expect(plain).toMatch(/at awaitNext \(.*workflows[\\/]order-lifecycle\.ts:\d+:\d+\)/);
    const frames = enhanced.stacks.flatMap((stack) => stack.locations);
    expect(frames).toContainEqual(expect.objectContaining({ function_name: 'awaitNext', file_path: expect.stringMatching(/workflows[\\/]order-lifecycle\.ts$/) }));
  });

  // One history per generation of the workflow and per path it gained: each stands for orders that may still run.
  it('keeps every recorded history', () => {
    expect(readdirSync(join(__dirname, 'histories')).filter((f) => f.endsWith('.history.bin')).sort()).toEqual([
      'order-lifecycle-accept-cancel.history.bin', // before venue routing: no 'route-to-venue' marker
      'order-lifecycle-acked-fills.history.bin', // 'ack-with-submit': the submit's answer stands for the venue's ACCEPTED
      'order-lifecycle-batched-cancel-at-venue.history.bin', // 'batched-steps': transitions and releases batched with the calls after them
      'order-lifecycle-batched-fills.history.bin',
      'order-lifecycle-cancel-at-venue.history.bin',
      'order-lifecycle-decided-fills.history.bin', // 'decide-with-hold': the risk check records its decision with the hold
      'order-lifecycle-decided-rejected.history.bin',
      'order-lifecycle-filled-on-arrival.history.bin', // 'fills-with-submit': what the order traded on arrival comes with the submit's answer
      'order-lifecycle-fills.history.bin', // before reconciliation: no 'reconcile-with-venue' marker
      'order-lifecycle-gtd-expiry.history.bin',
      'order-lifecycle-quiet-poll.history.bin', // before 'quiet-by-sweep': a resting order that hears nothing polls the venue
      'order-lifecycle-reconcile.history.bin',
      'order-lifecycle-recorded-fills.history.bin', // 'settle-and-record': a fill's settle step records it (and SETTLED after the last)
      'order-lifecycle-routed-cancel-at-venue.history.bin', // 'check-and-route': the check step sends the accepted order to the venue
      'order-lifecycle-routed-fills.history.bin',
      'order-lifecycle-routed-rejected.history.bin',
      'order-lifecycle-stale-submit-cancel.history.bin', // a retried check step may have sent the order: asked again once stale
      'order-lifecycle-swept-reconcile.history.bin', // 'quiet-by-sweep': no quiet poll; the sweeper's reconcile signal asks the venue
      'order-lifecycle-timed-filled-on-arrival.history.bin', // the check step answers the time it recorded those fills at
    ]);
    // That recording: the retry's answer says the order may still reach the venue, so the cancelled order waits (a
    // timer), asks the venue once more (orderAtVenue, still nothing) and only then ends here.
    const stale = temporal.api.history.v1.History.decode(readFileSync(join(__dirname, 'histories', 'order-lifecycle-stale-submit-cancel.history.bin')));
    expect(activityShapes(stale)).toEqual(['NEW+check+submit', 'orderAtVenue', 'release+CANCELLED']);
    expect(stale.events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(1);
    // 'fills-with-submit': both fills came with the submit's answer, and the check step settled and recorded them: one
    // activity task, no signal, no timer.
    const filled = temporal.api.history.v1.History.decode(readFileSync(join(__dirname, 'histories', 'order-lifecycle-filled-on-arrival.history.bin')));
    expect(activityShapes(filled)).toEqual(['NEW+check+submit']);
    expect(filled.events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(2);
    expect(filled.events.filter((e) => e.workflowExecutionSignaledEventAttributes || e.timerStartedEventAttributes)).toEqual([]);
    expect(markersAndUpserts(filled).patches).toEqual(['fills-with-submit']);
    // The same path since the check step answers the time it recorded those fills at (the venue's, here ahead of the
    // clock), which the workflow applies them at; the recording before it has no such time, and the check's stands.
    const timed = temporal.api.history.v1.History.decode(readFileSync(join(__dirname, 'histories', 'order-lifecycle-timed-filled-on-arrival.history.bin')));
    expect(activityShapes(timed)).toEqual(['NEW+check+submit']);
    expect(markersAndUpserts(timed).patches).toEqual(['fills-with-submit']);
    const arrivalTimes = (history: temporal.api.history.v1.IHistory) =>
      (history.events ?? [])
        .flatMap((e) => (e.activityTaskCompletedEventAttributes ? [e.activityTaskCompletedEventAttributes.result!.payloads![0]!.data!] : []))
        .flatMap((data) => (JSON.parse(Buffer.from(data).toString()) as { arrivals?: Array<{ at?: string }> }).arrivals ?? [])
        .map((arrival) => arrival.at ?? null);
    expect(arrivalTimes(filled)).toEqual([null, null]);
    expect(arrivalTimes(timed)).toEqual(['2030-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z']);
    // Before 'quiet-by-sweep' a resting order's silence cost a timer and an activity task per poll; since, none: it
    // asks the venue once, when the sweeper's signal says a report was lost.
    const decoded = (file: string) => temporal.api.history.v1.History.decode(readFileSync(join(__dirname, 'histories', file)));
    const polled = decoded('order-lifecycle-quiet-poll.history.bin');
    expect(activityShapes(polled).filter((shape) => shape === 'reconcileWithVenue').length).toBeGreaterThanOrEqual(3);
    expect(polled.events.filter((e) => e.timerStartedEventAttributes).length).toBeGreaterThanOrEqual(3);
    expect(markersAndUpserts(polled).patches).toEqual(['fills-with-submit']);
    const swept = decoded('order-lifecycle-swept-reconcile.history.bin');
    expect(swept.events.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
    expect(swept.events.flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : []))).toEqual([reconcileSignal.name]);
    expect(activityShapes(swept).filter((shape) => shape === 'reconcileWithVenue')).toHaveLength(1);
    expect(markersAndUpserts(swept).patches).toEqual(['quiet-by-sweep']);
  });

  // The 'batched-steps' path: what an order to SETTLED costs in Temporal tasks, against the path before it.
  it('batches the steps: an order with two fills to SETTLED runs 5 activity tasks instead of 10, and a cancel at the venue 4', () => {
    const shape = (file: string) => {
      const history = temporal.api.history.v1.History.decode(readFileSync(join(__dirname, 'histories', file)));
      return { activities: activityShapes(history), mirrored: mirroredStatuses(history), workflowTasks: history.events.filter((e) => e.workflowTaskCompletedEventAttributes).length };
    };
    const before = shape('order-lifecycle-fills.history.bin');
    expect(before.activities).toEqual(['recordTransition', 'reserveFunds', 'recordTransition', 'submitToVenue', 'settleFill', 'recordTransition', 'settleFill', 'recordTransition', 'releaseFunds', 'recordTransition']);
    const now = shape('order-lifecycle-batched-fills.history.bin');
    // The second fill was queued when the first was applied: its settlement goes with the first fill's transition.
    expect(now.activities).toEqual(['NEW+reserve', 'ACCEPTED+submit', 'settle', 'PARTIALLY_FILLED+settle', 'FILLED+release+SETTLED']);
    expect(now.workflowTasks).toBeLessThan(before.workflowTasks);
    // One OrderStatus upsert per batch (a billed action each on Temporal Cloud): FILLED goes with SETTLED, NEW with the start.
    expect(before.mirrored).toEqual(['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'SETTLED']);
    expect(now.mirrored).toEqual(['ACCEPTED', 'PARTIALLY_FILLED', 'SETTLED']);
    expect(shape('order-lifecycle-batched-cancel-at-venue.history.bin').activities).toEqual(['NEW+reserve', 'ACCEPTED+submit', 'PENDING_CANCEL+cancel', 'release+CANCELLED']);
    // 'decide-with-hold': ACCEPTED is recorded by the check, so the submit goes alone, one workflow task sooner.
    const decided = shape('order-lifecycle-decided-fills.history.bin');
    expect(decided.activities).toEqual(['NEW+check', 'submit', 'settle', 'PARTIALLY_FILLED+settle', 'FILLED+release+SETTLED']);
    expect(decided.mirrored).toEqual(['ACCEPTED', 'PARTIALLY_FILLED', 'SETTLED']);
    expect(decided.workflowTasks).toBeLessThanOrEqual(now.workflowTasks);
    const rejected = shape('order-lifecycle-decided-rejected.history.bin');
    expect(rejected.activities).toEqual(['NEW+check']);
    expect(rejected.mirrored).toEqual(['REJECTED']);
    // 'check-and-route': the submit goes with the check, one activity task and one workflow task fewer.
    const routed = shape('order-lifecycle-routed-fills.history.bin');
    expect(routed.activities).toEqual(['NEW+check+submit', 'settle', 'PARTIALLY_FILLED+settle', 'FILLED+release+SETTLED']);
    expect(routed.mirrored).toEqual(['ACCEPTED', 'PARTIALLY_FILLED', 'SETTLED']);
    expect(routed.workflowTasks).toBeLessThan(decided.workflowTasks);
    expect(shape('order-lifecycle-routed-cancel-at-venue.history.bin').activities).toEqual(['NEW+check+submit', 'PENDING_CANCEL+cancel', 'release+CANCELLED']);
    // One patch marker instead of four, so one TemporalChangeVersion upsert (a visibility write each) instead of four.
    const markers = (file: string) => markersAndUpserts(temporal.api.history.v1.History.decode(readFileSync(join(__dirname, 'histories', file))));
    expect(markers('order-lifecycle-decided-fills.history.bin').patches).toEqual(['batched-steps', 'decide-with-hold', 'route-to-venue', 'reconcile-with-venue']);
    expect(markers('order-lifecycle-routed-fills.history.bin')).toEqual({ patches: ['check-and-route'], upserts: ['TemporalChangeVersion', 'OrderStatus', 'OrderStatus', 'OrderStatus'] });
    expect(shape('order-lifecycle-routed-rejected.history.bin').activities).toEqual(['NEW+check+submit']);
    // 'settle-and-record': each fill's settle step records it, the last one the release and SETTLED too: one activity
    // task and one workflow task fewer than 'check-and-route', still one marker and the same upserts.
    const recorded = shape('order-lifecycle-recorded-fills.history.bin');
    expect(recorded.activities).toEqual(['NEW+check+submit', 'settle', 'settle']);
    expect(recorded.mirrored).toEqual(['ACCEPTED', 'PARTIALLY_FILLED', 'SETTLED']);
    expect(recorded.workflowTasks).toBe(routed.workflowTasks - 1);
    expect(markers('order-lifecycle-recorded-fills.history.bin')).toEqual({ patches: ['settle-and-record'], upserts: ['TemporalChangeVersion', 'OrderStatus', 'OrderStatus', 'OrderStatus'] });
    // 'ack-with-submit': the same tasks with no ACCEPTED report in the history, fills numbered 2 and 3; still one marker.
    const acked = shape('order-lifecycle-acked-fills.history.bin');
    expect(acked.activities).toEqual(['NEW+check+submit', 'settle', 'settle']);
    expect(acked.workflowTasks).toBeLessThanOrEqual(recorded.workflowTasks);
    expect(markers('order-lifecycle-acked-fills.history.bin')).toEqual({ patches: ['ack-with-submit'], upserts: ['TemporalChangeVersion', 'OrderStatus', 'OrderStatus', 'OrderStatus'] });
  });

  it.each(readdirSync(join(__dirname, 'histories')).filter((f) => f.endsWith('.history.bin')))('replays the recorded history %s deterministically', async (file) => {
    const history = temporal.api.history.v1.History.decode(readFileSync(join(__dirname, 'histories', file)));
    expect(history.events.length).toBeGreaterThan(8);
    // Bundled with the tracing interceptors, as the worker runs them: they must not change what a history replays to.
    await expect(Worker.runReplayHistory({ workflowBundle, sinks: tracing.sinks }, history)).resolves.toBeUndefined();
  });
});
