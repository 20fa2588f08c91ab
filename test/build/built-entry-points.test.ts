import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Kafka, logLevel } from 'kafkajs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import { allTopics, kafkaTopics } from '../../infra/kafka/topics';
import { connectMongo } from '../../infra/mongo/client';
import { DEMO_ACCOUNTS, DEMO_OPS } from '../../infra/mongo/demo-accounts';
import { ORDER_SEARCH_ATTRIBUTE_KEYS } from '../../workflows/order-contract';
import { WORKFLOW_PRELOAD_MODULES } from '../../infra/temporal/workflow-preload';
import { builtOf, ENTRY_POINTS, SERVICE_ENTRY_POINTS, sourceOf } from '../../scripts/entry-points';
import { REPO_ROOT } from '../../scripts/stack/settings';
import { ensureBuiltForThisRun } from '../harness/build';
import { startSystemProcess, waitForOutput, type SystemProcess } from '../harness/processes';
import { freePort } from '../harness/system';
import { createLocalTemporal } from '../harness/temporal-env';

/**
 * `npm run build` output, run the way the image runs it: `node dist/workers/<name>.js`, plain Node (no tsx: a
 * compiled file that still needed TypeScript would not load), against the real stack with this run's Kafka topics
 * and Redis keys, its own database and task queue, free ports. Each service must log its ready line and answer
 * /ready; each one-shot job must do its work and exit 0.
 */
jest.setTimeout(300_000);

const config = loadConfig();
const unique = randomUUID().slice(0, 8);
const db = `test_built_${unique}`;

async function runJob(name: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | string; output: string }> {
  const job = startSystemProcess(`built-${name}`, `dist/workers/${name}.js`, { NODE_OPTIONS: '', ...env }, args);
  const code = await job.exited;
  return { code, output: job.output() };
}

function lastLines(output: string, count: number): string {
  return output.trimEnd().split('\n').slice(-count).join('\n');
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

describe('the built entry points (npm run build, node dist/workers/<name>.js)', () => {
  beforeAll(async () => {
    await ensureBuiltForThisRun();
  });

  afterAll(async () => {
    const mongo = await connectMongo({ url: config.mongo.url, db });
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.client.close();
  });

  it('compiles every entry point, the workflow bundle and the dashboard', () => {
    for (const entry of ENTRY_POINTS) {
      expect(existsSync(join(REPO_ROOT, sourceOf(entry)))).toBe(true);
      expect(existsSync(join(REPO_ROOT, builtOf(entry)))).toBe(true);
    }
    expect(existsSync(join(REPO_ROOT, 'dist', 'workflow-bundle.js'))).toBe(true);
    // The worker that traces loads the bundle with the workflow interceptors; one that does not, the bundle without.
    const bundled = (file: string) => readFileSync(join(REPO_ROOT, 'dist', file), 'utf8').includes('interceptors-opentelemetry/lib/workflow-interceptors');
    expect(bundled('workflow-bundle.js')).toBe(true);
    expect(bundled('workflow-bundle-untraced.js')).toBe(false);
    // Both load the modules every workflow shares once per worker thread (infra/temporal/workflow-preload.ts).
    const preloaded = (file: string) => {
      const body = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(readFileSync(join(REPO_ROOT, 'dist', file), 'utf8'))?.[1] ?? '';
      return [...body.matchAll(/"(\.\/[^"]+)"\);/g)].map((m) => m[1]);
    };
    const shared = WORKFLOW_PRELOAD_MODULES.map((module) => `./dist/${module}.js`);
    expect(preloaded('workflow-bundle.js')).toEqual(shared);
    expect(preloaded('workflow-bundle-untraced.js')).toEqual(shared);
    expect(existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html'))).toBe(true);
  });

  describe('one-shot jobs', () => {
    it('create-topics creates every topic and its .dlq under KAFKA_PREFIX, and is idempotent', async () => {
      // Under this run's prefix, so the run's teardown removes them.
      const prefix = `${process.env.KAFKA_PREFIX}built-${unique}-`;
      const first = await runJob('create-topics', { KAFKA_PREFIX: prefix });
      expect(first).toMatchObject({ code: 0 });
      expect(first.output).toContain('create-topics.done');
      const admin = new Kafka({ clientId: 'test-built', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        for (const topic of allTopics(kafkaTopics(prefix))) expect(existing.has(topic)).toBe(true);
        const metadata = await admin.fetchTopicMetadata({ topics: [`${prefix}orders`] });
        expect(metadata.topics[0]?.partitions).toHaveLength(3);
      } finally {
        await admin.disconnect();
      }
      expect(await runJob('create-topics', { KAFKA_PREFIX: prefix })).toMatchObject({ code: 0 });
    });

    describe('register-search-attributes', () => {
      let temporal: TestWorkflowEnvironment;
      beforeAll(async () => {
        // A server of its own without the attributes: the shared one has them already.
        temporal = await createLocalTemporal({ searchAttributes: [] });
      });
      afterAll(async () => {
        await temporal?.teardown();
      });

      it('registers the order search attributes a namespace lacks, then finds nothing to add', async () => {
        const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default' };
        const connection = await Connection.connect({ address: temporal.address });
        try {
          const names = ORDER_SEARCH_ATTRIBUTE_KEYS.map((key) => key.name);
          const before = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
          for (const name of names) expect(Object.keys(before.customAttributes ?? {})).not.toContain(name);
          const first = await runJob('register-search-attributes', env);
          expect(first).toMatchObject({ code: 0 });
          expect(first.output).toMatch(/"added":\["OrderStatus"/);
          const after = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
          expect(Object.keys(after.customAttributes ?? {})).toEqual(expect.arrayContaining(names));
          const second = await runJob('register-search-attributes', env);
          expect(second).toMatchObject({ code: 0 });
          expect(second.output).toContain('"added":[]');
        } finally {
          await connection.close();
        }
      });
    });

    it('build-indexes builds the indexes a store lacks, keeps the ones this version retired, and is idempotent', async () => {
      const indexDb = `${db}_indexes`;
      const mongo = await connectMongo({ url: config.mongo.url, db: indexDb });
      try {
        // A store the version before made: its orders index that status_updated_id replaced stays while it may run.
        await mongo.db.collection('orders').createIndex({ status: 1, updatedAt: 1 }, { name: 'status_updated' });
        const done = (output: string) => JSON.parse(output.split('\n').find((line) => line.includes('"build-indexes.done"')) ?? '{}') as { created?: string[]; existing?: number };
        const first = await runJob('build-indexes', { MONGO_DB: indexDb });
        expect(first).toMatchObject({ code: 0 });
        expect(done(first.output).created).toEqual(expect.arrayContaining(['orders.status_updated_id', 'order_events.order_version', 'fills.account_executed']));
        const names = (await mongo.db.collection('orders').indexes()).map((i) => i.name);
        expect(names).toEqual(expect.arrayContaining(['status_updated', 'status_updated_id', 'account_created']));
        const second = await runJob('build-indexes', { MONGO_DB: indexDb });
        expect(second).toMatchObject({ code: 0 });
        expect(done(second.output)).toMatchObject({ created: [], existing: done(first.output).created?.length });
      } finally {
        await mongo.db.dropDatabase().catch(() => undefined);
        await mongo.client.close();
      }
    });

    it('seed-demo seeds the demo accounts and keys; issue-api-key issues a key that is stored', async () => {
      const env = { MONGO_DB: db, OMS_ENV: 'test' };
      const seeded = await runJob('seed-demo', env);
      expect(seeded).toMatchObject({ code: 0 });
      const issued = await runJob('issue-api-key', env, [`built-${unique}`, 'admin', 'first admin']);
      expect(issued).toMatchObject({ code: 0 });
      const key = JSON.parse(issued.output.trim().split('\n').pop()!) as { keyId: string; apiKey: string };
      const mongo = await connectMongo({ url: config.mongo.url, db });
      try {
        const accounts = await mongo.db.collection('accounts').find({}, { projection: { _id: 1 } }).toArray();
        expect(accounts.map((a) => a._id)).toEqual(expect.arrayContaining(DEMO_ACCOUNTS.map((d) => d.accountId)));
        expect(await mongo.db.collection('api_keys').countDocuments({ accountId: DEMO_OPS.accountId })).toBeGreaterThan(0);
        expect(await mongo.db.collection('api_keys').countDocuments({ keyId: key.keyId, accountId: `built-${unique}` })).toBe(1);
      } finally {
        await mongo.client.close();
      }
      // A refusal is an exit code, not a hang: production never seeds public keys.
      const refused = await runJob('seed-demo', { ...env, OMS_ENV: 'production' });
      expect(refused.code).toBe(1);
    });
  });

  it('every service starts from dist, logs its ready line, answers /ready and stops cleanly on SIGTERM', async () => {
    const ports = {
      API_PORT: await freePort(),
      RISK_PORT: await freePort(),
      VENUE_PORT: await freePort(),
      MARKET_DATA_PORT: await freePort(),
      WORKER_PORT: await freePort(),
      WORKER_TEMPORAL_METRICS_PORT: await freePort(),
    };
    const env: Record<string, string> = {
      NODE_OPTIONS: '',
      OMS_ENV: 'test',
      MONGO_DB: db,
      TEMPORAL_TASK_QUEUE: `orders-test-built-${unique}`,
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      RISK_URL: `http://127.0.0.1:${ports.RISK_PORT}`,
      VENUE_URL: `http://127.0.0.1:${ports.VENUE_PORT}`,
      MARKET_DATA_URL: `http://127.0.0.1:${ports.MARKET_DATA_PORT}`,
      VENUE_REPLAY: 'off',
      MARKET_DATA_BACKFILL_FILES: 'none',
      MARKET_DATA_REDIS_PREFIX: `md-built-${unique}`,
      MARKET_DATA_FEED_GROUP: `market-data-built-${unique}`,
      MARKET_DATA_EXECUTIONS_GROUP: `market-data-executions-built-${unique}`,
    };
    const started: SystemProcess[] = [];
    try {
      // In the order of compose's depends_on: risk and venue, then the worker, the API and market data.
      for (const wave of [['risk', 'venue'], ['worker', 'api', 'market-data']]) {
        await Promise.all(
          SERVICE_ENTRY_POINTS.filter((entry) => wave.includes(entry.name)).map(async (entry) => {
            const proc = startSystemProcess(`built-${entry.name}`, builtOf(entry), env);
            started.push(proc);
            await waitForOutput(proc, entry.ready, 120_000);
            if (entry.portVariable !== undefined) {
              expect(await getJson(`http://127.0.0.1:${env[entry.portVariable]}/ready`)).toMatchObject({ status: 200, body: { status: 'ready' } });
              expect((await getJson(`http://127.0.0.1:${env[entry.portVariable]}/health`)).status).toBe(200);
            }
          }),
        );
      }
      expect(started.map((p) => p.name).sort()).toEqual(SERVICE_ENTRY_POINTS.map((e) => `built-${e.name}`).sort());
      // The dashboard the build put in web/dist is what the built API serves at /.
      const page = await fetch(`http://127.0.0.1:${ports.API_PORT}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module"[^>]+src="\/assets\//);
    } finally {
      const ends = await Promise.all(started.map(async (proc) => ({ proc, code: await proc.stop() })));
      // A wrong exit code comes with the process's last lines: a drain that failed logs shutdown.failed with its
      // error, a second signal shutdown.forced, a hang ends in SIGKILL after the grace time.
      const wrong = ends.filter(({ code }) => code !== 0).map(({ proc, code }) => `${proc.name} exited ${code}; its last lines:\n${lastLines(proc.output(), 25)}`);
      expect(wrong).toEqual([]);
    }
  });
});
