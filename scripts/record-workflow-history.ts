// Records a history of orderLifecycle (accept, then cancel) for the replay test that guards determinism:
//   npx tsx scripts/record-workflow-history.ts
// Re-record only on purpose: a replay failure after a workflow change means running orders would break.
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestWorkflowEnvironment } from '../test/harness/temporal-env';
import { cancelSignal, getOrderQuery, orderLifecycle } from '../workflows/order-lifecycle';
import { fakeOrderActivities, sampleOrder } from '../test/harness/order-fixtures';

async function main(): Promise<void> {
  const env = await createTestWorkflowEnvironment();
  try {
    const order = sampleOrder('00000000-0000-8000-8000-000000000001');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'record-history',
      workflowsPath: require.resolve('../workflows/index'),
      activities: fakeOrderActivities().activities,
    });
    const history = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(orderLifecycle, { taskQueue: 'record-history', workflowId: `order-${order.orderId}`, args: [{ order }] });
      while ((await handle.query(getOrderQuery)).status !== 'ACCEPTED') await new Promise((r) => setTimeout(r, 50));
      await handle.signal(cancelSignal, { reason: 'recorded' });
      await handle.result();
      return handle.fetchHistory();
    });
    const file = join(__dirname, '..', 'workflows', 'histories', 'order-lifecycle-accept-cancel.history.bin');
    // Protobuf binary: exactly what the server sent, readable with `temporal.api.history.v1.History.decode`.
    writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
    console.log(`wrote ${file}`);
  } finally {
    await env.teardown();
  }
}

void main();
