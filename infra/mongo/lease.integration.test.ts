import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { COLLECTIONS, connectMongo } from './client';
import { MongoLease } from './lease';

describe('MongoLease (real store)', () => {
  const dbName = `test_${randomUUID().slice(0, 8)}`;
  let client: MongoClient | undefined;
  let db: Db;

  beforeAll(async () => {
    ({ client, db } = await connectMongo({ url: loadConfig().mongo.url, db: dbName }));
  });
  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('one holder at a time: renewed by its holder, taken by another only once expired, handed over on release', async () => {
    let clock = Date.parse('2030-01-01T00:00:00.000Z');
    const name = `job-${randomUUID().slice(0, 8)}`;
    const [a, b] = ['a', 'b'].map((holder) => new MongoLease(db, name, holder, 1_000, () => clock));
    expect(await a!.acquire()).toBe(true);
    expect(await b!.acquire()).toBe(false);
    clock += 900;
    expect(await a!.acquire()).toBe(true); // renewed until 1,900
    clock += 900;
    expect(await b!.acquire()).toBe(false);
    clock += 200; // a's lease expired: a holder that stopped renewing hands over
    expect(await b!.acquire()).toBe(true);
    expect(await a!.acquire()).toBe(false);
    expect(await db.collection(COLLECTIONS.leases).find({ _id: name as never }).toArray()).toEqual([{ _id: name, holder: 'b', expiresAt: new Date(clock + 1_000) }]);
    await a!.release(); // not a's: changes nothing
    expect(await a!.acquire()).toBe(false);
    await b!.release();
    expect(await a!.acquire()).toBe(true);
  });

  it('two replicas asking at once: exactly one gets it', async () => {
    const name = `job-${randomUUID().slice(0, 8)}`;
    const leases = Array.from({ length: 8 }, (_, i) => new MongoLease(db, name, `h${i}`, 60_000));
    const got = await Promise.all(leases.map((lease) => lease.acquire()));
    expect(got.filter(Boolean)).toHaveLength(1);
  });
});
