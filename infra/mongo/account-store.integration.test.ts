import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../../domain/decimal';
import { loadConfig } from '../config';
import { MongoAccountStore } from './account-store';
import { COLLECTIONS, connectMongo, ensureIndexes } from './client';

const d = parseDecimal;

describe('MongoAccountStore (real store)', () => {
  const dbName = `test_${randomUUID().slice(0, 8)}`;
  let client: MongoClient | undefined;
  let db: Db;
  let store: MongoAccountStore;

  beforeAll(async () => {
    ({ client, db } = await connectMongo({ url: loadConfig().mongo.url, db: dbName }));
    await ensureIndexes(db);
    store = new MongoAccountStore(db);
  });
  afterAll(async () => {
    // Guarded: when connecting failed, the connection error is the one worth reading.
    if (client === undefined) return;
    await db.dropDatabase();
    await client.close();
  });

  const rawAccount = (accountId: string) => db.collection(COLLECTIONS.accounts).findOne({ _id: accountId as never });

  it('creates an account once; a second create leaves it untouched', async () => {
    expect(await store.createAccount({ accountId: 'a-create', name: 'A', balances: { USD: d('100.5'), BTC: d('0.00000001') } })).toEqual({ created: true });
    expect(await store.createAccount({ accountId: 'a-create', name: 'changed', balances: { USD: d('1') } })).toEqual({ created: false });

    expect(await store.getBalances('a-create')).toEqual([
      { asset: 'BTC', total: '0.00000001', available: '0.00000001', held: '0' },
      { asset: 'USD', total: '100.5', available: '100.5', held: '0' },
    ]);
    expect(await rawAccount('a-create')).toMatchObject({ name: 'A', holds: {}, version: 1, balances: { USD: { total: '100.5', held: '0' } } });
    expect(await store.getBalances('missing')).toBeNull();
  });

  it('refuses a hold larger than the available balance and changes nothing', async () => {
    await store.createAccount({ accountId: 'a-poor', name: 'Poor', balances: { USD: d('10') } });
    await store.placeHold({ accountId: 'a-poor', orderId: 'o-1', asset: 'USD', amount: d('4') });
    const before = await rawAccount('a-poor');

    expect(await store.placeHold({ accountId: 'a-poor', orderId: 'o-2', asset: 'USD', amount: d('6.000000000000000001') })).toEqual({
      ok: false,
      code: 'INSUFFICIENT_BALANCE',
      available: '6',
      required: '6.000000000000000001',
    });
    expect(await store.placeHold({ accountId: 'a-poor', orderId: 'o-3', asset: 'ETH', amount: d('1') })).toMatchObject({
      ok: false,
      code: 'INSUFFICIENT_BALANCE',
      available: '0',
    });
    expect(await rawAccount('a-poor')).toEqual(before);
  });

  it('reports a missing account as NOT_FOUND', async () => {
    expect(await store.placeHold({ accountId: 'nobody', orderId: 'o-1', asset: 'USD', amount: d('1') })).toEqual({
      ok: false,
      code: 'NOT_FOUND',
      available: '0',
      required: '1',
    });
    expect(await store.releaseHold({ accountId: 'nobody', orderId: 'o-1' })).toEqual({ released: false });
  });

  it('places a hold once per orderId, however often it is asked', async () => {
    await store.createAccount({ accountId: 'a-idem', name: 'Idem', balances: { USD: d('100') } });
    const hold = { accountId: 'a-idem', orderId: 'o-1', asset: 'USD', amount: d('40') };
    expect(await store.placeHold(hold)).toEqual({ ok: true, alreadyHeld: false });
    expect(await store.placeHold(hold)).toEqual({ ok: true, alreadyHeld: true });
    // A retry that would no longer fit is still recognised as the same hold, not refused.
    expect(await store.placeHold({ ...hold, amount: d('90') })).toEqual({ ok: true, alreadyHeld: true });

    expect(await store.getBalances('a-idem')).toEqual([{ asset: 'USD', total: '100', available: '60', held: '40' }]);
    expect((await rawAccount('a-idem'))?.holds).toEqual({ 'o-1': { asset: 'USD', amount: '40' } });
  });

  it('lets exactly 30 of 50 concurrent holds of 1 against 30 available succeed', async () => {
    await store.createAccount({ accountId: 'a-race', name: 'Race', balances: { BTC: d('30') } });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.placeHold({ accountId: 'a-race', orderId: `o-${i}`, asset: 'BTC', amount: d('1') })),
    );

    expect(results.filter((r) => r.ok)).toHaveLength(30);
    expect(results.filter((r) => !r.ok && r.code === 'INSUFFICIENT_BALANCE')).toHaveLength(20);
    expect(await store.getBalances('a-race')).toEqual([{ asset: 'BTC', total: '30', available: '0', held: '30' }]);
    expect(Object.keys((await rawAccount('a-race'))?.holds as object)).toHaveLength(30);
  });

  it('releases exactly what was held, and a second release is a no-op', async () => {
    await store.createAccount({ accountId: 'a-release', name: 'Release', balances: { USD: d('1000'), BTC: d('1') } });
    await store.placeHold({ accountId: 'a-release', orderId: 'o-1', asset: 'USD', amount: d('123.456') });
    await store.placeHold({ accountId: 'a-release', orderId: 'o-2', asset: 'USD', amount: d('0.544') });

    expect(await store.releaseHold({ accountId: 'a-release', orderId: 'o-1' })).toEqual({ released: true, asset: 'USD', amount: '123.456' });
    const afterFirst = await rawAccount('a-release');
    expect(await store.releaseHold({ accountId: 'a-release', orderId: 'o-1' })).toEqual({ released: false });
    expect(await store.releaseHold({ accountId: 'a-release', orderId: 'never-held' })).toEqual({ released: false });
    expect(await rawAccount('a-release')).toEqual(afterFirst);

    expect(await store.getBalances('a-release')).toEqual([
      { asset: 'BTC', total: '1', available: '1', held: '0' },
      { asset: 'USD', total: '1000', available: '999.456', held: '0.544' },
    ]);
    expect(afterFirst?.holds).toEqual({ 'o-2': { asset: 'USD', amount: '0.544' } });
  });

  it('releases each of many concurrently released holds exactly once', async () => {
    await store.createAccount({ accountId: 'a-many', name: 'Many', balances: { USD: d('20') } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.placeHold({ accountId: 'a-many', orderId: `o-${i}`, asset: 'USD', amount: d('1') })));
    // Every release asked twice at once: one of each pair releases, the other finds nothing.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.releaseHold({ accountId: 'a-many', orderId: `o-${i % 20}` })),
    );
    expect(results.filter((r) => r.released)).toHaveLength(20);
    expect(await store.getBalances('a-many')).toEqual([{ asset: 'USD', total: '20', available: '20', held: '0' }]);
  });

  it('refuses non-positive hold amounts and ids that cannot be field names', async () => {
    await store.createAccount({ accountId: 'a-bad', name: 'Bad', balances: { USD: d('10') } });
    await expect(store.placeHold({ accountId: 'a-bad', orderId: 'o-1', asset: 'USD', amount: 0n })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.placeHold({ accountId: 'a-bad', orderId: 'o-1', asset: 'USD', amount: d('-1') })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.placeHold({ accountId: 'a-bad', orderId: 'o.1', asset: 'USD', amount: d('1') })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.placeHold({ accountId: 'a-bad', orderId: 'o-1', asset: '$USD', amount: d('1') })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await store.getBalances('a-bad')).toEqual([{ asset: 'USD', total: '10', available: '10', held: '0' }]);
  });
});
