import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { connectMongo } from './client';

/** DocumentDB's settings reach the driver: with retryable writes off, writes still work against the real store. */
describe('connectMongo options (the local store)', () => {
  it('connects with MONGO_RETRY_WRITES=off and writes', async () => {
    const config = loadConfig({ ...process.env, MONGO_RETRY_WRITES: 'off', MONGO_DB: `test_options_${randomUUID().slice(0, 8)}` });
    const mongo = await connectMongo(config.mongo);
    try {
      expect(mongo.client.options.retryWrites).toBe(false);
      await mongo.db.collection('probe').insertOne({ _id: 'one' } as never);
      expect(await mongo.db.collection('probe').countDocuments()).toBe(1);
    } finally {
      await mongo.db.dropDatabase();
      await mongo.client.close();
    }
  });
});
