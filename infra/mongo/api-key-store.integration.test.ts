import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { hashApiKey, MongoApiKeyStore } from './api-key-store';
import { COLLECTIONS, connectMongo, ensureIndexes } from './client';

describe('MongoApiKeyStore (real store)', () => {
  const dbName = `test_${randomUUID().slice(0, 8)}`;
  let client: MongoClient | undefined;
  let db: Db;
  let store: MongoApiKeyStore;

  beforeAll(async () => {
    ({ client, db } = await connectMongo({ url: loadConfig().mongo.url, db: dbName }));
    await ensureIndexes(db);
    store = new MongoApiKeyStore(db);
  });
  afterAll(async () => {
    // Guarded: when connecting failed, the connection error is the one worth reading.
    if (client === undefined) return;
    await db.dropDatabase();
    await client.close();
  });

  it('maps a key to its account, and unknown keys to null', async () => {
    expect(await store.addKey({ rawKey: 'key-of-carol', accountId: 'carol', label: 'laptop' })).toEqual({ added: true });
    expect(await store.findAccountId('key-of-carol')).toBe('carol');
    expect(await store.findAccountId('key-of-nobody')).toBeNull();
    expect(await store.findAccountId('')).toBeNull();
  });

  it('stores keys only hashed: the raw key appears nowhere in the collection', async () => {
    const rawKey = `secret-${randomUUID()}`;
    await store.addKey({ rawKey, accountId: 'dave', label: 'bot' });

    const docs = await db.collection(COLLECTIONS.apiKeys).find().toArray();
    expect(JSON.stringify(docs)).not.toContain(rawKey);
    expect(docs.find((doc) => doc.accountId === 'dave')).toMatchObject({ _id: hashApiKey(rawKey), label: 'bot' });
    expect(hashApiKey(rawKey)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('adds the same key twice without a second document, and refuses it for another account', async () => {
    await store.addKey({ rawKey: 'key-of-erin', accountId: 'erin', label: 'one' });
    expect(await store.addKey({ rawKey: 'key-of-erin', accountId: 'erin', label: 'one' })).toEqual({ added: false });
    await expect(store.addKey({ rawKey: 'key-of-erin', accountId: 'mallory', label: 'stolen' })).rejects.toThrow(/another account/);

    expect(await db.collection(COLLECTIONS.apiKeys).countDocuments({ accountId: 'erin' })).toBe(1);
    expect(await store.findAccountId('key-of-erin')).toBe('erin');
  });
});
