import { apiKeyHashing, loadConfig } from '../infra/config';
import { MongoAccountStore } from '../infra/mongo/account-store';
import { MongoApiKeyStore } from '../infra/mongo/api-key-store';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';
import { DEMO_ACCOUNTS, DEMO_OPS, seedDemoAccounts } from '../infra/mongo/demo-accounts';

/**
 * Seeds the demo accounts and keys (refused when OMS_ENV=production: the keys are public). `npm start` does this
 * itself; in compose, only for a local try-out (docker-compose.yml says how).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.env === 'production') throw new Error('refusing to seed demo accounts with OMS_ENV=production: their API keys are public');
  const mongo = await connectMongo(config.mongo);
  try {
    await ensureIndexes(mongo.db);
    await seedDemoAccounts({ accounts: new MongoAccountStore(mongo.db), apiKeys: new MongoApiKeyStore(mongo.db, apiKeyHashing(config)), env: config.env });
    console.log(`seeded ${[...DEMO_ACCOUNTS, DEMO_OPS].map((d) => `${d.accountId} (${d.apiKey})`).join(', ')} in ${config.mongo.db}`);
  } finally {
    await mongo.client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
