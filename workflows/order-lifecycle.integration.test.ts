import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestWorkflowEnvironment } from '../test/harness/temporal-env';
import { cancelSignal, getOrderQuery, orderLifecycle } from './order-lifecycle';
import { fakeOrderActivities, sampleOrder } from '../test/harness/order-fixtures';
import { OrderStatusKey } from './search-attributes';

const workflowsPath = require.resolve('./index');

describe('orderLifecycle workflow (Temporal test environment, fake activities)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTestWorkflowEnvironment();
  }, 60_000);
  afterAll(() => env?.teardown());

  async function withWorker<T>(activities: ReturnType<typeof fakeOrderActivities>['activities'], run: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `wf-test-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
    return worker.runUntil(run(taskQueue));
  }

  const waitForStatus = async (handle: { query: (q: typeof getOrderQuery) => Promise<{ status: string }> }, status: string) => {
    for (let i = 0; i < 200; i += 1) {
      if ((await handle.query(getOrderQuery)).status === status) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`order never reached ${status}`);
  };

  it('accepts an order, then cancels it on the cancel signal and releases the hold', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start(orderLifecycle, { taskQueue, workflowId: `order-${order.orderId}`, args: [{ order }] });
      await waitForStatus(handle, 'ACCEPTED');
      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(OrderStatusKey)).toBe('ACCEPTED');
      await handle.signal(cancelSignal, { reason: 'test' });
      return handle.result();
    });
    expect(result.status).toBe('CANCELLED');
    expect(result.version).toBe(3);
    expect(fake.recorded.map((r) => [r.order.status, r.order.version, r.previousStatus])).toEqual([
      ['NEW', 1, null],
      ['ACCEPTED', 2, 'NEW'],
      ['CANCELLED', 3, 'ACCEPTED'],
    ]);
    expect(fake.released).toEqual([order.orderId]);
  });

  it('rejects with the risk refusal as the reason and never releases a hold it did not place', async () => {
    const fake = fakeOrderActivities({ refuse: 'INSUFFICIENT_BALANCE' });
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake.activities, (taskQueue) =>
      env.client.workflow.execute(orderLifecycle, { taskQueue, workflowId: `order-${order.orderId}`, args: [{ order }] }),
    );
    expect(result.status).toBe('REJECTED');
    expect(result.rejectReason).toBe('INSUFFICIENT_BALANCE');
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'REJECTED']);
    expect(fake.released).toEqual([]);
    expect(fake.reserveCalls()).toBe(1);
  });

  it('retries a transient risk failure instead of rejecting', async () => {
    const fake = fakeOrderActivities({ transientFailures: 2 });
    const order = sampleOrder(randomUUID());
    await withWorker(fake.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start(orderLifecycle, { taskQueue, workflowId: `order-${order.orderId}`, args: [{ order }] });
      await waitForStatus(handle, 'ACCEPTED');
      await handle.signal(cancelSignal, {});
      await handle.result();
    });
    expect(fake.reserveCalls()).toBe(3);
    expect(fake.recorded.map((r) => r.order.status)).toEqual(['NEW', 'ACCEPTED', 'CANCELLED']);
  });

  it('a cancel delivered with the start (signal-with-start) cancels before any risk check', async () => {
    const fake = fakeOrderActivities();
    const order = sampleOrder(randomUUID());
    const result = await withWorker(fake.activities, async (taskQueue) => {
      const handle = await env.client.workflow.signalWithStart(orderLifecycle, {
        taskQueue,
        workflowId: `order-${order.orderId}`,
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

  it('replays a recorded history deterministically', async () => {
    const history = temporal.api.history.v1.History.decode(readFileSync(join(__dirname, 'histories', 'order-lifecycle-accept-cancel.history.bin')));
    expect(history.events.length).toBeGreaterThan(10);
    await expect(Worker.runReplayHistory({ workflowsPath }, history)).resolves.toBeUndefined();
  });
});
