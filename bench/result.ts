/** One row of a benchmark's table; numbers stay numbers in the JSON report. */
export type Row = Record<string, string | number>;

/** What every benchmark returns to `bench/run.ts`: a title and one table. */
export interface BenchResult {
  name: string;
  rows: Row[];
}

/** `a / b` as a percentage string, or `-` when there is no baseline. */
/** The middle value (the upper one of an even count), NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function percentOf(a: number, b: number): string {
  return b > 0 ? `${((a / b) * 100).toFixed(1)}%` : '-';
}

/** Targets are reported, never enforced: a miss is information, not a failure. */
export function verdict(ok: boolean): 'pass' | 'miss' {
  return ok ? 'pass' : 'miss';
}

/** Rounds to `digits` decimals (the tables are for reading, not for more precision than the noise allows). */
export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * A value as the table shows it (rounded to `digits`) and the verdict on that shown value, so the row and the targets
 * table (bench/targets.ts reads the shown value) never disagree: a p50 of 50.3 ms once showed as "50", a miss in its
 * row and a pass in the targets.
 */
export function judged(value: number, digits: number, ok: (shown: number) => boolean): { shown: number; result: 'pass' | 'miss' } {
  const shown = round(value, digits);
  return { shown, result: verdict(ok(shown)) };
}

/** A Markdown table (columns = the union of the rows' keys), padded so it also reads well in a terminal. */
export function markdownTable(rows: readonly Row[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: string | number | undefined): string =>
    (value === undefined ? '' : typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 3 }) : value).replace(/\|/g, '\\|');
  const body = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
