import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import { ensureTopics } from '../../infra/kafka/topics';

/**
 * One test run's own Kafka topics, consumer groups and Redis keys, beside the stack's (`npm start`'s) and other runs'.
 * The run id holds its start time, so leftovers of a run that never reached its teardown (killed) can be told
 * apart from a run still going and are removed by a later run: test names never pile up.
 */
const RUN_ID = /^test-([0-9a-z]{8,9})-[0-9a-f]{6}(?=[-:])/;

/** Longer than any run lasts: what is older belongs to a run that ended without its teardown. */
export const STALE_RUN_MS = 6 * 60 * 60 * 1_000;

export interface TestRun {
  readonly id: string;
  /** KAFKA_PREFIX and REDIS_KEY_PREFIX of every process and in-process client of the run. */
  readonly env: { readonly KAFKA_PREFIX: string; readonly REDIS_KEY_PREFIX: string };
}

export function newTestRun(now = Date.now()): TestRun {
  const id = `test-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
  return { id, env: { KAFKA_PREFIX: `${id}-`, REDIS_KEY_PREFIX: `${id}:` } };
}

/** When the run that named a topic, group or key started; undefined for names no test run gave. */
export function testRunStart(name: string): number | undefined {
  const match = RUN_ID.exec(name);
  return match === null ? undefined : parseInt(match[1]!, 36);
}

/** Creates the run's topics (every topic and its .dlq, as the stack does) and removes what stale runs left. */
export async function setUpTestRun(run: TestRun): Promise<void> {
  const config = loadConfig({ ...process.env, ...run.env });
  await withAdmin((admin) => ensureTopics(admin, config.kafka.topics));
  await bestEffort('removing stale test runs', async () => {
    await withAdmin((admin) => removeKafka(admin, (name) => isStale(name)));
    await removeRedisKeys('test-*', (key) => isStale(key));
  });
}

/** Deletes the run's topics, consumer groups and Redis keys. */
export async function tearDownTestRun(run: TestRun): Promise<void> {
  // Never a prefix that could match the stack's own names (an empty one matches everything).
  if (testRunStart(run.env.KAFKA_PREFIX) === undefined || testRunStart(run.env.REDIS_KEY_PREFIX) === undefined) {
    throw new Error(`not a test run's prefixes: ${JSON.stringify(run.env)}`);
  }
  const mine = (name: string) => name.startsWith(run.env.KAFKA_PREFIX);
  await bestEffort(`removing the topics and groups of ${run.id}`, () => withAdmin((admin) => removeKafka(admin, mine)));
  await bestEffort(`removing the Redis keys of ${run.id}`, () => removeRedisKeys(`${run.env.REDIS_KEY_PREFIX}*`, () => true));
}

/** Clean-up that fails says so and lets the run end as its tests did: a later run removes what is left (STALE_RUN_MS). */
async function bestEffort(what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    process.stderr.write(`[test-run] ${what} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function isStale(name: string, now = Date.now()): boolean {
  const started = testRunStart(name);
  return started !== undefined && now - started > STALE_RUN_MS;
}

async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'test-run', brokers: [...loadConfig().kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function removeKafka(admin: Admin, remove: (name: string) => boolean): Promise<void> {
  const topics = (await admin.listTopics()).filter(remove);
  if (topics.length > 0) await admin.deleteTopics({ topics });
  // A group is deleted once empty; one whose members still leave (a killed worker's session) expires with its offsets.
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter(remove);
  if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
}

async function removeRedisKeys(pattern: string, remove: (key: string) => boolean): Promise<void> {
  // A client without a key prefix: it sees every run's keys as they are stored.
  const redis = new Redis(loadConfig().redis.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      cursor = next;
      const doomed = keys.filter(remove);
      if (doomed.length > 0) await redis.del(...doomed);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
