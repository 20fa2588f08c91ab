import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { loadConfig } from '../config';
import { connectMongo } from './client';

/**
 * DocumentDB's way in (TLS checked against a CA bundle file, retryable writes off), against the real store behind a
 * TLS front of this test's own (the store has no TLS), with a certificate from a CA made here with openssl.
 */
jest.setTimeout(60_000);

describe('connectMongo with TLS and a CA file (a TLS front to the store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oms-mongo-tls-'));
  const path = (name: string) => join(dir, name);
  let front: Server;
  let port: number;
  const upstream = new URL(loadConfig().mongo.url);

  beforeAll(async () => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    for (const ca of ['ca', 'other']) openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '1', '-subj', `/CN=${ca} test CA`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
    writeFileSync(path('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'server.ext');
    front = createServer({ key: readFileSync(path('server.key')), cert: readFileSync(path('server.pem')) }, (socket) => {
      const backend = connect(Number(upstream.port || 27017), upstream.hostname);
      socket.pipe(backend).pipe(socket);
      socket.on('error', () => backend.destroy());
      backend.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    port = (front.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => front.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (overrides: Record<string, string> = {}) => ({
    MONGO_URL: `mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=3000`,
    MONGO_DB: `test_tls_${randomUUID().slice(0, 8)}`,
    MONGO_TLS: 'on',
    MONGO_TLS_CA_FILE: path('ca.pem'),
    MONGO_RETRY_WRITES: 'off',
    ...overrides,
  });

  it('connects over TLS with the CA file and writes with retryable writes off', async () => {
    const mongo = await connectMongo(loadConfig(env()).mongo);
    try {
      await mongo.db.collection('probe').insertOne({ _id: 'over-tls' } as never);
      expect(await mongo.db.collection('probe').countDocuments()).toBe(1);
    } finally {
      await mongo.db.dropDatabase();
      await mongo.client.close();
    }
  });

  it('does not trust the store under a CA file that did not sign its certificate', async () => {
    await expect(connectMongo(loadConfig(env({ MONGO_TLS_CA_FILE: path('other.pem') })).mongo)).rejects.toThrow();
  });

  it('cannot talk to the TLS front in plain text (MONGO_TLS=off)', async () => {
    const settings: Record<string, string> = env({ MONGO_TLS: 'off' });
    delete settings.MONGO_TLS_CA_FILE;
    await expect(connectMongo(loadConfig(settings).mongo)).rejects.toThrow();
  });
});
