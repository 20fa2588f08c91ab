import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { dependencyUnavailable } from '../dependency-errors';
import { freePort } from '../../test/harness/ports';
import { threadedApiWorkflows, type ApiWorkflowsSettings } from './api-workflows';
import { connectTemporal } from './client';
import { orderWorkflowId } from '../../workflows/order-contract';
import type { OrderSnapshot } from '../../domain/order-snapshot';

/**
 * The order API's Temporal calls in their worker thread (api-workflows.ts), against the stack's Temporal server: the
 * answers and errors a caller gets are those of the client in the process, and a lost thread fails its calls.
 */
describe('the API Temporal thread', () => {
  const config = loadConfig();
  // A task queue no worker polls: a workflow started here waits, and a query to it runs into its deadline.
  const settings: ApiWorkflowsSettings = { temporal: config.temporal, taskQueue: `api-thread-${randomUUID()}`, callDeadlineMs: 5_000 };
  const lost: Error[] = [];
  let workflows: Awaited<ReturnType<typeof threadedApiWorkflows>>;

  beforeAll(async () => {
    workflows = await threadedApiWorkflows(settings, (error) => lost.push(error));
  }, 60_000);
  afterAll(async () => {
    await workflows?.close();
  });

  it('pings, and answers for an order that has no workflow', async () => {
    await expect(workflows.ping()).resolves.toBeUndefined();
    const orderId = `missing-${randomUUID()}`;
    expect(await workflows.query(orderId)).toBeNull();
    expect(await workflows.requestCancel(orderId, { reason: 'USER' })).toBe('not-found');
    expect(await workflows.requestReconcile(orderId, {})).toBe('not-found');
  });

  it('signal-with-starts a cancel that overtakes the order (the workflow is there, with the cancel)', async () => {
    const orderId = `thread-${randomUUID()}`;
    const snapshot = {
      orderId,
      accountId: 'someone',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: '30000',
      timeInForce: 'GTC',
      status: 'NEW',
      createdAt: new Date().toISOString(),
    } as unknown as OrderSnapshot;
    expect(await workflows.requestCancel(orderId, { reason: 'USER' }, snapshot)).toBe('signalled');
    const client = await connectTemporal(config.temporal);
    try {
      const handle = client.workflow.getHandle(orderWorkflowId(orderId));
      const history = await handle.fetchHistory();
      expect(history.events?.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'cancel')).toBe(true);
      await handle.terminate('test over');
    } finally {
      await client.connection.close();
    }
  });

  it('fails to start against a server that is not there, saying so', async () => {
    const port = await freePort();
    await expect(threadedApiWorkflows({ ...settings, temporal: { ...settings.temporal, address: `127.0.0.1:${port}` } }, () => undefined)).rejects.toThrow();
  }, 30_000);

  it('a lost thread fails its calls as a Temporal outage (503) and says so once; close() ends it quietly', async () => {
    const other = await threadedApiWorkflows(settings, (error) => lost.push(error));
    await other.crashThread();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lost).toHaveLength(1);
    const failure = await other.query('anything').catch((error: unknown) => error);
    expect(dependencyUnavailable(failure)).toBe('temporal');
    await other.close();
    expect(lost).toHaveLength(1);
    // A thread closed on purpose is not lost.
    const closing = await threadedApiWorkflows(settings, (error) => lost.push(error));
    await closing.close();
    expect(lost).toHaveLength(1);
  }, 60_000);
});
