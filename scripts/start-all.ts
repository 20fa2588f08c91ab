import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { apiKeyHashing, loadConfig } from '../infra/config';
import { ensureTopics } from '../infra/kafka/topics';
import { MongoAccountStore } from '../infra/mongo/account-store';
import { MongoApiKeyStore } from '../infra/mongo/api-key-store';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';
import { DEMO_ACCOUNTS, DEMO_BALANCES, DEMO_OPS, seedDemoAccounts } from '../infra/mongo/demo-accounts';
import { ensureWebBuilt } from './build-web';
import { loadVenueConfig } from '../venue/config';
import { up } from './stack/stack';
import { loadStackSettings, REPO_ROOT } from './stack/settings';

/**
 * `npm start`: the whole system on one machine (risk engine, venue replaying market data, worker, order API, market data). Brings the local stack up (provisioning it on the
 * first run), seeds the demo accounts, runs each service as its own process with prefixed output,
 * prints where everything is, and on Ctrl-C stops the services cleanly (the stack keeps running).
 */
const SERVICES = [
  { name: 'risk', script: 'workers/risk.ts', ready: 'risk.ready' },
  { name: 'venue', script: 'workers/venue.ts', ready: 'venue.ready' },
  { name: 'worker', script: 'workers/worker.ts', ready: 'worker.ready' },
  { name: 'api', script: 'workers/api.ts', ready: 'api.ready' },
  { name: 'market-data', script: 'workers/market-data.ts', ready: 'market-data.ready' },
] as const;

function run(name: string, script: string, onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, script)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let partial = '';
  const forward = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      console.log(`[${name}] ${line}`);
      onLine(line);
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  return child;
}

async function main(): Promise<void> {
  const settings = loadStackSettings();
  const config = loadConfig();
  const venueConfig = loadVenueConfig(process.env, { rootDir: config.rootDir });
  await up(settings, (line) => console.log(`[stack] ${line}`));
  // The order API serves the dashboard from web/dist: build it when missing or older than web/.
  await ensureWebBuilt((line) => console.log(`[web] ${line}`));
  if (config.kafka.prefix !== '') {
    // The stack creates its own topics; those under another prefix (KAFKA_PREFIX) are created here.
    const admin = new Kafka({ clientId: 'start', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await ensureTopics(admin, config.kafka.topics);
    } finally {
      await admin.disconnect();
    }
  }

  const mongo = await connectMongo(config.mongo);
  await ensureIndexes(mongo.db);
  await seedDemoAccounts({ accounts: new MongoAccountStore(mongo.db), apiKeys: new MongoApiKeyStore(mongo.db, apiKeyHashing(config)), env: config.env });
  await mongo.client.close();

  const children: ChildProcess[] = [];
  const ready = SERVICES.map(
    (service) =>
      new Promise<void>((resolve, reject) => {
        const child = run(service.name, service.script, (line) => {
          if (line.includes(service.ready)) resolve();
        });
        child.on('exit', (code, signal) => {
          reject(new Error(`${service.name} exited (${code ?? signal})`));
          if (!stopping) shutdown(1);
        });
        children.push(child);
      }),
  );

  let stopping = false;
  const shutdown = (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('[start] stopping services (the stack keeps running; `npm run stack -- down` stops it)');
    for (const child of children) child.kill('SIGTERM');
    void Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.on('exit', resolve))))).then(() =>
      process.exit(code),
    );
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));

  await Promise.all(ready);
  const api = `http://localhost:${config.api.port}`;
  console.log(`
crypto-oms is running
  Dashboard     ${api}/   (sign in with a demo API key below)
  Order API     ${api}/api/orders
  API docs      ${api}/docs   (OpenAPI: ${api}/openapi.json)
  Balances      ${api}/api/accounts/me/balances   Fills ${api}/api/fills
  Venue book    ${config.venue.url}/venue/book/BTC-USD?depth=10   (replaying ${venueConfig.replay.enabled ? `${venueConfig.replay.file} at ${venueConfig.replay.speed}x` : 'nothing: VENUE_REPLAY=off'})
  Market data   http://localhost:${config.marketData.port}/api/market/ticker/BTC-USD   (book: /api/market/orderbook/BTC-USD?depth=10, candles: /api/market/candles/BTC-USD?interval=1m; OpenAPI: /openapi.json)
  WebSocket     ws://localhost:${config.marketData.port}/ws/market-data   (try: npx tsx scripts/market-data-client.ts BTC-USD)
  Positions     ${api}/api/accounts/me/positions
  Risk engine   ${config.risk.url}/openapi.json
  Temporal UI   http://localhost:${settings.ports.temporalUi}   (filter: OrderStatus="ACCEPTED")
  Kafka ${config.kafka.brokers.join(',')}  Redis ${config.redis.url}  MongoDB ${config.mongo.url}/${config.mongo.db}
  Demo API keys ${DEMO_ACCOUNTS.map((d) => `${d.apiKey} (${d.accountId})`).join(', ')}; each starts with ${Object.entries(DEMO_BALANCES)
    .map(([asset, amount]) => `${amount} ${asset}`)
    .join(' and ')}; admin ${DEMO_OPS.apiKey} (${DEMO_OPS.accountId}): POST /api/admin/api-keys issues keys
Ctrl-C stops the services; \`npm run stack -- down\` stops the servers.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
