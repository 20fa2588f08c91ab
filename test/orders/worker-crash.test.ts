import { loadConfig } from '../../infra/config';
import { formatDecimal, mul, parseDecimal } from '../../domain/decimal';
import { buyHoldAmount, DEFAULT_FEE_RATES } from '../../risk/fees';

/** What the risk engine holds for a limit buy: price × quantity plus the taker fee. */
const buyHoldAmountOf = (price: string, quantity: string) =>
  formatDecimal(buyHoldAmount(mul(parseDecimal(price), parseDecimal(quantity), 'UP'), DEFAULT_FEE_RATES));
import type { ExecutionReport } from '../../domain/events';
import { eventually } from '../harness/processes';
import { readTopicFrom, TestSystem, topicOffsets } from '../harness/system';

/**
 * kill -9 of the worker while 200 orders are in flight, then a restart: every order reaches its
 * final state exactly once. No transition, audit entry, event or hold is lost or applied twice.
 */
describe('worker crash during a burst of 200 orders', () => {
  const { topics } = loadConfig().kafka;
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.create('crash');
    await system.startAll();
  }, 120_000);
  afterAll(() => system?.stop(), 60_000);

  it('reaches every final state exactly once after kill -9 and restart', async () => {
    const rich = [await system.createAccount({ USD: '10000000', BTC: '0' }), await system.createAccount({ USD: '10000000', BTC: '0' })];
    const poor = await system.createAccount({ USD: '0', BTC: '0' });
    const executionsFrom = await topicOffsets(topics.executions);

    const plan = Array.from({ length: 200 }, (_, i) => {
      const owner = i % 5 === 4 ? poor : rich[i % 2]!;
      return { owner, body: { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: `0.${String(1000 + i).slice(1)}1`, price: `${20000 + i}.25` } };
    });
    const placed: Array<{ orderId: string; owner: { accountId: string; apiKey: string }; body: (typeof plan)[number]['body'] }> = [];
    for (let i = 0; i < plan.length; i += 50) {
      const chunk = plan.slice(i, i + 50);
      const responses = await Promise.all(chunk.map((p) => system.placeOrder(p.owner.apiKey, p.body)));
      responses.forEach((r, j) => {
        expect(r.status).toBe(202);
        placed.push({ orderId: r.json.orderId as string, owner: chunk[j]!.owner, body: chunk[j]!.body });
      });
    }

    // Kill the worker while the burst is being processed: some orders done, most still in flight.
    await eventually('the first orders to be processed', async () => {
      const done = await system.mongo.db.collection('orders').countDocuments({ status: { $in: ['ACCEPTED', 'REJECTED'] } });
      return done >= 10 ? true : undefined;
    });
    system.worker!.kill('SIGKILL');
    await system.worker!.exited;
    const doneAtKill = await system.mongo.db.collection('orders').countDocuments({ status: { $in: ['ACCEPTED', 'REJECTED'] } });
    expect(doneAtKill).toBeLessThan(200);
    await system.startWorker();

    await eventually(
      'all 200 orders to reach their final state',
      async () => {
        const done = await system.mongo.db.collection('orders').countDocuments({ status: { $in: ['ACCEPTED', 'REJECTED'] } });
        return done === 200 ? true : undefined;
      },
      120_000,
      500,
    );

    for (const { orderId, owner } of placed) {
      const expected = owner === poor ? 'REJECTED' : 'ACCEPTED';
      const order = await system.orders.get(orderId);
      expect([orderId, order?.status, order?.version]).toEqual([orderId, expected, 2]);
      const events = await system.orders.events(orderId);
      expect(events.map((e) => [e.version, e.status])).toEqual([
        [1, 'NEW'],
        [2, expected],
      ]);
    }

    // Holds: exactly the notional of each accepted order, once; nothing for the rejected ones.
    for (const account of rich) {
      const notional = placed
        .filter((p) => p.owner === account)
        .reduce((sum, p) => sum + parseDecimal(buyHoldAmountOf(p.body.price, p.body.quantity)), 0n);
      const usd = (await system.balances(account.accountId)).USD!;
      expect(usd.total).toBe('10000000');
      expect(usd.held).toBe(formatDecimal(notional));
    }
    expect((await system.balances(poor.accountId)).USD).toEqual({ total: '0', available: '0', held: '0' });

    // One workflow run per order.
    const accountIds = [...rich, poor].map((a) => `"${a.accountId}"`).join(', ');
    await eventually('visibility to list 200 runs', async () => {
      const { count } = await system.temporal.workflow.count(`AccountId IN (${accountIds})`);
      return count === 200 ? true : undefined;
    });

    // executions: after dropping redeliveries by eventId, exactly NEW + the final state per order.
    const ours = new Set(placed.map((p) => p.orderId));
    const values = await readTopicFrom(topics.executions, executionsFrom, (vs) => {
      const ids = new Set(vs.map((v) => JSON.parse(v) as ExecutionReport).filter((e) => ours.has(e.orderId)).map((e) => e.eventId));
      return ids.size >= 400;
    });
    const byEventId = new Map<string, string[]>();
    for (const value of values) {
      const event = JSON.parse(value) as ExecutionReport;
      if (!ours.has(event.orderId)) continue;
      byEventId.set(event.eventId, [...(byEventId.get(event.eventId) ?? []), value]);
    }
    expect(byEventId.size).toBe(400);
    for (const { orderId } of placed) {
      expect(byEventId.has(`${orderId}:1`) && byEventId.has(`${orderId}:2`)).toBe(true);
    }
    for (const copies of byEventId.values()) expect(new Set(copies).size).toBe(1);
  }, 240_000);
});
