/**
 * Every process entry point of the system: what `npm run build` compiles to dist/workers/<name>.js, what the image
 * runs (`node dist/workers/<name>.js`), what docker-compose.yml and the Helm chart name. One list, so a test proves
 * each of them starts from the build (test/build/built-entry-points.test.ts) and each command refers to one of them.
 */
export interface ServiceEntryPoint {
  readonly kind: 'service';
  readonly name: 'api' | 'worker' | 'risk' | 'venue' | 'market-data';
  /** The pino message the process logs once it serves. */
  readonly ready: string;
  /** The variable of its HTTP port (undefined: no HTTP server). */
  readonly portVariable: 'API_PORT' | 'RISK_PORT' | 'VENUE_PORT' | 'MARKET_DATA_PORT' | 'WORKER_PORT' | undefined;
  readonly defaultPort: number | undefined;
}

export interface JobEntryPoint {
  readonly kind: 'job';
  readonly name: 'create-topics' | 'register-search-attributes' | 'build-indexes' | 'seed-demo' | 'issue-api-key';
}

export type EntryPoint = ServiceEntryPoint | JobEntryPoint;

export const SERVICE_ENTRY_POINTS: readonly ServiceEntryPoint[] = [
  { kind: 'service', name: 'api', ready: 'api.ready', portVariable: 'API_PORT', defaultPort: 5000 },
  { kind: 'service', name: 'risk', ready: 'risk.ready', portVariable: 'RISK_PORT', defaultPort: 5001 },
  { kind: 'service', name: 'market-data', ready: 'market-data.ready', portVariable: 'MARKET_DATA_PORT', defaultPort: 5002 },
  { kind: 'service', name: 'venue', ready: 'venue.ready', portVariable: 'VENUE_PORT', defaultPort: 5003 },
  { kind: 'service', name: 'worker', ready: 'worker.ready', portVariable: 'WORKER_PORT', defaultPort: 5004 },
];

/** One-shot jobs: run to completion (exit 0) before or beside the services. */
export const JOB_ENTRY_POINTS: readonly JobEntryPoint[] = [
  { kind: 'job', name: 'create-topics' },
  { kind: 'job', name: 'register-search-attributes' },
  { kind: 'job', name: 'build-indexes' },
  { kind: 'job', name: 'seed-demo' },
  { kind: 'job', name: 'issue-api-key' },
];

export const ENTRY_POINTS: readonly EntryPoint[] = [...SERVICE_ENTRY_POINTS, ...JOB_ENTRY_POINTS];

/** The source of an entry point (repository-relative). */
export const sourceOf = (entry: EntryPoint): string => `workers/${entry.name}.ts`;
/** Its compiled file (repository-relative), as the image's command names it. */
export const builtOf = (entry: EntryPoint): string => `dist/workers/${entry.name}.js`;
