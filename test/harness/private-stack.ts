import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerName } from '../../scripts/stack/servers/server';
import { loadStackSettings, REPO_ROOT, type StackSettings } from '../../scripts/stack/settings';
import { down, up } from '../../scripts/stack/stack';
import { freePort } from './ports';

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
  const port = async () => String(await freePort());
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
