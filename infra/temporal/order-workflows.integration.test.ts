import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createTestWorkflowEnvironment, workflowBundle } from '../../test/harness/temporal-env';
import { fakeOrderActivities, sampleOrder } from '../../test/harness/order-fixtures';
import { TemporalOrderWorkflowGateway } from './order-workflows';
import { temporalClient } from './client';

jest.setTimeout(60_000);

/**
 * Eager workflow start, as the worker's orders consumer uses it: a client on the NativeConnection of a worker polling
 * the task queue gets the order's first workflow task with the start's answer. The order still runs to its end, and a
 * redelivered start is still a duplicate.
 */
describe('TemporalOrderWorkflowGateway eager start (Temporal dev server)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTestWorkflowEnvironment();
  }, 60_000);
  afterAll(() => env?.teardown());

  async function withWorker<T>(run: (taskQueue: string, fake: ReturnType<typeof fakeOrderActivities>) => Promise<T>): Promise<T> {
    const taskQueue = `eager-${randomUUID()}`;
    const fake = fakeOrderActivities();
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(require.resolve('../../workflows/index')), activities: fake.activities });
    return worker.runUntil(run(taskQueue, fake));
  }

  it('starts eagerly on the worker\'s connection; a redelivered start is a duplicate', async () => {
    await withWorker(async (taskQueue, fake) => {
      const gateway = new TemporalOrderWorkflowGateway(temporalClient(env.nativeConnection, 'default'), taskQueue, undefined, { eagerStart: true });
      const order = sampleOrder(randomUUID());
      expect(await gateway.startOrder(order)).toEqual({ outcome: 'started', eagerlyStarted: true });
      // The workflow runs from there: risk checked, ACCEPTED recorded, sent to the venue.
      for (let i = 0; i < 200 && fake.submitted.length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
      expect(fake.submitted.map((o) => o.orderId)).toEqual([order.orderId]);
      expect(await gateway.start(order)).toBe('duplicate');
    });
  });

  it('starts plainly when not asked to, or on a client connection that no worker shares', async () => {
    await withWorker(async (taskQueue) => {
      const plain = new TemporalOrderWorkflowGateway(temporalClient(env.nativeConnection, 'default'), taskQueue);
      expect(await plain.startOrder(sampleOrder(randomUUID()))).toEqual({ outcome: 'started', eagerlyStarted: false });
      const elsewhere = new TemporalOrderWorkflowGateway(new Client({ connection: env.connection }), taskQueue, undefined, { eagerStart: true });
      // The SDK refuses eager start without a NativeConnection: the worker never passes one, this is why.
      await expect(elsewhere.startOrder(sampleOrder(randomUUID()))).rejects.toThrow(/NativeConnection/);
    });
  });
});
