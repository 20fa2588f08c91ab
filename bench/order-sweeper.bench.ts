// The order sweeper (workers/order-sweeper.ts) over a book of resting orders: what one pass costs the venue, the Mongo
// server and the sweeper, against what the per-order quiet polls it replaced asked of the venue for the same orders
// (one GET /venue/orders/:id each, besides a timer and an activity each: two billed Temporal actions per poll), same
// run. The venue runs as a real process with RESTING orders submitted to it (bids far below any ask: nothing trades),
// and Mongo holds each as ACCEPTED, older than the grace, as the worker's store would.
// Run: npm run bench -- order-sweeper
import { randomUUID } from 'node:crypto';
import { toOrderView, newOrder, type OrderView } from '../domain/order';
import { parseDecimal } from '../domain/decimal';
import { VenueClient } from '../infra/http/venue-client';
import { createLogger } from '../infra/logger';
import { COLLECTIONS } from '../infra/mongo/client';
import { MongoLease } from '../infra/mongo/lease';
import { TemporalOrderWorkflowGateway } from '../infra/temporal/order-workflows';
import { testSigner } from '../test/harness/internal-calls';
import { TestSystem } from '../test/harness/system';
import { startOrderSweeper, SWEEP_PAGE_SIZE } from '../workers/order-sweeper';
import { cpuMillis, stackServerPids } from './proc';
import { median, round, type BenchResult, type Row } from './result';

/** Resting orders: ten sweeper pages. */
const RESTING = 10 * SWEEP_PAGE_SIZE;
const PASSES = 5;
/** The quiet polls' GETs go this many at a time (the worker's activity slots would spread them out more). */
const GET_CONCURRENCY = 20;

interface Cost {
  wallMs: number;
  venueCpuMs: number;
  mongoCpuMs: number;
  /** This process: the sweeper's side, or the GETs' client side. */
  selfCpuMs: number;
}

async function measured(venuePid: number, mongoPid: number | undefined, run: () => Promise<void>): Promise<Cost> {
  const venue = cpuMillis(venuePid);
  const mongo = mongoPid === undefined ? Number.NaN : cpuMillis(mongoPid);
  const self = process.cpuUsage();
  const startedAt = performance.now();
  await run();
  const wallMs = performance.now() - startedAt;
  const used = process.cpuUsage(self);
  return { wallMs, venueCpuMs: cpuMillis(venuePid) - venue, mongoCpuMs: mongoPid === undefined ? Number.NaN : cpuMillis(mongoPid) - mongo, selfCpuMs: (used.user + used.system) / 1_000 };
}

function restingOrder(orderId: string, updatedAt: string): OrderView {
  const order = toOrderView(
    newOrder({
      orderId,
      clientOrderId: orderId,
      accountId: 'bench-sweeper',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      quantity: parseDecimal('0.001'),
      price: parseDecimal('1000'),
      timeInForce: 'GTC',
      expireAt: null,
      postOnly: false,
      createdAt: updatedAt,
    }),
  );
  return { ...order, status: 'ACCEPTED', version: 2, updatedAt };
}

export async function runOrderSweeperBench(): Promise<BenchResult> {
  const system = await TestSystem.create('bench-sweeper');
  try {
    const venueProcess = await system.startVenue();
    const mongoPid = (await stackServerPids()).find(([name]) => name === 'mongo')?.[1];
    const venue = new VenueClient({ url: system.venueUrl, signer: testSigner() });
    const ids = Array.from({ length: RESTING }, () => randomUUID());
    const longAgo = new Date(Date.now() - 3_600_000).toISOString();
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map(async (orderId) => {
          const answer = await venue.submit(restingOrder(orderId, longAgo));
          if (!answer.ok || answer.value.status !== 'OPEN') throw new Error(`the venue did not rest ${orderId}: ${JSON.stringify(answer)}`);
        }),
      );
    }
    await system.mongo.db.collection(COLLECTIONS.orders).insertMany(ids.map((orderId) => ({ _id: orderId, ...restingOrder(orderId, longAgo) })) as never[]);

    const signals: string[] = [];
    const workflows = new TemporalOrderWorkflowGateway(system.temporal, system.taskQueue);
    const sweeper = startOrderSweeper({
      orders: system.orders,
      venue,
      workflows: {
        requestReconcile: async (orderId, request) => {
          signals.push(orderId);
          return workflows.requestReconcile(orderId, request);
        },
      },
      lease: new MongoLease(system.mongo.db, 'order-sweeper', `bench-${randomUUID()}`, 600_000),
      logger: createLogger({ name: 'bench-sweeper', level: 'silent' }),
      intervalMs: 3_600_000,
      graceMs: 5_000,
      askAgainMs: 600_000,
      maxPerPass: RESTING + SWEEP_PAGE_SIZE,
    });
    const passes: Cost[] = [];
    const polls: Cost[] = [];
    try {
      // One of each unmeasured (the venue's and this process's code warm), then alternating.
      await sweeper.sweep();
      for (let i = 0; i < 200; i += 1) await venue.order(ids[i]!);
      for (let round_ = 0; round_ < PASSES; round_ += 1) {
        passes.push(
          await measured(venueProcess.pid, mongoPid, async () => {
            const result = await sweeper.sweep();
            if (!result.swept || result.checked !== RESTING || !result.wrapped) throw new Error(`a pass checked ${result.checked} of ${RESTING}: ${JSON.stringify(result)}`);
          }),
        );
        polls.push(
          await measured(venueProcess.pid, mongoPid, async () => {
            let next = 0;
            await Promise.all(
              Array.from({ length: GET_CONCURRENCY }, async () => {
                while (next < ids.length) {
                  const orderId = ids[next++]!;
                  if ((await venue.order(orderId)) === null) throw new Error(`the venue lost ${orderId}`);
                }
              }),
            );
          }),
        );
      }
    } finally {
      await sweeper.stop();
    }
    if (signals.length > 0) throw new Error(`the sweeper signalled ${signals.length} orders that were in step with the venue`);

    const per1000 = (value: number) => round((value / RESTING) * 1_000, 1);
    const row = (measure: string, costs: Cost[]): Row => {
      const of = (pick: (c: Cost) => number) => median(costs.map(pick));
      return {
        measure,
        'wall ms': round(of((c) => c.wallMs), 1),
        'venue CPU ms': round(of((c) => c.venueCpuMs), 1),
        'Mongo CPU ms': round(of((c) => c.mongoCpuMs), 1),
        'sweeper / client CPU ms': round(of((c) => c.selfCpuMs), 1),
        'per 1,000 orders (wall, venue, Mongo, self)': [of((c) => c.wallMs), of((c) => c.venueCpuMs), of((c) => c.mongoCpuMs), of((c) => c.selfCpuMs)].map(per1000).join(' / '),
        'Temporal actions': measure.startsWith('a sweeper pass') ? '0 (a signal only for an order whose reports were lost)' : `${2 * RESTING} (a timer and an activity per poll)`,
      };
    };
    return {
      name: `order sweeper: one pass over ${RESTING.toLocaleString('en-US')} resting orders vs the per-order quiet polls it replaced (one venue GET each), same run, medians of ${PASSES}`,
      rows: [
        row(`a sweeper pass: ${RESTING / SWEEP_PAGE_SIZE} Mongo pages and ${RESTING / SWEEP_PAGE_SIZE} venue calls of ${SWEEP_PAGE_SIZE}`, passes),
        row(`baseline: ${RESTING.toLocaleString('en-US')} quiet polls' venue GETs (${GET_CONCURRENCY} at a time)`, polls),
      ],
    };
  } finally {
    await system.stop();
  }
}
