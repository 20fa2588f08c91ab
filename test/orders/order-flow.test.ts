import { randomUUID } from 'node:crypto';
import { eventually } from '../harness/processes';
import { TestSystem } from '../harness/system';
import { orderWorkflowId } from '../../workflows/order-contract';

const limitBuy = { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.5', price: '30000.00' };

describe('order flow end to end: REST → Kafka → Temporal → MongoDB', () => {
  let system: TestSystem;
  let alice: { accountId: string; apiKey: string };
  let bob: { accountId: string; apiKey: string };

  beforeAll(async () => {
    system = await TestSystem.create('flow');
    alice = await system.createAccount({ USD: '100000', BTC: '2' });
    bob = await system.createAccount({ USD: '100000', BTC: '2' });
    await system.startAll();
  }, 120_000);
  afterAll(() => system?.stop(), 60_000);

  it('places an order that is ACCEPTED (resting at the venue) in GET, in Mongo and in a Temporal visibility query, with the hold placed', async () => {
    const placed = await system.placeOrder(alice.apiKey, { ...limitBuy, orderType: 'LIMIT', type: undefined, symbol: 'BTC/USD' });
    expect(placed.status).toBe(202);
    expect(placed.json).toMatchObject({ status: 'NEW', symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.5', price: '30000', version: 1, filledQuantity: '0', averagePrice: null });
    const { orderId } = placed.json as { orderId: string };

    // Right after the 202 the order is already visible, whatever the worker has done so far.
    const immediate = await system.request('GET', `/api/orders/${orderId}`, { apiKey: alice.apiKey });
    expect(immediate.status).toBe(200);

    const accepted = await system.waitForStatus(alice.apiKey, orderId, 'ACCEPTED');
    expect(accepted.version).toBe(2);
    expect(await system.orders.get(orderId)).toMatchObject({ status: 'ACCEPTED', version: 2, accountId: alice.accountId });
    expect((await system.orders.events(orderId)).map((e) => e.status)).toEqual(['NEW', 'ACCEPTED']);

    const balances = await system.balances(alice.accountId);
    expect(balances.USD).toEqual({ total: '100000', available: '84970', held: '15030' }); // 0.5 × 30000 + 0.2% taker fee

    await eventually('visibility to index the order', async () => {
      const found: string[] = [];
      for await (const wf of system.temporal.workflow.list({
        query: `OrderStatus="ACCEPTED" AND AccountId="${alice.accountId}" AND Symbol="BTC-USD" AND Side="BUY" AND OrderType="LIMIT"`,
      })) {
        found.push(wf.workflowId);
      }
      return found.includes(orderWorkflowId(orderId)) ? true : undefined;
    });
  }, 60_000);

  it('cancels a resting order through the venue: PENDING_CANCEL, then CANCELLED on the venue ack, the hold released to the last unit, a second cancel is 409', async () => {
    const before = await system.balances(bob.accountId);
    const placed = await system.placeOrder(bob.apiKey, { ...limitBuy, quantity: '0.12345678', price: '31234.57' });
    const { orderId } = placed.json as { orderId: string };
    await system.waitForStatus(bob.apiKey, orderId, 'ACCEPTED');
    expect((await system.balances(bob.accountId)).USD!.held).toBe('3863.8316757583692'); // 31234.57 × 0.12345678 + 0.2% taker fee, exactly

    const cancelled = await system.request('POST', `/api/orders/${orderId}/cancel`, { apiKey: bob.apiKey });
    expect(cancelled.status).toBe(202);
    expect(cancelled.json).toEqual({ orderId, status: 'ACCEPTED', cancelRequested: true });
    const final = await system.waitForStatus(bob.apiKey, orderId, 'CANCELLED');
    expect(final).toMatchObject({ version: 4, cancelRequested: true });
    expect((await system.orders.events(orderId)).map((e) => e.status)).toEqual(['NEW', 'ACCEPTED', 'PENDING_CANCEL', 'CANCELLED']);
    expect(await system.balances(bob.accountId)).toEqual(before);

    const again = await system.request('DELETE', `/api/orders/${orderId}`, { apiKey: bob.apiKey });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'ORDER_TERMINAL', details: { status: 'CANCELLED' } });
    await eventually('visibility to show CANCELLED', async () => {
      const count = await system.temporal.workflow.count(`WorkflowId="${orderWorkflowId(orderId)}" AND OrderStatus="CANCELLED"`);
      return count.count === 1 ? true : undefined;
    });
  }, 60_000);

  it('rejects an order the balance cannot cover with INSUFFICIENT_BALANCE, visible in GET, and holds nothing', async () => {
    const poor = await system.createAccount({ USD: '100', BTC: '0' });
    const placed = await system.placeOrder(poor.apiKey, limitBuy);
    expect(placed.status).toBe(202);
    const rejected = await system.waitForStatus(poor.apiKey, placed.json.orderId as string, 'REJECTED');
    expect(rejected.rejectReason).toBe('INSUFFICIENT_BALANCE');
    expect(await system.balances(poor.accountId)).toEqual({ USD: { total: '100', available: '100', held: '0' }, BTC: { total: '0', available: '0', held: '0' } });
    const cancel = await system.request('POST', `/api/orders/${placed.json.orderId as string}/cancel`, { apiKey: poor.apiKey });
    expect(cancel.status).toBe(409);
  }, 60_000);

  it("never shows or cancels another account's order (404), and lists only the caller's orders, newest first, filtered and paginated", async () => {
    const carol = await system.createAccount({ USD: '100000', BTC: '2' });
    const ids: string[] = [];
    for (const quantity of ['0.1', '0.2', '0.3', '0.4', '0.5']) {
      const placed = await system.placeOrder(carol.apiKey, { ...limitBuy, quantity });
      ids.push(placed.json.orderId as string);
    }
    const sell = await system.placeOrder(carol.apiKey, { symbol: 'ETH-USD', side: 'SELL', type: 'LIMIT', quantity: '1', price: '2000' });
    for (const id of ids) await system.waitForStatus(carol.apiKey, id, 'ACCEPTED');
    await system.waitForStatus(carol.apiKey, sell.json.orderId as string, 'REJECTED'); // carol has no ETH

    expect((await system.request('GET', `/api/orders/${ids[0]!}`, { apiKey: alice.apiKey })).status).toBe(404);
    const foreignCancel = await system.request('POST', `/api/orders/${ids[0]!}/cancel`, { apiKey: alice.apiKey });
    expect(foreignCancel.status).toBe(404);
    expect(foreignCancel.json.error.code).toBe('ORDER_NOT_FOUND');
    expect((await system.request('GET', `/api/orders/${randomUUID()}`, { apiKey: carol.apiKey })).status).toBe(404);

    const all = await system.request('GET', '/api/orders?limit=500', { apiKey: carol.apiKey });
    expect(all.json.orders.map((o: { orderId: string }) => o.orderId)).toEqual([sell.json.orderId, ...[...ids].reverse()]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/orders?symbol=BTC/USD&status=ACCEPTED&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await system.request('GET', query, { apiKey: carol.apiKey });
      expect(page.status).toBe(200);
      expect(page.json.orders.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.orders.map((o: { orderId: string }) => o.orderId));
      cursor = page.json.nextCursor as string | null;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());

    for (const bad of ['limit=0', 'limit=501', 'status=OPENISH', 'cursor=not-a-cursor', 'symbol=NOPE', 'colour=blue']) {
      const response = await system.request('GET', `/api/orders?${bad}`, { apiKey: carol.apiKey });
      expect([bad, response.status]).toEqual([bad, 400]);
    }
  }, 90_000);

  it('stops both processes cleanly on SIGTERM (exit code 0)', async () => {
    const [api, worker] = [system.api!, system.worker!];
    expect(await Promise.all([api.stop(), worker.stop()])).toEqual([0, 0]);
    expect(worker.output()).toContain('shutdown.done');
    expect(api.output()).toContain('shutdown.done');
  }, 60_000);
});
