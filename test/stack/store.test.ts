import { MongoClient, MongoServerError } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { isAlive, runningPid } from '../../scripts/stack/processes';
import { serverPidFile } from '../../scripts/stack/servers/server';
import type { StackSettings } from '../../scripts/stack/settings';
import { up } from '../../scripts/stack/stack';
import { startPrivateStack, type PrivateStack } from '../harness/private-stack';

/**
 * The MongoDB-compatible store must give what the whole system relies on: unique keys,
 * single-document atomic updates under concurrency, and acknowledged writes that survive a crash. The store is the
 * stack's server, started on a port and data folder of its own, since the test kills it: the shared one stays up.
 */
describe('MongoDB-compatible store (stack)', () => {
  const dbName = `stack_test_${randomUUID().slice(0, 8)}`;
  let stack: PrivateStack;
  let settings: StackSettings;
  let client: MongoClient;

  const connect = async () => {
    client = new MongoClient(`mongodb://127.0.0.1:${settings.ports.mongo}`, { serverSelectionTimeoutMS: 30_000 });
    await client.connect();
  };

  beforeAll(async () => {
    stack = await startPrivateStack(['mongo']);
    settings = stack.settings;
    await connect();
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await stack?.remove();
  }, 60_000);

  it('inserts and finds documents, and a unique index refuses a duplicate with code 11000', async () => {
    const items = client.db(dbName).collection<{ _id: string; sku: string; qty: string }>('items');
    await items.createIndex({ sku: 1 }, { unique: true });
    await items.insertOne({ _id: 'a', sku: 'BTC', qty: '1.5' });
    expect(await items.findOne({ sku: 'BTC' })).toEqual({ _id: 'a', sku: 'BTC', qty: '1.5' });
    const duplicate = await items.insertOne({ _id: 'b', sku: 'BTC', qty: '2' }).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(MongoServerError);
    expect((duplicate as MongoServerError).code).toBe(11000);
    expect(await items.countDocuments()).toBe(1);
  });

  it('applies 50 concurrent guarded updates of one document without losing or overdrawing any', async () => {
    const accounts = client.db(dbName).collection<{ _id: string; available: number; counter: number; version: number }>('accounts');
    await accounts.insertOne({ _id: 'acct', available: 30, counter: 0, version: 0 });

    const increments = await Promise.all(Array.from({ length: 50 }, () => accounts.updateOne({ _id: 'acct' }, { $inc: { counter: 1 } })));
    expect(increments.every((r) => r.modifiedCount === 1)).toBe(true);

    // 50 holds of 1 against 30 available, each conditional on enough being left: exactly 30 win.
    const holds = await Promise.all(
      Array.from({ length: 50 }, () => accounts.updateOne({ _id: 'acct', available: { $gte: 1 } }, { $inc: { available: -1 } })),
    );
    expect(holds.filter((r) => r.modifiedCount === 1)).toHaveLength(30);

    // 50 version compare-and-set writers that retry on conflict: every one lands exactly once.
    const casWriter = async () => {
      for (;;) {
        const current = await accounts.findOne({ _id: 'acct' });
        const result = await accounts.updateOne({ _id: 'acct', version: current!.version }, { $set: { version: current!.version + 1 } });
        if (result.modifiedCount === 1) return;
      }
    };
    await Promise.all(Array.from({ length: 50 }, casWriter));

    expect(await accounts.findOne({ _id: 'acct' })).toEqual({ _id: 'acct', available: 0, counter: 50, version: 50 });
  }, 60_000);

  // The launcher answers these filters from the `_id` index (Launcher.java IdFirstH2Collection): the rest of the filter
  // must still decide, for reads, updates, upserts and deletes, as MongoDB's does.
  it('matches a filter of `_id` (or `_id: {$in}`) and other fields on all of its fields', async () => {
    type Doc = { _id: string | number; accountId?: string; version?: number; published?: boolean; fills?: Record<string, string> };
    const docs = client.db(dbName).collection<Doc>('id_and_more');
    await docs.insertMany([
      { _id: 'o1', accountId: 'alice', version: 3 },
      { _id: 'o2', accountId: 'bob', version: 1 },
      { _id: 7, published: false },
      { _id: 'acct', version: 1, fills: { f1: 'x', f2: 'y' } },
    ]);

    expect(await docs.findOne({ _id: 'o1', accountId: 'alice' })).toEqual({ _id: 'o1', accountId: 'alice', version: 3 });
    expect(await docs.findOne({ _id: 'o1', accountId: 'bob' })).toBeNull();
    expect(await docs.findOne({ _id: 'nope', accountId: 'alice' })).toBeNull();
    expect(await docs.find({ _id: 'o2', version: { $lt: 2 } }, { projection: { version: 1 } }).toArray()).toEqual([{ _id: 'o2', version: 1 }]);
    expect(await docs.find({ _id: { $in: ['o2', 'o1', 'nope', 'o1'] }, version: { $gte: 2 } }).toArray()).toEqual([{ _id: 'o1', accountId: 'alice', version: 3 }]);
    expect((await docs.find({ _id: { $in: ['o1', 'o2'] }, accountId: { $ne: 'carol' } }, { sort: { _id: -1 } }).toArray()).map((d) => d._id)).toEqual(['o2', 'o1']);
    expect(await docs.countDocuments({ _id: { $in: [] }, accountId: 'alice' })).toBe(0);
    expect(await docs.countDocuments({ _id: 7, published: false })).toBe(1);
    expect(await docs.countDocuments({ _id: 7, published: true })).toBe(0);

    // Compare-and-set: a stale version changes nothing, the current one lands once.
    expect((await docs.updateOne({ _id: 'o1', version: 2 }, { $set: { version: 4 } })).matchedCount).toBe(0);
    expect((await docs.updateOne({ _id: 'o1', version: 3 }, { $set: { version: 4 } })).modifiedCount).toBe(1);
    expect((await docs.updateOne({ _id: 'o1', version: 3 }, { $set: { version: 5 } })).matchedCount).toBe(0);

    // A versioned upsert (the order store's): older than stored collides on `_id` (11000) and leaves the document as it was.
    const stale = await docs.updateOne({ _id: 'o1', version: { $lt: 2 } }, { $set: { version: 2 } }, { upsert: true }).catch((e: unknown) => e);
    expect((stale as MongoServerError).code).toBe(11000);
    expect((await docs.updateOne({ _id: 'o3', version: { $lt: 1 } }, { $set: { version: 1, accountId: 'carol' } }, { upsert: true })).upsertedId).toBe('o3');
    expect(await docs.findOne({ _id: 'o1' })).toEqual({ _id: 'o1', accountId: 'alice', version: 4 });

    // A field's existence in the filter (the fill archive's unset).
    expect((await docs.updateOne({ _id: 'acct', 'fills.f3': { $exists: true } }, { $unset: { 'fills.f3': '' } })).matchedCount).toBe(0);
    expect((await docs.updateOne({ _id: 'acct', 'fills.f1': { $exists: true } }, { $unset: { 'fills.f1': '' }, $inc: { version: 1 } })).modifiedCount).toBe(1);
    expect(await docs.findOne({ _id: 'acct' })).toEqual({ _id: 'acct', version: 2, fills: { f2: 'y' } });

    expect((await docs.deleteOne({ _id: 'o2', accountId: 'alice' })).deletedCount).toBe(0);
    expect((await docs.deleteOne({ _id: 'o2', accountId: 'bob' })).deletedCount).toBe(1);
    expect((await docs.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id).sort()).toEqual([7, 'acct', 'o1', 'o3'].sort());
  });

  it('keeps every acknowledged write after kill -9 of the store', async () => {
    const events = client.db(dbName).collection<{ _id: number }>('events');
    for (let i = 0; i < 300; i += 1) await events.insertOne({ _id: i });
    await Promise.all(Array.from({ length: 200 }, (_, i) => events.insertOne({ _id: 300 + i })));

    const pid = runningPid(serverPidFile(settings, 'mongo'));
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    while (isAlive(pid!)) await new Promise((resolve) => setTimeout(resolve, 50));
    await client.close(true);

    await up(settings, () => undefined, ['mongo']);
    await connect();
    expect(await client.db(dbName).collection('events').countDocuments()).toBe(500);
  }, 90_000);
});
