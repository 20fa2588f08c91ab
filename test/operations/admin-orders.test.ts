import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import { COLLECTIONS } from '../../infra/mongo/client';
import { dlqTopic } from '../../infra/kafka/topics';
import { orderProcessorGroups } from '../../workers/order-processor-group';
import { orderWorkflowId, reconcileSignal } from '../../workflows/order-contract';
import { internalFetch } from '../harness/internal-calls';
import { eventually } from '../harness/processes';
import { readTopicFrom, TestSystem, topicOffsets } from '../harness/system';

jest.setTimeout(180_000);

type Account = { accountId: string; apiKey: string; keyId: string };
type Letter = { partition: number; offset: string; reason: string | null; headers: Record<string, string>; payloadPreview: string; replayed: boolean };

/** The admin's order operations against the real system: stuck orders, reconcile, dead letters, and why orders end. */
describe('admin order operations', () => {
  const config = loadConfig();
  const { topics } = config.kafka;
  let system: TestSystem;
  let admin: Account;
  let trader: Account;
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    // Workflows never poll the venue by themselves within the test: only the reconcile route makes them ask.
    system = await TestSystem.create('admin-orders', {
      env: { ORDER_RECONCILE_QUIET_SECONDS: '600', ORDER_RECONCILE_MAX_QUIET_SECONDS: '600', ORDER_RECONCILE_GAP_GRACE_SECONDS: '600' },
    });
    admin = await system.createAccount({}, { role: 'admin' });
    trader = await system.createAccount({ USD: '100000', BTC: '2' });
    kafka = new Kafka({ clientId: 'test-admin-orders', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await system.startAll();
  }, 120_000);
  afterAll(async () => {
    await producer?.disconnect();
    await system?.stop();
  }, 60_000);

  const limit = (side: 'BUY' | 'SELL', quantity: string, price: string, extra: Record<string, unknown> = {}) => ({ symbol: 'BTC-USD', side, type: 'LIMIT', quantity, price, timeInForce: 'GTC', ...extra });
  const place = async (who: Account, body: unknown): Promise<string> => {
    const answer = await system.placeOrder(who.apiKey, body);
    expect(answer.status).toBe(202);
    return answer.json.orderId as string;
  };
  const asAdmin = (method: string, path: string, body?: unknown, apiKey = admin.apiKey) => system.request(method, path, { apiKey, ...(body === undefined ? {} : { body }) });
  const audit = () => system.mongo.db.collection(COLLECTIONS.adminAudit);
  const venueOrder = async (orderId: string) => {
    const response = await internalFetch(`${system.venueUrl}/venue/orders/${orderId}`);
    return response.status === 200 ? ((await response.json()) as { status: string; filledQuantity: string }) : undefined;
  };

  it('lists an order whose worker is stopped as stuck, then reconcile makes the fill whose report was lost appear', async () => {
    const seller = await system.createAccount({ USD: '0', BTC: '1' });
    const sell = await place(seller, limit('SELL', '0.2', '30500'));
    await system.waitForStatus(seller.apiKey, sell, 'ACCEPTED');
    await eventually('the sell resting at the venue', async () => ((await venueOrder(sell))?.status === 'OPEN' ? true : undefined));

    await system.worker!.stop();
    try {
      await stuckAndLostFill(seller, sell);
    } finally {
      // The other tests need a worker, whatever happened here.
      await system.startWorker();
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await system.request('GET', `/api/orders/${sell}`, { apiKey: seller.apiKey })).json.status).toBe('ACCEPTED');

    const reconciled = await asAdmin('POST', `/api/admin/orders/${sell}/reconcile`);
    expect(reconciled.status).toBe(202);
    expect(reconciled.json).toEqual({ orderId: sell, workflowId: orderWorkflowId(sell), status: 'ACCEPTED', reconcileRequested: true });
    expect(await system.waitForStatus(seller.apiKey, sell, 'SETTLED', 20_000)).toMatchObject({ filledQuantity: '0.2', averagePrice: '30500' });
    const history = (await system.temporal.workflow.getHandle(orderWorkflowId(sell)).fetchHistory()).events ?? [];
    expect(history.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === reconcileSignal.name)).toBe(true);
    expect(await audit().findOne({ action: 'order.reconcile', 'target.orderId': sell })).toMatchObject({
      actor: { accountId: admin.accountId, keyId: admin.keyId },
      target: { orderId: sell, accountId: seller.accountId },
      outcome: 'done',
    });

    // Finished now: a reconcile is refused with a code, and audited as refused.
    const again = await asAdmin('POST', `/api/admin/orders/${sell}/reconcile`);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('ORDER_TERMINAL');
    expect(await audit().findOne({ action: 'order.reconcile', 'target.orderId': sell, outcome: 'refused' })).not.toBeNull();
  });

  /** With the worker stopped: the order is listed as stuck; an outsider takes it at the venue and its reports are lost. */
  async function stuckAndLostFill(seller: Account, sell: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stuck = await asAdmin('GET', '/api/admin/orders/stuck?olderThanSeconds=1&limit=500');
    expect(stuck.status).toBe(200);
    expect(stuck.json.olderThanSeconds).toBe(1);
    expect(stuck.json.orders).toContainEqual({
      orderId: sell,
      accountId: seller.accountId,
      symbol: 'BTC-USD',
      status: 'ACCEPTED',
      lastTransitionAt: expect.any(String),
      secondsSinceTransition: expect.any(Number),
      workflowId: orderWorkflowId(sell),
      resting: true,
    });
    // A long threshold leaves it out.
    const recent = await asAdmin('GET', '/api/admin/orders/stuck?olderThanSeconds=3600');
    expect(recent.json.orders.map((o: { orderId: string }) => o.orderId)).not.toContain(sell);

    // While the worker is down an outsider takes the offer at the venue; its reports are lost (the group skips them).
    const taker = await internalFetch(`${system.venueUrl}/venue/orders`, {
      method: 'POST',
      body: JSON.stringify({ orderId: `market-${randomUUID()}`, accountId: `outside-${randomUUID().slice(0, 8)}`, symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.2', price: '30500', timeInForce: 'IOC', postOnly: false }),
    });
    expect(taker.status).toBe(200);
    expect(await venueOrder(sell)).toMatchObject({ status: 'FILLED', filledQuantity: '0.2' });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the venue's outbox publishes the reports
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    try {
      const ends = await kafkaAdmin.fetchTopicOffsets(topics.venueReports);
      await kafkaAdmin.setOffsets({ groupId: orderProcessorGroups(config.kafka.prefix).venueReports, topic: topics.venueReports, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    } finally {
      await kafkaAdmin.disconnect();
    }
  }

  it('refuses bad input to the stuck and reconcile routes with 400/404 and a code', async () => {
    for (const query of ['olderThanSeconds=0', 'olderThanSeconds=abc', 'olderThanSeconds=99999999', 'olderThanSeconds=-5', 'limit=0', 'limit=501', 'olderThanSeconds=1.5']) {
      const answer = await asAdmin('GET', `/api/admin/orders/stuck?${query}`);
      expect([query, answer.status, answer.json?.error?.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
    }
    const unknown = await asAdmin('POST', `/api/admin/orders/${randomUUID()}/reconcile`);
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'ORDER_NOT_FOUND']);
    const badId = await asAdmin('POST', `/api/admin/orders/${encodeURIComponent('not an id!')}/reconcile`);
    expect([badId.status, badId.json.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('answers 403 FORBIDDEN to a trader key on every route, and records nothing', async () => {
    const before = await audit().countDocuments({});
    const order = await place(trader, limit('BUY', '0.01', '20000'));
    for (const [method, path] of [
      ['GET', '/api/admin/orders/stuck'],
      ['POST', `/api/admin/orders/${order}/reconcile`],
      ['GET', '/api/admin/dlq/orders'],
      ['POST', '/api/admin/dlq/orders/replay'],
    ] as const) {
      const answer = await asAdmin(method, path, method === 'POST' ? {} : undefined, trader.apiKey);
      expect([path, answer.status, answer.json?.error?.code]).toEqual([path, 403, 'FORBIDDEN']);
    }
    expect(await audit().countDocuments({})).toBe(before);
  });

  it('reads the dead letters of the market price topics but never replays them: 403 REPLAY_NOT_ALLOWED, and nothing moves', async () => {
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    try {
      for (const name of ['prices', 'price-feeds']) {
        const dlq = `${config.kafka.prefix}${name}.dlq`;
        const watermark = () => kafkaAdmin.fetchOffsets({ groupId: `${config.kafka.prefix}dlq-replay`, topics: [dlq] });
        const before = await watermark();
        const listed = await asAdmin('GET', `/api/admin/dlq/${name}?limit=5`);
        expect([name, listed.status]).toEqual([name, 200]);
        const replay = await asAdmin('POST', `/api/admin/dlq/${name}/replay`, {});
        expect([name, replay.status, replay.json.error.code, replay.json.error.details]).toEqual([name, 403, 'REPLAY_NOT_ALLOWED', { topic: name, replayable: ['orders', 'executions', 'venue-reports'] }]);
        expect(await watermark()).toEqual(before);
      }
    } finally {
      await kafkaAdmin.disconnect();
    }
  });

  it('shows a poison message in the DLQ, replays it to its topic once (a letter below the watermark never again)', async () => {
    const marker = randomUUID();
    await producer.send({ topic: topics.orders, acks: -1, messages: [{ key: marker, value: `{"not": "an order", "marker": "${marker}"}` }] });
    const findLetters = async (predicate: (l: Letter) => boolean): Promise<Letter[] | undefined> => {
      const page = await asAdmin('GET', '/api/admin/dlq/orders?limit=500');
      expect(page.status).toBe(200);
      const found = (page.json.letters as Letter[]).filter(predicate);
      return found.length > 0 ? found : undefined;
    };
    const [letter] = await eventually('the poison letter in orders.dlq', () => findLetters((l) => l.payloadPreview.includes(marker) && l.headers['dlq-replayed-from'] === undefined), 60_000, 500);
    expect(letter).toMatchObject({ replayed: false, reason: expect.stringContaining('schema validation failed') });
    expect(letter!.headers['dlq-original-topic']).toBe(topics.orders);

    // One partition's page from the letter's offset starts with it.
    const page = await asAdmin('GET', `/api/admin/dlq/orders?partition=${letter!.partition}&fromOffset=${letter!.offset}&limit=1`);
    expect(page.json).toMatchObject({ topic: 'orders', dlqTopic: dlqTopic(topics.orders), letters: [{ partition: letter!.partition, offset: letter!.offset }] });

    const replay = await asAdmin('POST', '/api/admin/dlq/orders/replay', { partition: letter!.partition, toOffset: letter!.offset });
    expect(replay.status).toBe(200);
    expect(replay.json.count).toBeGreaterThanOrEqual(1);
    expect(replay.json.replayed).toEqual([expect.objectContaining({ partition: letter!.partition, toOffset: letter!.offset })]);
    expect(replay.json.partitions.find((p: { partition: number }) => p.partition === letter!.partition).replayedUpTo).toBe(String(BigInt(letter!.offset) + 1n));
    expect(await audit().findOne({ action: 'dlq.replay', 'target.topic': 'orders', outcome: 'done', 'parameters.toOffset': letter!.offset })).toMatchObject({
      actor: { keyId: admin.keyId },
      details: { count: replay.json.count },
    });

    // Re-driven: the orders consumer read it again (still not an order) and dead-lettered it with where it came from.
    const source = `${dlqTopic(topics.orders)}:${letter!.partition}:${letter!.offset}`;
    await eventually('the replayed letter back in the DLQ', () => findLetters((l) => l.headers['dlq-replayed-from'] === source), 60_000, 500);
    expect(await findLetters((l) => l.partition === letter!.partition && l.offset === letter!.offset && l.replayed)).toHaveLength(1);

    // The same range again replays nothing.
    const twice = await asAdmin('POST', '/api/admin/dlq/orders/replay', { partition: letter!.partition, toOffset: letter!.offset });
    expect(twice.status).toBe(200);
    expect(twice.json).toMatchObject({ count: 0, replayed: [] });
  });

  it('answers a burst of concurrent replays 200, or 503 SERVICE_UNAVAILABLE with Retry-After; every letter goes out once; a retry succeeds', async () => {
    const marker = randomUUID();
    const poison = 5;
    await producer.send({ topic: topics.orders, acks: -1, messages: Array.from({ length: poison }, (_, i) => ({ key: `${marker}-${i}`, value: `{"not": "an order", "marker": "${marker}", "i": ${i}}` })) });
    const mine = await eventually(
      'the poison letters in orders.dlq',
      async () => {
        const page = await asAdmin('GET', '/api/admin/dlq/orders?limit=500');
        const found = (page.json?.letters as Letter[] | undefined)?.filter((l) => l.payloadPreview.includes(marker) && l.headers['dlq-replayed-from'] === undefined) ?? [];
        return found.length === poison ? found : undefined;
      },
      60_000,
      500,
    );
    const from = await topicOffsets(topics.orders);

    // One replay runs, four may wait (each at most API_DEPENDENCY_TIMEOUT_MS), the others are refused at once.
    const answers = await Promise.all(Array.from({ length: 12 }, () => asAdmin('POST', '/api/admin/dlq/orders/replay', { limit: 1_000 })));
    const done = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    for (const answer of refused) expect([answer.status, answer.json?.error?.code, answer.headers.get('retry-after')]).toEqual([503, 'SERVICE_UNAVAILABLE', '2']);
    expect(done.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    // Each refusal is audited as refused: it sent nothing.
    for (const answer of refused) {
      expect(await audit().findOne({ action: 'dlq.replay', requestId: answer.json.error.requestId })).toMatchObject({ outcome: 'refused', details: { error: expect.stringContaining('another replay') } });
    }

    // A retry after Retry-After finds the slot free.
    await new Promise((resolve) => setTimeout(resolve, Number(refused[0]!.headers.get('retry-after')) * 1_000));
    const retry = await asAdmin('POST', '/api/admin/dlq/orders/replay', { limit: 1_000 });
    expect(retry.status).toBe(200);

    // What went back to the source topic: each letter once, as many as the 200 answers counted.
    const sources = await replayedFrom(from, await topicOffsets(topics.orders));
    expect(sources.length).toBe([...done, retry].reduce((sum, a) => sum + (a.json.count as number), 0));
    expect(new Set(sources).size).toBe(sources.length);
    const dlq = dlqTopic(topics.orders);
    for (const letter of mine) expect([letter.offset, sources.filter((s) => s === `${dlq}:${letter.partition}:${letter.offset}`).length]).toEqual([letter.offset, 1]);
  });

  /** The dlq-replayed-from header of every message of the orders topic between two sets of offsets. */
  async function replayedFrom(from: Array<{ partition: number; offset: string }>, to: Array<{ partition: number; offset: string }>): Promise<string[]> {
    const consumer = kafka.consumer({ groupId: `${config.kafka.prefix}test-replayed-${randomUUID()}` });
    const sources: string[] = [];
    const last = new Map<number, bigint>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: topics.orders, fromBeginning: false });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (BigInt(message.offset) >= BigInt(to.find((p) => p.partition === partition)?.offset ?? '0')) return;
          const header = message.headers?.['dlq-replayed-from'];
          if (header !== undefined) sources.push(header.toString());
          last.set(partition, BigInt(message.offset));
        },
      });
      for (const { partition, offset } of from) consumer.seek({ topic: topics.orders, partition, offset });
      const read = () => to.every(({ partition, offset }) => BigInt(offset) <= BigInt(from.find((p) => p.partition === partition)?.offset ?? '0') || (last.get(partition) ?? -1n) >= BigInt(offset) - 1n);
      await eventually('the orders topic read to where the replays ended', async () => (read() ? true : undefined), 30_000, 200);
    } finally {
      await consumer.disconnect();
    }
    return sources;
  }

  it('documents the routes in /openapi.json under the admin tag, with their constraints', async () => {
    const doc = (await system.request('GET', '/openapi.json')).json;
    const operations = [
      doc.paths['/api/admin/orders/stuck'].get,
      doc.paths['/api/admin/orders/{orderId}/reconcile'].post,
      doc.paths['/api/admin/dlq/{topic}'].get,
      doc.paths['/api/admin/dlq/{topic}/replay'].post,
    ];
    for (const operation of operations) {
      expect(operation.tags).toEqual(['admin']);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '401', '403']));
    }
    const parameter = (operation: { parameters: Array<{ name: string; schema: unknown }> }, name: string) => operation.parameters.find((p) => p.name === name)?.schema;
    expect(parameter(operations[0], 'olderThanSeconds')).toMatchObject({ type: 'integer', minimum: 1, default: 60 });
    expect(parameter(operations[2], 'topic')).toMatchObject({ enum: ['orders', 'executions', 'venue-reports', 'price-feeds', 'prices'] });
  });

  it('refuses bad input to the DLQ routes with 400 VALIDATION_FAILED', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/admin/dlq/no-such-topic', undefined],
      ['GET', '/api/admin/dlq/orders.dlq', undefined],
      ['GET', '/api/admin/dlq/orders?limit=0', undefined],
      ['GET', '/api/admin/dlq/orders?partition=99', undefined],
      ['GET', '/api/admin/dlq/orders?fromOffset=-1', undefined],
      ['POST', '/api/admin/dlq/no-such-topic/replay', {}],
      ['POST', '/api/admin/dlq/orders/replay', { toOffset: '5' }],
      ['POST', '/api/admin/dlq/orders/replay', { partition: 0, toOffset: 'x' }],
      ['POST', '/api/admin/dlq/orders/replay', { limit: 0 }],
      ['POST', '/api/admin/dlq/orders/replay', { what: 1 }],
      ['POST', '/api/admin/dlq/orders/replay', { partition: 99 }],
      ['POST', '/api/admin/dlq/orders/replay', { partition: '0' }],
      ['POST', '/api/admin/dlq/orders/replay', { limit: 1.5 }],
    ] as const) {
      const answer = await asAdmin(method, path, body);
      expect([path, JSON.stringify(body), answer.status, answer.json?.error?.code]).toEqual([path, JSON.stringify(body), 400, 'VALIDATION_FAILED']);
    }
    const malformed = await system.request('POST', '/api/admin/dlq/orders/replay', { apiKey: admin.apiKey, rawBody: '{"partition":' });
    expect([malformed.status, malformed.json.error.code]).toEqual([400, 'MALFORMED_JSON']);
  });

  it('says why orders ended: an IOC remainder EXPIRED IOC_REMAINDER (API and executions), a trader cancel CANCELLED USER_CANCELLED', async () => {
    const maker = await system.createAccount({ USD: '0', BTC: '1' });
    const from = await topicOffsets(topics.executions);
    const sell = await place(maker, limit('SELL', '0.05', '30000'));
    await system.waitForStatus(maker.apiKey, sell, 'ACCEPTED');
    const ioc = await place(trader, limit('BUY', '0.1', '30000', { timeInForce: 'IOC' }));
    expect(await system.waitForStatus(trader.apiKey, ioc, 'EXPIRED')).toMatchObject({ filledQuantity: '0.05', statusReason: 'IOC_REMAINDER' });
    const events = await readTopicFrom(topics.executions, from, (values) => values.some((v) => v.includes(ioc) && v.includes('"EXPIRED"')));
    const expired = events.map((v) => JSON.parse(v)).find((e) => e.orderId === ioc && e.status === 'EXPIRED');
    expect(expired).toMatchObject({ reason: 'IOC_REMAINDER', order: { statusReason: 'IOC_REMAINDER' } });

    const resting = await place(trader, limit('BUY', '0.01', '20000'));
    await system.waitForStatus(trader.apiKey, resting, 'ACCEPTED');
    expect((await system.request('GET', `/api/orders/${resting}`, { apiKey: trader.apiKey })).json.statusReason).toBeNull();
    expect((await system.request('DELETE', `/api/orders/${resting}`, { apiKey: trader.apiKey })).status).toBe(202);
    expect(await system.waitForStatus(trader.apiKey, resting, 'CANCELLED')).toMatchObject({ statusReason: 'USER_CANCELLED', filledQuantity: '0' });
  });
});
