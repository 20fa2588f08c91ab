import { Client, Connection } from '@temporalio/client';

/** A Temporal client for one namespace; close its connection on shutdown. */
export async function connectTemporal(config: { address: string; namespace: string }): Promise<Client> {
  const connection = await Connection.connect({ address: config.address });
  return new Client({ connection, namespace: config.namespace });
}
