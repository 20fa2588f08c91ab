import { NativeConnection } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { loadConfig } from '../config';
import { openTemporalConnection, temporalTlsConfig } from './client';

/**
 * Temporal Cloud's way in (mTLS with a server name), against the real dev server behind a TLS front of this test's own
 * that asks for a client certificate (the dev server has no TLS): certificates from a CA made here with openssl,
 * the server's issued for `temporal.test` only, so the connection works only with TEMPORAL_TLS_SERVER_NAME. Both
 * connection kinds: the client's Connection and the worker's NativeConnection.
 */
jest.setTimeout(60_000);

describe('Temporal connections with mTLS (a TLS front to the dev server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oms-temporal-tls-'));
  const path = (name: string) => join(dir, name);
  let front: Server;
  let address: string;
  const upstream = loadConfig().temporal.address.split(':');

  beforeAll(async () => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=crypto-oms test CA');
    const issue = (name: string, subject: string, ext: string) => {
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      writeFileSync(path(`${name}.ext`), ext);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
    };
    issue('server', '/CN=temporal.test', 'subjectAltName=DNS:temporal.test\n');
    issue('client', '/CN=crypto-oms worker', 'extendedKeyUsage=clientAuth\n');
    front = createServer(
      { key: readFileSync(path('server.key')), cert: readFileSync(path('server.pem')), ca: readFileSync(path('ca.pem')), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
      (socket) => {
        const backend = connect(Number(upstream[1]), upstream[0]);
        socket.pipe(backend).pipe(socket);
        socket.on('error', () => backend.destroy());
        backend.on('error', () => socket.destroy());
      },
    );
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(front.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => front.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (overrides: Record<string, string> = {}) => ({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TLS: 'on',
    TEMPORAL_TLS_CERT_FILE: path('client.pem'),
    TEMPORAL_TLS_KEY_FILE: path('client.key'),
    TEMPORAL_TLS_CA_FILE: path('ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    ...overrides,
  });

  it('the client connects with the certificate pair, the CA and the server name', async () => {
    const connection = await openTemporalConnection(loadConfig(env()).temporal);
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
    } finally {
      await connection.close();
    }
  });

  it("the worker's NativeConnection connects with the same settings", async () => {
    const { temporal } = loadConfig(env());
    const connection = await NativeConnection.connect({ address: temporal.address, tls: temporalTlsConfig(temporal.tls)! });
    try {
      expect((await connection.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    } finally {
      await connection.close();
    }
  });

  it('is refused without a client certificate', async () => {
    const settings: Record<string, string> = env();
    delete settings.TEMPORAL_TLS_CERT_FILE;
    delete settings.TEMPORAL_TLS_KEY_FILE;
    await expect(openTemporalConnection({ ...loadConfig(settings).temporal }).then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
  });

  it('does not accept the server under another name', async () => {
    const settings: Record<string, string> = env();
    delete settings.TEMPORAL_TLS_SERVER_NAME;
    await expect(openTemporalConnection(loadConfig(settings).temporal).then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
  });
});
