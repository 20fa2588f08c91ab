import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../infra/config';
import { MongoAccountStore } from '../infra/mongo/account-store';
import { connectMongo } from '../infra/mongo/client';
import { startSystemProcess, waitForOutput, type SystemProcess } from '../test/harness/processes';
import { freePort } from '../test/harness/system';

describe('the risk engine process (workers/risk.ts)', () => {
  const dbName = `test_risk_process_${randomUUID().slice(0, 8)}`;
  let mongo: { client: MongoClient; db: Db } | undefined;
  let proc: SystemProcess | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    mongo = await connectMongo({ url: loadConfig().mongo.url, db: dbName });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    proc = startSystemProcess('risk', 'workers/risk.ts', { RISK_PORT: String(port), MONGO_DB: dbName, OMS_ENV: 'test' });
    await waitForOutput(proc, 'risk.ready');
  });
  afterAll(async () => {
    await proc?.stop();
    if (mongo === undefined) return;
    await mongo.db.dropDatabase();
    await mongo.client.close();
  });

  it('serves over HTTP on its configured port, then stops cleanly on SIGTERM', async () => {
    expect(await (await fetch(`${baseUrl}/ready`)).json()).toMatchObject({ status: 'ready' });
    const openapi = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain('/risk/orders/{orderId}/hold');

    await new MongoAccountStore(mongo!.db).createAccount({ accountId: 'p-1', name: 'P', balances: { USD: 1000n * 10n ** 18n } });
    const hold = await fetch(`${baseUrl}/risk/orders/o-1/hold`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ accountId: 'p-1', symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '10000' }),
    });
    expect(await hold.json()).toEqual({ orderId: 'o-1', asset: 'USD', amount: '100.2', alreadyHeld: false });
    expect(await (await fetch(`${baseUrl}/risk/accounts/p-1/balances`)).json()).toEqual([{ asset: 'USD', total: '1000', available: '899.8', held: '100.2' }]);

    expect(await proc!.stop()).toBe(0);
    expect(proc!.output()).toContain('shutdown.done');
  });
});
