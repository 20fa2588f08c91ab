import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../infra/config';
import { createLogger } from '../../infra/logger';
import { connectMongo } from '../../infra/mongo/client';
import { createRedis } from '../../infra/redis/client';
import { RedisHotSnapshots } from '../../market-data/hot-snapshots';
import { startSystemProcess, waitForOutput, type SystemProcess } from './processes';
import { freePort } from './system';

/**
 * The market data service as its own process on the real stack, for integration tests: its own port, Mongo
 * database, consumer groups and Redis prefix, so runs do not see each other's state. Backfills only the 1 s file
 * unless told (the whole default set takes a while on the local store).
 */
export class MarketDataTestProcess {
  proc: SystemProcess | undefined;
  readonly env: Record<string, string>;
  readonly baseUrl: string;

  private constructor(
    readonly name: string,
    port: number,
    env: Record<string, string>,
  ) {
    const id = `${name}-${randomUUID().slice(0, 8)}`;
    this.env = {
      MONGO_DB: `test_md_${id}`.slice(0, 63),
      MARKET_DATA_PORT: String(port),
      MARKET_DATA_FEED_GROUP: `test-md-feed-${id}`,
      MARKET_DATA_EXECUTIONS_GROUP: `test-md-exec-${id}`,
      MARKET_DATA_REDIS_PREFIX: `test-md-${id}`.slice(0, 64),
      MARKET_DATA_BACKFILL_FILES: 'coinbase_btcusd_1s_trades_2016-10-07_to_09.csv',
      MARKET_DATA_THROTTLE_MS: '100',
      OMS_ENV: 'test',
      // Tests poll REST from one address; the rate-limit test sets its own.
      RATE_LIMIT_ADDRESS_PER_SECOND: '100000',
      ...env,
    };
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  static async create(name: string, env: Record<string, string> = {}): Promise<MarketDataTestProcess> {
    return new MarketDataTestProcess(name, await freePort(), env);
  }

  /** Starts the process; resolves once it serves (`serving`) or consumes the feeds too (`ready`). */
  async start(until: 'serving' | 'ready' = 'ready'): Promise<SystemProcess> {
    this.proc = startSystemProcess(`market-data-${this.name}`, 'workers/market-data.ts', this.env);
    await waitForOutput(this.proc, `market-data.${until}`);
    return this.proc;
  }

  async get(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.baseUrl}${path}`);
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: response.status, body };
  }

  /** Stops the process, drops its database and removes its hot snapshots. */
  async dispose(): Promise<void> {
    await this.proc?.stop();
    const config = loadConfig();
    const mongo = await connectMongo({ url: config.mongo.url, db: this.env.MONGO_DB! });
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.client.close();
    const logger = createLogger({ name: 'market-data-test', level: 'silent' });
    const redis: Redis = createRedis(config.redis, logger);
    const hot = new RedisHotSnapshots(redis, this.env.MARKET_DATA_REDIS_PREFIX!, logger);
    for (const symbol of ['BTC-USD', 'ETH-USD', 'SOL-USD']) await hot.clear(symbol);
    await redis.quit();
  }
}
