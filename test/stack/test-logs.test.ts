import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneLogs, startSystemProcess, TEST_LOG_BOUNDS } from '../harness/processes';

/** The logs of the processes tests and benches start (.data/logs/tests) stay bounded in count and age. */
describe('test process logs', () => {
  const HOUR = 3_600_000;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'oms-test-logs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A log written `ageMs` before `now`. */
  const logAged = (name: string, now: number, ageMs: number) => {
    const path = join(dir, name);
    writeFileSync(path, 'line\n');
    const at = new Date(now - ageMs);
    utimesSync(path, at, at);
  };

  it('deletes the logs older than the age bound and the oldest beyond the count bound, and nothing else', () => {
    const now = Date.now();
    logAged('api-1.log', now, 80 * HOUR);
    logAged('worker-2.log', now, 73 * HOUR);
    logAged('risk-3.log', now, 5 * HOUR);
    logAged('venue-4.log', now, 4 * HOUR);
    logAged('api-5.log', now, 3 * HOUR);
    logAged('worker-6.log', now, 1 * HOUR);
    writeFileSync(join(dir, 'notes.txt'), 'not a log');
    const notes = join(dir, 'notes.txt');
    utimesSync(notes, new Date(now - 100 * HOUR), new Date(now - 100 * HOUR));

    // The age bound alone: the two logs over 72 hours old.
    expect(pruneLogs(dir, { maxFiles: 10, maxAgeMs: 72 * HOUR }, now)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['api-5.log', 'notes.txt', 'risk-3.log', 'venue-4.log', 'worker-6.log']);
    // The count bound: the newest three logs stay.
    expect(pruneLogs(dir, { maxFiles: 3, maxAgeMs: 72 * HOUR }, now)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['api-5.log', 'notes.txt', 'venue-4.log', 'worker-6.log']);
    // Within both bounds now: a second pass deletes nothing.
    expect(pruneLogs(dir, { maxFiles: 3, maxAgeMs: 72 * HOUR }, now)).toBe(0);
  });

  it('answers 0 for a folder that does not exist yet', () => {
    expect(pruneLogs(join(dir, 'missing'), TEST_LOG_BOUNDS)).toBe(0);
  });

  it("a process's output is its log file: all it wrote to stdout and stderr, in order, also after it exited", async () => {
    // 20,000 lines of 110 bytes: 2.2 MB, far more than a pipe holds.
    const proc = startSystemProcess('print-lines', 'test/stack/print-lines.ts', { PRINT_LINES: '20000' });
    expect(await proc.exited).toBe(0);
    const output = proc.output();
    expect(output).toBe(readFileSync(proc.logFile, 'utf8'));
    // Written there by the process itself, not through a pipe to this one (which a bench's load generator would pay for).
    expect(output).toContain(`print-lines.stdout-is ${proc.logFile}\n`);
    expect(output).toContain(`print-lines.stderr-is ${proc.logFile}\n`);
    const lines = output.split('\n').filter((line) => line.startsWith('line '));
    expect(lines).toHaveLength(20_000);
    expect(lines.every((line, i) => line.startsWith(`line ${i} `))).toBe(true);
    expect(output).toContain('print-lines.stderr\n');
    expect(output.endsWith('print-lines.done\n')).toBe(true);
  }, 60_000);
});
