import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { DEVELOPMENT_API_KEY_PEPPER } from '../config';
import { hashApiKey, legacyHashApiKey, MongoApiKeyStore } from './api-key-store';
import { COLLECTIONS, connectMongo, ensureIndexes } from './client';

describe('MongoApiKeyStore (real store)', () => {
  const dbName = `test_${randomUUID().slice(0, 8)}`;
  let client: MongoClient | undefined;
  let db: Db;
  let store: MongoApiKeyStore;
  const PEPPER = 'a-test-pepper-0123456789-abcdefghijklmnopqrstuvwxyz';

  beforeAll(async () => {
    ({ client, db } = await connectMongo({ url: loadConfig().mongo.url, db: dbName }));
    await ensureIndexes(db);
    store = new MongoApiKeyStore(db, { pepper: PEPPER });
  });
  afterAll(async () => {
    // Guarded: when connecting failed, the connection error is the one worth reading.
    if (client === undefined) return;
    await db.dropDatabase();
    await client.close();
  });

  it('maps a key to its account, and unknown keys to null', async () => {
    expect(await store.addKey({ rawKey: 'key-of-carol', accountId: 'carol', label: 'laptop' })).toMatchObject({ added: true });
    expect(await store.findAccountId('key-of-carol')).toBe('carol');
    expect(await store.findAccountId('key-of-nobody')).toBeNull();
    expect(await store.findAccountId('')).toBeNull();
  });

  it('stores keys only hashed: the raw key appears nowhere in the collection', async () => {
    const rawKey = `secret-${randomUUID()}`;
    await store.addKey({ rawKey, accountId: 'dave', label: 'bot' });

    const docs = await db.collection(COLLECTIONS.apiKeys).find().toArray();
    expect(JSON.stringify(docs)).not.toContain(rawKey);
    expect(docs.find((doc) => doc.accountId === 'dave')).toMatchObject({ _id: hashApiKey(rawKey, PEPPER), label: 'bot', scheme: 'hmac-sha256', role: 'trader' });
    expect(hashApiKey(rawKey, PEPPER)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('adds the same key twice without a second document, and refuses it for another account', async () => {
    await store.addKey({ rawKey: 'key-of-erin', accountId: 'erin', label: 'one' });
    expect(await store.addKey({ rawKey: 'key-of-erin', accountId: 'erin', label: 'one' })).toMatchObject({ added: false });
    await expect(store.addKey({ rawKey: 'key-of-erin', accountId: 'mallory', label: 'stolen' })).rejects.toThrow(/another account/);

    expect(await db.collection(COLLECTIONS.apiKeys).countDocuments({ accountId: 'erin' })).toBe(1);
    expect(await store.findAccountId('key-of-erin')).toBe('erin');
  });

  it('stores HMAC-SHA-256 under the pepper, not plain SHA-256; another pepper finds nothing', async () => {
    const rawKey = `peppered-${randomUUID()}`;
    await store.addKey({ rawKey, accountId: 'frank', label: 'bot' });
    const doc = await db.collection(COLLECTIONS.apiKeys).findOne({ accountId: 'frank' });
    expect(doc?._id).toBe(hashApiKey(rawKey, PEPPER));
    expect(doc?._id).not.toBe(legacyHashApiKey(rawKey));
    expect(await store.findAccountId(rawKey)).toBe('frank');
    // A process with another pepper (a changed API_KEY_PEPPER, no previous one) accepts none of the keys.
    const otherPepper = new MongoApiKeyStore(db, { pepper: 'another-pepper-0123456789-abcdefghijklmnop' });
    expect(await otherPepper.findAccountId(rawKey)).toBeNull();
  });

  it('migrates: a key stored as plain SHA-256 keeps working and is re-hashed under the pepper on first use', async () => {
    const rawKey = `legacy-${randomUUID()}`;
    await db.collection(COLLECTIONS.apiKeys).insertOne({ _id: legacyHashApiKey(rawKey) as never, accountId: 'gina', label: 'old', createdAt: '2026-01-01T00:00:00.000Z' });
    const principal = await store.findKey(rawKey);
    expect(principal).toMatchObject({ accountId: 'gina', role: 'trader', keyId: expect.stringMatching(/^ak_[0-9a-f]{24}$/) });
    const docs = await db.collection(COLLECTIONS.apiKeys).find({ accountId: 'gina' }).toArray();
    expect(docs).toEqual([expect.objectContaining({ _id: hashApiKey(rawKey, PEPPER), scheme: 'hmac-sha256', keyId: principal!.keyId, label: 'old' })]);
    expect(await store.findKey(rawKey)).toEqual(principal);
  });

  it('does not accept plain SHA-256 documents when told not to (production default): the pepper guards writes to the collection too', async () => {
    const rawKey = `planted-${randomUUID()}`;
    await db.collection(COLLECTIONS.apiKeys).insertOne({ _id: legacyHashApiKey(rawKey) as never, accountId: 'mallory', role: 'admin', label: 'planted', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(await new MongoApiKeyStore(db, { pepper: PEPPER, acceptLegacySha256: false }).findKey(rawKey)).toBeNull();
    // Still counted as a demo key would be: detection reads every scheme.
    expect(await new MongoApiKeyStore(db, { pepper: PEPPER, acceptLegacySha256: false }).countDemoKeys([rawKey], DEVELOPMENT_API_KEY_PEPPER)).toBeGreaterThanOrEqual(1);
  });

  it('rotates the pepper: keys under API_KEY_PEPPER_PREVIOUS work and move to the new pepper', async () => {
    const rawKey = `rotating-${randomUUID()}`;
    await store.addKey({ rawKey, accountId: 'hugo', label: 'bot' });
    const NEW = 'the-next-pepper-0123456789-abcdefghijklmnopqrstuv';
    const rotated = new MongoApiKeyStore(db, { pepper: NEW, previousPepper: PEPPER });
    expect(await rotated.findAccountId(rawKey)).toBe('hugo');
    expect((await db.collection(COLLECTIONS.apiKeys).findOne({ accountId: 'hugo' }))?._id).toBe(hashApiKey(rawKey, NEW));
    expect(await new MongoApiKeyStore(db, { pepper: NEW }).findAccountId(rawKey)).toBe('hugo');
  });

  it('issues random prefixed keys and revokes them by id (a revoked key, even stored the old way, authenticates nobody)', async () => {
    const a = await store.issueKey({ accountId: 'ivy', label: 'bot', role: 'trader', prefix: 'oms_test_' });
    const b = await store.issueKey({ accountId: 'ivy', label: 'bot', role: 'admin', prefix: 'oms_test_' });
    expect(a.apiKey).toMatch(/^oms_test_[A-Za-z0-9_-]{43}$/);
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(await store.findKey(b.apiKey)).toEqual({ keyId: b.keyId, accountId: 'ivy', role: 'admin' });
    expect(JSON.stringify(await db.collection(COLLECTIONS.apiKeys).find({ accountId: 'ivy' }).toArray())).not.toContain(a.apiKey);

    expect(await store.revokeKey(a.keyId)).toMatchObject({ keyId: a.keyId, accountId: 'ivy', revokedNow: true });
    expect(await store.findKey(a.apiKey)).toBeNull();
    expect(await store.revokeKey(a.keyId)).toMatchObject({ revokedNow: false });
    expect(await store.revokeKey('ak_000000000000000000000000')).toBeNull();
    expect(await store.findKey(b.apiKey)).not.toBeNull();
  });

  it('counts the demo keys, however they were stored', async () => {
    const before = await store.countDemoKeys(['demo-zed-key'], DEVELOPMENT_API_KEY_PEPPER);
    await new MongoApiKeyStore(db, { pepper: DEVELOPMENT_API_KEY_PEPPER }).addKey({ rawKey: 'demo-zed-key', accountId: 'zed', label: 'demo' });
    expect(await store.countDemoKeys(['demo-zed-key'], DEVELOPMENT_API_KEY_PEPPER)).toBe(before + 1);
  });
});
