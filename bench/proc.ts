// What the benchmarks read about processes from Linux's /proc: CPU time and resident memory, and the pids of the
// stack's servers (Temporal, Kafka, Redis, Mongo) as the project's stack script recorded them.
import { readFileSync } from 'node:fs';
import { loadStackSettings } from '../scripts/stack/settings';
import { status } from '../scripts/stack/stack';

// Linux's USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 10 ms on every mainstream kernel.
const CLOCK_TICKS_PER_SECOND = 100;

/** A process's CPU time (user + system) in ms from /proc/<pid>/stat; NaN where there is no /proc (not Linux). */
export function cpuMillis(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis): state is
    // field 3, utime field 14 and stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of a process in MB (VmRSS), or NaN when it is gone. */
export function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The stack's running servers by name (temporal, kafka, redis, mongo) with their pids; servers this stack did not start are absent. */
export async function stackServerPids(): Promise<Array<[string, number]>> {
  const servers = await status(loadStackSettings());
  return servers.flatMap((server) => (server.pid === null ? [] : [[server.server, server.pid] as [string, number]]));
}

/** CPU ms each named process spent between `start()` and `stop()`. */
export class CpuMeter {
  private readonly spent = new Map<string, number>();
  private startedAt: Map<string, number> | undefined;

  constructor(private readonly processes: ReadonlyArray<readonly [string, number]>) {}

  start(): void {
    this.startedAt = new Map(this.processes.map(([name, pid]) => [name, cpuMillis(pid)]));
  }

  /** Adds the CPU time since start() to each process's total; start() again to measure another stretch. */
  stop(): void {
    if (this.startedAt === undefined) throw new Error('CpuMeter.stop() without start()');
    for (const [name, pid] of this.processes) this.spent.set(name, (this.spent.get(name) ?? 0) + cpuMillis(pid) - this.startedAt.get(name)!);
    this.startedAt = undefined;
  }

  /** CPU ms per process over every measured stretch, in the order the processes were given. */
  totals(): Array<[string, number]> {
    return this.processes.map(([name]) => [name, this.spent.get(name) ?? 0]);
  }
}
