import * as v from 'valibot';
import { describeIssues, validationIssues } from '../domain/validation-issues';
import { ConfigError, marketDataDir } from '../infra/config';

export const DEFAULT_REPLAY_FILE = 'coinbase_btcusd_1s_trades_2016-10-07_to_09.csv';

/** The venue's own settings; the shared ones (VENUE_PORT, Kafka, Mongo) come from infra/config.ts. */
const VenueEnvSchema = v.object({
  VENUE_HOST: v.optional(v.pipe(v.string(), v.minLength(1)), '127.0.0.1'),
  VENUE_REPLAY: v.optional(v.picklist(['on', 'off']), 'on'),
  VENUE_REPLAY_FILE: v.optional(v.pipe(v.string(), v.regex(/^[\w.-]+\.csv$/, 'must be the name of a .csv file in the market data folder')), DEFAULT_REPLAY_FILE),
  VENUE_REPLAY_SPEED: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,6}(\.\d{1,3})?$/, 'must be a number such as 60 or 0.5'), v.transform(Number), v.minValue(0.001), v.maxValue(100_000)),
    '60',
  ),
  VENUE_REPLAY_SEED: v.optional(v.pipe(v.string(), v.regex(/^\d{1,9}$/, 'must be a non-negative integer'), v.transform(Number)), '1'),
  MARKET_DATA_DIR: v.optional(v.pipe(v.string(), v.minLength(1))),
  VENUE_KEEP_FINAL_ORDERS: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,8}$/, 'must be a whole number of orders'), v.transform(Number), v.minValue(100), v.maxValue(10_000_000)),
    '10000',
  ),
});

/** The venue's own variables, besides infra/config.ts's CONFIG_VARIABLES. */
export const VENUE_VARIABLES: readonly string[] = Object.freeze(Object.keys(VenueEnvSchema.entries));

export interface VenueConfig {
  readonly host: string;
  /** Final orders kept in memory (older ones are read back from Mongo when asked for). */
  readonly keepFinalOrders: number;
  readonly replay: {
    readonly enabled: boolean;
    /** The symbol the market data is about (every file of shared/data/market is BTC-USD). */
    readonly symbol: string;
    readonly dir: string;
    readonly file: string;
    /** Replayed time per wall-clock time. */
    readonly speed: number;
    readonly seed: number;
  };
}

/** Parses the venue's variables; a bad value throws a ConfigError naming it. Relative paths are from the root (AppConfig.rootDir). */
export function loadVenueConfig(env: Record<string, string | undefined>, paths: { rootDir: string }): VenueConfig {
  const parsed = v.safeParse(VenueEnvSchema, env);
  if (!parsed.success) {
    throw new ConfigError(`invalid venue configuration: ${describeIssues(validationIssues(parsed.issues, 'environment'))}`);
  }
  const e = parsed.output;
  return {
    host: e.VENUE_HOST,
    keepFinalOrders: e.VENUE_KEEP_FINAL_ORDERS,
    replay: {
      enabled: e.VENUE_REPLAY === 'on',
      symbol: 'BTC-USD',
      dir: marketDataDir(e.MARKET_DATA_DIR, paths.rootDir),
      file: e.VENUE_REPLAY_FILE,
      speed: e.VENUE_REPLAY_SPEED,
      seed: e.VENUE_REPLAY_SEED,
    },
  };
}
