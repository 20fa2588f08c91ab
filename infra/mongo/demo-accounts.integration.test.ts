import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../../domain/decimal';
import { DEVELOPMENT_API_KEY_PEPPER, loadConfig } from '../config';
import { MongoAccountStore } from './account-store';
import { hashApiKey, legacyHashApiKey, MongoApiKeyStore } from './api-key-store';
import { COLLECTIONS, connectMongo, ensureIndexes } from './client';
import { DEMO_ALICE, DEMO_BOB, DEMO_OPS, seedDemoAccounts } from './demo-accounts';

describe('seedDemoAccounts (real store)', () => {
  const dbName = `test_${randomUUID().slice(0, 8)}`;
  let client: MongoClient | undefined;
  let db: Db;
  let accounts: MongoAccountStore;
  let apiKeys: MongoApiKeyStore;

  beforeAll(async () => {
    ({ client, db } = await connectMongo({ url: loadConfig().mongo.url, db: dbName }));
    await ensureIndexes(db);
    accounts = new MongoAccountStore(db);
    apiKeys = new MongoApiKeyStore(db, { pepper: DEVELOPMENT_API_KEY_PEPPER });
  });
  afterAll(async () => {
    // Guarded: when connecting failed, the connection error is the one worth reading.
    if (client === undefined) return;
    await db.dropDatabase();
    await client.close();
  });

  it('is refused in production and writes nothing', async () => {
    await expect(seedDemoAccounts({ accounts, apiKeys, env: 'production' })).rejects.toThrow(/production/);
    expect(await db.collection(COLLECTIONS.accounts).countDocuments()).toBe(0);
    expect(await db.collection(COLLECTIONS.apiKeys).countDocuments()).toBe(0);
  });

  it('creates alice and bob with their keys and balances, and ops with the admin key', async () => {
    await seedDemoAccounts({ accounts, apiKeys, env: 'development' });
    expect(await apiKeys.findKey('demo-admin-key')).toMatchObject({ accountId: DEMO_OPS.accountId, role: 'admin' });
    expect(await apiKeys.findKey('demo-alice-key')).toMatchObject({ role: 'trader' });
    expect(await db.collection(COLLECTIONS.apiKeys).countDocuments({ demo: true })).toBe(3);

    expect(await apiKeys.findAccountId('demo-alice-key')).toBe('demo-alice');
    expect(await apiKeys.findAccountId('demo-bob-key')).toBe('demo-bob');
    for (const demo of [DEMO_ALICE, DEMO_BOB]) {
      expect(await accounts.getBalances(demo.accountId)).toEqual([
        { asset: 'BTC', total: '2', available: '2', held: '0' },
        { asset: 'USD', total: '100000', available: '100000', held: '0' },
      ]);
    }
  });

  it('is idempotent and leaves balances that moved since alone', async () => {
    // A hold of 250 USD, as the risk engine would place it.
    const held = parseDecimal('250');
    await accounts.updateAccount(DEMO_ALICE.accountId, (account) => ({
      result: null,
      changes: { balances: { USD: { total: account!.balances.USD!.total, held } }, holds: { 'o-1': { asset: 'USD', amount: held } } },
    }));
    await seedDemoAccounts({ accounts, apiKeys, env: 'test' });
    await seedDemoAccounts({ accounts, apiKeys, env: 'test' });

    // alice, bob and ops (issue 11 added the admin account and key).
    expect(await db.collection(COLLECTIONS.accounts).countDocuments()).toBe(3);
    expect(await db.collection(COLLECTIONS.apiKeys).countDocuments()).toBe(3);
    expect(await accounts.getBalances(DEMO_ALICE.accountId)).toContainEqual({ asset: 'USD', total: '100000', available: '99750', held: '250' });
  });

  it('re-seeding a database whose demo keys were stored the old way (plain SHA-256) moves them under the pepper and marks them', async () => {
    await db.collection(COLLECTIONS.apiKeys).deleteMany({});
    await db.collection(COLLECTIONS.apiKeys).insertOne({ _id: legacyHashApiKey(DEMO_ALICE.apiKey) as never, accountId: DEMO_ALICE.accountId, label: 'old', createdAt: '2026-01-01T00:00:00.000Z' });
    await seedDemoAccounts({ accounts, apiKeys, env: 'development' });
    const docs = await db.collection(COLLECTIONS.apiKeys).find().toArray();
    expect(docs).toHaveLength(3);
    expect(docs.every((doc) => doc.demo === true && doc.scheme === 'hmac-sha256')).toBe(true);
    expect(docs.map((doc) => doc._id)).toContain(hashApiKey(DEMO_ALICE.apiKey, DEVELOPMENT_API_KEY_PEPPER));
    expect(await apiKeys.findAccountId(DEMO_ALICE.apiKey)).toBe(DEMO_ALICE.accountId);
  });
});
