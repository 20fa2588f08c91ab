import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import { ORDER_SEARCH_ATTRIBUTES } from '../../scripts/stack/servers/temporal';
import { loadStackSettings } from '../../scripts/stack/settings';
import { eventually } from '../harness/processes';
import { createTestWorkflowEnvironment, workflowBundle } from '../harness/temporal-env';
import { echo, echoThrice } from './fixtures/echo-workflow';

/** The sum of a Prometheus counter's samples in the stack's Temporal server's own metrics. */
async function serverCounter(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${loadStackSettings().ports.temporalMetrics}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('Temporal (stack)', () => {
  const config = loadConfig();

  it('answers health checks and the namespace has the five order search attributes as Keyword', async () => {
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      const health = await connection.healthService.check({});
      expect(health.status).toBe(1); // SERVING
      const attributes = await connection.operatorService.listSearchAttributes({ namespace: config.temporal.namespace });
      for (const name of ['OrderStatus', 'Symbol', 'AccountId', 'Side', 'OrderType']) {
        expect(attributes.customAttributes?.[name]).toBe(2); // INDEXED_VALUE_TYPE_KEYWORD
      }
      expect(ORDER_SEARCH_ATTRIBUTES).toEqual(['OrderStatus', 'Symbol', 'AccountId', 'Side', 'OrderType']);
    } finally {
      await connection.close();
    }
  });

  it('runs a workflow in the test environment on the provisioned CLI binary', async () => {
    const env = await createTestWorkflowEnvironment();
    try {
      const taskQueue = `stack-test-${randomUUID()}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(require.resolve('./fixtures/echo-workflow')),
      });
      const result = await worker.runUntil(
        env.client.workflow.execute(echo, { args: ['hello'], taskQueue, workflowId: `echo-${randomUUID()}` }),
      );
      expect(result).toBe('echo: hello');
    } finally {
      await env.teardown();
    }
  }, 60_000);

  it('hands activities to the worker eagerly: each one comes back with the workflow task that scheduled it', async () => {
    // The stack starts the server with system.enableActivityEagerExecution (off by default): the order workflow's
    // activities skip the poll through matching. Its own metrics count each activity it started that way.
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      const taskQueue = `stack-eager-${randomUUID()}`;
      const worker = await Worker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue,
        workflowBundle: await workflowBundle(require.resolve('./fixtures/echo-workflow')),
        activities: { shout: async (text: string) => `${text}!` },
      });
      const before = await serverCounter('activity_eager_execution');
      const result = await worker.runUntil(client.workflow.execute(echoThrice, { args: ['hi'], taskQueue, workflowId: `echo-${randomUUID()}` }));
      expect(result).toBe('hi!!!');
      // At least these three (another worker on the server at the same time could add its own); the server's
      // metrics reporter publishes counters about once a second.
      await eventually('the server to count three eager activities', async () => ((await serverCounter('activity_eager_execution')) - before >= 3 ? true : undefined), 15_000, 250);
    } finally {
      await connection.close();
    }
  }, 60_000);
});
