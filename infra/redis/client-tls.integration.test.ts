import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { freePort, portOpen } from '../../test/harness/ports';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createRedis } from './client';

/**
 * ElastiCache's way in (TLS and AUTH), against a real redis-server of this test's own: TLS only (no plain port), a
 * certificate from a CA generated here with openssl, `requirepass`, and an ACL user. The shared stack's Redis is
 * not touched.
 */
jest.setTimeout(60_000);

describe('createRedis with TLS and AUTH (a private redis-server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oms-redis-tls-'));
  const path = (name: string) => join(dir, name);
  let server: ChildProcess;
  let port: number;
  const clients: Redis[] = [];
  const logger = createLogger({ name: 'redis-tls-test', level: 'silent' });
  const client = (env: Record<string, string>) => {
    const redis = createRedis(loadConfig(env).redis, logger);
    clients.push(redis);
    return redis;
  };

  beforeAll(async () => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=crypto-oms test CA');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
    writeFileSync(path('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
    // Another CA, which did not sign the server's certificate.
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '1', '-subj', '/CN=another CA');
    port = await freePort();
    server = spawn(
      'redis-server',
      ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', path('server.pem'), '--tls-key-file', path('server.key'), '--tls-ca-cert-file', path('ca.pem'), '--tls-auth-clients', 'no', '--requirepass', 'elasticache-auth-token-for-tests', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (await portOpen(port)) break;
      if (Date.now() > deadline) throw new Error('redis-server with TLS did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    for (const redis of clients) redis.disconnect();
    // ioredis destroys a TLS stream that did not close by itself after its disconnect timeout (2 s): let it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    server?.kill('SIGTERM');
    await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
    rmSync(dir, { recursive: true, force: true });
  });

  const tls = () => ({ REDIS_URL: `rediss://127.0.0.1:${port}`, REDIS_TLS_CA_FILE: path('ca.pem'), REDIS_KEY_PREFIX: 'tls-test:' });

  it('connects over TLS with the CA file and the AUTH token, key prefix and all', async () => {
    const redis = client({ ...tls(), REDIS_PASSWORD: 'elasticache-auth-token-for-tests' });
    await redis.set('greeting', 'hello');
    expect(await redis.get('greeting')).toBe('hello');
    expect(await redis.keys('*')).toEqual(['tls-test:greeting']);
  });

  it('connects as an ACL user with REDIS_USERNAME and REDIS_PASSWORD', async () => {
    const admin = client({ ...tls(), REDIS_PASSWORD: 'elasticache-auth-token-for-tests' });
    await admin.call('ACL', 'SETUSER', 'oms', 'on', '>oms-user-password', '~*', '&*', '+@all');
    const user = client({ ...tls(), REDIS_USERNAME: 'oms', REDIS_PASSWORD: 'oms-user-password' });
    expect(await user.call('ACL', 'WHOAMI')).toBe('oms');
  });

  it('is refused without the AUTH token', async () => {
    const redis = client(tls());
    await expect(redis.get('greeting')).rejects.toThrow(/NOAUTH|Authentication required/);
  });

  it('does not trust a server certificate its CA file did not sign', async () => {
    const redis = client({ ...tls(), REDIS_TLS_CA_FILE: path('other.pem'), REDIS_PASSWORD: 'elasticache-auth-token-for-tests' });
    await expect(redis.ping()).rejects.toThrow();
  });

  it('gets nothing from the TLS port in plain text (redis://)', async () => {
    const redis = client({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PASSWORD: 'elasticache-auth-token-for-tests' });
    await expect(redis.ping()).rejects.toThrow();
  });
});
