import { randomUUID } from 'node:crypto';
import { DEVELOPMENT_API_KEY_PEPPER, loadConfig } from '../../infra/config';
import { MongoAccountStore } from '../../infra/mongo/account-store';
import { MongoApiKeyStore } from '../../infra/mongo/api-key-store';
import { connectMongo, ensureIndexes } from '../../infra/mongo/client';
import { seedDemoAccounts } from '../../infra/mongo/demo-accounts';
import { startSystemProcess } from '../harness/processes';
import { freePort } from '../harness/system';

jest.setTimeout(90_000);

const STRONG_PEPPER = 'V2hhdCBhIHN0cm9uZyBwZXBwZXIgdGhpcyBpcyE-0123456789abcdef';

/**
 * A production process (OMS_ENV=production, as the image defaults to) refuses to start with public demo keys in its
 * store or without a strong pepper, and says why in one line. The entry points are run as the image runs them.
 */
describe('a production process refuses to start with demo credentials or a weak secret', () => {
  const config = loadConfig();
  const dbName = `test_prodstart_${randomUUID().slice(0, 8)}`;

  /** Runs the entry point and resolves with its exit code and output, or 'running' once it got to `ready`. */
  async function run(script: string, env: Record<string, string>, ready: string): Promise<{ exit: number | string; output: string }> {
    const port = String(await freePort());
    const proc = startSystemProcess(`prodstart-${script.replace(/\W/g, '-')}`, script, {
      OMS_ENV: 'production',
      // A production process needs its internal-call secret too; the cases below leave it alone unless they name it.
      INTERNAL_AUTH_SECRETS: 'an-internal-secret-of-forty-eight-characters-xyz',
      MONGO_DB: dbName,
      API_PORT: port,
      RISK_PORT: port,
      VENUE_PORT: port,
      MARKET_DATA_PORT: port,
      MARKET_DATA_BACKFILL_FILES: 'none',
      ...env,
    });
    // Whichever comes first: the exit, or the line that says it serves (then it is stopped).
    const outcome = await new Promise<number | string>((resolve) => {
      const poll = setInterval(() => {
        if (!proc.output().includes(ready)) return;
        clearInterval(poll);
        resolve('running');
      }, 50);
      void proc.exited.then((code) => {
        clearInterval(poll);
        resolve(code);
      });
    });
    if (outcome === 'running') {
      await proc.stop();
      return { exit: 'running', output: proc.output() };
    }
    return { exit: outcome, output: proc.output() };
  }

  afterAll(async () => {
    const mongo = await connectMongo({ url: config.mongo.url, db: dbName });
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.client.close();
  });

  it.each([
    ['without API_KEY_PEPPER', {}, /API_KEY_PEPPER is required when OMS_ENV=production/],
    ['with a short pepper', { API_KEY_PEPPER: 'pepper' }, /API_KEY_PEPPER is 6 characters; at least 32/],
    ['with the public development pepper', { API_KEY_PEPPER: DEVELOPMENT_API_KEY_PEPPER }, /API_KEY_PEPPER is the public development pepper/],
    ['with a pepper of one repeated character', { API_KEY_PEPPER: 'a'.repeat(64) }, /API_KEY_PEPPER has fewer than 12 distinct characters/],
    ['with a weak previous pepper', { API_KEY_PEPPER: STRONG_PEPPER, API_KEY_PEPPER_PREVIOUS: 'old' }, /API_KEY_PEPPER_PREVIOUS is 3 characters/],
    ['without INTERNAL_AUTH_SECRETS', { API_KEY_PEPPER: STRONG_PEPPER, INTERNAL_AUTH_SECRETS: '' }, /INTERNAL_AUTH_SECRETS is required when OMS_ENV=production/],
    ['with a short internal secret', { API_KEY_PEPPER: STRONG_PEPPER, INTERNAL_AUTH_SECRETS: 'short' }, /INTERNAL_AUTH_SECRETS: every secret must be at least 32 bytes/],
  ])('the order API %s', async (_what, env, message) => {
    const { exit, output } = await run('workers/api.ts', env, 'api.ready');
    expect(exit).toBe(1);
    expect(output).toMatch(message);
    // One line, no stack trace: the operator reads the reason, not our internals.
    expect(output).not.toMatch(/\n\s+at /);
  });

  const callerSecrets = (map: Record<string, string[]>) => JSON.stringify(map);
  const WORKER_SECRET = 'the-worker-s-internal-secret-of-forty-eight-chars';
  it.each([
    ['workers/risk.ts', 'without INTERNAL_AUTH_CALLER_SECRETS', {}, /^risk: INTERNAL_AUTH_CALLER_SECRETS is required when OMS_ENV=production/m],
    ['workers/venue.ts', 'without INTERNAL_AUTH_CALLER_SECRETS', {}, /^venue: INTERNAL_AUTH_CALLER_SECRETS is required when OMS_ENV=production/m],
    [
      'workers/risk.ts',
      'with one secret for two callers',
      { INTERNAL_AUTH_CALLER_SECRETS: callerSecrets({ worker: [WORKER_SECRET], api: [WORKER_SECRET] }) },
      /^risk: INTERNAL_AUTH_CALLER_SECRETS: worker and api share a secret/m,
    ],
    ['workers/worker.ts', 'without its own INTERNAL_AUTH_SECRETS', { INTERNAL_AUTH_SECRETS: '' }, /^worker: INTERNAL_AUTH_SECRETS is required when OMS_ENV=production/m],
  ])('%s refuses to start %s, in one line', async (script, _what, env, message) => {
    const { exit, output } = await run(script, env, 'ready');
    expect(exit).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('the risk engine starts with its callers\' secrets (the control: they were the reason)', async () => {
    const { exit, output } = await run('workers/risk.ts', { INTERNAL_AUTH_CALLER_SECRETS: callerSecrets({ worker: [WORKER_SECRET], api: ['the-api-s-internal-secret-of-forty-eight-characters'] }) }, 'risk.ready');
    expect([exit, output.includes('INTERNAL_AUTH')]).toEqual(['running', false]);
  }, 60_000);

  describe('with the demo keys in its store', () => {
    beforeAll(async () => {
      const mongo = await connectMongo({ url: config.mongo.url, db: dbName });
      try {
        await ensureIndexes(mongo.db);
        // Seeded as development seeds them (the development pepper), e.g. a database carried over from a try-out.
        await seedDemoAccounts({ accounts: new MongoAccountStore(mongo.db), apiKeys: new MongoApiKeyStore(mongo.db, { pepper: DEVELOPMENT_API_KEY_PEPPER }), env: 'development' });
      } finally {
        await mongo.client.close();
      }
    });

    it.each([
      ['workers/api.ts', 'api.ready'],
      ['workers/market-data.ts', 'market-data.serving'],
    ])('%s refuses to start, naming them', async (script, ready) => {
      const { exit, output } = await run(script, { API_KEY_PEPPER: STRONG_PEPPER }, ready);
      expect(exit).toBe(1);
      expect(output).toMatch(/refusing to start: 3 development demo API key\(s\) \(demo-alice-key, demo-bob-key, demo-admin-key/);
    });

    it('and starts once they are deleted (the control: the demo keys were the reason)', async () => {
      const mongo = await connectMongo({ url: config.mongo.url, db: dbName });
      try {
        await mongo.db.collection('api_keys').deleteMany({ demo: true });
      } finally {
        await mongo.client.close();
      }
      const { exit, output } = await run('workers/api.ts', { API_KEY_PEPPER: STRONG_PEPPER }, 'api.ready');
      expect([exit, output.includes('refusing')]).toEqual(['running', false]);
    });
  });
});
