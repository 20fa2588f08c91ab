// Order lifecycle: orders/s from POST /api/orders to ACCEPTED persisted in Mongo (API and worker as real
// processes: Kafka `orders`, the orders consumer, the order workflow and its 3 activities), against a bare
// Temporal workflow with 3 no-op activities on the same server, worker in this process, same run.
// Run: npm run bench -- lifecycle
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../infra/config';
import { TOPICS } from '../infra/kafka/topics';
import { COLLECTIONS } from '../infra/mongo/client';
import { orderWorkflowId } from '../infra/temporal/order-workflows';
import { eventually } from '../test/harness/processes';
import { TestSystem } from '../test/harness/system';
import type { BareActivities, bareWorkflow } from './bare-workflow';
import { percentOf, round, type BenchResult, type Row } from './result';

const ORDERS = 300;
const ROUNDS = 3;
const WARMUP = 10;
const CONCURRENCY = 20;
const TIMEOUT_MS = 120_000;
const ORDER = { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '30000' };
// workers/worker.ts joins this group (not importable: importing the module starts a worker).
const ORDER_PROCESSOR_GROUP = 'order-processor-group';
// A larger backlog on `orders` would be consumed first: the measurement would mostly be someone else's orders.
const MAX_BACKLOG = 1_000;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** Other members of the orders consumer group, and the messages waiting for it on `orders`. */
async function ordersIntake(brokers: readonly string[]): Promise<{ members: number; backlog: number }> {
  const admin = new Kafka({ clientId: 'bench-lifecycle', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [group] = (await admin.describeGroups([ORDER_PROCESSOR_GROUP])).groups;
    const [committed] = await admin.fetchOffsets({ groupId: ORDER_PROCESSOR_GROUP, topics: [TOPICS.orders] });
    const ends = await admin.fetchTopicOffsets(TOPICS.orders);
    const backlog = ends.reduce((sum, end) => {
      const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      return sum + Number(end.high) - Math.max(at, Number(end.low));
    }, 0);
    return { members: group?.members.length ?? 0, backlog };
  } finally {
    await admin.disconnect();
  }
}

/** Workflow and activity tasks a workflow went through until its third activity completed, from its history. */
async function tasksToThirdActivity(handle: WorkflowHandle): Promise<string> {
  const { events } = await handle.fetchHistory();
  let workflowTasks = 0;
  let activityTasks = 0;
  for (const event of events ?? []) {
    if (event.workflowTaskCompletedEventAttributes) workflowTasks += 1;
    if (event.activityTaskCompletedEventAttributes && ++activityTasks === 3) break;
  }
  return `1 start + ${workflowTasks} workflow tasks + ${activityTasks} activity tasks`;
}

/** A way through Temporal: submit work, and count how much of it passed its third activity so far. */
interface Side {
  submit(n: number): Promise<void>;
  done(): Promise<number>;
  pollMs: number;
  /** The most recent workflow, to read its history. */
  last(): WorkflowHandle;
}

interface Round {
  seconds: number;
  completed: number;
}

/** Submits `n` and waits until all of them passed their third activity (or TIMEOUT_MS). */
async function timedRound(side: Side, n: number): Promise<Round> {
  const before = await side.done();
  const startedAt = performance.now();
  await side.submit(n);
  await eventually(`${n} to pass their third activity`, async () => (await side.done()) >= before + n || undefined, TIMEOUT_MS, side.pollMs).catch(
    () => undefined,
  );
  return { seconds: (performance.now() - startedAt) / 1000, completed: (await side.done()) - before };
}

/** Orders through the API and worker processes; done = ACCEPTED in Mongo. */
async function orderSide(system: TestSystem, orderIds: string[]): Promise<Side> {
  const account = await system.createAccount({ USD: '1000000000000', BTC: '1000000' });
  await Promise.all([system.startWorker(), system.startApi()]);
  const orders = system.mongo.db.collection(COLLECTIONS.orders);
  return {
    async submit(n) {
      const ids = await mapLimit(Array.from({ length: n }), CONCURRENCY, async () => {
        const response = await system.placeOrder(account.apiKey, ORDER);
        if (response.status !== 202) throw new Error(`POST /api/orders answered ${response.status}: ${response.text}`);
        return response.json.orderId as string;
      });
      orderIds.push(...ids);
    },
    done: () => orders.countDocuments({ accountId: account.accountId, status: 'ACCEPTED' }),
    pollMs: 50,
    last: () => system.temporal.workflow.getHandle(orderWorkflowId(orderIds.at(-1)!)),
  };
}

/** Runs `use` with bare workflows served by a worker in this process; returns once every one of them completed. */
async function withBareWorkflows<T>(system: TestSystem, use: (bare: Side) => Promise<T>): Promise<T> {
  const taskQueue = `bench-bare-${randomUUID().slice(0, 8)}`;
  const handles: WorkflowHandle[] = [];
  let thirdSteps = 0;
  const activities: BareActivities = {
    async step(n) {
      if (n === 3) thirdSteps += 1;
    },
  };
  // The SDK's INFO lines (worker state changes) would interleave with the tables; once per process.
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed
  }
  const connection = await NativeConnection.connect({ address: system.config.temporal.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: system.config.temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('./bare-workflow'),
      activities,
    });
    return await worker.runUntil(async () => {
      const bare: Side = {
        async submit(n) {
          const started = await mapLimit(Array.from({ length: n }), CONCURRENCY, () =>
            system.temporal.workflow.start<typeof bareWorkflow>('bareWorkflow', { taskQueue, workflowId: `${taskQueue}-${randomUUID()}` }),
          );
          handles.push(...started);
        },
        done: async () => thirdSteps,
        pollMs: 10,
        last: () => handles.at(-1)!,
      };
      const result = await use(bare);
      await Promise.all(handles.map((handle) => handle.result()));
      return result;
    });
  } finally {
    await connection.close();
  }
}

export async function runLifecycleBench(): Promise<BenchResult> {
  const intake = await ordersIntake(loadConfig().kafka.brokers);
  if (intake.backlog > MAX_BACKLOG) {
    throw new Error(
      `${intake.backlog} OrderCreated messages wait on "${TOPICS.orders}" for group ${ORDER_PROCESSOR_GROUP}: the bench's worker would start them all first. ` +
        'Let a worker (npm start) drain them, then run the bench again.',
    );
  }
  const system = await TestSystem.create('bench-lifecycle');
  const orderIds: string[] = [];
  try {
    const orderPath = await orderSide(system, orderIds);
    const rounds = await withBareWorkflows(system, async (barePath) => {
      await timedRound(orderPath, WARMUP);
      await timedRound(barePath, WARMUP);
      // Alternating rounds, so that drift in the machine's load hits both sides alike.
      const measured: Array<{ orders: Round; bare: Round }> = [];
      for (let i = 0; i < ROUNDS; i += 1) {
        measured.push({ orders: await timedRound(orderPath, ORDERS / ROUNDS), bare: await timedRound(barePath, ORDERS / ROUNDS) });
      }
      return { measured, tasks: { orders: await tasksToThirdActivity(orderPath.last()), bare: await tasksToThirdActivity(barePath.last()) } };
    });

    const sum = (rs: readonly Round[]): Round => ({ seconds: rs.reduce((t, r) => t + r.seconds, 0), completed: rs.reduce((t, r) => t + r.completed, 0) });
    const orders = sum(rounds.measured.map((r) => r.orders));
    const bare = sum(rounds.measured.map((r) => r.bare));
    const rate = (r: Round) => r.completed / r.seconds;
    const perSecond = (r: Round) => `${round(rate(r), 1)}${r.completed < ORDERS ? ` (only ${r.completed} of ${ORDERS} done: a round timed out)` : ''}`;
    const ORDERS_COLUMN = 'orders (POST to ACCEPTED in Mongo)';
    const BARE_COLUMN = 'bare workflow (3rd no-op activity done)';
    const rows: Row[] = [
      {
        measure: `per second: ${ORDERS} in ${ROUNDS} alternating rounds, submitted at concurrency ${CONCURRENCY}, after ${WARMUP} warm-up`,
        [ORDERS_COLUMN]: perSecond(orders),
        [BARE_COLUMN]: perSecond(bare),
        'orders/bare': percentOf(rate(orders), rate(bare)),
      },
      {
        measure: 'per second, each round',
        [ORDERS_COLUMN]: rounds.measured.map((r) => round(rate(r.orders), 1)).join(', '),
        [BARE_COLUMN]: rounds.measured.map((r) => round(rate(r.bare), 1)).join(', '),
        'orders/bare': rounds.measured.map((r) => percentOf(rate(r.orders), rate(r.bare))).join(', '),
      },
      {
        measure: 'wall time, s',
        [ORDERS_COLUMN]: round(orders.seconds, 2),
        [BARE_COLUMN]: round(bare.seconds, 2),
        'orders/bare': '',
      },
      {
        measure: 'note: Temporal server round trips each, from one history (every task = 1 poll + 1 completion call)',
        [ORDERS_COLUMN]: rounds.tasks.orders,
        [BARE_COLUMN]: rounds.tasks.bare,
        'orders/bare': '',
      },
      {
        measure: 'note: besides Temporal, each order',
        [ORDERS_COLUMN]:
          'API: 1 Mongo read (API key), 3 Redis calls, 1 Kafka produce; worker: 1 Kafka consume + commit, 4 Mongo writes, 1 account read + compare-and-set (hold), 2 Kafka produces (executions)',
        [BARE_COLUMN]: 'nothing',
        'orders/bare': '',
      },
      {
        measure: `note: other consumers in ${ORDER_PROCESSOR_GROUP} / backlog on ${TOPICS.orders} at start`,
        [ORDERS_COLUMN]: `${intake.members} / ${intake.backlog}`,
        [BARE_COLUMN]: '',
        'orders/bare': intake.members > 0 ? 'shared partitions: some orders may go to another worker' : '',
      },
    ];
    return { name: 'lifecycle: orders from POST to ACCEPTED vs a bare Temporal workflow with 3 activities (same server, same run)', rows };
  } finally {
    // The accepted orders would wait for a cancel forever: end them (their database is dropped next).
    await mapLimit(orderIds, CONCURRENCY, (orderId) =>
      system.temporal.workflow.getHandle(orderWorkflowId(orderId)).terminate('benchmark finished').catch(() => undefined),
    );
    await system.stop();
  }
}
