import { randomUUID } from 'node:crypto';
import { loadConfig } from '../infra/config';
import { formatDecimal, parseDecimal } from '../domain/decimal';
import { orderBody, readOurs, topicOffsets, VenueTestProcess } from '../test/harness/venue-test-process';

jest.setTimeout(180_000);

const d = parseDecimal;
const sum = (values: string[]) => formatDecimal(values.reduce((total, value) => total + d(value), 0n));

interface Fill {
  fillId: string;
  tradeId: string;
  price: string;
  quantity: string;
  liquidity: 'MAKER' | 'TAKER';
}
interface OrderState {
  orderId: string;
  side: 'BUY' | 'SELL';
  price: string;
  quantity: string;
  status: string;
  filledQuantity: string;
  remaining: string;
  cancelledQuantity: string;
  version: number;
  fills: Fill[];
}

/**
 * kill -9 of the venue while a burst of marketable orders is being matched against resting ones, then a restart
 * on the same database: nothing answered is lost, nothing is filled twice, the book comes back as it was.
 */
describe('venue: kill -9 with resting orders and fills in flight', () => {
  const { topics } = loadConfig().kafka;
  let venue: VenueTestProcess;
  const run = randomUUID().slice(0, 8);
  const sells = Array.from({ length: 30 }, (_, i) => orderBody(`${run}-s${i}`, `maker-${i % 6}`, 'SELL', formatDecimal(d('100') + BigInt(i % 10) * d('0.01')), '1'));
  const buys = Array.from({ length: 60 }, (_, i) =>
    orderBody(`${run}-b${i}`, `taker-${i % 7}`, 'BUY', '100.05', '0.35', { timeInForce: i % 3 === 0 ? 'IOC' : 'GTC' }),
  );
  const allIds = [...sells, ...buys].map((o) => o.orderId);

  afterAll(() => venue?.dispose(), 60_000);

  it('recovers the same state and reports every fill exactly once', async () => {
    venue = await VenueTestProcess.create('crash');
    const reportsFrom = await topicOffsets(topics.venueReports);
    await venue.start();
    for (const sell of sells) expect((await venue.submit(sell)).status).toBe(200);

    // The burst: kill -9 as soon as a few answers are back, while the rest are being matched and committed.
    const answered = new Map<string, OrderState>();
    let killed = false;
    const kill = () => {
      if (!killed) venue.proc!.kill('SIGKILL');
      killed = true;
    };
    await Promise.all(
      buys.map(async (buy) => {
        try {
          const answer = await venue.submit(buy);
          if (answer.status === 200 && !killed) answered.set(buy.orderId, answer.json);
          if (answered.size >= 8) kill();
        } catch {
          // Cut off by the kill: the venue may or may not have committed it.
        }
      }),
    );
    kill();
    expect(await venue.proc!.exited).toBe('SIGKILL');
    const unanswered = buys.filter((b) => !answered.has(b.orderId));
    expect(unanswered.length).toBeGreaterThan(0);

    const restarted = await venue.start();
    const recovered = JSON.parse(restarted.output().split('\n').find((l) => l.includes('venue.recovered')) ?? '{}');
    console.info(`answered before the kill: ${answered.size}/${buys.length}; recovered: ${JSON.stringify({ restingOrders: recovered.restingOrders, republishing: recovered.republishing, lastCommit: recovered.lastCommit })}`);

    const states = await currentStates();
    // Everything answered before the kill is there, at least as far along, with the same fills.
    for (const [orderId, before] of answered) {
      const after = states.get(orderId)!;
      expect(after.version).toBeGreaterThanOrEqual(before.version);
      expect(after.fills.slice(0, before.fills.length)).toEqual(before.fills);
    }
    for (const sell of sells) expect(states.has(sell.orderId)).toBe(true);
    checkConsistency(states);
    await checkBook(states);

    // The same submit after the restart answers the existing order.
    for (const body of [sells[0]!, buys.find((b) => answered.has(b.orderId))!]) {
      const again = await venue.submit(body);
      expect(again.headers.get('Idempotent-Replayed')).toBe('true');
      expect(again.json).toEqual(states.get(body.orderId));
    }
    // The callers of the cut-off submits retry: each gets the order the venue committed, or a new one.
    for (const body of unanswered) {
      const retried = await venue.submit(body);
      expect(retried.status).toBe(200);
      if (states.has(body.orderId)) expect(retried.json).toEqual(states.get(body.orderId));
    }
    const final = await currentStates();
    expect([...final.keys()].sort()).toEqual([...allIds].sort());
    checkConsistency(final);
    await checkBook(final);

    // venue-reports, read from before the test and deduplicated by eventId, say exactly what GET says.
    const reports = await readOurs(
      topics.venueReports,
      reportsFrom,
      (e) => allIds.includes(e.orderId),
      (events) => [...final.values()].every((s) => events.some((e) => e.orderId === s.orderId && e.version === s.version)),
      60_000,
    );
    const byEventId = new Map<string, unknown>();
    for (const report of reports) {
      const seen = byEventId.get(report.eventId);
      // A republished report is the same report, byte for byte.
      if (seen !== undefined) expect(report).toEqual(seen);
      byEventId.set(report.eventId, report);
    }
    const unique = [...byEventId.values()] as any[];
    console.info(`venue-reports: ${reports.length} messages, ${unique.length} distinct, ${reports.length - unique.length} republished`);
    for (const state of final.values()) {
      const own = unique.filter((r) => r.orderId === state.orderId).sort((a, b) => a.version - b.version);
      expect(own.map((r) => r.version)).toEqual(Array.from({ length: state.version }, (_, i) => i + 1));
      const fills = own.filter((r) => r.report.type === 'FILL').map((r) => r.report);
      expect(fills.map((f) => f.fillId)).toEqual(state.fills.map((f) => f.fillId));
      expect(sum(fills.map((f) => f.quantity))).toBe(state.filledQuantity);
    }
  });

  async function currentStates(): Promise<Map<string, OrderState>> {
    const states = new Map<string, OrderState>();
    for (const orderId of allIds) {
      const answer = await venue.request('GET', `/venue/orders/${orderId}`);
      if (answer.status === 200) states.set(orderId, answer.json);
      else expect(answer).toMatchObject({ status: 404, json: { error: { code: 'ORDER_NOT_FOUND' } } });
    }
    return states;
  }

  /** Quantities add up, and every trade has exactly its two sides: no fill without its counterpart, none twice. */
  function checkConsistency(states: Map<string, OrderState>): void {
    const byTrade = new Map<string, Array<Fill & { side: string }>>();
    for (const s of states.values()) {
      expect(d(s.filledQuantity) + d(s.remaining) + d(s.cancelledQuantity)).toBe(d(s.quantity));
      expect(sum(s.fills.map((f) => f.quantity))).toBe(s.filledQuantity);
      for (const f of s.fills) byTrade.set(f.tradeId, [...(byTrade.get(f.tradeId) ?? []), { ...f, side: s.side }]);
    }
    for (const [, sides] of byTrade) {
      expect(sides.map((f) => `${f.side}/${f.liquidity}`).sort()).toEqual(['BUY/TAKER', 'SELL/MAKER']);
      expect(sides[0]!.quantity).toBe(sides[1]!.quantity);
      expect(sides[0]!.price).toBe(sides[1]!.price);
    }
    // Time priority: at each price, the sells that traded are the oldest ones.
    for (let level = 0; level < 10; level++) {
      const queue = sells.filter((_, i) => i % 10 === level).map((o) => states.get(o.orderId)!);
      const touched = queue.map((o) => o.filledQuantity !== '0');
      expect(touched).toEqual([...touched].sort((a, b) => Number(b) - Number(a)));
      expect(queue.filter((o) => o.status === 'PARTIALLY_FILLED').length).toBeLessThanOrEqual(1);
    }
  }

  /** The book is exactly the resting orders' remaining quantities. */
  async function checkBook(states: Map<string, OrderState>): Promise<void> {
    const book = (await venue.request('GET', '/venue/book/BTC-USD?depth=1000')).json;
    const levels = (side: 'BUY' | 'SELL') => {
      const bySide = new Map<string, { quantity: bigint; orderCount: number }>();
      for (const s of states.values()) {
        if (s.side !== side || (s.status !== 'OPEN' && s.status !== 'PARTIALLY_FILLED')) continue;
        const level = bySide.get(s.price) ?? { quantity: 0n, orderCount: 0 };
        bySide.set(s.price, { quantity: level.quantity + d(s.remaining), orderCount: level.orderCount + 1 });
      }
      return [...bySide].map(([price, l]) => ({ price, quantity: formatDecimal(l.quantity), orderCount: l.orderCount })).sort((a, b) => (d(a.price) < d(b.price) ? -1 : 1));
    };
    expect(book.asks).toEqual(levels('SELL'));
    expect(book.bids).toEqual(levels('BUY').reverse());
  }
});
