// Soak: a steady stream of orders that fill (a SELL of one account, then a BUY of another at the same price) through
// the real system (API, worker, risk engine, venue and market data as processes, on loopback), for SOAK_MINUTES
// (default 30). Per window of SOAK_WINDOW_SECONDS (default 300): POST → ACCEPTED latency (p50, p99: until the order's
// record in Mongo is past NEW, checked every POLL_MS), every process's RSS (VmRSS from /proc/<pid>/status, sampled every
// RSS_SAMPLE_MS: the window's median and highest), its heap floor (the lowest `nodejs_heap_size_used_bytes` of its
// /metrics sampled as often), V8's committed heap, young generation and memory outside the heap, and the venue's
// engine state (its /metrics gauges). Memory should stay flat (judged on RSS less the young generation, which V8 sizes
// to the allocation rate within its own bound); whatever grows needs a bound.
// Not in the default set of `npm run bench` (it runs for half an hour): npm run bench -- soak
import { COLLECTIONS } from '../infra/mongo/client';
import { MarketDataTestProcess } from '../test/harness/market-data-test-process';
import type { SystemProcess } from '../test/harness/processes';
import { TestSystem } from '../test/harness/system';
import { rssMb } from './proc';
import { round, verdict, type BenchResult, type Row } from './result';

const ORDER = { symbol: 'BTC-USD', type: 'LIMIT', quantity: '0.01', price: '30000' };
const POLL_MS = 20;
const ACCEPT_TIMEOUT_MS = 30_000;
/**
 * Growth of a process's median RSS less its young generation from the second window (the first is the processes'
 * warm-up) to the last that still reads as flat. The median of samples, not one reading at the boundary: a Node process's RSS swings by a fifth with its
 * garbage collections (market data 131-166 MB within ten minutes at 5 orders/s, its heap after each collection flat at
 * 31-33 MB), so two boundary readings said +17% for a process that did not grow.
 */
const FLAT_GROWTH = 0.1;
const RSS_SAMPLE_MS = 5_000;
/**
 * The venue's final orders kept in memory (VENUE_KEEP_FINAL_ORDERS; 10,000 by default, which a 30-min run at 5/s never
 * reaches): small, so the bound is reached in the first window and the windows after it show whether it holds.
 */
const SOAK_VENUE_KEEP_FINAL_ORDERS = '1000';

/** A process's V8 heap from its /metrics, MB: in use, committed, of which the young generation, and memory outside the heap. */
interface HeapSample {
  used: number;
  committed: number;
  newSpace: number;
  external: number;
}

export interface SoakOptions {
  minutes: number;
  windowSeconds: number;
  ordersPerSecond: number;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
}

export function soakOptionsFromEnv(): SoakOptions {
  return { minutes: positive('SOAK_MINUTES', 30), windowSeconds: positive('SOAK_WINDOW_SECONDS', 300), ordersPerSecond: positive('SOAK_RATE', 5) };
}

/** Sum of a Prometheus text family's samples (optionally only those whose labels contain `labelText`). */
function metricSum(text: string, name: string, labelText = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelText !== '' && !line.includes(labelText)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

interface EngineState {
  /** Orders on the venue's books: all the orders its engines hold. */
  resting: number;
  known: number;
  levels: number;
}

async function engineState(venueUrl: string): Promise<EngineState> {
  const text = await (await fetch(`${venueUrl}/metrics`)).text();
  return {
    resting: metricSum(text, 'oms_venue_resting_orders'),
    known: metricSum(text, 'oms_venue_known_orders'),
    levels: metricSum(text, 'oms_venue_book_levels'),
  };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

interface Window {
  latencies: number[];
  placed: number;
  /** POST not answered 202. */
  failed: number;
  /** Not past NEW within ACCEPT_TIMEOUT_MS. */
  late: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runSoakBench(options: SoakOptions = soakOptionsFromEnv()): Promise<BenchResult> {
  const system = await TestSystem.create('bench-soak', { env: { VENUE_KEEP_FINAL_ORDERS: SOAK_VENUE_KEEP_FINAL_ORDERS } });
  const marketData = await MarketDataTestProcess.create('bench-soak');
  try {
    const buyer = await system.createAccount({ USD: '1000000000000', BTC: '0' });
    const seller = await system.createAccount({ USD: '0', BTC: '1000000' });
    await system.startAll();
    await marketData.start('ready');
    const processes: Array<[string, SystemProcess, string]> = [
      ['api', system.api!, system.baseUrl],
      ['worker', system.worker!, `http://127.0.0.1:${system.env.WORKER_PORT}`],
      ['risk', system.risk!, system.env.RISK_URL!],
      ['venue', system.venue!, system.venueUrl],
      ['market-data', marketData.proc!, marketData.baseUrl],
    ];
    const rssAll = () => processes.map(([, proc]) => rssMb(proc.pid));
    // The V8 heap in use (prom-client's default gauge on each /metrics); a window's lowest sample is about its heap
    // after a collection, which a leak raises and the heap's spaces sizing to the load do not. Beside it, what RSS is
    // made of besides the heap in use: the heap V8 has committed (its young generation grows with the load, in steps of
    // megabytes) and memory outside the heap (Buffers). NaN: not readable.
    const heapAll = () =>
      Promise.all(
        processes.map(async ([, , url]): Promise<HeapSample> => {
          try {
            const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
            const mb = (name: string, labels = '') => metricSum(text, name, labels) / 1024 / 1024;
            return {
              used: mb('nodejs_heap_size_used_bytes'),
              committed: mb('nodejs_heap_size_total_bytes'),
              newSpace: mb('nodejs_heap_space_size_total_bytes', 'space="new"'),
              external: mb('nodejs_external_memory_bytes'),
            };
          } catch {
            return { used: Number.NaN, committed: Number.NaN, newSpace: Number.NaN, external: Number.NaN };
          }
        }),
      );

    // One poller for every order in flight: the orders collection, the record GET /api/orders/:id answers from.
    // (A client polling GET per order would also ask the workflow, by a Temporal query, while the record is not
    // written yet: hundreds of pollers in flight measured the queries, not the orders.)
    const orders = system.mongo.db.collection<{ _id: string; status: string }>(COLLECTIONS.orders);
    const pending = new Map<string, { started: number; window: Window }>();
    let polling = true;
    const poller = (async () => {
      while (polling || pending.size > 0) {
        const now = performance.now();
        if (pending.size > 0) {
          const past = await orders.find({ _id: { $in: [...pending.keys()] }, status: { $ne: 'NEW' } }, { projection: { _id: 1 } }).toArray();
          const seen = performance.now();
          for (const { _id } of past) {
            const order = pending.get(_id);
            if (order === undefined) continue;
            pending.delete(_id);
            order.window.latencies.push(seen - order.started);
          }
          for (const [orderId, order] of pending) {
            if (seen - order.started <= ACCEPT_TIMEOUT_MS) continue;
            pending.delete(orderId);
            order.window.late += 1;
          }
        }
        await sleep(POLL_MS - (performance.now() - now));
      }
    })();

    /** POST; the poller takes it from there. The latency goes to the window the POST started in. */
    const placeOne = async (n: number, window: Window): Promise<void> => {
      const [who, side] = n % 2 === 0 ? [seller, 'SELL'] : [buyer, 'BUY'];
      const started = performance.now();
      try {
        const response = await system.placeOrder(who.apiKey, { ...ORDER, side });
        if (response.status !== 202) throw new Error(`POST answered ${response.status}`);
        pending.set(response.json.orderId as string, { started, window });
      } catch {
        window.failed += 1;
      }
    };

    const startRss = rssAll();
    const startState = await engineState(system.venueUrl);
    const rows: Row[] = [
      {
        window: 'start',
        orders: 0,
        'POST→ACCEPTED p50 / p99 ms': '',
        ...Object.fromEntries(processes.map(([name], i) => [`${name} RSS MB`, round(startRss[i]!, 1)])),
        'engine orders (resting) / levels': `${startState.resting} / ${startState.levels}`,
        'venue known orders': startState.known,
      },
    ];
    const interval = 1000 / options.ordersPerSecond;
    const windowMs = options.windowSeconds * 1000;
    const totalMs = options.minutes * 60_000;
    const windowCount = Math.ceil(totalMs / windowMs);
    const t0 = performance.now();
    const windows: Array<{ window: Window; seconds: number; rss: Array<{ median: number; max: number }>; outside: number[]; heapFloor: number[]; heapLast: HeapSample[]; state: EngineState }> = [];
    let rssSamples: number[][] = processes.map(() => []);
    let heapSamples: number[][] = processes.map(() => []);
    let outsideSamples: number[][] = processes.map(() => []);
    let heapLast: HeapSample[] = [];
    const sampleRss = () => {
      const rss = rssAll();
      rss.forEach((mb, i) => rssSamples[i]!.push(mb));
      return rss;
    };
    const sampleHeap = (rss: readonly number[]) =>
      void heapAll().then((samples) => {
        heapLast = samples;
        samples.forEach((sample, i) => {
          if (Number.isFinite(sample.used)) heapSamples[i]!.push(sample.used);
          if (Number.isFinite(sample.newSpace) && Number.isFinite(rss[i]!)) outsideSamples[i]!.push(rss[i]! - sample.newSpace);
        });
      });
    const sampler = setInterval(() => sampleHeap(sampleRss()), RSS_SAMPLE_MS);
    sampler.unref();
    const placing: Array<Promise<void>> = [];
    let n = 0;
    for (let w = 0; w < windowCount; w += 1) {
      const window: Window = { latencies: [], placed: 0, failed: 0, late: 0 };
      const from = w * windowMs;
      const to = Math.min(from + windowMs, totalMs);
      // Paced against the clock, not against the answers: a slow system gets the same offered load.
      for (let at = from; at < to; at += interval) {
        await sleep(t0 + at - performance.now());
        placing.push(placeOne(n++, window));
        window.placed += 1;
      }
      await sleep(t0 + to - performance.now());
      // The window's memory (its samples and one at the boundary) and the engine state at the boundary; the poller
      // goes on filling in the window's latencies.
      sampleRss();
      const rss = rssSamples.map((samples) => ({ median: percentile(samples, 0.5), max: Math.max(...samples) }));
      const heapFloor = heapSamples.map((samples) => (samples.length === 0 ? Number.NaN : Math.min(...samples)));
      const outside = outsideSamples.map((samples) => (samples.length === 0 ? Number.NaN : percentile(samples, 0.5)));
      rssSamples = processes.map(() => []);
      heapSamples = processes.map(() => []);
      outsideSamples = processes.map(() => []);
      windows.push({ window, seconds: (to - from) / 1000, rss, outside, heapFloor, heapLast, state: await engineState(system.venueUrl) });
    }
    clearInterval(sampler);
    await Promise.all(placing);
    polling = false;
    await poller;
    const memoryText = (rss: { median: number; max: number }, floor: number, last: HeapSample | undefined) =>
      `${round(rss.median, 1)} / ${round(rss.max, 1)} (heap ${round(floor, 1)}${last === undefined ? '' : `; V8 ${round(last.committed, 1)}, new ${round(last.newSpace, 1)}, ext ${round(last.external, 1)}`})`;
    for (const [w, { window, seconds, rss, heapFloor, heapLast: last, state }] of windows.entries()) {
      const lost = [window.failed > 0 ? `${window.failed} failed` : '', window.late > 0 ? `${window.late} not past NEW in ${ACCEPT_TIMEOUT_MS / 1000} s` : ''].filter(Boolean);
      rows.push({
        window: `${w + 1} (${round(seconds)} s)`,
        orders: `${window.placed}${lost.length > 0 ? ` (${lost.join(', ')})` : ''}`,
        'POST→ACCEPTED p50 / p99 ms': `${round(percentile(window.latencies, 0.5))} / ${round(percentile(window.latencies, 0.99))}`,
        ...Object.fromEntries(processes.map(([name], i) => [`${name} RSS MB`, memoryText(rss[i]!, heapFloor[i]!, last[i])])),
        'engine orders (resting) / levels': `${state.resting} / ${state.levels}`,
        'venue known orders': state.known,
      });
    }
    // From the second window when there are three or more: the first holds the processes' warm-up.
    const from = windows.length >= 3 ? 1 : 0;
    const growthOf = (values: (w: (typeof windows)[number]) => readonly number[]) =>
      processes.map((_, i) => (values(windows.at(-1)!)[i]! - values(windows[from]!)[i]!) / values(windows[from]!)[i]!);
    const percent = (g: number) => (Number.isFinite(g) ? `${g >= 0 ? '+' : ''}${round(g * 100, 1)}%` : 'n/a');
    const growthRow = (window: string, growth: readonly number[], orders: string | number, note: string): Row => ({
      window,
      orders,
      'POST→ACCEPTED p50 / p99 ms': '',
      ...Object.fromEntries(processes.map(([name], i) => [`${name} RSS MB`, percent(growth[i]!)])),
      'engine orders (resting) / levels': '',
      'venue known orders': note,
    });
    // Printed, not judged: V8 sizes its young generation (two semi-spaces, new space) to the allocation rate, between
    // 1 and 16 MB each (--max-semi-space-size, Node's default), so a process's RSS steps by up to 30 MB when it grows or
    // shrinks, as market data's did between 8 and 32 MB after its start-up (soak of 2026-12-05, 20261205T155142Z.md).
    rows.push(growthRow(`RSS growth, median of ${RSS_SAMPLE_MS / 1000}-s samples, window ${from + 1} → ${windows.length}`, growthOf((w) => w.rss.map((r) => r.median)), n, ''));
    // Judged: RSS less the young generation (bounded by V8's maximum): what a leak, a cache or a queue would raise.
    const outsideGrowth = growthOf((w) => w.outside);
    const flat = outsideGrowth.every((g) => g <= FLAT_GROWTH);
    rows.push(
      growthRow(
        `RSS less V8's young generation (new space, at most 2 × 16 MB), median of the same samples, window ${from + 1} → ${windows.length}`,
        outsideGrowth,
        '',
        `target: every process <= +${FLAT_GROWTH * 100}%: ${verdict(flat)}`,
      ),
    );
    // Not judged: what tells a leak (its floor rises) from RSS that follows the heap's sizing.
    rows.push(growthRow(`heap floor growth (lowest heap-in-use sample of the window), window ${from + 1} → ${windows.length}`, growthOf((w) => w.heapFloor), '', ''));
    return {
      name: `soak: ${options.ordersPerSecond} orders/s that fill, ${options.minutes} min in windows of ${options.windowSeconds} s (real processes, loopback; latency = POST until its record in Mongo is past NEW, checked every ${POLL_MS} ms)`,
      rows,
    };
  } finally {
    await marketData.dispose().catch(() => undefined);
    await system.stop();
  }
}
