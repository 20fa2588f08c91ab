// npm run bench [-- name ...]: runs the benchmarks one after another (the default set when none is named; `soak`
// only when named, it runs for SOAK_MINUTES, default 30), prints one table each and then issue 15's targets with
// pass or miss (bench/targets.ts), and writes it all to bench/results/<timestamp>.json and .md (and latest.md).
// Every number is meant to be read next to its baseline from the same run: the machines are small and shared.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import globalSetup from '../test/global-setup';
import globalTeardown from '../test/global-teardown';
import { markdownTable, type BenchResult } from './result';
import { targetVerdicts } from './targets';

interface Bench {
  name: string;
  /** Needs Temporal, Kafka, Redis and the store (brought up like `npm test` does, and left running). */
  stack: boolean;
  /** Part of a plain `npm run bench` (false: only when named). */
  inDefault?: boolean;
  run: () => Promise<BenchResult | null>;
}

const MATCHING_ENGINE = join(__dirname, 'matching-engine.bench.ts');

const BENCHES: readonly Bench[] = [
  {
    name: 'matching-engine',
    stack: false,
    // Written separately; run when present and exporting runMatchingEngineBench().
    run: async () => {
      if (!existsSync(MATCHING_ENGINE)) return null;
      const mod = (await import(pathToFileURL(MATCHING_ENGINE).href)) as { runMatchingEngineBench?: unknown };
      return typeof mod.runMatchingEngineBench === 'function' ? await (mod.runMatchingEngineBench as () => Promise<BenchResult>)() : null;
    },
  },
  { name: 'ingest', stack: true, run: async () => (await import('./ingest.bench')).runIngestBench() },
  { name: 'lifecycle', stack: true, run: async () => (await import('./lifecycle.bench')).runLifecycleBench() },
  { name: 'market-data-fanout', stack: false, run: async () => (await import('./market-data-fanout.bench')).runMarketDataFanoutBench() },
  { name: 'order-sweeper', stack: true, run: async () => (await import('./order-sweeper.bench')).runOrderSweeperBench() },
  { name: 'soak', stack: true, inDefault: false, run: async () => (await import('./soak.bench')).runSoakBench() },
];

interface Outcome {
  bench: string;
  seconds: number;
  result?: BenchResult;
  skipped?: string;
  error?: string;
}

function selected(args: readonly string[]): Bench[] {
  const unknown = args.filter((name) => !BENCHES.some((bench) => bench.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from: ${BENCHES.map((b) => b.name).join(', ')}`);
  }
  return args.length === 0 ? BENCHES.filter((bench) => bench.inDefault !== false) : BENCHES.filter((bench) => args.includes(bench.name));
}

function section(outcome: Outcome): string {
  const title = outcome.result?.name ?? outcome.bench;
  const body = outcome.result ? markdownTable(outcome.result.rows) : outcome.skipped ? `skipped: ${outcome.skipped}` : `failed: ${outcome.error}`;
  return `## ${title}\n\n${body}\n\n(${outcome.bench}, ${outcome.seconds.toFixed(0)} s)\n`;
}

/** Written next to the target and renamed over it, so a reader never sees half a report. */
function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

async function main(): Promise<void> {
  const benches = selected(process.argv.slice(2));
  const startedAt = new Date();
  const machine = { node: process.version, cpus: cpus().length, loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))) };
  console.log(`crypto-oms benchmarks: ${benches.map((b) => b.name).join(', ')} (node ${machine.node}, ${machine.cpus} cpus, load ${machine.loadAverageAtStart.join(' ')})`);
  // Like a test run, the benchmarks get topics, groups and Redis keys of their own (test/harness/test-run.ts).
  const stack = benches.some((bench) => bench.stack);
  if (stack) await globalSetup();

  const outcomes: Outcome[] = [];
  for (const bench of benches) {
    console.log(`\n[bench] ${bench.name} ...`);
    const began = performance.now();
    const outcome: Outcome = { bench: bench.name, seconds: 0 };
    try {
      const result = await bench.run();
      if (result) outcome.result = result;
      else outcome.skipped = 'not present (no runMatchingEngineBench export)';
    } catch (error) {
      outcome.error = error instanceof Error ? error.message : String(error);
    }
    outcome.seconds = Number(((performance.now() - began) / 1000).toFixed(1));
    outcomes.push(outcome);
    console.log(`\n${section(outcome)}`);
  }
  if (stack) await globalTeardown();
  const verdicts = targetVerdicts(outcomes);
  const targets = `## targets (issue 15)\n\n${markdownTable(verdicts)}\n`;
  console.log(`\n${targets}`);

  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  // ISO 8601 basic format (no colons, so the name is valid on every file system).
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const markdown = [
    `# crypto-oms benchmarks, ${startedAt.toISOString()}`,
    '',
    `Node ${machine.node}, ${machine.cpus} CPUs, load average at start ${machine.loadAverageAtStart.join(' ')}. ` +
      'Compare ratios against the baseline of the same run rather than absolute numbers across runs.',
    '',
    ...outcomes.map(section),
    targets,
  ].join('\n');
  writeAtomically(join(dir, `${stamp}.json`), `${JSON.stringify({ startedAt: startedAt.toISOString(), machine, outcomes, targets: verdicts }, null, 2)}\n`);
  writeAtomically(join(dir, `${stamp}.md`), markdown);
  writeAtomically(join(dir, 'latest.md'), markdown);
  console.log(`results: bench/results/${stamp}.json, bench/results/${stamp}.md (and latest.md)`);
  if (outcomes.some((outcome) => outcome.error !== undefined)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
