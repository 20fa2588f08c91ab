import { randomUUID } from 'node:crypto';
import { isAlive, runningPid } from '../../scripts/stack/processes';
import { serverPidFile } from '../../scripts/stack/servers/server';
import { loadStackSettings } from '../../scripts/stack/settings';
import { up } from '../../scripts/stack/stack';
import { TestSystem } from '../harness/system';

/** With Kafka down, placing an order fails with 503 and leaves no idempotency key behind. */
describe('order API when Kafka is down', () => {
  const settings = loadStackSettings();
  let system: TestSystem;
  let account: { accountId: string; apiKey: string };

  beforeAll(async () => {
    system = await TestSystem.create('pubfail');
    account = await system.createAccount({ USD: '100000', BTC: '2' });
    await system.startAll();
  }, 120_000);
  afterAll(async () => {
    await up(settings, () => undefined);
    await system?.stop();
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
