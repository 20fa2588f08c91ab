import { Kafka, logLevel } from 'kafkajs';
import { formatDecimal, parseDecimal } from '../../domain/decimal';
import type { VenueReport } from '../../domain/venue-events';
import { loadConfig } from '../../infra/config';
import { dlqTopic } from '../../infra/kafka/topics';
import { orderProcessorGroups } from '../../workers/order-processor-group';
import { eventually } from '../harness/processes';
import { readTopicFrom, TestSystem, topicOffsets } from '../harness/system';
import { randomUUID } from 'node:crypto';
import { orderWorkflowId, reconcileSignal, venueReportSignal } from '../../workflows/order-contract';
import { internalFetch } from '../harness/internal-calls';

jest.setTimeout(240_000);

const d = parseDecimal;
const FEES = 'fees';
const HOUSE = ['venue-liquidity', 'venue-market-flow'];
/** The order's status once the venue's state is fully applied (FILLED orders go on to SETTLED). */
const OMS_STATUS_OF_VENUE: Record<string, string> = { OPEN: 'ACCEPTED', PARTIALLY_FILLED: 'PARTIALLY_FILLED', FILLED: 'SETTLED', CANCELLED: 'CANCELLED', EXPIRED: 'EXPIRED' };

type Account = { accountId: string; apiKey: string };

describe('trading under faults', () => {
  const { topics } = loadConfig().kafka;
  let system: TestSystem;

  beforeAll(async () => {
    // Workflows ask the venue after 1 s of silence (2 s at most), so a lost report shows within the test.
    system = await TestSystem.create('faults', { env: { ORDER_RECONCILE_QUIET_SECONDS: '1', ORDER_RECONCILE_MAX_QUIET_SECONDS: '2', ORDER_RECONCILE_GAP_GRACE_SECONDS: '1', ORDER_SWEEP_INTERVAL_SECONDS: '1' } });
    await system.startAll();
  }, 120_000);
  afterAll(() => system?.stop(), 60_000);

  const limit = (side: 'BUY' | 'SELL', quantity: string, price: string) => ({ symbol: 'BTC-USD', side, type: 'LIMIT', quantity, price, timeInForce: 'GTC' });
  /** Every asset summed over every account of this system: traders, the fee account, the venue's accounts. */
  const sums = async () => {
    const totals: Record<string, bigint> = {};
    const accounts = await system.mongo.db.collection<{ _id: string }>('accounts').find({}, { projection: { _id: 1 } }).toArray();
    expect(accounts.map((a) => a._id)).toEqual(expect.arrayContaining(HOUSE));
    for (const { _id } of accounts) {
      for (const [asset, balance] of Object.entries(await system.balances(_id))) totals[asset] = (totals[asset] ?? 0n) + d(balance.total);
    }
    return totals;
  };
  async function placeAll(orders: Array<{ who: Account; body: unknown }>): Promise<Array<{ orderId: string; who: Account }>> {
    const placed: Array<{ orderId: string; who: Account }> = [];
    for (let i = 0; i < orders.length; i += 50) {
      const chunk = orders.slice(i, i + 50);
      const answers = await Promise.all(chunk.map((o) => system.placeOrder(o.who.apiKey, o.body)));
      answers.forEach((answer, j) => {
        expect(answer.status).toBe(202);
        placed.push({ orderId: answer.json.orderId as string, who: chunk[j]!.who });
      });
    }
    return placed;
  }
  /** The sum of a counter's samples on the worker's /metrics that carry `label` (0 when none). */
  const workerMetric = async (name: string, label: string): Promise<number> => {
    const text = await (await fetch(`${system.workerUrl}/metrics`)).text();
    const samples = text.split('\n').filter((l) => l.startsWith(`${name}{`) && l.includes(label));
    return samples.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };
  const venueOrder = async (orderId: string) => {
    const response = await internalFetch(`${system.venueUrl}/venue/orders/${orderId}`);
    return response.status === 200 ? ((await response.json()) as { status: string; filledQuantity: string; fills: Array<{ fillId: string }> }) : undefined;
  };

  it('changes nothing when the same venue reports are delivered again', async () => {
    const [alice, bob] = [await system.createAccount({ USD: '100000', BTC: '2' }), await system.createAccount({ USD: '100000', BTC: '2' })];
    const reportsFrom = await topicOffsets(topics.venueReports);
    const sell = (await system.placeOrder(bob.apiKey, limit('SELL', '0.3', '30000'))).json.orderId as string;
    await system.waitForStatus(bob.apiKey, sell, 'ACCEPTED');
    const buy = (await system.placeOrder(alice.apiKey, limit('BUY', '0.1', '30000'))).json.orderId as string;
    const partial = await system.waitForStatus(bob.apiKey, sell, 'PARTIALLY_FILLED');
    await system.waitForStatus(alice.apiKey, buy, 'SETTLED');
    const balancesBefore = [await system.balances(alice.accountId), await system.balances(bob.accountId), await system.balances(FEES)];

    // The sell's own reports as the venue published them (ACCEPTED, FILL), sent again, byte for byte.
    const of = (values: string[], orderId: string) => values.filter((v) => (JSON.parse(v) as VenueReport).orderId === orderId);
    const raw = await readTopicFrom(topics.venueReports, reportsFrom, (values) => of(values, sell).length >= 2 && of(values, buy).length >= 2);
    const ours = of(raw, sell);
    expect(ours.map((v) => (JSON.parse(v) as VenueReport).report.type)).toEqual(['ACCEPTED', 'FILL']);
    // The buy took the sell's offer on arrival: its reports came with the submit's answer (patch 'fills-with-submit'),
    // so the venue marked them and its workflow was never signalled; the sell's fill was news, a signal brought it.
    expect(of(raw, buy).map((v) => [(JSON.parse(v) as VenueReport).report.type, (JSON.parse(v) as VenueReport).inSubmitAnswer])).toEqual([
      ['ACCEPTED', true],
      ['FILL', true],
    ]);
    expect(ours.map((v) => (JSON.parse(v) as VenueReport).inSubmitAnswer)).toEqual([true, undefined]);
    const buyHistory = await system.temporal.workflow.getHandle(orderWorkflowId(buy)).fetchHistory();
    expect((buyHistory.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes)).toEqual([]);
    const producer = new Kafka({ clientId: 'test-redeliver', brokers: [...loadConfig().kafka.brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({ topic: topics.venueReports, messages: [...ours, ...ours].map((value) => ({ key: sell, value })) });
    } finally {
      await producer.disconnect();
    }

    // The workflow received the FILL three times (the original, two copies); ACCEPTED is never signalled (the submit's
    // answer stood for it), however often it is delivered ...
    const signals = await eventually('the copies to reach the workflow', async () => {
      const history = await system.temporal.workflow.getHandle(orderWorkflowId(sell)).fetchHistory();
      const found = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === venueReportSignal.name);
      return found.length >= 3 ? found : undefined;
    });
    expect(signals).toHaveLength(3);
    // Decided by what was signalled, not only how often: three ACCEPTED-or-FILL signals would be a count of 3 too.
    const signalled = signals.map((e) => (JSON.parse(Buffer.from(e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!.data!).toString()) as VenueReport).report.type);
    expect(signalled).toEqual(['FILL', 'FILL', 'FILL']);
    // ... and nothing changed: same version, one fill, same balances.
    const after = (await system.request('GET', `/api/orders/${sell}`, { apiKey: bob.apiKey })).json;
    expect(after).toMatchObject({ status: 'PARTIALLY_FILLED', version: partial.version, filledQuantity: '0.1' });
    expect((await system.request('GET', `/api/orders/${sell}/fills`, { apiKey: bob.apiKey })).json.fills).toHaveLength(1);
    expect(await system.mongo.db.collection('order_anomalies').countDocuments({ orderId: sell })).toBe(0);
    expect([await system.balances(alice.accountId), await system.balances(bob.accountId), await system.balances(FEES)]).toEqual(balancesBefore);

    // Take the rest of the sell off the book: the next tests' buys must only meet their own sells.
    expect((await system.request('POST', `/api/orders/${sell}/cancel`, { apiKey: bob.apiKey })).status).toBe(202);
    await system.waitForStatus(bob.apiKey, sell, 'CANCELLED');
  });

  /** bob's SELL of 0.3 rests, alice's BUY of 0.1 fills against it and settles: the sell PARTIALLY_FILLED, with its FILL report as the venue published it. */
  async function partlyFilledSell() {
    const [alice, bob] = [await system.createAccount({ USD: '100000', BTC: '2' }), await system.createAccount({ USD: '100000', BTC: '2' })];
    const reportsFrom = await topicOffsets(topics.venueReports);
    const sell = (await system.placeOrder(bob.apiKey, limit('SELL', '0.3', '30000'))).json.orderId as string;
    await system.waitForStatus(bob.apiKey, sell, 'ACCEPTED');
    const buy = (await system.placeOrder(alice.apiKey, limit('BUY', '0.1', '30000'))).json.orderId as string;
    await system.waitForStatus(alice.apiKey, buy, 'SETTLED');
    const partial = await system.waitForStatus(bob.apiKey, sell, 'PARTIALLY_FILLED');
    const raw = await readTopicFrom(topics.venueReports, reportsFrom, (values) => values.some((v) => (JSON.parse(v) as VenueReport).orderId === sell && (JSON.parse(v) as VenueReport).report.type === 'FILL'));
    const fill = raw.map((v) => JSON.parse(v) as VenueReport).find((r) => r.orderId === sell && r.report.type === 'FILL')!;
    expect(fill).toMatchObject({ version: 2, report: { type: 'FILL', quantity: '0.1' } });
    return { alice, bob, sell, partial, fill };
  }

  it('moves no money on a report the venue does not stand by: a forged or altered one goes to the dead letters', async () => {
    const lettersFrom = await topicOffsets(dlqTopic(topics.venueReports));
    const { alice, bob, sell, partial, fill } = await partlyFilledSell();
    const balancesBefore = [await system.balances(alice.accountId), await system.balances(bob.accountId), await system.balances(FEES)];

    // Anyone who can write to the topic: the venue's real fill with a larger quantity, a fill the venue never made,
    // and a cancel of the order, which would release bob's hold while the rest still rests at the venue.
    const forged: VenueReport[] = [
      { ...fill, eventId: `${sell}:2:altered`, report: { ...fill.report, quantity: '0.3', remaining: '0' } as VenueReport['report'] },
      { ...fill, eventId: `${sell}:3`, version: 3, report: { ...fill.report, fillId: `BTC-USD-0-999:${sell}`, tradeId: 'BTC-USD-0-999', quantity: '0.2', remaining: '0' } as VenueReport['report'] },
      { ...fill, eventId: `${sell}:4`, version: 4, report: { type: 'CANCELLED', reason: 'USER', remaining: '0.2' } },
    ];
    const producer = new Kafka({ clientId: 'test-forge', brokers: [...loadConfig().kafka.brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({ topic: topics.venueReports, messages: forged.map((report) => ({ key: sell, value: JSON.stringify(report) })) });
    } finally {
      await producer.disconnect();
    }

    // All three are refused: each lands in the dead letters and is recorded as the order's anomaly ...
    const letters = await readTopicFrom(dlqTopic(topics.venueReports), lettersFrom, (values) => values.filter((v) => (JSON.parse(v) as VenueReport).orderId === sell).length >= 3);
    expect(letters.map((v) => (JSON.parse(v) as VenueReport).eventId).filter((id) => id.startsWith(sell)).sort()).toEqual(forged.map((r) => r.eventId).sort());
    const anomalies = await system.mongo.db.collection('order_anomalies').find({ orderId: sell }).toArray();
    expect(anomalies.map((a) => [a.kind, a.version]).sort()).toEqual([
      ['VENUE_REPORT_UNCONFIRMED', 2],
      ['VENUE_REPORT_UNCONFIRMED', 3],
      ['VENUE_REPORT_UNCONFIRMED', 4],
    ]);
    // ... none reached the workflow (its one signal is the venue's real fill), and nothing moved.
    const history = await system.temporal.workflow.getHandle(orderWorkflowId(sell)).fetchHistory();
    const signalled = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === venueReportSignal.name);
    expect(signalled.map((e) => (JSON.parse(Buffer.from(e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!.data!).toString()) as VenueReport).eventId)).toEqual([fill.eventId]);
    expect((await system.request('GET', `/api/orders/${sell}`, { apiKey: bob.apiKey })).json).toMatchObject({ status: 'PARTIALLY_FILLED', version: partial.version, filledQuantity: '0.1' });
    expect((await system.request('GET', `/api/orders/${sell}/fills`, { apiKey: bob.apiKey })).json.fills).toHaveLength(1);
    expect(await venueOrder(sell)).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '0.1' });
    expect([await system.balances(alice.accountId), await system.balances(bob.accountId), await system.balances(FEES)]).toEqual(balancesBefore);

    // The real cancel is confirmed and ends the order as before.
    expect((await system.request('POST', `/api/orders/${sell}/cancel`, { apiKey: bob.apiKey })).status).toBe(202);
    await system.waitForStatus(bob.apiKey, sell, 'CANCELLED');
  });

  it('moves no money on a fill signalled straight to the workflow through Temporal: the risk engine asks the venue and refuses it', async () => {
    const { alice, bob, sell, partial, fill } = await partlyFilledSell();
    const before = [await system.balances(alice.accountId), await system.balances(bob.accountId), await system.balances(FEES)];

    // Whoever holds Temporal credentials can signal the workflow without the intake's confirmation: the next report,
    // a fill of the rest that the venue never made.
    const forged: VenueReport = { ...fill, eventId: `${sell}:3`, version: 3, report: { ...fill.report, fillId: `BTC-USD-0-998:${sell}`, tradeId: 'BTC-USD-0-998', quantity: '0.2', remaining: '0' } as VenueReport['report'] };
    const handle = system.temporal.workflow.getHandle(orderWorkflowId(sell));
    await handle.signal(venueReportSignal, forged);

    // The settlement is refused, recorded as the order's anomaly, and the workflow fails on it; nothing moved.
    const anomaly = await eventually('the refused settlement recorded', async () => (await system.mongo.db.collection('order_anomalies').findOne({ orderId: sell, kind: 'SETTLEMENT_FILL_NOT_AT_VENUE' })) ?? undefined, 60_000, 200);
    expect(anomaly.details).toMatchObject({ fillId: `BTC-USD-0-998:${sell}`, quantity: '0.2' });
    await eventually('the workflow to end', async () => ((await handle.describe()).status.name === 'FAILED' ? true : undefined), 60_000, 200);
    expect([await system.balances(alice.accountId), await system.balances(bob.accountId), await system.balances(FEES)]).toEqual(before);
    expect((await system.request('GET', `/api/orders/${sell}`, { apiKey: bob.apiKey })).json).toMatchObject({ status: 'PARTIALLY_FILLED', version: partial.version, filledQuantity: '0.1' });
    expect(await venueOrder(sell)).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '0.1' });

    // Off the book, so the next tests' buys meet only their own sells (the workflow that would cancel it is gone).
    expect((await internalFetch(`${system.venueUrl}/venue/orders/${sell}/cancel`, { method: 'POST' })).status).toBe(200);
  });

  it('reaches the venue\'s truth when its reports are lost on the way: the worker\'s order sweeper finds it and the workflow asks the venue', async () => {
    const alice = await system.createAccount({ USD: '0', BTC: '1' });
    const sell = (await system.placeOrder(alice.apiKey, limit('SELL', '0.2', '30500'))).json.orderId as string;
    await system.waitForStatus(alice.apiKey, sell, 'ACCEPTED');
    await eventually('the sell resting at the venue', async () => ((await venueOrder(sell))?.status === 'OPEN' ? true : undefined));

    // The worker stops; every report the venue sends meanwhile is lost: the report consumers' group is moved past them.
    await system.worker!.stop();
    const endOf = async () => (await topicOffsets(topics.venueReports)).reduce((sum, p) => sum + BigInt(p.offset), 0n);
    const reportsBefore = await endOf();
    // A participant from outside this order system takes alice's offer at the venue.
    const taker = await internalFetch(`${system.venueUrl}/venue/orders`, {
      method: 'POST',
      body: JSON.stringify({ orderId: `market-${randomUUID()}`, accountId: `outside-${randomUUID().slice(0, 8)}`, symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.2', price: '30500', timeInForce: 'IOC', postOnly: false }),
    });
    const takerBody = await taker.text();
    expect(`${taker.status} ${takerBody}`).toMatch(/^200 /);
    expect(await venueOrder(sell)).toMatchObject({ status: 'FILLED', filledQuantity: '0.2' });
    // Both fills (alice's and the outsider's) are published; then nobody will ever deliver them.
    await eventually('the fill reports on venue-reports', async () => ((await endOf()) >= reportsBefore + 2n ? true : undefined));
    const admin = new Kafka({ clientId: 'test-lose-reports', brokers: [...loadConfig().kafka.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topics.venueReports);
      await admin.setOffsets({ groupId: orderProcessorGroups(loadConfig().kafka.prefix).venueReports, topic: topics.venueReports, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    } finally {
      await admin.disconnect();
    }
    await system.startWorker();

    // The workflow hears nothing and starts no timer ('quiet-by-sweep'); the sweeper sees the venue's fill, not in the
    // store, and signals reconcile; the workflow asks the venue, applies the fill it missed and settles both sides.
    const settled = await system.waitForStatus(alice.apiKey, sell, 'SETTLED');
    expect(settled).toMatchObject({ filledQuantity: '0.2', averagePrice: '30500' });
    const fills = (await system.request('GET', `/api/orders/${sell}/fills`, { apiKey: alice.apiKey })).json.fills as Array<{ fillId: string; fee: string }>;
    expect(fills.map((f) => f.fillId)).toEqual((await venueOrder(sell))!.fills.map((f) => f.fillId));
    const balances = await system.balances(alice.accountId);
    expect(balances.BTC).toEqual({ total: '0.8', available: '0.8', held: '0' });
    expect(balances.USD!.total).toBe(formatDecimal(d('6100') - d(fills[0]!.fee)));
    expect(await system.mongo.db.collection('order_anomalies').countDocuments({ orderId: sell })).toBe(0);
    // The fill came from asking the venue, not from a report: at most the venue's ACCEPTED arrived before the worker stopped.
    const history = (await system.temporal.workflow.getHandle(orderWorkflowId(sell)).fetchHistory()).events ?? [];
    expect(history.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === venueReportSignal.name).length).toBeLessThanOrEqual(1);
    expect(history.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'reconcileWithVenue')).toBe(true);
    const reconciles = history.flatMap((e) => (e.workflowExecutionSignaledEventAttributes?.signalName === reconcileSignal.name ? [e.workflowExecutionSignaledEventAttributes.input] : []));
    expect(reconciles.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(Buffer.from(reconciles[0]!.payloads![0]!.data!).toString())).toEqual({ requestedBy: 'order-sweeper' });
    expect(history.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
    expect(await workerMetric('oms_order_sweep_findings_total', 'finding="behind"')).toBeGreaterThanOrEqual(1);
  });

  it('reconciles every order to the venue after kill -9 of the venue while orders are in flight', async () => {
    const [alice, bob] = [await system.createAccount({ USD: '100000', BTC: '2' }), await system.createAccount({ USD: '100000', BTC: '2' })];
    const before = await sums();
    // 20 resting sells, then 40 buys: half cross them, half rest below.
    const sells = await placeAll(Array.from({ length: 20 }, (_, i) => ({ who: bob, body: limit('SELL', '0.01', `${31000 + i}`) })));
    await eventually('the sells to rest', async () => ((await system.mongo.db.collection('orders').countDocuments({ orderId: { $in: sells.map((s) => s.orderId) }, status: 'ACCEPTED' })) === 20 ? true : undefined));
    const buysPlaced = placeAll(Array.from({ length: 40 }, (_, i) => ({ who: alice, body: limit('BUY', '0.01', i % 2 === 0 ? '31100' : `${29000 + i}`) })));

    // Kill the venue as soon as the first buy traded, while the others are on their way to it.
    await eventually('a first trade', async () => ((await system.mongo.db.collection('fills').countDocuments({ accountId: alice.accountId })) > 0 ? true : undefined), 60_000, 20);
    system.venue!.kill('SIGKILL');
    await system.venue!.exited;
    const buys = await buysPlaced;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await system.startVenue();

    const all = [...sells, ...buys];
    await eventually(
      'every order to match the venue',
      async () => {
        for (const { orderId, who } of all) {
          const atVenue = await venueOrder(orderId);
          const ours = (await system.request('GET', `/api/orders/${orderId}`, { apiKey: who.apiKey })).json;
          if (atVenue === undefined || ours.status !== OMS_STATUS_OF_VENUE[atVenue.status] || ours.filledQuantity !== atVenue.filledQuantity) return undefined;
        }
        return true;
      },
      120_000,
      500,
    );
    // Every crossing buy traded once: 20 × 0.01 BTC moved from bob to alice, each fill recorded once on each side.
    expect(d((await system.balances(alice.accountId)).BTC!.total)).toBe(d('2.2'));
    expect(d((await system.balances(bob.accountId)).BTC!.total)).toBe(d('1.8'));
    for (const { orderId } of all) {
      const venueFills = (await venueOrder(orderId))!.fills.map((f) => f.fillId).sort();
      const recorded = (await system.mongo.db.collection('fills').find({ orderId }).toArray()).map((f) => f.fillId as string).sort();
      expect([orderId, recorded]).toEqual([orderId, venueFills]);
    }
    expect(await sums()).toEqual(before);
  });

  it('loses nothing and applies nothing twice through kill -9 of the risk engine and of the worker during a burst of 200 orders', async () => {
    const [alice, bob] = [await system.createAccount({ USD: '100000', BTC: '0' }), await system.createAccount({ USD: '0', BTC: '2' })];
    const before = await sums();
    // 100 sells and 100 buys of 0.01 at one price, interleaved: every order fills completely, as maker or taker.
    const plan = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? { who: bob, body: limit('SELL', '0.01', '30000') } : { who: alice, body: limit('BUY', '0.01', '30000') }));
    const placing = placeAll(plan);
    const settledCount = () => system.mongo.db.collection('orders').countDocuments({ accountId: { $in: [alice.accountId, bob.accountId] }, status: 'SETTLED' });

    await eventually('the first orders to settle', async () => ((await settledCount()) >= 10 ? true : undefined), 60_000, 20);
    system.risk!.kill('SIGKILL');
    await system.risk!.exited;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await system.startRisk();
    await eventually('more orders to settle', async () => ((await settledCount()) >= 60 ? true : undefined), 120_000, 50);
    system.worker!.kill('SIGKILL');
    await system.worker!.exited;
    const placed = await placing;
    await system.startWorker();

    await eventually('all 200 orders to settle', async () => ((await settledCount()) === 200 ? true : undefined), 180_000, 500);

    // Each order: filled once, its fees the sum of its fills' fees, its events without a repeat.
    let fees = 0n;
    for (const { orderId } of placed) {
      const order = await system.orders.get(orderId);
      const fills = await system.mongo.db.collection('fills').find({ orderId }).toArray();
      expect([orderId, order?.filledQuantity, formatDecimal(fills.reduce((sum, f) => sum + d(f.quantity as string), 0n))]).toEqual([orderId, '0.01', '0.01']);
      expect(order?.fees).toBe(formatDecimal(fills.reduce((sum, f) => sum + d(f.fee as string), 0n)));
      fees += d(order!.fees);
      const versions = (await system.orders.events(orderId)).map((e) => e.version);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
    const alicePays = await system.balances(alice.accountId);
    const bobGets = await system.balances(bob.accountId);
    expect([alicePays.BTC, bobGets.BTC]).toEqual([
      { total: '1', available: '1', held: '0' },
      { total: '1', available: '1', held: '0' },
    ]);
    // Alice paid 30000 plus her fees, bob received 30000 less his: together exactly the fees, which the fee account has.
    expect(d(alicePays.USD!.total) + d(bobGets.USD!.total) + fees).toBe(d('100000'));
    expect(alicePays.USD!.held).toBe('0');
    expect(await sums()).toEqual(before);
  });
});
