import type { Redis } from 'ioredis';
import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { pricesRedisKey } from '../domain/market-events';
import { loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { MongoAccountStore } from '../infra/mongo/account-store';
import { connectMongo } from '../infra/mongo/client';
import { createRedis } from '../infra/redis/client';
import { startSystemProcess, waitForOutput, type SystemProcess } from '../test/harness/processes';
import { freePort } from '../test/harness/system';
import { priceUpdate } from '../test/harness/prices';
import { internalFetch } from '../test/harness/internal-calls';

describe('the risk engine process (workers/risk.ts)', () => {
  const dbName = `test_risk_process_${randomUUID().slice(0, 8)}`;
  let mongo: { client: MongoClient; db: Db } | undefined;
  let redis: Redis | undefined;
  let proc: SystemProcess | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    mongo = await connectMongo({ url: loadConfig().mongo.url, db: dbName });
    redis = createRedis(loadConfig().redis, createLogger({ name: 'risk-process-test', level: 'silent' }));
    // Only in Redis, as the market data service leaves it: the process must know it as soon as it is ready.
    await redis.set(pricesRedisKey('BTC-USD'), JSON.stringify(priceUpdate('BTC-USD', '10000')));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    proc = startSystemProcess('risk', 'workers/risk.ts', { RISK_PORT: String(port), MONGO_DB: dbName, OMS_ENV: 'test' });
    await waitForOutput(proc, 'risk.ready');
  }, 30_000);
  afterAll(async () => {
    await proc?.stop();
    await redis?.del(pricesRedisKey('BTC-USD'));
    await redis?.quit();
    if (mongo === undefined) return;
    await mongo.db.dropDatabase();
    await mongo.client.close();
  });

  const hold = (orderId: string, body: Record<string, unknown>) =>
    internalFetch(`${baseUrl}/risk/orders/${orderId}/hold`, { method: 'POST', body: JSON.stringify(body) });

  it('serves over HTTP on its configured port, prices MARKET orders from the mark it found in Redis, then stops cleanly on SIGTERM', async () => {
    expect(await (await fetch(`${baseUrl}/ready`)).json()).toMatchObject({ status: 'ready' });
    const openapi = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/risk/orders/{orderId}/hold', '/risk/accounts/{accountId}/positions']));

    await new MongoAccountStore(mongo!.db).createAccount({ accountId: 'p-1', name: 'P', balances: { USD: 1000n * 10n ** 18n } });
    const limit = await hold('o-1', { accountId: 'p-1', symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '10000' });
    expect(await limit.json()).toEqual({ orderId: 'o-1', asset: 'USD', amount: '100.2', alreadyHeld: false, protectionPrice: null });
    // 10000 + 2 % = 10200; 0.01 × 10200 = 102, + 0.2 % taker fee.
    const market = await hold('o-2', { accountId: 'p-1', symbol: 'BTC-USD', side: 'BUY', type: 'MARKET', quantity: '0.01', price: null });
    expect(await market.json()).toEqual({ orderId: 'o-2', asset: 'USD', amount: '102.204', alreadyHeld: false, protectionPrice: '10200' });
    const outOfBand = await hold('o-3', { accountId: 'p-1', symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '8999.99' });
    expect(outOfBand.status).toBe(422);
    expect(((await outOfBand.json()) as { error: { code: string } }).error.code).toBe('PRICE_OUT_OF_BAND');
    expect(await (await internalFetch(`${baseUrl}/risk/accounts/p-1/balances`)).json()).toEqual([{ asset: 'USD', total: '1000', available: '797.596', held: '202.404' }]);

    expect(await proc!.stop()).toBe(0);
    expect(proc!.output()).toContain('shutdown.done');
  });
});
