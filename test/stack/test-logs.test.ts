import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneLogs, TEST_LOG_BOUNDS } from '../harness/processes';

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
});
