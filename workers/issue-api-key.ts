import { issuedApiKeyPrefix, API_KEY_ROLES, type ApiKeyRole } from '../domain/api-key';
import { apiKeyHashing, ConfigError, loadConfig } from '../infra/config';
import { MongoAdminAuditStore } from '../infra/mongo/admin-audit-store';
import { MongoApiKeyStore } from '../infra/mongo/api-key-store';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';

/**
 * Issues one API key from the command line, for the first admin key of a deployment (after that, admins use
 * POST /api/admin/api-keys). Run with the deployment's environment (its MONGO_URL and API_KEY_PEPPER):
 *   node dist/workers/issue-api-key.js <accountId> <admin|trader> "<label>"   (the image; from a checkout: npx tsx workers/issue-api-key.ts ...)
 * Prints the key once; audited in admin_actions with the actor `cli`.
 */
async function main(): Promise<void> {
  const [accountId, role, label] = process.argv.slice(2);
  if (accountId === undefined || label === undefined || !(API_KEY_ROLES as readonly string[]).includes(role ?? '')) {
    throw new ConfigError('usage: workers/issue-api-key.ts <accountId> <admin|trader> "<label>"');
  }
  const config = loadConfig();
  const mongo = await connectMongo(config.mongo);
  try {
    await ensureIndexes(mongo.db);
    const issued = await new MongoApiKeyStore(mongo.db, apiKeyHashing(config)).issueKey({
      accountId,
      label,
      role: role as ApiKeyRole,
      prefix: issuedApiKeyPrefix(config.env),
    });
    await new MongoAdminAuditStore(mongo.db).record({
      action: 'api_key.issue',
      actor: { accountId: 'cli', keyId: 'cli' },
      target: { keyId: issued.keyId, accountId },
      at: issued.createdAt,
      requestId: 'cli',
      outcome: 'done',
      details: { role, label },
    });
    console.log(JSON.stringify(issued));
  } finally {
    await mongo.client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
