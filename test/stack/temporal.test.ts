import { Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import { ORDER_SEARCH_ATTRIBUTES } from '../../scripts/stack/servers/temporal';
import { createTestWorkflowEnvironment, workflowBundle } from '../harness/temporal-env';
import { echo } from './fixtures/echo-workflow';

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
});
