// Order lifecycle: orders/s from POST /api/orders to FILLED and to SETTLED in Mongo (API, worker, risk engine and
// venue as real processes: Kafka `orders`, the orders consumer, the order workflow and its 8 activities, the
// venue's matching and its reports through Kafka `venue-reports`), against a bare Temporal workflow with 8 no-op
// activities on the same server, worker in this process, same run. Orders come in crossing pairs (a SELL of one
// account, then a BUY of another at the same price), so every order trades completely.
// Run: npm run bench -- lifecycle
import type { WorkflowHandle } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Kafka, logLevel } from 'kafkajs';
import type { Collection } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { loadConfig, type AppConfig } from '../infra/config';
import { COLLECTIONS } from '../infra/mongo/client';
import { orderWorkflowId } from '../workflows/order-contract';
import { eventually } from '../test/harness/processes';
import { orderProcessorGroups } from '../workers/order-processor-group';
import { TestSystem } from '../test/harness/system';
import type { BareActivities, bareWorkflow } from './bare-workflow';
import { CpuMeter, stackServerPids } from './proc';
import { judged, percentOf, round, verdict, type BenchResult, type Row } from './result';

type KafkaConfig = AppConfig['kafka'];
/** What the bench reads of an order's record (its _id is the orderId). */
type OrderRow = { _id: string; orderId: string; accountId: string; status: string };

const ORDERS = 300;
const ROUNDS = 3;
// The processes' first orders, unmeasured. On a freshly started stack the JVMs (Kafka, the Mongo server) are still
// compiling well after these (11.8 orders/s and Mongo at 38 ms per order, against 14.6/s and 18 ms one run later):
// compare lifecycle numbers on a stack that has run for a while.
const WARMUP = 60;
const CONCURRENCY = 20;
/** Orders placed one at a time for the idle POST → ACCEPTED latency (the median of 15 moved by 20 ms from one run to the next). */
const IDLE_ORDERS = 30;
/** The last orders whose histories give the Temporal round trips and actions per order (ten pairs). */
const COST_SAMPLE = 20;
const IDLE_P50_TARGET_MS = 50;
const TIMEOUT_MS = 120_000;
const ORDER = { symbol: 'BTC-USD', type: 'LIMIT', quantity: '0.01', price: '30000' };
/** Activities an order runs until SETTLED; the 6th records FILLED. The bare workflow runs as many. */
const ACTIVITIES_TO_SETTLED = 8;
const ACTIVITIES_TO_FILLED = 6;
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
async function ordersIntake(kafka: KafkaConfig): Promise<{ members: number; backlog: number }> {
  const admin = new Kafka({ clientId: 'bench-lifecycle', brokers: [...kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  const groupId = orderProcessorGroups(kafka.prefix).orders;
  await admin.connect();
  try {
    const [group] = (await admin.describeGroups([groupId])).groups;
    const [committed] = await admin.fetchOffsets({ groupId, topics: [kafka.topics.orders] });
    const ends = await admin.fetchTopicOffsets(kafka.topics.orders);
    const backlog = ends.reduce((sum, end) => {
      const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      return sum + Number(end.high) - Math.max(at, Number(end.low));
    }, 0);
    return { members: group?.members.length ?? 0, backlog };
  } finally {
    await admin.disconnect();
  }
}

/**
 * What one workflow cost Temporal until it completed, from its history. Round trips: the start, every workflow task
 * and activity task (each = 1 poll + 1 completion call) and every signal. Actions: Temporal Cloud's billable actions
 * as its docs count them from a history: the start, each signal, timer, search-attribute upsert (not a patch's
 * TemporalChangeVersion) and activity attempt,
 * and local activities as one action per workflow task that ran any.
 */
interface HistoryCost {
  roundTrips: number;
  actions: number;
  text: string;
}

async function costOf(handle: WorkflowHandle): Promise<HistoryCost> {
  const { events } = await handle.fetchHistory();
  let workflowTasks = 0;
  let activityTasks = 0;
  let signals = 0;
  let actions = 1;
  let localActivityTasks = 0;
  let localInThisTask = false;
  for (const event of events ?? []) {
    if (event.workflowTaskCompletedEventAttributes) {
      workflowTasks += 1;
      localInThisTask = false;
    }
    if (event.activityTaskCompletedEventAttributes) activityTasks += 1;
    if (event.workflowExecutionSignaledEventAttributes) signals += 1;
    if (event.activityTaskStartedEventAttributes) actions += event.activityTaskStartedEventAttributes.attempt ?? 1;
    if (event.timerStartedEventAttributes || event.workflowExecutionSignaledEventAttributes) actions += 1;
    // A patch marker's upsert of TemporalChangeVersion alone is not billed.
    const upserted = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
    if (upserted.some((key) => key !== 'TemporalChangeVersion')) actions += 1;
    if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity' && !localInThisTask) {
      localInThisTask = true;
      localActivityTasks += 1;
      actions += 1;
    }
  }
  const roundTrips = 1 + workflowTasks + activityTasks + signals;
  const local = localActivityTasks > 0 ? ` (local activities in ${localActivityTasks} of them)` : '';
  return {
    roundTrips,
    actions,
    text: `${roundTrips} = 1 start + ${workflowTasks} workflow tasks${local} + ${activityTasks} activity tasks${signals > 0 ? ` + ${signals} signals (venue reports)` : ''}`,
  };
}

/** The mean cost of the given workflows; with several, how many had each cost. */
async function meanCostOf(handles: WorkflowHandle[]): Promise<HistoryCost> {
  const costs = await Promise.all(handles.map(costOf));
  if (costs.length === 1) return costs[0]!;
  const mean = (pick: (c: HistoryCost) => number) => round(costs.reduce((sum, cost) => sum + pick(cost), 0) / costs.length, 2);
  const counts = new Map<string, number>();
  for (const cost of costs) counts.set(cost.text, (counts.get(cost.text) ?? 0) + 1);
  const shapes = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([text, n]) => `${n}× ${text}`);
  return { roundTrips: mean((c) => c.roundTrips), actions: mean((c) => c.actions), text: `${mean((c) => c.roundTrips)}, the mean of the last ${costs.length} orders: ${shapes.join('; ')}` };
}

/** p-th percentile (nearest rank) of `values`, in ms. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A way through Temporal: submit work, and count how much of it reached the midpoint (FILLED) and the end (SETTLED). */
interface Side {
  submit(n: number): Promise<void>;
  midway(): Promise<number>;
  done(): Promise<number>;
  pollMs: number;
  /**
   * The most recent finished workflows, to read their histories: the orders of the last pairs (whichever of a pair
   * reaches the venue first rests and is filled by a signal, the other is filled on arrival), the bare workflow's last.
   */
  last(): WorkflowHandle[];
}

interface Round {
  /** Until all of them were FILLED (or the 6th activity of the bare workflow). */
  midwaySeconds: number;
  seconds: number;
  completed: number;
}

/** Submits `n` and waits until all of them reached the midpoint, then the end (or TIMEOUT_MS); `cpu` measures the round. */
async function timedRound(side: Side, n: number, cpu?: CpuMeter): Promise<Round> {
  const [midBefore, before] = [await side.midway(), await side.done()];
  cpu?.start();
  const startedAt = performance.now();
  await side.submit(n);
  await eventually(`${n} to reach the midpoint`, async () => (await side.midway()) >= midBefore + n || undefined, TIMEOUT_MS, side.pollMs).catch(() => undefined);
  const midwaySeconds = (performance.now() - startedAt) / 1000;
  await eventually(`${n} to finish`, async () => (await side.done()) >= before + n || undefined, TIMEOUT_MS, side.pollMs).catch(() => undefined);
  cpu?.stop();
  return { midwaySeconds, seconds: (performance.now() - startedAt) / 1000, completed: (await side.done()) - before };
}

/**
 * POST → ACCEPTED under load: the time from sending the POST until the order shows ACCEPTED or later in Mongo (what
 * GET answers), for every order submitted while `watch` runs; one query for all waiting orders every 5 ms.
 */
class AcceptedWatch {
  private readonly waiting = new Map<string, number>();
  readonly latenciesMs: number[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  /** After stop, orders still waiting are given up on at this time. */
  private stopAt = Number.POSITIVE_INFINITY;

  constructor(private readonly orders: Collection<OrderRow>) {}

  posted(orderId: string, sentAt: number): void {
    if (this.running) this.waiting.set(orderId, sentAt);
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running || this.waiting.size > 0) {
        if (this.waiting.size > 0) {
          const seenAt = performance.now();
          // By _id (the orderId, indexed): a scan of the collection every 5 ms would load Mongo, which the orders share.
          const docs = await this.orders.find({ _id: { $in: [...this.waiting.keys()] }, status: { $ne: 'NEW' } }, { projection: { orderId: 1 } }).toArray();
          for (const doc of docs) {
            const sentAt = this.waiting.get(doc.orderId);
            if (sentAt === undefined) continue;
            this.latenciesMs.push(seenAt - sentAt);
            this.waiting.delete(doc.orderId);
          }
        }
        await new Promise((r) => setTimeout(r, 5));
        if (!this.running && performance.now() > this.stopAt) break;
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopAt = performance.now() + 30_000;
    await this.loop;
  }
}

/** One idle order's client-side times (epoch ms, the machine's clock, as the Temporal server's event times). */
interface IdleTiming {
  orderId: string;
  sentAt: number;
  answeredAt: number;
  seenAt: number;
}

/**
 * POST → ACCEPTED idle: one order at a time (SELL and BUY alternating, so they trade; each pair settled before the
 * next order), a client polling GET every 5 ms until the order is ACCEPTED or later. Returns the `count` latencies
 * and their client-side times; waits until every order it placed is SETTLED.
 */
async function idleAcceptLatencies(
  system: TestSystem,
  side: Side & { accounts: { buyer: string; seller: string } },
  count: number,
  orderIds: string[],
): Promise<{ latencies: number[]; timings: IdleTiming[] }> {
  const before = await side.done();
  const latencies: number[] = [];
  const timings: IdleTiming[] = [];
  // An even number of orders, so the last SELL finds its BUY; the extra one is not measured.
  const total = count + (count % 2);
  for (let i = 0; i < total; i += 1) {
    const [apiKey, orderSide] = i % 2 === 0 ? [side.accounts.seller, 'SELL'] : [side.accounts.buyer, 'BUY'];
    const sentAt = performance.now();
    const sentAtMs = Date.now();
    const response = await system.placeOrder(apiKey, { ...ORDER, side: orderSide });
    const answeredAtMs = Date.now();
    if (response.status !== 202) throw new Error(`POST /api/orders answered ${response.status}: ${response.text}`);
    const orderId = response.json.orderId as string;
    orderIds.push(orderId);
    for (;;) {
      const view = await system.request('GET', `/api/orders/${orderId}`, { apiKey });
      const status = view.json?.status as string | undefined;
      if (status === 'REJECTED') throw new Error(`order ${orderId} was rejected: ${view.text}`);
      if (status !== undefined && status !== 'NEW') break;
      if (performance.now() - sentAt > TIMEOUT_MS) throw new Error(`order ${orderId} not ACCEPTED within ${TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    if (i < count) {
      latencies.push(performance.now() - sentAt);
      timings.push({ orderId, sentAt: sentAtMs, answeredAt: answeredAtMs, seenAt: Date.now() });
    }
    // Idle means idle: the BUY trades with the resting SELL before it; both settle before the next order is sent,
    // so no order's POST races the fills and settlements of the pair before it.
    if (i % 2 === 1) await eventually(`idle orders 1-${i + 1} to settle`, async () => (await side.done()) >= before + i + 1 || undefined, TIMEOUT_MS, side.pollMs);
  }
  return { latencies, timings };
}

/**
 * Where the idle orders' POST → ACCEPTED went, as medians (ms) of each order's segments: the API's answer; the POST to
 * the workflow's start (API, Kafka, the orders consumer, the start call); the first workflow task, from the start to
 * its completion; from there to the client seeing ACCEPTED (the check's activity task dispatched, the hold, the
 * decision's writes, the client's next poll). The start and the completion are the Temporal server's event times from
 * each history (the same machine's clock as the client's).
 */
async function idleBreakdown(system: TestSystem, timings: readonly IdleTiming[]): Promise<string> {
  const segments = { answer: [] as number[], start: [] as number[], firstTask: [] as number[], toAccepted: [] as number[] };
  for (const timing of timings) {
    const { events } = await system.temporal.workflow.getHandle(orderWorkflowId(timing.orderId)).fetchHistory();
    const startedAt = optionalTsToMs(events?.find((e) => e.workflowExecutionStartedEventAttributes)?.eventTime);
    const firstTaskAt = optionalTsToMs(events?.find((e) => e.workflowTaskCompletedEventAttributes)?.eventTime);
    if (startedAt === undefined || firstTaskAt === undefined) continue;
    segments.answer.push(timing.answeredAt - timing.sentAt);
    segments.start.push(startedAt - timing.sentAt);
    segments.firstTask.push(firstTaskAt - startedAt);
    segments.toAccepted.push(timing.seenAt - firstTaskAt);
  }
  const median = (values: number[]) => round(percentile(values, 50), 1);
  return (
    `the API's answer ${median(segments.answer)}; POST to the workflow's start ${median(segments.start)}; its first workflow task ${median(segments.firstTask)}; ` +
    `from its completion to ACCEPTED seen by the client ${median(segments.toAccepted)} (medians of ${segments.answer.length} orders)`
  );
}

/**
 * How many of the orders in `orderIds` (this side's, as they are placed) have reached one of `statuses` in Mongo. Each
 * call asks only about the orders not counted yet, by _id (the store's index): the bare side counts in memory, and a
 * count over the collection every poll would load the Mongo server the orders share, as their own cost.
 */
function statusCounter(orders: Collection<OrderRow>, orderIds: readonly string[], statuses: readonly string[]): () => Promise<number> {
  const waiting = new Set<string>();
  let known = 0;
  let reached = 0;
  return async () => {
    for (; known < orderIds.length; known += 1) waiting.add(orderIds[known]!);
    if (waiting.size === 0) return reached;
    const docs = await orders.find({ _id: { $in: [...waiting] }, status: { $in: [...statuses] } }, { projection: { _id: 1 } }).toArray();
    for (const doc of docs) if (waiting.delete(doc._id)) reached += 1;
    return reached;
  };
}

/** Orders through the API, worker, risk engine and venue processes; midway = FILLED or later, done = SETTLED in Mongo. */
async function orderSide(system: TestSystem, orderIds: string[]): Promise<Side & { accounts: { buyer: string; seller: string }; accepted: AcceptedWatch }> {
  const buyer = await system.createAccount({ USD: '1000000000000', BTC: '0' });
  const seller = await system.createAccount({ USD: '0', BTC: '1000000' });
  await system.startAll();
  const orders = system.mongo.db.collection<OrderRow>(COLLECTIONS.orders);
  const accepted = new AcceptedWatch(orders);
  return {
    accounts: { buyer: buyer.apiKey, seller: seller.apiKey },
    accepted,
    async submit(n) {
      // Pairs: the SELL of a pair is placed before its BUY, so the book never holds more than a few orders.
      if (n % 2 !== 0) throw new Error(`orders come in pairs: ${n} is odd`);
      const ids = await mapLimit(Array.from({ length: n / 2 }), CONCURRENCY / 2, async () => {
        const pair: string[] = [];
        for (const [who, side] of [[seller, 'SELL'], [buyer, 'BUY']] as const) {
          const sentAt = performance.now();
          const response = await system.placeOrder(who.apiKey, { ...ORDER, side });
          if (response.status !== 202) throw new Error(`POST /api/orders answered ${response.status}: ${response.text}`);
          pair.push(response.json.orderId as string);
          accepted.posted(response.json.orderId as string, sentAt);
        }
        return pair;
      });
      orderIds.push(...ids.flat());
    },
    midway: statusCounter(orders, orderIds, ['FILLED', 'SETTLED']),
    done: statusCounter(orders, orderIds, ['SETTLED']),
    pollMs: 50,
    last: () => orderIds.slice(-COST_SAMPLE).map((orderId) => system.temporal.workflow.getHandle(orderWorkflowId(orderId))),
  };
}

/** The risk engine's lost compare-and-sets so far, from its /metrics. */
async function casConflicts(system: TestSystem): Promise<number> {
  const text = await (await fetch(`${system.env.RISK_URL}/metrics`)).text();
  const match = /^oms_account_cas_conflicts_total(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (match === null) throw new Error('the risk engine exports no oms_account_cas_conflicts_total');
  return Number(match[1]);
}

/** Runs `use` with bare workflows served by a worker in this process; returns once every one of them completed. */
async function withBareWorkflows<T>(system: TestSystem, use: (bare: Side) => Promise<T>): Promise<T> {
  const taskQueue = `bench-bare-${randomUUID().slice(0, 8)}`;
  const handles: WorkflowHandle[] = [];
  let midway = 0;
  let finished = 0;
  const activities: BareActivities = {
    async step(n) {
      if (n === ACTIVITIES_TO_FILLED) midway += 1;
      if (n === ACTIVITIES_TO_SETTLED) finished += 1;
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
            system.temporal.workflow.start<typeof bareWorkflow>('bareWorkflow', { taskQueue, workflowId: `${taskQueue}-${randomUUID()}`, args: [ACTIVITIES_TO_SETTLED] }),
          );
          handles.push(...started);
        },
        midway: async () => midway,
        done: async () => finished,
        pollMs: 10,
        last: () => [handles.at(-1)!],
      };
      const result = await use(bare);
      await Promise.all(handles.map((handle) => handle.result()));
      return result;
    });
  } finally {
    await connection.close();
  }
}

const cpuTotal = (spent: ReadonlyArray<readonly [string, number]>) => spent.reduce((sum, [, ms]) => sum + ms, 0);

/** "12.3 = temporal 5.1, kafka 2.0, ..." per order: the total, then every process that spent at least 0.05 ms per order, biggest first. */
function cpuText(spent: ReadonlyArray<readonly [string, number]>, orders: number): string {
  const per = (ms: number) => round(ms / Math.max(1, orders), 2);
  const parts = [...spent].sort((a, b) => b[1] - a[1]).filter(([, ms]) => ms / Math.max(1, orders) >= 0.05);
  return `${per(cpuTotal(spent))} = ${parts.map(([name, ms]) => `${name} ${per(ms)}`).join(', ')}`;
}

export async function runLifecycleBench(): Promise<BenchResult> {
  const kafka = loadConfig().kafka;
  const intake = await ordersIntake(kafka);
  if (intake.backlog > MAX_BACKLOG) {
    throw new Error(
      `${intake.backlog} OrderCreated messages wait on "${kafka.topics.orders}" for group ${orderProcessorGroups(kafka.prefix).orders}: the bench's worker would start them all first. ` +
        'Let a worker (npm start) drain them, then run the bench again.',
    );
  }
  const system = await TestSystem.create('bench-lifecycle');
  const orderIds: string[] = [];
  try {
    const orderPath = await orderSide(system, orderIds);
    // Every process either side may use: the stack's servers, the system's processes and this one (the bare
    // workflow's worker, and the pollers of both sides).
    const processes: Array<[string, number]> = [
      ...(await stackServerPids()),
      ...(['api', 'worker', 'risk', 'venue'] as const).map((name): [string, number] => [name, system[name]!.pid]),
      ['bench (bare worker, pollers)', process.pid],
    ];
    const cpu = { orders: new CpuMeter(processes), bare: new CpuMeter(processes) };
    const rounds = await withBareWorkflows(system, async (barePath) => {
      await timedRound(orderPath, WARMUP);
      await timedRound(barePath, WARMUP);
      const idle = await idleAcceptLatencies(system, orderPath, IDLE_ORDERS, orderIds);
      const idleWhere = await idleBreakdown(system, idle.timings);
      // Alternating rounds, so that drift in the machine's load hits both sides alike.
      const measured: Array<{ orders: Round; bare: Round }> = [];
      let conflicts = 0;
      for (let i = 0; i < ROUNDS; i += 1) {
        const conflictsBefore = await casConflicts(system);
        const ordersRound = await timedRound(orderPath, ORDERS / ROUNDS, cpu.orders);
        conflicts += (await casConflicts(system)) - conflictsBefore;
        measured.push({ orders: ordersRound, bare: await timedRound(barePath, ORDERS / ROUNDS, cpu.bare) });
      }
      // POST → ACCEPTED under the same load, in one more round of orders: its query of Mongo every 5 ms stays out of
      // the measured rounds' rates and CPU (the bare side has nothing to poll).
      orderPath.accepted.start();
      await timedRound(orderPath, ORDERS / ROUNDS);
      await orderPath.accepted.stop();
      return { measured, idle: idle.latencies, idleWhere, conflicts, loaded: orderPath.accepted.latenciesMs, tasks: { orders: await meanCostOf(orderPath.last()), bare: await meanCostOf(barePath.last()) } };
    });

    const sum = (rs: readonly Round[]): Round => ({
      midwaySeconds: rs.reduce((t, r) => t + r.midwaySeconds, 0),
      seconds: rs.reduce((t, r) => t + r.seconds, 0),
      completed: rs.reduce((t, r) => t + r.completed, 0),
    });
    const orders = sum(rounds.measured.map((r) => r.orders));
    const bare = sum(rounds.measured.map((r) => r.bare));
    const rate = (r: Round) => r.completed / r.seconds;
    const midRate = (r: Round) => r.completed / r.midwaySeconds;
    const timedOut = (r: Round) => (r.completed < ORDERS ? ` (only ${r.completed} of ${ORDERS} done: a round timed out)` : '');
    const ORDERS_COLUMN = 'orders (POST to FILLED / SETTLED in Mongo)';
    const BARE_COLUMN = `bare workflow (${ACTIVITIES_TO_FILLED}th / ${ACTIVITIES_TO_SETTLED}th no-op activity done)`;
    const idle = judged(percentile(rounds.idle, 50), 1, (p50) => p50 <= IDLE_P50_TARGET_MS);
    const rows: Row[] = [
      {
        measure: `per second to FILLED: ${ORDERS} in ${ROUNDS} alternating rounds, submitted at concurrency ${CONCURRENCY}, after ${WARMUP} warm-up`,
        [ORDERS_COLUMN]: `${round(midRate(orders), 1)}${timedOut(orders)}`,
        [BARE_COLUMN]: `${round(midRate(bare), 1)}${timedOut(bare)}`,
        'orders/bare': percentOf(midRate(orders), midRate(bare)),
      },
      {
        measure: 'per second to SETTLED',
        [ORDERS_COLUMN]: round(rate(orders), 1),
        [BARE_COLUMN]: round(rate(bare), 1),
        'orders/bare': `${percentOf(rate(orders), rate(bare))} ${verdict(rate(orders) >= rate(bare))} (target ≥ 100%)`,
      },
      {
        measure: 'per second to SETTLED, each round',
        [ORDERS_COLUMN]: rounds.measured.map((r) => round(rate(r.orders), 1)).join(', '),
        [BARE_COLUMN]: rounds.measured.map((r) => round(rate(r.bare), 1)).join(', '),
        'orders/bare': rounds.measured.map((r) => percentOf(rate(r.orders), rate(r.bare))).join(', '),
      },
      {
        measure: 'wall time to SETTLED, s',
        [ORDERS_COLUMN]: round(orders.seconds, 2),
        [BARE_COLUMN]: round(bare.seconds, 2),
        'orders/bare': '',
      },
      {
        measure: `Temporal round trips per order, from the histories of the last ${COST_SAMPLE} orders (every task = 1 poll + 1 completion call); target: fewer than the bare workflow`,
        [ORDERS_COLUMN]: rounds.tasks.orders.text,
        [BARE_COLUMN]: rounds.tasks.bare.text,
        'orders/bare': `${verdict(rounds.tasks.orders.roundTrips < rounds.tasks.bare.roundTrips)}: ${rounds.tasks.orders.roundTrips} vs ${rounds.tasks.bare.roundTrips}`,
      },
      {
        measure: 'Temporal actions per order (Temporal Cloud billing, estimated from the same histories)',
        [ORDERS_COLUMN]: rounds.tasks.orders.actions,
        [BARE_COLUMN]: rounds.tasks.bare.actions,
        'orders/bare': percentOf(rounds.tasks.orders.actions, rounds.tasks.bare.actions),
      },
      {
        measure: 'CPU ms per order (user + system, /proc) during the measured rounds, by process: total (the biggest)',
        [ORDERS_COLUMN]: cpuText(cpu.orders.totals(), orders.completed),
        [BARE_COLUMN]: cpuText(cpu.bare.totals(), bare.completed),
        'orders/bare': percentOf(cpuTotal(cpu.orders.totals()), cpuTotal(cpu.bare.totals())),
      },
      {
        measure: "risk engine: account compare-and-sets that lost a race and were decided again, per order (oms_account_cas_conflicts_total)",
        [ORDERS_COLUMN]: round(rounds.conflicts / orders.completed, 2),
        [BARE_COLUMN]: '',
        'orders/bare': '',
      },
      {
        measure: `POST → ACCEPTED idle, ms: ${IDLE_ORDERS} orders one at a time (each SELL+BUY pair settled before the next), GET polled every 5 ms: p50 (min-max); target p50 ≤ ${IDLE_P50_TARGET_MS} ms`,
        [ORDERS_COLUMN]: `p50 ${idle.shown} (${round(Math.min(...rounds.idle))}-${round(Math.max(...rounds.idle))})`,
        [BARE_COLUMN]: '',
        'orders/bare': idle.result,
      },
      {
        measure: 'POST → ACCEPTED idle, where it goes, ms (the workflow\'s start and its first workflow task\'s completion: the Temporal server\'s event times in each history)',
        [ORDERS_COLUMN]: rounds.idleWhere,
        [BARE_COLUMN]: '',
        'orders/bare': '',
      },
      {
        measure: `POST → ACCEPTED under the rounds' load, ms (${rounds.loaded.length} orders of one more round at concurrency ${CONCURRENCY}, not measured above; seen in Mongo, polled every 5 ms): p50 / p99`,
        [ORDERS_COLUMN]: `${round(percentile(rounds.loaded, 50))} / ${round(percentile(rounds.loaded, 99))}`,
        [BARE_COLUMN]: '',
        'orders/bare': '',
      },
      {
        measure: 'note: besides Temporal, each order',
        [ORDERS_COLUMN]:
          'API: the API key from its in-memory cache (Mongo only on a miss), 2 Redis round trips (the admission script; then the pending snapshot, its index and the stored answer, pipelined), 1 Kafka produce; worker: 1 Kafka consume + commit, NEW and ACCEPTED 2 Mongo writes + 1 Kafka produce together, FILLED and SETTLED 2 Mongo writes + 1 produce together, 1 fill record; the order filled on arrival in 1 activity (runSteps: NEW + hold + ACCEPTED + submit + settlement + release + FILLED + SETTLED), the one that rested in 2 (NEW + hold + ACCEPTED + submit; settlement + release + FILLED + SETTLED); risk: hold (read + compare-and-set), settle with release in one call (venue lookup, read, archive lookup, one compare-and-set for the fill and the release, archive insert, fee account compare-and-set, 1 unset), an account\'s concurrent compare-and-sets grouped into one; venue: 1 outbox insert + relay (projection, produce, mark) per engine call; per pair 4 venue-report consumes, 1 signal (the maker\'s FILL; the taker\'s ACCEPTED and FILL and the maker\'s ACCEPTED come with the submits\' answers)',
        [BARE_COLUMN]: 'nothing',
        'orders/bare': '',
      },
      {
        measure: `note: other consumers in ${orderProcessorGroups(kafka.prefix).orders} / backlog on ${kafka.topics.orders} at start`,
        [ORDERS_COLUMN]: `${intake.members} / ${intake.backlog}`,
        [BARE_COLUMN]: '',
        'orders/bare': intake.members > 0 ? 'shared partitions: some orders may go to another worker' : '',
      },
    ];
    return { name: `lifecycle: orders from POST to FILLED and SETTLED vs a bare Temporal workflow with ${ACTIVITIES_TO_SETTLED} activities (same server, same run)`, rows };
  } finally {
    // Orders left resting (a timed-out round) would wait forever: end them (their database is dropped next).
    await mapLimit(orderIds, CONCURRENCY, (orderId) =>
      system.temporal.workflow.getHandle(orderWorkflowId(orderId)).terminate('benchmark finished').catch(() => undefined),
    );
    await system.stop();
  }
}
