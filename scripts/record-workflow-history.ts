// Records histories of orderLifecycle for the replay test that guards determinism:
//   npx tsx scripts/record-workflow-history.ts
// Keep the old files: they stand for orders already running in production. Add a new recording when
// the workflow gains a path; a replay failure after a change means running orders would break.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestWorkflowEnvironment } from '../test/harness/temporal-env';
import { workflowPreloadFiles } from '../infra/temporal/workflow-preload';
import { fakeOrderActivities, fillReport, sampleOrder, venueReport } from '../test/harness/order-fixtures';
import { cancelSignal, getOrderQuery, orderWorkflowId, reconcileSignal, venueReportSignal } from '../workflows/order-contract';
import { orderLifecycle } from '../workflows/order-lifecycle';

/** The fake activities, and (for a scenario whose first submit is lost) the call that makes it fail. */
type Fake = ReturnType<typeof fakeOrderActivities> & { loseFirstSubmit: () => void };

const scenarios: Record<string, (client: Client, taskQueue: string, fake: Fake) => Promise<temporal.api.history.v1.IHistory>> = {
  // Accepted, routed to the venue, filled in two parts, settled.
  'order-lifecycle-fills': (client, taskQueue) => fillsAndSettle(client, taskQueue, '00000000-0000-8000-8000-000000000002'),
  // The same with 'batched-steps': transitions, releases, the hold, the submit and settlements batched (runSteps).
  'order-lifecycle-batched-fills': (client, taskQueue) => fillsAndSettle(client, taskQueue, '00000000-0000-8000-8000-000000000008'),
  // Cancel at the venue with 'batched-steps': PENDING_CANCEL persisted before the venue's cancel, release and CANCELLED batched.
  'order-lifecycle-batched-cancel-at-venue': (client, taskQueue, fake) => cancelAtVenue(client, taskQueue, fake, '00000000-0000-8000-8000-000000000009'),
  // With 'decide-with-hold': NEW, the hold and ACCEPTED are one activity task; the submit follows alone.
  'order-lifecycle-decided-fills': (client, taskQueue) => fillsAndSettle(client, taskQueue, '00000000-0000-8000-8000-000000000010'),
  // With 'decide-with-hold', refused: NEW, the check and REJECTED in one activity task, nothing after it.
  'order-lifecycle-decided-rejected': async (client, taskQueue) => {
    const order = sampleOrder('00000000-0000-8000-8000-000000000011', { quantity: '1' });
    const handle = await client.workflow.start(orderLifecycle, { taskQueue, workflowId: orderWorkflowId(order.orderId), args: [{ order }] });
    await handle.result();
    return handle.fetchHistory();
  },
  // With 'check-and-route': the check step sends the accepted order to the venue too; fills, settled.
  'order-lifecycle-routed-fills': (client, taskQueue) => fillsAndSettle(client, taskQueue, '00000000-0000-8000-8000-000000000012'),
  // With 'check-and-route', cancelled at the venue after it acknowledged the order.
  'order-lifecycle-routed-cancel-at-venue': (client, taskQueue, fake) => cancelAtVenue(client, taskQueue, fake, '00000000-0000-8000-8000-000000000013'),
  // With 'check-and-route', refused: nothing goes to the venue.
  'order-lifecycle-routed-rejected': async (client, taskQueue) => {
    const order = sampleOrder('00000000-0000-8000-8000-000000000014', { quantity: '1' });
    const handle = await client.workflow.start(orderLifecycle, { taskQueue, workflowId: orderWorkflowId(order.orderId), args: [{ order }] });
    await handle.result();
    return handle.fetchHistory();
  },
  // With 'settle-and-record': each fill's settle step records its transition, the last one the release and SETTLED too.
  'order-lifecycle-recorded-fills': (client, taskQueue) => fillsAndSettle(client, taskQueue, '00000000-0000-8000-8000-000000000015'),
  // With 'ack-with-submit': the submit's answer stands for the venue's ACCEPTED (report 1), which no signal brings; fills 2 and 3.
  'order-lifecycle-acked-fills': (client, taskQueue) => fillsAndSettle(client, taskQueue, '00000000-0000-8000-8000-000000000016', 2),
  // With 'fills-with-submit': a taker that sweeps two levels on arrival; the submit's answer holds both fills and the
  // order's end, so the workflow settles them with no signal and no wait for the venue.
  'order-lifecycle-filled-on-arrival': (client, taskQueue) => filledOnArrivalRun(client, taskQueue, FILLED_ON_ARRIVAL['order-lifecycle-filled-on-arrival']),
  // The same after the check step answered the time it recorded those fills at (ArrivalSettlement.at), which the
  // workflow applies them at: no new marker, the answer says it.
  'order-lifecycle-timed-filled-on-arrival': (client, taskQueue) => filledOnArrivalRun(client, taskQueue, FILLED_ON_ARRIVAL['order-lifecycle-timed-filled-on-arrival']),
  // Report 1 lost: report 2 arrives after a gap, the workflow asks the venue, applies both fills in order, settles.
  'order-lifecycle-reconcile': async (client, taskQueue, fake) => {
    const order = sampleOrder('00000000-0000-8000-8000-000000000003', { quantity: '1' });
    const fills = [
      { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' },
      { tradeId: 'T2', price: '29999.5', quantity: '0.6', remaining: '0' },
    ];
    fake.venueTruth.set(order.orderId, venueState(order.orderId, fills, 1));
    const handle = await client.workflow.start(orderLifecycle, {
      taskQueue,
      workflowId: orderWorkflowId(order.orderId),
      args: [{ order, reconcile: { gapGraceMs: 200 } }],
    });
    while ((await handle.query(getOrderQuery)).status !== 'ACCEPTED') await new Promise((r) => setTimeout(r, 50));
    await handle.signal(venueReportSignal, fillReport(order.orderId, 2, fills[1]!));
    await handle.result();
    return handle.fetchHistory();
  },
  // Recorded before 'quiet-by-sweep' (with 'fills-with-submit'): a resting order that hears nothing polls the venue
  // (200 ms, then 400), finds nothing twice, then the fill and the end its lost reports held, settles and ends SETTLED.
  'order-lifecycle-quiet-poll': async (client, taskQueue, fake) => {
    const order = sampleOrder('00000000-0000-8000-8000-000000000021', { quantity: '1' });
    const handle = await client.workflow.start(orderLifecycle, {
      taskQueue,
      workflowId: orderWorkflowId(order.orderId),
      args: [{ order, reconcile: { quietMs: 200, maxQuietMs: 400, gapGraceMs: 200 } }],
    });
    while (fake.submitted.length === 0) await new Promise((r) => setTimeout(r, 50));
    fake.venueTruth.set(order.orderId, venueState(order.orderId, [], 2));
    while (fake.reconciliations.length < 2) await new Promise((r) => setTimeout(r, 50));
    fake.venueTruth.set(order.orderId, venueState(order.orderId, [{ tradeId: 'T1', price: '30000', quantity: '1', remaining: '0' }], 2));
    await handle.result();
    return handle.fetchHistory();
  },
  // With 'quiet-by-sweep': the order rests and hears nothing; with a quiet poll of 200 ms it still starts no timer. The
  // venue filled it meanwhile and the reports were lost: the sweeper's reconcile signal makes it ask the venue, which
  // answers both fills; the workflow settles them and ends SETTLED.
  'order-lifecycle-swept-reconcile': async (client, taskQueue, fake) => {
    const order = sampleOrder('00000000-0000-8000-8000-000000000020', { quantity: '1' });
    const handle = await client.workflow.start(orderLifecycle, {
      taskQueue,
      workflowId: orderWorkflowId(order.orderId),
      args: [{ order, reconcile: { quietMs: 200, maxQuietMs: 400, gapGraceMs: 200 } }],
    });
    while (fake.submitted.length === 0) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1_500));
    const fills = [
      { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' },
      { tradeId: 'T2', price: '29999.5', quantity: '0.6', remaining: '0' },
    ];
    fake.venueTruth.set(order.orderId, venueState(order.orderId, fills, 2));
    await handle.signal(reconcileSignal, { requestedBy: 'order-sweeper' });
    await handle.result();
    return handle.fetchHistory();
  },
  // Accepted and acknowledged by the venue; the trader cancels: PENDING_CANCEL, the venue confirms, CANCELLED.
  'order-lifecycle-cancel-at-venue': (client, taskQueue, fake) => cancelAtVenue(client, taskQueue, fake, '00000000-0000-8000-8000-000000000004'),
  // A cancel while the check step is retried after its first attempt's submit was lost on the way (patch
  // 'check-and-route'): the retry finds nothing at the venue but the hold already placed, so the workflow waits until
  // the venue would refuse that submit, asks the venue once more (still nothing) and ends CANCELLED before the venue.
  'order-lifecycle-stale-submit-cancel': async (client, taskQueue, fake) => {
    const order = sampleOrder('00000000-0000-8000-8000-000000000017', { quantity: '1' });
    const handle = await client.workflow.start(orderLifecycle, { taskQueue, workflowId: orderWorkflowId(order.orderId), args: [{ order, reconcile: { staleSubmitMs: 5_000 } }] });
    while (fake.submitted.length === 0) await new Promise((r) => setTimeout(r, 50));
    await handle.signal(cancelSignal, { reason: 'cancelled by the trader' });
    fake.loseFirstSubmit();
    await handle.result();
    return handle.fetchHistory();
  },
  // A GTD order partly filled; its durable timer fires, the workflow cancels at the venue, and the venue's cancel ends it EXPIRED.
  'order-lifecycle-gtd-expiry': async (client, taskQueue, fake) => {
    const order = sampleOrder('00000000-0000-8000-8000-000000000005', { quantity: '1', timeInForce: 'GTD', expireAt: new Date(Date.now() + 2_000).toISOString() });
    const handle = await client.workflow.start(orderLifecycle, { taskQueue, workflowId: orderWorkflowId(order.orderId), args: [{ order }] });
    while (fake.submitted.length === 0) await new Promise((r) => setTimeout(r, 50));
    await handle.signal(venueReportSignal, fillReport(order.orderId, 1, { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' }));
    while (fake.cancels.length === 0) await new Promise((r) => setTimeout(r, 50));
    await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'GTD_EXPIRED', remaining: '0' }));
    await handle.result();
    return handle.fetchHistory();
  },
};

/**
 * The venue's state of a BUY of 1 the recorder's fake venue answers a reconciliation with: OPEN with no fills, FILLED
 * after fills that add up to 1 (numbered from `firstFill`; report 1 is the venue's acknowledgement in recordings since
 * 'ack-with-submit', a fill in those before it).
 */
function venueState(orderId: string, fills: Array<{ tradeId: string; price: string; quantity: string; remaining: string }>, firstFill: number) {
  return {
    orderId,
    accountId: 'acct-test',
    symbol: 'BTC-USD',
    status: fills.length === 0 ? ('OPEN' as const) : ('FILLED' as const),
    filledQuantity: fills.length === 0 ? '0' : '1',
    remaining: fills.length === 0 ? '1' : '0',
    cancelledQuantity: '0',
    reason: null,
    version: fills.length === 0 ? 1 : firstFill + fills.length - 1,
    updatedAt: '2030-01-01T00:00:00.000Z',
    fills: fills.map((f, i) => ({ ...f, fillId: `${f.tradeId}:${orderId}`, side: 'BUY' as const, liquidity: 'MAKER' as const, version: firstFill + i, occurredAt: '2030-01-01T00:00:00.000Z' })),
  };
}

/** The order of each recording of an order filled on arrival, by recording. */
const FILLED_ON_ARRIVAL = {
  'order-lifecycle-filled-on-arrival': '00000000-0000-8000-8000-000000000018',
  'order-lifecycle-timed-filled-on-arrival': '00000000-0000-8000-8000-000000000019',
} as const;
const filledOnArrivalOrder = (name: string): string | undefined => (FILLED_ON_ARRIVAL as Record<string, string>)[name];

async function filledOnArrivalRun(client: Client, taskQueue: string, orderId: string): Promise<temporal.api.history.v1.IHistory> {
  const order = sampleOrder(orderId, { quantity: '1' });
  const handle = await client.workflow.start(orderLifecycle, { taskQueue, workflowId: orderWorkflowId(order.orderId), args: [{ order }] });
  await handle.result();
  return handle.fetchHistory();
}

/** The venue's answer to the submit of the order filled on arrival: acknowledged (1), two fills (2, 3), FILLED. */
function filledOnArrival(orderId: string): Parameters<typeof fakeOrderActivities>[0] {
  const fills = [
    { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' },
    { tradeId: 'T2', price: '30000.5', quantity: '0.6', remaining: '0' },
  ];
  return {
    submitAnswer: {
      status: 'FILLED',
      filledQuantity: '1',
      remaining: '0',
      version: 3,
      fills: fills.map((f, i) => ({ ...f, fillId: `${f.tradeId}:${orderId}`, side: 'BUY', liquidity: 'TAKER', version: i + 2, occurredAt: '2030-01-01T00:00:00.000Z' })),
    },
  };
}

/** Two fills numbered from `firstFill` (1 in recordings made before the venue's ACCEPTED came with the submit's answer). */
async function fillsAndSettle(client: Client, taskQueue: string, orderId: string, firstFill = 1): Promise<temporal.api.history.v1.IHistory> {
  const order = sampleOrder(orderId, { quantity: '1' });
  const handle = await client.workflow.start(orderLifecycle, { taskQueue, workflowId: orderWorkflowId(order.orderId), args: [{ order }] });
  while ((await handle.query(getOrderQuery)).status !== 'ACCEPTED') await new Promise((r) => setTimeout(r, 50));
  await handle.signal(venueReportSignal, fillReport(order.orderId, firstFill, { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' }));
  await handle.signal(venueReportSignal, fillReport(order.orderId, firstFill + 1, { tradeId: 'T2', price: '29999.5', quantity: '0.6', remaining: '0' }));
  await handle.result();
  return handle.fetchHistory();
}

async function cancelAtVenue(client: Client, taskQueue: string, fake: Fake, orderId: string): Promise<temporal.api.history.v1.IHistory> {
  const order = sampleOrder(orderId, { quantity: '1' });
  const handle = await client.workflow.start(orderLifecycle, { taskQueue, workflowId: orderWorkflowId(order.orderId), args: [{ order }] });
  while (fake.submitted.length === 0) await new Promise((r) => setTimeout(r, 50));
  await handle.signal(venueReportSignal, venueReport(order.orderId, 1, { type: 'ACCEPTED' }));
  await handle.signal(cancelSignal, { reason: 'cancelled by the trader' });
  while (fake.cancels.length === 0) await new Promise((r) => setTimeout(r, 50));
  await handle.signal(venueReportSignal, venueReport(order.orderId, 2, { type: 'CANCELLED', reason: 'USER', remaining: '1' }));
  await handle.result();
  return handle.fetchHistory();
}

async function main(): Promise<void> {
  const env = await createTestWorkflowEnvironment();
  try {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows/index'), preloadModules: workflowPreloadFiles(join(__dirname, '..'), '.ts') });
    for (const [name, scenario] of Object.entries(scenarios)) {
      const file = join(__dirname, '..', 'workflows', 'histories', `${name}.history.bin`);
      if (existsSync(file) && !process.argv.includes('--overwrite')) {
        console.log(`kept ${file} (pass --overwrite to record it again)`);
        continue;
      }
      let loseFirstSubmit = (): void => undefined;
      const firstSubmitLost = new Promise<void>((resolve) => (loseFirstSubmit = resolve));
      const arrivalOrder = filledOnArrivalOrder(name);
      const options = name.endsWith('-rejected')
        ? { refuse: 'INSUFFICIENT_BALANCE' }
        : name.includes('stale-submit')
          ? { firstSubmitLost }
          : arrivalOrder !== undefined
            ? filledOnArrival(arrivalOrder)
            : {};
      const fake = { ...fakeOrderActivities(options), loseFirstSubmit };
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: `record-${name}`,
        workflowBundle,
        activities: fake.activities,
      });
      const history = await worker.runUntil(scenario(env.client, `record-${name}`, fake));
      // Protobuf binary: exactly what the server sent, readable with `temporal.api.history.v1.History.decode`.
      writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
      console.log(`wrote ${file}`);
    }
  } finally {
    await env.teardown();
  }
}

void main();
