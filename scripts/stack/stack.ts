import { mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandExists, isAlive, portOpen, runningPid, startDetached, stopPidFile, tailFile, waitFor } from './processes';
import { step, type Say } from './progress';
import { kafkaServer } from './servers/kafka';
import { mongoServer } from './servers/mongo';
import { redisServer } from './servers/redis';
import { installLogFile, serverDataDir, serverLogFile, serverPidFile, type ServerName, type StackServer } from './servers/server';
import { temporalServer } from './servers/temporal';
import type { StackSettings } from './settings';

export const SERVERS: readonly StackServer[] = [temporalServer, kafkaServer, redisServer, mongoServer];

export function serverByName(name: string): StackServer {
  const server = SERVERS.find((s) => s.name === name);
  if (!server) throw new StackError(`unknown server "${name}" (one of: ${SERVERS.map((s) => s.name).join(', ')})`);
  return server;
}

export class StackError extends Error {
  override name = 'StackError';
}

/**
 * One `up`/`down` at a time per data folder: jest's global setup and `npm start` may race.
 * The lock is a file holding the owner's pid; a lock whose owner died is taken over.
 */
async function withLock<T>(settings: StackSettings, work: () => Promise<T>): Promise<T> {
  const lock = join(settings.dataDir, 'run', 'stack.lock');
  mkdirSync(join(settings.dataDir, 'run'), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const owner = Number(existsSync(lock) ? readFileSync(lock, 'utf8') : NaN);
      if (!Number.isInteger(owner) || !isAlive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new StackError(`another stack command (pid ${owner}) holds ${lock}`);
      await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function checkTools(servers: readonly StackServer[]): void {
  const missing = servers.flatMap((server) =>
    server.installTools.filter((tool) => !commandExists(tool.command)).map((tool) => `- ${server.name} needs \`${tool.command}\`: ${tool.hint}`),
  );
  if (missing.length > 0) throw new StackError(`cannot provision the stack, tools are missing:\n${missing.join('\n')}`);
}

async function provision(settings: StackSettings, say: Say, servers: readonly StackServer[]): Promise<void> {
  const toInstall = servers.filter((server) => !server.isInstalled(settings));
  if (toInstall.length === 0) return;
  checkTools(toInstall);
  mkdirSync(settings.cacheDir, { recursive: true });
  say(`provisioning ${toInstall.map((s) => s.name).join(', ')} into ${settings.cacheDir} (once per machine)`);
  for (const server of toInstall) if (server.installNote) say(`${server.name}: ${server.installNote}`);
  await Promise.all(
    toInstall.map((server) => {
      const logFile = installLogFile(settings, server.name);
      return step(say, `${server.name}: installing ${server.version} (log: ${logFile})`, () => server.install({ settings, say }, logFile));
    }),
  );
}

async function ensureRunning(settings: StackSettings, say: Say, server: StackServer): Promise<void> {
  const pidFile = serverPidFile(settings, server.name);
  const logFile = serverLogFile(settings, server.name);
  const pid = runningPid(pidFile);
  if (pid === undefined) {
    // A server killed a moment ago may still hold its port while it dies: give it a few seconds
    // before calling the port someone else's.
    const portFreed = await waitFor(async () => !(await portOpen(server.port(settings))), 5_000, 200);
    if (!portFreed) {
      throw new StackError(
        `${server.name}: port ${server.port(settings)} is taken by a process this stack did not start; stop it or choose another port (see README, Configuration)`,
      );
    }
    await server.prepare({ settings, say });
    const launch = server.launch(settings);
    const started = startDetached({ ...launch, cwd: serverDataDir(settings, server.name), logFile, pidFile });
    say(`${server.name}: started pid ${started} on ${server.address(settings)} (log: ${logFile})`);
  }
  const healthy = await waitFor(() => server.healthy(settings), server.startTimeoutMs);
  if (!healthy) {
    throw new StackError(
      `${server.name}: not healthy after ${server.startTimeoutMs / 1000}s; last lines of ${logFile}:\n${tailFile(logFile, 30)}`,
    );
  }
  await server.configure({ settings, say });
  if (pid !== undefined) say(`${server.name}: already running (pid ${pid}) on ${server.address(settings)}`);
}

/** Provisions what is missing, starts what is not running, and waits until every server is healthy. */
export function up(settings: StackSettings, say: Say, names?: readonly ServerName[]): Promise<void> {
  const servers = names ? names.map(serverByName) : SERVERS;
  return withLock(settings, async () => {
    await provision(settings, say, servers);
    const results = await Promise.allSettled(servers.map((server) => ensureRunning(settings, say, server)));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
    if (failures.length > 0) throw new StackError(failures.join('\n'));
  });
}

/** Stops exactly the servers this stack started (pid files, checked against their command lines). */
export function down(settings: StackSettings, say: Say, names?: readonly ServerName[]): Promise<void> {
  const servers = names ? names.map(serverByName) : [...SERVERS].reverse();
  return withLock(settings, async () => {
    await Promise.all(
      servers.map(async (server) => {
        const stopped = await stopPidFile(serverPidFile(settings, server.name));
        say(`${server.name}: ${stopped ? 'stopped' : 'not running'}`);
      }),
    );
  });
}

export interface ServerStatus {
  server: ServerName;
  version: string;
  pid: number | null;
  address: string;
  healthy: boolean;
  data: string;
}

export async function status(settings: StackSettings): Promise<ServerStatus[]> {
  return Promise.all(
    SERVERS.map(async (server) => {
      const pid = runningPid(serverPidFile(settings, server.name)) ?? null;
      const healthy = pid !== null && (await server.healthy(settings).catch(() => false));
      return {
        server: server.name,
        version: server.version,
        pid,
        address: server.address(settings),
        healthy,
        data: serverDataDir(settings, server.name),
      };
    }),
  );
}

export function logs(settings: StackSettings, name: ServerName | undefined, lines: number): string {
  const servers = name ? [serverByName(name)] : SERVERS;
  return servers
    .map((server) => {
      const file = serverLogFile(settings, server.name);
      return `==> ${server.name} (${file}) <==\n${tailFile(file, lines)}`;
    })
    .join('\n\n');
}
