import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../infra/config';
import { ensureTopics } from '../../infra/kafka/topics';
import { isAlive, runningPid } from '../../scripts/stack/processes';
import { serverPidFile } from '../../scripts/stack/servers/server';
import type { StackSettings } from '../../scripts/stack/settings';
import { up } from '../../scripts/stack/stack';
import { startPrivateStack, type PrivateStack } from '../harness/private-stack';
import { TestSystem } from '../harness/system';

/**
 * With Kafka down, placing an order fails with 503 and leaves no idempotency key behind. The system under test uses a
 * Kafka broker of its own, which the test kills: the shared one stays up for `npm start` and the other tests.
 */
describe('order API when Kafka is down', () => {
  let kafkaStack: PrivateStack;
  let settings: StackSettings;
  let system: TestSystem;
  let account: { accountId: string; apiKey: string };

  beforeAll(async () => {
    kafkaStack = await startPrivateStack(['kafka']);
    settings = kafkaStack.settings;
    const broker = `127.0.0.1:${settings.ports.kafka}`;
    // The run's topics (its KAFKA_PREFIX) on this broker too.
    const admin = new Kafka({ clientId: 'pubfail-setup', brokers: [broker], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await ensureTopics(admin, loadConfig().kafka.topics);
    } finally {
      await admin.disconnect();
    }
    system = await TestSystem.create('pubfail', { env: { KAFKA_BROKERS: broker } });
    account = await system.createAccount({ USD: '100000', BTC: '2' });
    await system.startAll();
  }, 240_000);
  afterAll(async () => {
    await system?.stop();
    await kafkaStack?.remove();
  }, 180_000);

  it('answers 503 without storing the key, so the same key works once Kafka is back', async () => {
    const kafkaPid = runningPid(serverPidFile(settings, 'kafka'));
    expect(kafkaPid).toBeDefined();
    process.kill(kafkaPid!, 'SIGKILL');
    while (isAlive(kafkaPid!)) await new Promise((r) => setTimeout(r, 50));

    const key = randomUUID();
    const order = { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.1', price: '30000' };
    const failed = await system.placeOrder(account.apiKey, order, key);
    expect(failed.status).toBe(503);
    expect(failed.json.error.code).toBe('SERVICE_UNAVAILABLE');
    const ready = await system.request('GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.dependencies.kafka.ok).toBe(false);

    await up(settings, () => undefined, ['kafka']);
    // A different body with the same key is accepted: nothing of the failed attempt was kept.
    const retried = await system.placeOrder(account.apiKey, { ...order, quantity: '0.2' }, key);
    expect(retried.status).toBe(202);
    const accepted = await system.waitForStatus(account.apiKey, retried.json.orderId as string, 'ACCEPTED', 60_000);
    expect(accepted.quantity).toBe('0.2');
    expect((await system.request('GET', '/ready')).status).toBe(200);
  }, 180_000);
});
