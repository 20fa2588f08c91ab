import { join } from 'node:path';
import { DEFAULT_SYMBOLS, type SymbolSpec } from '../domain/symbols';
import { REPO_ROOT } from '../scripts/stack/settings';
import { LiquiditySimulator, type LiquidityCommand, type ReplayStep } from './liquidity-simulator';
import { ReplayDriver, type ReplayClock } from './replay-driver';
import { loadReplaySteps } from './replay-steps';

const BTC = DEFAULT_SYMBOLS.find((s) => s.symbol === 'BTC-USD') as SymbolSpec;
const MARKET_DIR = join(REPO_ROOT, '..', 'shared', 'data', 'market');

/** Time moves only when the driver sleeps. */
class FakeClock implements ReplayClock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms;
  }
}

const step = (timeMs: number): ReplayStep => ({ timeMs, trades: null, quote: { timeMs, bidClose: 100n, bidSize: 1n, askClose: 200n, askSize: 1n } });

/** Runs the driver until the sink was called `calls` times; records when each call happened. */
async function record(options: { steps: ReplayStep[]; speed: number; anchorMs: number; clock: FakeClock; calls: number }) {
  const seen: Array<{ at: number; commands: LiquidityCommand[] }> = [];
  let stop: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stop = resolve));
  const driver = new ReplayDriver({
    steps: options.steps,
    simulator: new LiquiditySimulator({ spec: BTC, seed: 1 }),
    speed: options.speed,
    anchorMs: options.anchorMs,
    clock: options.clock,
    sink: async (commands) => {
      seen.push({ at: options.clock.now(), commands });
      if (seen.length === options.calls) stop();
    },
  });
  driver.start((error) => {
    throw error;
  });
  await done;
  await driver.stop();
  return { seen, driver };
}

describe('ReplayDriver', () => {
  it('plays step i at anchor + (its time - the first time) / speed, and loops at the end', async () => {
    const clock = new FakeClock(1_000_000);
    const steps = [step(0), step(60_000), step(90_000), step(180_000)];
    const { seen, driver } = await record({ steps, speed: 60, anchorMs: 1_000_000, clock, calls: 7 });
    // The opening ladder at once, then steps 1..3 (1 s, 1.5 s, 3 s later at 60×), then the file again one
    // average step (60 s of data, 1 s here) after its end.
    expect(seen.map((s) => s.at - 1_000_000)).toEqual([0, 1_000, 1_500, 3_000, 4_000, 5_000, 5_500]);
    expect(driver.progress.loops).toBe(1);
  });

  it('resumes after a restart where the anchor says the replay is', async () => {
    const steps = [step(0), step(60_000), step(90_000), step(180_000)];
    const clock = new FakeClock(1_000_000 + 1_200);
    const { seen } = await record({ steps, speed: 60, anchorMs: 1_000_000, clock, calls: 2 });
    // 1.2 s in at 60× is 72 s of data: step 1 (60 s) is in force, step 2 (90 s) is next, due at 1.5 s.
    expect(seen.map((s) => s.at - 1_000_000)).toEqual([1_200, 1_500]);
    const driver = new ReplayDriver({ steps, simulator: new LiquiditySimulator({ spec: BTC, seed: 1 }), speed: 60, anchorMs: 0, clock, sink: async () => undefined });
    expect(driver.position(1_200)).toEqual({ loop: 0, current: 1, next: 2 });
    expect(driver.position(4_100)).toEqual({ loop: 1, current: 0, next: 1 });
  });

  it('gives the same commands for the same file and seed, whatever the speed', async () => {
    const { steps } = await loadReplaySteps(MARKET_DIR, 'coinbase_btcusd_1s_trades_2016-10-07_to_09.csv');
    const first = steps.slice(0, 20);
    const slow = await record({ steps: first, speed: 1, anchorMs: 0, clock: new FakeClock(0), calls: 15 });
    const fast = await record({ steps: first, speed: 600, anchorMs: 0, clock: new FakeClock(0), calls: 15 });
    expect(fast.seen.map((s) => s.commands)).toEqual(slow.seen.map((s) => s.commands));
    expect(slow.seen[14]!.at).toBe(first[14]!.timeMs - first[0]!.timeMs);
  });
});

describe('loadReplaySteps', () => {
  it('pairs a quotes file with its trades file of the same minutes', async () => {
    const { steps, files } = await loadReplaySteps(MARKET_DIR, 'coinbase_btcusd_1m_quotes_2017-09-03_to_04.csv');
    expect(files).toEqual(['coinbase_btcusd_1m_quotes_2017-09-03_to_04.csv', 'coinbase_btcusd_1m_trades_2017-09-03_to_04.csv']);
    expect(steps).toHaveLength(2876);
    expect(steps.filter((s) => s.trades !== null).length).toBeGreaterThan(2800);
    expect(steps.every((s) => s.quote !== null && (s.trades === null || s.trades.timeMs === s.timeMs))).toBe(true);
  });
});
