import { Connection } from '@temporalio/client';
import { grpc, temporal } from '@temporalio/proto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runLogged } from '../processes';
import { ORDER_SEARCH_ATTRIBUTE_KEYS } from '../../../workflows/order-contract';
import type { StackSettings } from '../settings';
import { serverDataDir, type StackServer } from './server';

const VERSION = '1.5.1';
const NAMESPACE = 'default';

/** The search attributes ops filter orders by in the Temporal Web UI (DESIGN.md, Contracts). */
export const ORDER_SEARCH_ATTRIBUTES = ORDER_SEARCH_ATTRIBUTE_KEYS.map((key) => key.name);

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const SERVING = grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;

export function temporalBinary(settings: StackSettings): string {
  return join(settings.cacheDir, `temporal-${VERSION}`, 'bin', 'temporal');
}

async function withConnection<T>(settings: StackSettings, use: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: `127.0.0.1:${settings.ports.temporal}`, connectTimeout: 2_000 });
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

export const temporalServer: StackServer = {
  name: 'temporal',
  version: VERSION,
  installTools: [{ command: 'go', hint: 'install Go 1.23 or newer (a Debian/Ubuntu package or your platform installer) and put `go` on PATH' }],
  installNote: 'building the Temporal CLI (dev server + Web UI) with `go install`: the first build takes about 5 minutes',
  startTimeoutMs: 60_000,
  port: (s) => s.ports.temporal,
  address: (s) => `127.0.0.1:${s.ports.temporal}`,
  isInstalled: (s) => existsSync(temporalBinary(s)),

  async install({ settings }, logFile) {
    // Build into a scratch folder and rename, so an interrupted build never looks installed.
    const finalBin = join(settings.cacheDir, `temporal-${VERSION}`, 'bin');
    const scratchBin = `${finalBin}.partial`;
    rmSync(scratchBin, { recursive: true, force: true });
    mkdirSync(scratchBin, { recursive: true });
    await runLogged(
      'go',
      [
        'install',
        '-trimpath',
        '-ldflags',
        `-s -w -X github.com/temporalio/cli/temporalcli.Version=${VERSION}`,
        `github.com/temporalio/cli/cmd/temporal@v${VERSION}`,
      ],
      { cwd: settings.cacheDir, logFile, env: { ...process.env, CGO_ENABLED: '0', GOBIN: scratchBin, GOFLAGS: '-mod=mod' } },
    );
    rmSync(finalBin, { recursive: true, force: true });
    renameSync(scratchBin, finalBin);
  },

  prepare({ settings }) {
    mkdirSync(serverDataDir(settings, 'temporal'), { recursive: true });
    return Promise.resolve();
  },

  launch(settings) {
    const dbFile = join(serverDataDir(settings, 'temporal'), 'temporal.db');
    return {
      command: temporalBinary(settings),
      marker: dbFile,
      args: [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(settings.ports.temporal),
        '--ui-port',
        String(settings.ports.temporalUi),
        '--db-filename',
        dbFile,
        '--sqlite-pragma',
        'journal_mode=WAL',
        '--sqlite-pragma',
        'synchronous=OFF',
        ...ORDER_SEARCH_ATTRIBUTES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
        '--metrics-port',
        String(settings.ports.temporalMetrics),
        '--dynamic-config-value',
        'frontend.enableServerVersionCheck=false',
        // Eager activity execution (off by default in the server): an activity the workflow task schedules on the
        // worker's own task queue comes back in that task's completion answer, with no poll through matching.
        // The order workflow schedules one activity per step batch, so it saves a round trip per activity.
        '--dynamic-config-value',
        'system.enableActivityEagerExecution=true',
        '--log-level',
        'warn',
      ],
    };
  },

  healthy: (settings) =>
    withConnection(settings, async (connection) => {
      const response = await connection.healthService.check({});
      return response.status === SERVING;
    }),

  // `--search-attribute` only applies when the SQLite file is created: register any that an
  // existing database lacks.
  async configure({ settings, say }) {
    await withConnection(settings, async (connection) => {
      const existing = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
      const missing = ORDER_SEARCH_ATTRIBUTES.filter((name) => !(name in (existing.customAttributes ?? {})));
      if (missing.length === 0) return;
      say(`temporal: registering search attributes ${missing.join(', ')}`);
      await connection.operatorService.addSearchAttributes({
        namespace: NAMESPACE,
        searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
      });
    });
  },
};
