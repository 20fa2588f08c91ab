import { loadConfig } from '../infra/config';
import { MongoAccountStore } from '../infra/mongo/account-store';
import { MongoApiKeyStore } from '../infra/mongo/api-key-store';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';
import { DEMO_ACCOUNTS, seedDemoAccounts } from '../infra/mongo/demo-accounts';

/** Seeds the demo accounts (refused when OMS_ENV=production). `npm start` does this itself. */
async function main(): Promise<void> {
  const config = loadConfig();
  const mongo = await connectMongo(config.mongo);
  try {
    await ensureIndexes(mongo.db);
    await seedDemoAccounts({ accounts: new MongoAccountStore(mongo.db), apiKeys: new MongoApiKeyStore(mongo.db), env: config.env });
    console.log(`seeded ${DEMO_ACCOUNTS.map((d) => d.accountId).join(', ')} in ${config.mongo.db}`);
  } finally {
    await mongo.client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
