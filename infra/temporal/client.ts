import { Client, Connection } from '@temporalio/client';
import { workflowClientTracing } from '../telemetry/temporal-tracing';

/**
 * A Temporal client for one namespace; close its connection on shutdown. Its workflow calls (start, signal, query,
 * cancel) are spans whose context the workflow continues (infra/telemetry/temporal-tracing.ts).
 */
export async function connectTemporal(config: { address: string; namespace: string }): Promise<Client> {
  const connection = await Connection.connect({ address: config.address });
  return new Client({ connection, namespace: config.namespace, interceptors: workflowClientTracing() });
}
