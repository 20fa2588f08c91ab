// Records histories of orderLifecycle for the replay test that guards determinism:
//   npx tsx scripts/record-workflow-history.ts
// Keep the old files: they stand for orders already running in production. Add a new recording when
// the workflow gains a path; a replay failure after a change means running orders would break.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestWorkflowEnvironment } from '../test/harness/temporal-env';
import { fakeOrderActivities, fillReport, sampleOrder } from '../test/harness/order-fixtures';
import { getOrderQuery, orderLifecycle, venueReportSignal } from '../workflows/order-lifecycle';

const scenarios: Record<string, (client: Client, taskQueue: string) => Promise<temporal.api.history.v1.IHistory>> = {
  // Accepted, routed to the venue, filled in two parts, settled.
  'order-lifecycle-fills': async (client, taskQueue) => {
    const order = sampleOrder('00000000-0000-8000-8000-000000000002', { quantity: '1' });
    const handle = await client.workflow.start(orderLifecycle, { taskQueue, workflowId: `order-${order.orderId}`, args: [{ order }] });
    while ((await handle.query(getOrderQuery)).status !== 'ACCEPTED') await new Promise((r) => setTimeout(r, 50));
    await handle.signal(venueReportSignal, fillReport(order.orderId, 1, { tradeId: 'T1', price: '30000', quantity: '0.4', remaining: '0.6' }));
    await handle.signal(venueReportSignal, fillReport(order.orderId, 2, { tradeId: 'T2', price: '29999.5', quantity: '0.6', remaining: '0' }));
    await handle.result();
    return handle.fetchHistory();
  },
};

async function main(): Promise<void> {
  const env = await createTestWorkflowEnvironment();
  try {
    for (const [name, scenario] of Object.entries(scenarios)) {
      const file = join(__dirname, '..', 'workflows', 'histories', `${name}.history.bin`);
      if (existsSync(file) && !process.argv.includes('--overwrite')) {
        console.log(`kept ${file} (pass --overwrite to record it again)`);
        continue;
      }
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: `record-${name}`,
        workflowsPath: require.resolve('../workflows/index'),
        activities: fakeOrderActivities().activities,
      });
      const history = await worker.runUntil(scenario(env.client, `record-${name}`));
      // Protobuf binary: exactly what the server sent, readable with `temporal.api.history.v1.History.decode`.
      writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
      console.log(`wrote ${file}`);
    }
  } finally {
    await env.teardown();
  }
}

void main();
