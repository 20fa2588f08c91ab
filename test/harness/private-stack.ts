import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ServerName } from '../../scripts/stack/servers/server';
import { loadStackSettings, REPO_ROOT, type StackSettings } from '../../scripts/stack/settings';
import { down, up } from '../../scripts/stack/stack';

/**
 * Servers of the stack's kind (same cached builds) on free ports with a data folder of their own, for the tests that
 * kill or stop servers: they must never touch the shared stack, which `npm start` and the other tests use.
 */
export interface PrivateStack {
  readonly settings: StackSettings;
  /** Stops the servers and removes their data. */
  remove(): Promise<void>;
}

/**
 * Starts the servers; when one fails to start (a port taken between choosing it and the server binding it, which a
 * JVM's start-up makes seconds long), it tries again on new ports, twice at most.
 */
export async function startPrivateStack(names?: readonly ServerName[]): Promise<PrivateStack> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(names);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function startOnce(names?: readonly ServerName[]): Promise<PrivateStack> {
  mkdirSync(join(REPO_ROOT, '.data'), { recursive: true });
  const dataDir = mkdtempSync(join(REPO_ROOT, '.data', 'private-stack-'));
  const taken = new Set<number>();
  const port = async () => String(await unusedPort(taken));
  const settings = loadStackSettings({
    ...process.env,
    CRYPTO_OMS_DATA: dataDir,
    TEMPORAL_PORT: await port(),
    TEMPORAL_UI_PORT: await port(),
    TEMPORAL_METRICS_PORT: await port(),
    KAFKA_PORT: await port(),
    KAFKA_CONTROLLER_PORT: await port(),
    REDIS_PORT: await port(),
    MONGO_PORT: await port(),
  });
  const quiet = () => undefined;
  try {
    await up(settings, quiet, names);
  } catch (error) {
    await down(settings, quiet).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    settings,
    async remove() {
      await down(settings, quiet);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A port nothing listens on, below Linux's ephemeral range (32768-60999): a port the OS hands out for port 0 is also
 * one it may give an outgoing connection next, and the suite opens thousands while a JVM server starts.
 */
async function unusedPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const candidate = 20_000 + randomInt(12_000);
    if (taken.has(candidate) || !(await canListen(candidate))) continue;
    taken.add(candidate);
    return candidate;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
