// Issue 15's targets, judged from the tables the benchmarks of one `npm run bench` returned. Each target names the
// bench, the row (by the start of its measure) and the cell it reads; a target whose bench did not run says so, and
// one whose row is missing says "not measured" rather than guessing.
import { verdict, type BenchResult, type Row } from './result';

interface Target {
  target: string;
  bench: string;
  /** The row the value is read from. */
  row: (measure: string) => boolean;
  /** The cell holding the value (a number, or a string such as "42.9%" or "204 (154-502)": its first number counts). */
  cell: (row: Row) => string | number | undefined;
  unit: string;
  ok: (value: number) => boolean;
}

const starts = (prefix: string) => (measure: string) => measure.startsWith(prefix);

export const ISSUE_15_TARGETS: readonly Target[] = [
  {
    target: 'matching engine, median ops/s >= 1,000,000',
    bench: 'matching-engine',
    row: starts('operations/s, median'),
    cell: (row) => row.engine,
    unit: ' ops/s',
    ok: (v) => v >= 1_000_000,
  },
  {
    target: 'ingest, 2xx req/s >= 50% of the bare handler',
    bench: 'ingest',
    row: starts('2xx requests/s'),
    cell: (row) => row['api/bare'],
    unit: '%',
    ok: (v) => v >= 50,
  },
  {
    target: 'ingest, p99 <= 10 ms at 1,000 orders/s',
    bench: 'ingest',
    row: starts('p99 latency ms'),
    cell: (row) => row.api,
    unit: ' ms',
    ok: (v) => v <= 10,
  },
  {
    target: 'lifecycle, orders/s POST → SETTLED >= 100% of the bare workflow',
    bench: 'lifecycle',
    row: starts('per second to SETTLED'),
    cell: (row) => row['orders/bare'],
    unit: '%',
    ok: (v) => v >= 100,
  },
  {
    target: 'idle POST → ACCEPTED p50 <= 50 ms (one order at a time)',
    bench: 'lifecycle',
    row: (measure) => /idle/i.test(measure) && /ACCEPTED/.test(measure) && /p50/i.test(measure),
    // The first column after the measure: the orders' own value.
    cell: (row) => Object.entries(row).find(([key]) => key !== 'measure')?.[1],
    unit: ' ms',
    ok: (v) => v <= 50,
  },
];

export interface Outcomes {
  bench: string;
  result?: BenchResult;
}

/** The first number in a cell ("1,234.5" and "42.9%" included; not the digits of a word such as "p50"), or undefined. */
export function firstNumber(cell: string | number | undefined): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined;
  const match = /(?<![A-Za-z\d.,])-?\d[\d,]*(?:\.\d+)?/.exec(cell ?? '');
  return match ? Number(match[0].replace(/,/g, '')) : undefined;
}

/** One row per target: the value this run measured, and pass, miss, not run or not measured. */
export function targetVerdicts(outcomes: readonly Outcomes[], targets: readonly Target[] = ISSUE_15_TARGETS): Row[] {
  return targets.map((t) => {
    const outcome = outcomes.find((o) => o.bench === t.bench);
    if (outcome === undefined) return { target: t.target, bench: t.bench, value: '', result: 'not run' };
    const row = outcome.result?.rows.find((r) => t.row(String(r.measure ?? '')));
    const value = row === undefined ? undefined : firstNumber(t.cell(row));
    if (value === undefined) return { target: t.target, bench: t.bench, value: '', result: outcome.result ? 'not measured' : 'failed' };
    return { target: t.target, bench: t.bench, value: `${value.toLocaleString('en-US')}${t.unit}`, result: verdict(t.ok(value)) };
  });
}
