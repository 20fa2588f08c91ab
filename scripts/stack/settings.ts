import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import * as v from 'valibot';

/** Where the stack keeps its servers (cache, shared across clones) and their data (per checkout). */
export interface StackSettings {
  readonly repoRoot: string;
  readonly cacheDir: string;
  readonly dataDir: string;
  readonly ports: {
    readonly temporal: number;
    readonly temporalUi: number;
    /** The dev server's Prometheus metrics (its own: tasks, eager dispatch, persistence latency). */
    readonly temporalMetrics: number;
    readonly kafka: number;
    readonly kafkaController: number;
    readonly redis: number;
    readonly mongo: number;
  };
}

const Port = (fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,5}$/, 'must be a port number'), v.transform(Number), v.minValue(1), v.maxValue(65535)),
    String(fallback),
  );

const StackEnvSchema = v.object({
  CRYPTO_OMS_CACHE: v.optional(v.pipe(v.string(), v.minLength(1))),
  CRYPTO_OMS_DATA: v.optional(v.pipe(v.string(), v.minLength(1))),
  TEMPORAL_PORT: Port(7233),
  TEMPORAL_UI_PORT: Port(8233),
  TEMPORAL_METRICS_PORT: Port(7235),
  KAFKA_PORT: Port(9092),
  KAFKA_CONTROLLER_PORT: Port(9093),
  REDIS_PORT: Port(6379),
  MONGO_PORT: Port(27017),
});

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Parses the stack's environment once; a bad value stops with a message naming the variable. */
export function loadStackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const parsed = v.safeParse(StackEnvSchema, env);
  if (!parsed.success) {
    const problems = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? '?'}: ${issue.message}`);
    throw new Error(`invalid stack configuration: ${problems.join('; ')}`);
  }
  const e = parsed.output;
  return {
    repoRoot: REPO_ROOT,
    cacheDir: resolve(e.CRYPTO_OMS_CACHE ?? join(homedir(), '.cache', 'crypto-oms')),
    dataDir: resolve(e.CRYPTO_OMS_DATA ?? join(REPO_ROOT, '.data')),
    ports: {
      temporal: e.TEMPORAL_PORT,
      temporalUi: e.TEMPORAL_UI_PORT,
      temporalMetrics: e.TEMPORAL_METRICS_PORT,
      kafka: e.KAFKA_PORT,
      kafkaController: e.KAFKA_CONTROLLER_PORT,
      redis: e.REDIS_PORT,
      mongo: e.MONGO_PORT,
    },
  };
}
