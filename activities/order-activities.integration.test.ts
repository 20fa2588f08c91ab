import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { createInternalSigner } from '../infra/http/internal-auth';
import { internalSigningSecrets } from '../infra/config';
import { RiskClient } from '../infra/http/risk-client';
import { VenueClient } from '../infra/http/venue-client';
import { createKafka } from '../infra/kafka/client';
import { KafkaEventPublisher } from '../infra/kafka/event-publisher';
import { createLogger } from '../infra/logger';
import { MongoFillStore } from '../infra/mongo/fill-store';
import { MongoOrderAnomalyStore } from '../infra/mongo/order-anomaly-store';
import { toOrderView } from '../domain/order';
import { applyOrderCommand } from '../domain/order-state-machine';
import { fromOrderSnapshot, toOrderSnapshot, type OrderSnapshot } from '../domain/order-snapshot';
import { sampleOrder } from '../test/harness/order-fixtures';
import { freePort, readTopicFrom, TestSystem, topicOffsets } from '../test/harness/system';
import { createOrderActivities, ROUTE_WITH_CHECK_WITHIN_MS, type OrderStep, type SettleFillInput, type StepsOutcome } from './order-activities';

/**
 * The risk check step (patch 'decide-with-hold') against the real risk engine, venue, Mongo and Kafka: it records its
 * decision beside the hold, and a retry never records a second, different decision for the same version. With
 * 'check-and-route' it then sends an accepted order to the venue. With 'settle-and-record' the settle step records the
 * fill, and after the last one the release and SETTLED.
 */
describe('runSteps: the check and settle steps record what they decided (real risk engine, venue, Mongo, Kafka)', () => {
  let system: TestSystem;
  let publisher: KafkaEventPublisher;
  let activities: ReturnType<typeof createOrderActivities>;

  beforeAll(async () => {
    system = await TestSystem.create('check-step');
    await Promise.all([system.startRisk(), system.startVenue()]);
    const logger = createLogger({ name: 'check-step-test', level: 'silent' });
    publisher = new KafkaEventPublisher(createKafka(system.config.kafka, logger), logger);
    await publisher.start();
    const signer = createInternalSigner({ caller: 'worker', secrets: internalSigningSecrets(system.config, 'worker') });
    activities = createOrderActivities({
      orders: system.orders,
      fills: new MongoFillStore(system.mongo.db),
      anomalies: new MongoOrderAnomalyStore(system.mongo.db),
      publisher,
      executionsTopic: system.config.kafka.topics.executions,
      risk: new RiskClient({ url: system.env.RISK_URL!, signer }),
      venue: new VenueClient({ url: system.env.VENUE_URL!, signer }),
      logger,
    });
  }, 60_000);
  afterAll(async () => {
    await publisher?.stop();
    await system?.stop();
  });

  /** One attempt of the batch NEW + check, as Temporal runs it (a retry is the same input, a later attempt). */
  const attempt = (steps: OrderStep[], number: number): Promise<StepsOutcome> => new MockActivityEnvironment({ attempt: number }).run(activities.runSteps, { steps });

  async function newOrderOf(accountId: string, at = '2026-01-01T00:00:01.000Z') {
    const order = { ...sampleOrder(randomUUID(), { quantity: '0.1', price: '30000' }), accountId };
    const steps: OrderStep[] = [
      { record: { order: toOrderView(fromOrderSnapshot(order)), previousStatus: null } },
      { check: { order, at } },
    ];
    return { order, steps };
  }

  const venue = () => new VenueClient({ url: system.env.VENUE_URL!, signer: createInternalSigner({ caller: 'worker', secrets: internalSigningSecrets(system.config, 'worker') }) });
  const withSubmit = (steps: OrderStep[]): OrderStep[] => steps.map((step) => ('check' in step ? { check: { ...step.check, submit: true } } : step));

  const usd = async (accountId: string) => (await system.accounts.getBalances(accountId))?.find((b) => b.asset === 'USD');

  it('records ACCEPTED with the hold; a repeat answers the same hold and records nothing new', async () => {
    const { accountId } = await system.createAccount({ USD: '100000' });
    const { order, steps } = await newOrderOf(accountId);
    const first = await attempt(steps, 1);
    expect(first.decision).toMatchObject({ accepted: true, hold: { asset: 'USD' } });
    const held = (await usd(accountId))?.held;
    expect(held).toMatch(/^[1-9]/);

    const again = await attempt(steps, 2);
    const amount = first.decision?.accepted === true ? first.decision.hold?.amount : undefined;
    expect(again.decision).toMatchObject({ accepted: true, hold: { asset: 'USD', amount } });
    expect((await usd(accountId))?.held).toBe(held);
    expect(await system.orders.get(order.orderId)).toMatchObject({ status: 'ACCEPTED', version: 2, updatedAt: '2026-01-01T00:00:01.000Z' });
    expect((await system.orders.events(order.orderId)).map((e) => e.status)).toEqual(['NEW', 'ACCEPTED']);
  });

  it('records NEW and the decision, and publishes NEW first, then the decision', async () => {
    const { accountId } = await system.createAccount({ USD: '100000' });
    const { order, steps } = await newOrderOf(accountId);
    const topic = system.config.kafka.topics.executions;
    const from = await topicOffsets(topic);
    const mine = (values: string[]) => values.map((value) => JSON.parse(value) as { orderId: string; status: string; version: number }).filter((e) => e.orderId === order.orderId);
    await attempt(steps, 1);
    const published = mine(await readTopicFrom(topic, from, (values) => mine(values).length >= 2));
    expect(published.map((e) => [e.version, e.status])).toEqual([
      [1, 'NEW'],
      [2, 'ACCEPTED'],
    ]);
    expect((await system.orders.events(order.orderId)).map((e) => e.status)).toEqual(['NEW', 'ACCEPTED']);
  }, 60_000);

  it('records NEW alone when the risk engine does not answer, and the retry starts after it', async () => {
    const { accountId } = await system.createAccount({ USD: '100000' });
    const { order, steps } = await newOrderOf(accountId);
    const signer = createInternalSigner({ caller: 'worker', secrets: internalSigningSecrets(system.config, 'worker') });
    const logger = createLogger({ name: 'check-step-test', level: 'silent' });
    const unreachable = createOrderActivities({
      orders: system.orders,
      fills: new MongoFillStore(system.mongo.db),
      anomalies: new MongoOrderAnomalyStore(system.mongo.db),
      publisher,
      executionsTopic: system.config.kafka.topics.executions,
      // Nothing listens there: every hold is a transport failure, which Temporal retries.
      risk: new RiskClient({ url: `http://127.0.0.1:${await freePort()}`, signer }),
      venue: new VenueClient({ url: system.env.VENUE_URL!, signer }),
      logger,
    });
    const env = new MockActivityEnvironment({ attempt: 1 });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    await expect(env.run(unreachable.runSteps, { steps })).rejects.toThrow();
    // The order is seen as NEW while its check waits; the failed attempt says NEW is done.
    expect(await system.orders.get(order.orderId)).toMatchObject({ status: 'NEW', version: 1 });
    expect((await system.orders.events(order.orderId)).map((e) => e.status)).toEqual(['NEW']);
    expect(heartbeats.at(-1)).toBe(1);

    // The risk engine is back: the retry (with that heartbeat) checks and records the decision only.
    const retried: StepsOutcome = await new MockActivityEnvironment({ attempt: 2, heartbeatDetails: 1 }).run(activities.runSteps, { steps });
    expect(retried.decision).toMatchObject({ accepted: true });
    expect(await system.orders.get(order.orderId)).toMatchObject({ status: 'ACCEPTED', version: 2 });
    expect((await system.orders.events(order.orderId)).map((e) => e.status)).toEqual(['NEW', 'ACCEPTED']);
  });

  it('keeps a recorded REJECTED when the retry would pass: the hold it placed goes back, nothing stays held', async () => {
    const { accountId } = await system.createAccount({ USD: '100000' });
    await system.accounts.setTrading(accountId, false);
    const { order, steps } = await newOrderOf(accountId);
    const refused = await attempt(steps, 1);
    expect(refused.decision).toEqual({ accepted: false, refusal: 'ACCOUNT_DISABLED' });
    expect(await system.orders.get(order.orderId)).toMatchObject({ status: 'REJECTED', rejectReason: 'ACCOUNT_DISABLED', version: 2 });

    // The worker died before its answer reached Temporal; an admin turned trading back on; Temporal retries.
    await system.accounts.setTrading(accountId, true);
    const retried = await attempt(steps, 2);
    expect(retried.decision).toEqual({ accepted: false, refusal: 'ACCOUNT_DISABLED' });
    expect((await usd(accountId))?.held).toBe('0');
    expect(Object.keys((await system.accounts.getAccount(accountId))?.holds ?? { missing: true })).toEqual([]);
    expect(await system.orders.get(order.orderId)).toMatchObject({ status: 'REJECTED', rejectReason: 'ACCOUNT_DISABLED', version: 2 });
    expect((await system.orders.events(order.orderId)).map((e) => e.status)).toEqual(['NEW', 'REJECTED']);
  });

  it('with submit (patch check-and-route), sends the order to the venue once ACCEPTED is recorded; a retry answers the order the venue has', async () => {
    const { accountId } = await system.createAccount({ USD: '100000' });
    const { order, steps } = await newOrderOf(accountId, new Date().toISOString());
    const first = await attempt(withSubmit(steps), 1);
    expect(first.decision).toMatchObject({ accepted: true });
    expect(first.venue).toMatchObject({ orderId: order.orderId, accountId, status: 'OPEN', remaining: '0.1' });
    expect(await system.orders.get(order.orderId)).toMatchObject({ status: 'ACCEPTED', version: 2 });

    // A retry (the answer was lost) does not submit: it asks the venue, which has the order from the first attempt, and
    // answers its state, so the workflow treats the order as sent (a cancel that came meanwhile goes to the venue). It is
    // there once.
    const again = await attempt(withSubmit(steps), 2);
    expect(again).toEqual({
      decision: { ...first.decision, hold: expect.objectContaining({ alreadyHeld: true }) },
      venue: expect.objectContaining({ orderId: order.orderId, status: 'OPEN', remaining: '0.1', version: first.venue?.version }),
    });
    expect(await venue().order(order.orderId)).toMatchObject({ orderId: order.orderId, status: 'OPEN', remaining: '0.1', version: first.venue?.version });
  });

  it('with submit, a retry whose earlier attempt never reached the venue answers no venue state and sends nothing', async () => {
    const { accountId } = await system.createAccount({ USD: '100000' });
    const { order, steps } = await newOrderOf(accountId, new Date().toISOString());
    // The first attempt failed before its submit (say the store did not answer); the retry finds nothing at the venue,
    // and leaves the submit to the workflow, which looks for a cancel first.
    const retried = await attempt(withSubmit(steps), 2);
    expect(retried).toEqual({ decision: expect.objectContaining({ accepted: true }) });
    expect(await system.orders.get(order.orderId)).toMatchObject({ status: 'ACCEPTED', version: 2 });
    expect(await venue().order(order.orderId)).toBeNull();
  });

  it('with submit, leaves the submit to the workflow when the check was asked too long ago (a cancel may have come)', async () => {
    const { accountId } = await system.createAccount({ USD: '100000' });
    const asked = new Date(Date.now() - ROUTE_WITH_CHECK_WITHIN_MS - 1_000).toISOString();
    const { order, steps } = await newOrderOf(accountId, asked);
    const late = await attempt(withSubmit(steps), 1);
    expect(late).toEqual({ decision: expect.objectContaining({ accepted: true }) });
    expect(await system.orders.get(order.orderId)).toMatchObject({ status: 'ACCEPTED', updatedAt: asked });
    expect(await venue().order(order.orderId)).toBeNull();
    // Retried (the answer was lost): the venue does not have the order, but the attempt before got as far as the hold,
    // so for all the retry knows it sent the order: the workflow is told, and asks again before it ends a cancel here.
    const retried = await attempt(withSubmit(steps), 2);
    expect(retried).toEqual({ decision: expect.objectContaining({ accepted: true }), mayReachVenue: true });
    expect(await venue().order(order.orderId)).toBeNull();
  });

  /**
   * An order through the check step with submit, as the workflow runs it: recorded ACCEPTED and at the venue. At 40000,
   * above the bids the tests above leave resting at 30000.
   */
  async function routed(accountId: string, side: 'BUY' | 'SELL'): Promise<OrderSnapshot> {
    const order = { ...sampleOrder(randomUUID(), { quantity: '0.1', price: '40000', side }), accountId };
    const at = new Date().toISOString();
    const steps: OrderStep[] = [{ record: { order: toOrderView(fromOrderSnapshot(order)), previousStatus: null } }, { check: { order, at, submit: true } }];
    expect(await attempt(steps, 1)).toMatchObject({ decision: { accepted: true }, venue: { orderId: order.orderId } });
    const accepted = applyOrderCommand(fromOrderSnapshot(order), { type: 'RISK_ACCEPTED', at });
    if (!accepted.ok) throw new Error(accepted.message);
    return toOrderSnapshot(accepted.order);
  }

  it('settle with recordFill (patch settle-and-record): a complete fill is settled, recorded FILLED, the hold released and SETTLED recorded; a retry changes nothing', async () => {
    const buyer = await system.createAccount({ USD: '100000' });
    const seller = await system.createAccount({ BTC: '1' });
    await routed(seller.accountId, 'SELL');
    const buy = await routed(buyer.accountId, 'BUY');
    const truth = await venue().order(buy.orderId);
    expect(truth).toMatchObject({ status: 'FILLED', fills: [expect.objectContaining({ quantity: '0.1', price: '40000' })] });
    // The venue's fill, as the workflow hands it to the settle step.
    const { fillId, tradeId, quantity, price, liquidity, contra } = truth!.fills[0]!;
    const settle: SettleFillInput = { orderId: buy.orderId, accountId: buyer.accountId, symbol: 'BTC-USD', side: 'BUY', fillId, tradeId, quantity, price, liquidity, ...(contra === undefined ? {} : { contra }) };
    const at = new Date().toISOString();
    const steps: OrderStep[] = [{ settle, recordFill: { order: buy, at } }];

    const first = await attempt(steps, 1);
    expect(first.settled).toEqual({ fee: expect.stringMatching(/^[0-9.]+$/), feeAsset: 'USD' });
    expect(first.recorded).toMatchObject({ orderId: buy.orderId, status: 'SETTLED', version: 4, filledQuantity: '0.1', averagePrice: '40000', fees: first.settled!.fee, updatedAt: at });
    expect(await system.orders.get(buy.orderId)).toEqual(first.recorded);
    const events = await system.orders.events(buy.orderId);
    expect(events.map((e) => e.status)).toEqual(['NEW', 'ACCEPTED', 'FILLED', 'SETTLED']);
    const balances = await system.accounts.getBalances(buyer.accountId);
    // Settled and released: nothing left held.
    expect(balances?.find((b) => b.asset === 'USD')).toMatchObject({ held: '0' });
    expect(balances?.find((b) => b.asset === 'BTC')).toMatchObject({ total: '0.1', held: '0' });

    // The answer was lost; Temporal runs the step again: the same settlement, the same records, nothing moves.
    const again = await attempt(steps, 2);
    expect(again).toEqual(first);
    expect((await system.orders.events(buy.orderId)).map((e) => e.status)).toEqual(['NEW', 'ACCEPTED', 'FILLED', 'SETTLED']);
    expect(await system.accounts.getBalances(buyer.accountId)).toEqual(balances);
  });

  it("with reportsInAnswer and settleArrivals (patch fills-with-submit), a taker's answer holds what it traded, the step settles and records it, and only its own reports are published marked so", async () => {
    const topic = system.config.kafka.topics.venueReports;
    const reportsFrom = await topicOffsets(topic);
    const buyer = await system.createAccount({ USD: '100000' });
    const seller = await system.createAccount({ BTC: '1' });
    const sell = await routed(seller.accountId, 'SELL');
    const order = { ...sampleOrder(randomUUID(), { quantity: '0.1', price: '40000', side: 'BUY' }), accountId: buyer.accountId };
    const at = new Date().toISOString();
    const steps: OrderStep[] = [{ record: { order: toOrderView(fromOrderSnapshot(order)), previousStatus: null } }, { check: { order, at, submit: true, reportsInAnswer: true, settleArrivals: true } }];
    const outcome = await attempt(steps, 1);
    expect(outcome.venue).toMatchObject({ orderId: order.orderId, status: 'FILLED', version: 2, fills: [expect.objectContaining({ version: 2, quantity: '0.1', price: '40000', liquidity: 'TAKER' })] });
    // Settled at the risk engine (the fee it charged) and recorded through SETTLED, the hold released: ACCEPTED at the
    // check's time, the fill, FILLED and SETTLED at the time the answer came, which is never before the venue's fill.
    const { fillId, occurredAt } = outcome.venue!.fills[0]!;
    expect(outcome.arrivals).toEqual([{ fillId, fee: expect.stringMatching(/^[0-9.]+$/), feeAsset: 'USD', at: expect.any(String), version: 4, status: 'SETTLED' }]);
    const arrivedAt = outcome.arrivals![0]!.at!;
    expect(Date.parse(arrivedAt)).toBeGreaterThanOrEqual(Math.max(Date.parse(occurredAt), Date.parse(at)));
    expect(await system.orders.get(order.orderId)).toMatchObject({ status: 'SETTLED', version: 4, filledQuantity: '0.1', averagePrice: '40000', fees: outcome.arrivals![0]!.fee, updatedAt: arrivedAt });
    const trail = await system.orders.events(order.orderId);
    expect(trail.map((e) => e.status)).toEqual(['NEW', 'ACCEPTED', 'FILLED', 'SETTLED']);
    expect(trail.map((e) => e.order.updatedAt)).toEqual([expect.any(String), at, arrivedAt, arrivedAt]);
    expect(await new MongoFillStore(system.mongo.db).forOrder(buyer.accountId, order.orderId)).toEqual([expect.objectContaining({ fillId, executedAt: arrivedAt })]);
    const balances = await system.accounts.getBalances(buyer.accountId);
    expect(balances?.find((b) => b.asset === 'USD')).toMatchObject({ held: '0' });
    expect(balances?.find((b) => b.asset === 'BTC')).toMatchObject({ total: '0.1', held: '0' });
    // A retry (the answer was lost) asks the venue first, which has the order: so the attempt before recorded ACCEPTED
    // and may have settled and released. The retry asks for no hold (one placed again would hold the buyer's funds for
    // a settled order, or be refused with them spent) and settles nothing: the workflow's settle steps would, each
    // settlement answered as the first.
    const again = await attempt(steps, 2);
    expect(again).toEqual({ decision: { accepted: true }, venue: expect.objectContaining({ orderId: order.orderId, status: 'FILLED' }) });
    expect(await system.accounts.getBalances(buyer.accountId)).toEqual(balances);
    expect((await system.orders.events(order.orderId)).map((e) => e.status)).toEqual(['NEW', 'ACCEPTED', 'FILLED', 'SETTLED']);

    const ours = (values: string[]) =>
      values.map((value) => JSON.parse(value) as { orderId: string; version: number; report: { type: string }; inSubmitAnswer?: boolean }).filter((r) => r.orderId === order.orderId || r.orderId === sell.orderId);
    const reports = ours(await readTopicFrom(topic, reportsFrom, (values) => ours(values).length >= 4));
    const of = (orderId: string) => reports.filter((r) => r.orderId === orderId).map((r) => [r.version, r.report.type, r.inSubmitAnswer ?? false]);
    expect(of(order.orderId)).toEqual([
      [1, 'ACCEPTED', true],
      [2, 'FILL', true],
    ]);
    // The maker's fill is news to its own workflow: a signal brings it.
    expect(of(sell.orderId)).toEqual([
      [1, 'ACCEPTED', false],
      [2, 'FILL', false],
    ]);
  }, 45_000);

  it('with submit, a refused order never reaches the venue', async () => {
    const { accountId } = await system.createAccount({ USD: '100000' });
    await system.accounts.setTrading(accountId, false);
    const { order, steps } = await newOrderOf(accountId, new Date().toISOString());
    const refused = await attempt(withSubmit(steps), 1);
    expect(refused).toEqual({ decision: { accepted: false, refusal: 'ACCOUNT_DISABLED' } });
    expect(await venue().order(order.orderId)).toBeNull();
  });
});
