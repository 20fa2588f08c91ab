import { Client, Connection } from '@temporalio/client';

/** A connection to the Temporal frontend; close it on shutdown. */
export function openTemporalConnection(config: { address: string }): Promise<Connection> {
  return Connection.connect({ address: config.address });
}

/** A Temporal client for one namespace; close its connection on shutdown. */
export async function connectTemporal(config: { address: string; namespace: string }): Promise<Client> {
  const connection = await openTemporalConnection(config);
  return new Client({ connection, namespace: config.namespace });
}
