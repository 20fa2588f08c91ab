import { abortableSleep } from '../infra/abortable-sleep';
import type { LiquidityCommand, LiquiditySimulator, ReplayStep } from './liquidity-simulator';

/** Time for the replay: the real one in production, a fake one in tests. */
export interface ReplayClock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: ReplayClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => abortableSleep(ms, signal),
};

export interface ReplayDriverOptions {
  steps: readonly ReplayStep[];
  simulator: LiquiditySimulator;
  /** Replayed time per wall-clock time: 60 plays a minute of market in a second. */
  speed: number;
  /** Wall-clock time the first step was due at. Passing the same anchor after a restart resumes where the replay was. */
  anchorMs: number;
  clock: ReplayClock;
  /** Applies one step's commands; the next step waits for it, so a slow venue slows the replay instead of piling up. */
  sink: (commands: LiquidityCommand[]) => Promise<void>;
}

/**
 * Paces the simulator over the replayed steps: step i is due at anchor + (its time - the first step's time) / speed.
 * At the end of the file the replay starts over (one average step later), so the venue trades for as long as it runs.
 */
export class ReplayDriver {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private readonly period: number;
  private stepsRun = 0;
  private loops = 0;

  constructor(private readonly options: ReplayDriverOptions) {
    const { steps } = options;
    const first = steps[0]?.timeMs ?? 0;
    const span = (steps.at(-1)?.timeMs ?? first) - first;
    this.period = span + (steps.length > 1 ? span / (steps.length - 1) : 1_000);
  }

  get progress(): { steps: number; loops: number } {
    return { steps: this.stepsRun, loops: this.loops };
  }

  /** Starts in the background; a failure of the sink ends the replay and is handed to `onError`. */
  start(onError: (error: unknown) => void): void {
    this.running ??= this.run().catch(onError);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  /** Where the replay is at `nowMs`: the step in force (for the opening ladder) and the next one due. */
  position(nowMs: number): { loop: number; current: number; next: number } {
    const { steps } = this.options;
    const first = steps[0]?.timeMs ?? 0;
    const elapsed = Math.max(0, (nowMs - this.options.anchorMs) * this.options.speed);
    const loop = Math.floor(elapsed / this.period);
    const offset = elapsed - loop * this.period;
    const next = steps.findIndex((s) => s.timeMs - first > offset);
    if (next === -1) return { loop: loop + 1, current: steps.length - 1, next: 0 };
    return { loop, current: Math.max(next - 1, 0), next };
  }

  private dueAt(loop: number, index: number): number {
    const { steps, anchorMs, speed } = this.options;
    const offset = (steps[index]?.timeMs ?? 0) - (steps[0]?.timeMs ?? 0);
    return anchorMs + (loop * this.period + offset) / speed;
  }

  private async run(): Promise<void> {
    const { steps, clock, simulator, sink } = this.options;
    const signal = this.abort.signal;
    const opening = steps.length === 0 ? undefined : this.position(clock.now());
    if (opening === undefined) return;
    let { loop, next: index } = opening;
    await sink(simulator.open(steps[opening.current] as ReplayStep));
    while (!signal.aborted) {
      const wait = this.dueAt(loop, index) - clock.now();
      if (wait > 0) await clock.sleep(wait, signal);
      if (signal.aborted) return;
      await sink(simulator.step(steps[index] as ReplayStep));
      this.stepsRun += 1;
      index += 1;
      if (index === steps.length) {
        index = 0;
        loop += 1;
        this.loops += 1;
      }
    }
  }
}
