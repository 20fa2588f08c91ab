import type { SymbolSpec } from '../domain/symbols';
import type { Logger } from '../infra/logger';
import type { VenueConfig } from './config';
import { LiquiditySimulator } from './liquidity-simulator';
import { ReplayDriver, systemClock, type ReplayClock } from './replay-driver';
import { loadReplaySteps } from './replay-steps';
import type { Venue } from './venue';

/** Loads the configured file(s) and starts replaying them into the venue in the background. */
export async function startLiquidityReplay(deps: {
  config: VenueConfig['replay'];
  spec: SymbolSpec;
  venue: Pick<Venue, 'applyLiquidity'>;
  /** When the replay of this file started (kept in the store, so a restart resumes instead of starting over). */
  anchorMs: number;
  logger: Logger;
  clock?: ReplayClock;
}): Promise<ReplayDriver> {
  const { config, spec, venue, logger } = deps;
  const { steps, files } = await loadReplaySteps(config.dir, config.file);
  const driver = new ReplayDriver({
    steps,
    simulator: new LiquiditySimulator({ spec, seed: config.seed }),
    speed: config.speed,
    anchorMs: deps.anchorMs,
    clock: deps.clock ?? systemClock,
    sink: (commands) => venue.applyLiquidity(spec.symbol, commands),
  });
  const position = driver.position((deps.clock ?? systemClock).now());
  logger.info({ files, steps: steps.length, speed: config.speed, seed: config.seed, symbol: spec.symbol, resumeAt: position }, 'venue.replay_started');
  driver.start((error) => logger.error({ err: error, progress: driver.progress }, 'venue.replay_failed'));
  return driver;
}
