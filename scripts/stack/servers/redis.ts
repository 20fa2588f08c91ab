import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { commandExists, runLogged } from '../processes';
import type { StackSettings } from '../settings';
import { serverDataDir, type StackServer } from './server';

function installedVersion(): string {
  try {
    const out = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
    return /v=(\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/** Redis from the Debian package; the version is whatever apt installed (7.0.x on Debian 12). */
export const redisServer: StackServer = {
  name: 'redis',
  get version() {
    return installedVersion();
  },
  installTools: [{ command: 'apt-get', hint: 'install redis-server with your package manager (Debian/Ubuntu: apt-get install redis-server)' }],
  startTimeoutMs: 15_000,
  port: (s) => s.ports.redis,
  address: (s) => `127.0.0.1:${s.ports.redis}`,
  isInstalled: () => commandExists('redis-server'),

  async install({ settings }, logFile) {
    if (process.getuid?.() !== 0) {
      throw new Error('redis-server is missing and installing it needs root: run `sudo apt-get install -y redis-server`, then `npm run stack -- up` again');
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await runLogged('apt-get', ['update', '-qq'], { cwd: settings.repoRoot, logFile, env });
    await runLogged('apt-get', ['install', '-y', '-qq', 'redis-server', 'redis-tools'], { cwd: settings.repoRoot, logFile, env });
  },

  prepare({ settings }) {
    mkdirSync(serverDataDir(settings, 'redis'), { recursive: true });
    return Promise.resolve();
  },

  launch(settings) {
    const dir = serverDataDir(settings, 'redis');
    // Redis rewrites its process title, so the marker goes into the title template.
    const marker = `crypto-oms:${dir}`;
    return {
      command: 'redis-server',
      marker,
      args: [
        '--port',
        String(settings.ports.redis),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--daemonize',
        'no',
        '--proc-title-template',
        `{title} {listen-addr} ${marker}`,
      ],
    };
  },

  async healthy(settings: StackSettings) {
    const client = new Redis({ host: '127.0.0.1', port: settings.ports.redis, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  },

  configure: () => Promise.resolve(),
};
