import { Client, Connection, type ConnectionLike, type TLSConfig } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import type { TemporalTls } from '../config';
import { workflowClientTracing } from '../telemetry/temporal-tracing';

interface TemporalSettings {
  readonly address: string;
  readonly tls?: TemporalTls | undefined;
}

/**
 * TLS to the frontend as the SDK takes it (the client's Connection and the worker's NativeConnection alike): the
 * client certificate and key for mTLS (Temporal Cloud), a private CA, a server name override. undefined: plain.
 */
export function temporalTlsConfig(tls: TemporalTls | undefined): TLSConfig | undefined {
  if (tls === undefined) return undefined;
  const config: TLSConfig = {};
  if (tls.clientCert !== undefined) config.clientCertPair = { crt: readFileSync(tls.clientCert.certFile), key: readFileSync(tls.clientCert.keyFile) };
  if (tls.caFile !== undefined) config.serverRootCACertificate = readFileSync(tls.caFile);
  if (tls.serverName !== undefined) config.serverNameOverride = tls.serverName;
  return config;
}

/** A connection to the Temporal frontend; close it on shutdown. */
export function openTemporalConnection(config: TemporalSettings): Promise<Connection> {
  const tls = temporalTlsConfig(config.tls);
  return Connection.connect({ address: config.address, ...(tls === undefined ? {} : { tls }) });
}

/**
 * A Temporal client for one namespace; close its connection on shutdown. Its workflow calls (start, signal, query,
 * cancel) are spans whose context the workflow continues (infra/telemetry/temporal-tracing.ts).
 */
export async function connectTemporal(config: TemporalSettings & { namespace: string }): Promise<Client> {
  return temporalClient(await openTemporalConnection(config), config.namespace);
}

/**
 * A Temporal client on a connection the caller owns. On the worker's NativeConnection it can start workflows eagerly
 * (`requestEagerStart`): the server hands the first workflow task back in the start's answer, to this process's worker.
 */
export function temporalClient(connection: ConnectionLike, namespace: string): Client {
  return new Client({ connection, namespace, interceptors: workflowClientTracing() });
}
