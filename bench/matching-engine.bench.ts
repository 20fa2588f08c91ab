// Matching engine throughput and per-operation latency on a deterministic, realistic mix, against a bare
// Map doing the same sequence of operations in the same process (the ratio is what compares across machines).
// Run: npx tsx bench/matching-engine.bench.ts   (also part of `npm run bench` through bench/run.ts)

import { MatchingEngine } from '../venue/matching-engine';
import type { EngineOrder, Side } from '../venue/matching-engine';
import { markdownTable, median, percentOf, round, verdict, type BenchResult, type Row } from './result';

type BenchOp = { kind: 'submit'; order: EngineOrder } | { kind: 'cancel'; orderId: string };

export interface MatchingEngineBenchOptions {
  operations?: number;
  /** Timed runs; the median is reported. */
  runs?: number;
  seed?: number;
}

/** From the brief: one core, realistic mix. Reported, not enforced. */
const TARGET_OPS_PER_SECOND = 1_000_000;
const TICK = 10n ** 16n; // 0.01 USD at the 10^18 scale
const LOT = 10n ** 15n; // 0.001 BTC
const START_MID_TICKS = 5_000_000; // 50,000.00 USD

/** mulberry32: a small deterministic PRNG, so every run sees the same sequence. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ids of resting orders with O(1) add, remove and random pick. */
class RestingSet {
  private readonly ids: string[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  add(id: string): void {
    this.index.set(id, this.ids.length);
    this.ids.push(id);
  }

  delete(id: string): void {
    const at = this.index.get(id);
    if (at === undefined) return;
    const last = this.ids.pop() as string;
    this.index.delete(id);
    if (last !== id) {
      this.ids[at] = last;
      this.index.set(last, at);
    }
  }

  pick(random: () => number): string {
    return this.ids[Math.floor(random() * this.ids.length)] as string;
  }
}

/**
 * 60% limit adds near the touch (mostly passive, some post-only or GTD), 30% cancels of orders that
 * rest at that moment, 10% marketable orders (IOC/FOK limits through the touch, and markets).
 * A shadow engine runs during generation so that cancels pick orders that really rest.
 */
export function generateOperations(count: number, seed: number): BenchOp[] {
  const random = prng(seed);
  const ops: BenchOp[] = [];
  const shadow = new MatchingEngine('BTC-USD');
  const resting = new RestingSet();
  const play = (op: BenchOp): void => {
    ops.push(op);
    const events = op.kind === 'submit' ? shadow.submit(op.order) : shadow.cancel(op.orderId);
    for (const e of events) {
      if (e.type === 'CANCELLED' || e.type === 'EXPIRED') resting.delete(e.orderId);
      else if (e.type === 'TRADE' && e.makerRemaining === 0n) resting.delete(e.makerOrderId);
    }
    if (op.kind === 'submit' && (shadow.getOrder(op.order.orderId)?.remaining ?? 0n) > 0n) resting.add(op.order.orderId);
  };
  let mid = START_MID_TICKS;
  let nextId = 0;
  const accounts = Array.from({ length: 50 }, (_, i) => `acct-${i}`);
  const pickAccount = (): string => accounts[Math.floor(random() * accounts.length)] as string;
  const pickQuantity = (): bigint => BigInt(1 + Math.floor(random() * random() * 1000)) * LOT;

  for (let i = 0; i < count; i++) {
    if (random() < 0.01) mid += random() < 0.5 ? -1 : 1;
    const r = random();
    if (r < 0.6 || resting.size === 0) {
      const side: Side = random() < 0.5 ? 'BUY' : 'SELL';
      // Distance from mid in ticks, skewed towards the touch; an occasional add crosses a little.
      const distance = Math.floor(random() * random() * 50) - 2;
      const ticks = side === 'BUY' ? mid - 1 - distance : mid + 1 + distance;
      play({
        kind: 'submit',
        order: {
          orderId: `o-${nextId++}`,
          accountId: pickAccount(),
          side,
          type: 'LIMIT',
          price: BigInt(ticks) * TICK,
          quantity: pickQuantity(),
          timeInForce: random() < 0.1 ? 'GTD' : 'GTC',
          postOnly: distance >= 0 && random() < 0.2,
        },
      });
    } else if (r < 0.9) {
      play({ kind: 'cancel', orderId: resting.pick(random) });
    } else {
      const side: Side = random() < 0.5 ? 'BUY' : 'SELL';
      const isMarket = random() < 0.3;
      const through = 1 + Math.floor(random() * 5);
      play({
        kind: 'submit',
        order: {
          orderId: `o-${nextId++}`,
          accountId: pickAccount(),
          side,
          type: isMarket ? 'MARKET' : 'LIMIT',
          price: isMarket ? null : BigInt(side === 'BUY' ? mid + through : mid - through) * TICK,
          quantity: pickQuantity() * 3n,
          timeInForce: random() < 0.15 ? 'FOK' : 'IOC',
          postOnly: false,
        },
      });
    }
  }
  return ops;
}

interface RunResult {
  seconds: number;
  /** CPU time of this process during the run (user + system): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  events: number;
  trades: number;
}

function runEngine(ops: BenchOp[]): RunResult {
  const engine = new MatchingEngine('BTC-USD');
  let events = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as BenchOp;
    const out = op.kind === 'submit' ? engine.submit(op.order) : engine.cancel(op.orderId);
    events += out.length;
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, events, trades: engine.tradeCount };
}

function runBaseline(ops: BenchOp[]): number {
  const book = new Map<string, EngineOrder>();
  const start = performance.now();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as BenchOp;
    if (op.kind === 'submit') book.set(op.order.orderId, op.order);
    else book.delete(op.orderId);
  }
  return (performance.now() - start) / 1000;
}

/** Per-operation latency in microseconds, timing each call on its own (adds the clock's own cost to both). */
function latencies(ops: BenchOp[], apply: (op: BenchOp) => void): Float64Array {
  const out = new Float64Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as BenchOp;
    const start = performance.now();
    apply(op);
    out[i] = (performance.now() - start) * 1000;
  }
  return out.sort();
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;

function describeMix(ops: BenchOp[]): string {
  let adds = 0;
  let cancels = 0;
  let marketable = 0;
  for (const op of ops) {
    if (op.kind === 'cancel') cancels++;
    else if (op.order.timeInForce === 'GTC' || op.order.timeInForce === 'GTD') adds++;
    else marketable++;
  }
  const pct = (n: number): string => `${Math.round((n / ops.length) * 100)}%`;
  return `${pct(adds)} limit adds / ${pct(cancels)} cancels / ${pct(marketable)} marketable`;
}

export async function runMatchingEngineBench(options: MatchingEngineBenchOptions = {}): Promise<BenchResult> {
  const operations = options.operations ?? 1_000_000;
  const runs = options.runs ?? 5;
  const ops = generateOperations(operations, options.seed ?? 42);

  // Warm up both paths so the JIT has optimised them before anything is timed.
  const warmup = ops.slice(0, Math.min(200_000, ops.length));
  for (let i = 0; i < 3; i++) {
    runEngine(warmup);
    runBaseline(warmup);
  }

  // Interleaved so that drift in the machine's load hits both sides alike.
  const engineRuns: RunResult[] = [];
  const baselineSeconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    engineRuns.push(runEngine(ops));
    baselineSeconds.push(runBaseline(ops));
    // Yield between runs so a caller's event loop (a bench runner, a progress printer) is not starved.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const engine = new MatchingEngine('BTC-USD');
  const engineLatency = latencies(ops, (op) => {
    if (op.kind === 'submit') engine.submit(op.order);
    else engine.cancel(op.orderId);
  });
  const book = new Map<string, EngineOrder>();
  const baselineLatency = latencies(ops, (op) => {
    if (op.kind === 'submit') book.set(op.order.orderId, op.order);
    else book.delete(op.orderId);
  });

  const engineOps = operations / median(engineRuns.map((r) => r.seconds));
  const baselineOps = operations / median(baselineSeconds);
  const engineBest = operations / Math.min(...engineRuns.map((r) => r.seconds));
  const baselineBest = operations / Math.min(...baselineSeconds);
  const first = engineRuns[0] as RunResult;
  const latencyRow = (label: string, p: number): Row => {
    const e = percentile(engineLatency, p);
    const b = percentile(baselineLatency, p);
    return {
      measure: `latency ${label} µs`,
      engine: round(e, 2),
      baseline: round(b, 2),
      'engine/baseline': `${round(e / b, 1)}x`,
      target: '',
      result: '',
    };
  };
  const rows: Row[] = [
    {
      measure: `operations/s, median of ${runs} runs`,
      engine: round(engineOps),
      baseline: round(baselineOps),
      'engine/baseline': percentOf(engineOps, baselineOps),
      target: `engine >= ${TARGET_OPS_PER_SECOND.toLocaleString('en-US')} ops/s`,
      result: verdict(engineOps >= TARGET_OPS_PER_SECOND),
    },
    {
      // Not the target's measure: wall time is. On a machine other work keeps busy, this shows what the code costs.
      measure: `operations per CPU second, median of ${runs} runs (engine only; GC threads included)`,
      engine: round(operations / median(engineRuns.map((r) => r.cpuSeconds))),
      baseline: '',
      'engine/baseline': '',
      target: '',
      result: '',
    },
    {
      measure: 'operations/s, best run',
      engine: round(engineBest),
      baseline: round(baselineBest),
      'engine/baseline': percentOf(engineBest, baselineBest),
      target: '',
      result: '',
    },
    latencyRow('p50', 0.5),
    latencyRow('p99', 0.99),
    latencyRow('p99.9', 0.999),
    latencyRow('max', 1),
    {
      measure: 'events per operation / trades per run',
      engine: `${round(first.events / operations, 2)} / ${first.trades}`,
      baseline: '',
      'engine/baseline': '',
      target: '',
      result: '',
    },
  ];
  return {
    name: `matching engine: ${operations.toLocaleString('en-US')} ops on one symbol (${describeMix(ops)}) vs a bare Map`,
    rows,
  };
}

if (require.main === module) {
  runMatchingEngineBench()
    .then((result) => {
      console.log(`${result.name}\n\n${markdownTable(result.rows)}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
