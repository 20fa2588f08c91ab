import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/stack/settings';

/** A process of the system (API, worker, ...) run the way production runs it: its own Node process. */
export interface SystemProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | string>;
  /** Lines the process printed so far (stdout and stderr): its log file, read when asked. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then wait for a clean exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | string>;
}

/** Where the processes of tests and benches log (one file per process): pruned, see pruneLogs. */
const LOG_DIR = join(REPO_ROOT, '.data', 'logs', 'tests');
/** A full suite writes a few hundred; a checkout that runs it every day keeps the last few runs and nothing older. */
export const TEST_LOG_BOUNDS = { maxFiles: 1_000, maxAgeMs: 3 * 24 * 3_600_000 };
let pruned = false;

/**
 * Deletes the `.log` files of `dir` older than `maxAgeMs`, then the oldest beyond the newest `maxFiles`, so the logs of
 * test and bench processes stay bounded on a machine that runs them every day. Answers how many it deleted.
 */
export function pruneLogs(dir: string, bounds: { maxFiles: number; maxAgeMs: number }, now = Date.now()): number {
  let entries: Array<{ path: string; mtimeMs: number }>;
  try {
    entries = readdirSync(dir)
      .filter((name) => name.endsWith('.log'))
      .map((name) => ({ path: join(dir, name), mtimeMs: statSync(join(dir, name)).mtimeMs }));
  } catch {
    return 0; // No directory yet, or a file deleted meanwhile by a run beside this one: the next start prunes.
  }
  entries.sort((a, b) => b.mtimeMs - a.mtimeMs);
  const doomed = entries.filter((entry, i) => i >= bounds.maxFiles || now - entry.mtimeMs > bounds.maxAgeMs);
  for (const entry of doomed) rmSync(entry.path, { force: true });
  return doomed.length;
}

/**
 * Starts `script` as its own Node process: a TypeScript source through tsx, or a compiled `.js` (dist/, from
 * `npm run build`) with plain `node` and no TypeScript tooling, as the image runs it. `args` go after the script.
 */
export function startSystemProcess(name: string, script: string, env: Record<string, string>, args: readonly string[] = []): SystemProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  if (!pruned) {
    pruned = true;
    pruneLogs(LOG_DIR, TEST_LOG_BOUNDS);
  }
  const logFile = join(LOG_DIR, `${name}-${Date.now()}.log`);
  // The process writes its stdout and stderr straight into its log file, and output() reads the file: nothing passes
  // through this process, which in a bench is the load generator (the ingest bench's API logged 40 MB in one run, all
  // of it once received, buffered and written here while autocannon timed the API's answers), and nothing of it is
  // held in memory.
  const fd = openSync(logFile, 'a');
  // `node --import tsx` keeps it one process, so a kill -9 hits the process itself, not a wrapper.
  const loader = script.endsWith('.js') ? [] : ['--import', 'tsx'];
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...loader, join(REPO_ROOT, script), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd); // The child holds its own copy.
  }
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const pid = child.pid;
  return {
    name,
    pid,
    logFile,
    exited,
    output: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return ''; // Pruned by a run beside this one.
      }
    },
    kill: (signal) => {
      child.kill(signal);
    },
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Waits until `check` passes, polling; fails with `what` and the process output after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits for a line containing `marker` in the process output (e.g. a pino message such as "worker.ready"). */
export function waitForOutput(proc: SystemProcess, marker: string, timeoutMs = 60_000): Promise<void> {
  return eventually(
    `${proc.name} to print "${marker}" (log: ${proc.logFile})`,
    async () => {
      const exitedEarly = await Promise.race([proc.exited.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
      if (exitedEarly) throw new Error(`${proc.name} exited:\n${proc.output().slice(-3000)}`);
      return proc.output().includes(marker) ? true : undefined;
    },
    timeoutMs,
    100,
  ).then(() => undefined);
}
