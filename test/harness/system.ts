import { Client, Connection } from '@temporalio/client';
import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../../domain/decimal';
import { DEFAULT_SYMBOLS } from '../../domain/symbols';
import { apiKeyHashing, loadConfig } from '../../infra/config';
import { MongoAccountStore } from '../../infra/mongo/account-store';
import { MongoApiKeyStore } from '../../infra/mongo/api-key-store';
import { connectMongo, ensureIndexes } from '../../infra/mongo/client';
import { MongoOrderStore } from '../../infra/mongo/order-store';
import { orderProcessorGroups } from '../../workers/order-processor-group';
import { clearPrices } from './prices';
import { freePort } from './ports';
import { eventually, startSystemProcess, waitForOutput, type SystemProcess } from './processes';

export { freePort };

/**
 * The order system as separate processes (API and worker) on the real stack, isolated from other
 * test files by its own Mongo database and Temporal task queue, and from `npm start` and other test runs by
 * the run's Kafka topics, consumer groups and Redis keys (test/harness/test-run.ts; the processes inherit
 * KAFKA_PREFIX and REDIS_KEY_PREFIX from the jest process). Tests talk HTTP to it like a client.
 */
export class TestSystem {
  readonly env: Record<string, string>;
  readonly config = loadConfig();
  api?: SystemProcess;
  worker?: SystemProcess;
  risk?: SystemProcess;
  venue?: SystemProcess;
  mongo!: { client: MongoClient; db: Db };
  temporal!: Client;
  orders!: MongoOrderStore;
  accounts!: MongoAccountStore;
  apiKeys!: MongoApiKeyStore;
  readonly baseUrl: string;

  private constructor(
    readonly name: string,
    ports: { api: number; risk: number; venue: number; worker: number; workerTemporalMetrics: number },
    replay: boolean,
    extraEnv: Record<string, string>,
  ) {
    this.env = {
      MONGO_DB: `test_${name}_${randomUUID().slice(0, 8)}`,
      TEMPORAL_TASK_QUEUE: `orders-test-${name}-${randomUUID().slice(0, 8)}`,
      API_PORT: String(ports.api),
      RISK_PORT: String(ports.risk),
      RISK_URL: `http://127.0.0.1:${ports.risk}`,
      VENUE_PORT: String(ports.venue),
      VENUE_URL: `http://127.0.0.1:${ports.venue}`,
      // The worker's probes and metrics, and its Temporal SDK exporter: ports of its own, beside npm start's and other tests'.
      WORKER_PORT: String(ports.worker),
      WORKER_TEMPORAL_METRICS_PORT: String(ports.workerTemporalMetrics),
      // Without replay the book holds only what a test puts there, so resting orders stay resting.
      VENUE_REPLAY: replay ? 'on' : 'off',
      OMS_ENV: 'test',
      // Test clients place hundreds of orders at once from one key and address; the rate-limit tests set their own.
      RATE_LIMIT_KEY_PER_SECOND: '100000',
      RATE_LIMIT_ADMIN_KEY_PER_SECOND: '100000',
      RATE_LIMIT_ORDERS_PER_SECOND: '100000',
      RATE_LIMIT_ADDRESS_PER_SECOND: '100000',
      RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '100000',
      ...extraEnv,
    };
    this.baseUrl = `http://127.0.0.1:${ports.api}`;
    this.workerUrl = `http://127.0.0.1:${ports.worker}`;
    this.venueUrl = this.env.VENUE_URL!;
  }

  readonly venueUrl: string;
  /** The worker's HTTP server: /health, /ready, /metrics. */
  readonly workerUrl: string;

  /**
   * Also forgets the marks earlier test files left in Redis: the system's risk engine knows no price (LIMIT orders
   * are not banded, MARKET orders refused) until the test publishes one (test/harness/prices.ts).
   */
  static async create(name: string, options: { replay?: boolean; env?: Record<string, string> } = {}): Promise<TestSystem> {
    await clearPrices(DEFAULT_SYMBOLS.map((spec) => spec.symbol));
    const ports = { api: await freePort(), risk: await freePort(), venue: await freePort(), worker: await freePort(), workerTemporalMetrics: await freePort() };
    const system = new TestSystem(name, ports, options.replay ?? false, options.env ?? {});
    system.mongo = await connectMongo({ url: system.config.mongo.url, db: system.env.MONGO_DB! });
    await ensureIndexes(system.mongo.db);
    system.orders = new MongoOrderStore(system.mongo.db);
    system.accounts = new MongoAccountStore(system.mongo.db);
    system.apiKeys = new MongoApiKeyStore(system.mongo.db, apiKeyHashing(system.config));
    system.temporal = new Client({ connection: await Connection.connect({ address: system.config.temporal.address }) });
    const { topics, prefix } = system.config.kafka;
    const groups = orderProcessorGroups(prefix);
    await skipBacklog([
      { groupId: groups.orders, topic: topics.orders },
      { groupId: groups.venueReports, topic: topics.venueReports },
    ]);
    return system;
  }

  get taskQueue(): string {
    return this.env.TEMPORAL_TASK_QUEUE!;
  }

  async startWorker(): Promise<SystemProcess> {
    this.worker = startSystemProcess(`${this.name}-worker`, 'workers/worker.ts', this.env);
    await waitForOutput(this.worker, 'worker.ready');
    return this.worker;
  }

  async startRisk(): Promise<SystemProcess> {
    this.risk = startSystemProcess(`${this.name}-risk`, 'workers/risk.ts', this.env);
    await waitForOutput(this.risk, 'risk.ready');
    return this.risk;
  }

  async startVenue(): Promise<SystemProcess> {
    this.venue = startSystemProcess(`${this.name}-venue`, 'workers/venue.ts', this.env);
    await waitForOutput(this.venue, 'venue.ready');
    return this.venue;
  }

  /** Every process of the system: risk engine, venue, worker, API. */
  async startAll(): Promise<void> {
    await Promise.all([this.startRisk(), this.startVenue()]);
    await Promise.all([this.startWorker(), this.startApi()]);
  }

  async startApi(): Promise<SystemProcess> {
    this.api = startSystemProcess(`${this.name}-api`, 'workers/api.ts', this.env);
    await waitForOutput(this.api, 'api.ready');
    return this.api;
  }

  /** A fresh account with its own API key (a trader's unless `role` says admin) and the given balances (decimal strings). */
  async createAccount(balances: Record<string, string>, options: { role?: 'trader' | 'admin' } = {}): Promise<{ accountId: string; apiKey: string; keyId: string }> {
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    const apiKey = `key-${randomUUID()}`;
    await this.accounts.createAccount({
      accountId,
      name: accountId,
      balances: Object.fromEntries(Object.entries(balances).map(([asset, amount]) => [asset, parseDecimal(amount)])),
    });
    const { keyId } = await this.apiKeys.addKey({ rawKey: apiKey, accountId, label: 'test', role: options.role ?? 'trader' });
    return { accountId, apiKey, keyId };
  }

  async request(method: string, path: string, options: { apiKey?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.apiKey !== undefined) headers.Authorization = `Bearer ${options.apiKey}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  placeOrder(apiKey: string, body: unknown, idempotencyKey: string = randomUUID()) {
    return this.request('POST', '/api/orders', { apiKey, body, headers: { 'Idempotency-Key': idempotencyKey } });
  }

  /** Polls GET until the order reaches `status`. */
  waitForStatus(apiKey: string, orderId: string, status: string, timeoutMs = 30_000) {
    return eventually(
      `order ${orderId} to be ${status}`,
      async () => {
        const response = await this.request('GET', `/api/orders/${orderId}`, { apiKey });
        return response.json?.status === status ? response.json : undefined;
      },
      timeoutMs,
    );
  }

  async balances(accountId: string): Promise<Record<string, { total: string; available: string; held: string }>> {
    const rows = (await this.accounts.getBalances(accountId)) ?? [];
    return Object.fromEntries(rows.map((r) => [r.asset, { total: r.total, available: r.available, held: r.held }]));
  }

  async stop(): Promise<void> {
    await Promise.all([this.api?.stop(), this.worker?.stop(), this.risk?.stop(), this.venue?.stop()]);
    // Accepted orders wait for a cancel forever: end this system's workflows so runs do not pile up.
    for await (const wf of this.temporal.workflow.list({ query: `TaskQueue="${this.taskQueue}" AND ExecutionStatus="Running"` })) {
      await this.temporal.workflow.getHandle(wf.workflowId, wf.runId).terminate('test system stopped').catch(() => undefined);
    }
    await this.mongo.db.dropDatabase().catch(() => undefined);
    await this.mongo.client.close();
    await this.temporal.connection.close();
  }
}

/** The sum of the end offsets of a topic's partitions: unchanged means nothing was published to it. */
export async function topicEndOffset(topic: string): Promise<bigint> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'test-offsets', brokers: [...loadConfig().kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + BigInt(p.high), 0n);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Test systems of one run share the run's topics and consumer groups, one after another. What an earlier system left
 * unconsumed (its last reports, orders of a test that failed midway) belongs to that system's database: a new
 * system's worker starts at the end of the topics instead of working through someone else's backlog.
 * A group must have no members to be moved; a killed worker's membership lasts until its session times out.
 */
async function skipBacklog(groups: Array<{ groupId: string; topic: string }>): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'test-skip-backlog', brokers: [...loadConfig().kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const { groupId, topic } of groups) {
      await eventually(`${groupId} to have no members`, async () => ((await admin.describeGroups([groupId])).groups.every((g) => g.members.length === 0) ? true : undefined), 60_000, 500);
      // Explicit end offsets: resetOffsets({ earliest: false }) stores -1, which a consumer reads as "no offset" (then fromBeginning).
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
  } finally {
    await admin.disconnect();
  }
}

/** Each partition's end offset now, to read later only what was published after this point. */
export async function topicOffsets(topic: string): Promise<Array<{ partition: number; offset: string }>> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'test-offsets', brokers: [...loadConfig().kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
  } finally {
    await admin.disconnect();
  }
}

/** Reads `topic` from the given offsets until `done` says the collected values suffice. */
export async function readTopicFrom(
  topic: string,
  from: Array<{ partition: number; offset: string }>,
  done: (values: string[]) => boolean,
  timeoutMs = 30_000,
): Promise<string[]> {
  const { Kafka, logLevel } = await import('kafkajs');
  const config = loadConfig();
  const kafka = new Kafka({ clientId: 'test-reader', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING });
  // Under the run's prefix, so the run's teardown deletes the group.
  const consumer = kafka.consumer({ groupId: `${config.kafka.prefix}test-reader-${randomUUID()}` });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    for (const { partition, offset } of from) consumer.seek({ topic, partition, offset });
    await eventually(`enough messages on ${topic}`, async () => (done(values) ? true : undefined), timeoutMs, 200);
    return values;
  } finally {
    await consumer.disconnect();
  }
}
