import type { Redis } from 'ioredis';
import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../../domain/decimal';
import { positionsRedisKey } from '../../domain/market-events';
import { isVenueHouseAccount } from '../../domain/venue-events';
import { DEFAULT_SYMBOLS, SymbolRegistry, type SymbolSpec } from '../../domain/symbols';
import { internalCallerSecrets, loadConfig } from '../../infra/config';
import { createLogger } from '../../infra/logger';
import { MongoAccountStore, type CreateAccountInput } from '../../infra/mongo/account-store';
import { connectMongo, ensureIndexes } from '../../infra/mongo/client';
import { createRedis } from '../../infra/redis/client';
import { RedisPositionMirror, type PositionMirror } from '../../infra/redis/position-mirror';
import { createRiskApp, type RiskApp } from '../../risk/app';
import { DEFAULT_FEE_ACCOUNT_ID, type VenueOrderLookup } from '../../risk/engine';
import { PriceBook } from '../../risk/price-book';
import { startSymbolStatus, type SymbolStatusRuntime } from '../../risk/symbol-status';
import { MongoSymbolStatusStore } from '../../infra/mongo/symbol-status-store';
import { RedisSymbolStatusUpdates } from '../../infra/redis/symbol-status-updates';
import type { InternalSigner } from '../../infra/http/internal-auth';
import { testSigner } from './internal-calls';

/**
 * A symbol whose tick and lot are tiny, so a fee needs rounding (BTC-USD's costs have at most 10
 * fractional digits, and 10 + 4 digits of basis points never round at our 18-digit scale).
 */
export const DUST_USD: SymbolSpec = Object.freeze({
  symbol: 'DUST-USD',
  baseAsset: 'DUST',
  quoteAsset: 'USD',
  tickSize: parseDecimal('0.000000001'),
  lotSize: parseDecimal('0.000000001'),
  minQuantity: parseDecimal('0.000000001'),
  maxQuantity: parseDecimal('1000000'),
  minNotional: 0n,
  priceBandPercent: parseDecimal('10'),
  marketSlippagePercent: parseDecimal('2'),
  status: 'TRADING',
});

export const TEST_SYMBOLS = new SymbolRegistry([...DEFAULT_SYMBOLS, DUST_USD]);

type LookedUp = NonNullable<Awaited<ReturnType<VenueOrderLookup['order']>>>;

/**
 * The venue as tests of the risk engine alone have it (they run no venue, so the test plays it): it made exactly the
 * fills the test has settled through RiskTestApp.fill(), as the test described them, and the one being settled; a
 * fill the risk engine refused is taken back (the ledger's own guards are what those tests are about). An order with
 * such fills answers FILLED with them; any other it never saw, so a release finds nothing there.
 * The venue's word itself (a fill it did not make, a venue that cannot be asked, the release rule) is tested against a
 * real venue (risk/release.integration.test.ts).
 */
export class TestVenueFills implements VenueOrderLookup {
  private readonly orders = new Map<string, LookedUp>();

  /** Makes the fill (replacing one of the same fillId); answers how to take it back. */
  made(orderId: string, fill: Record<string, unknown>): () => void {
    const text = (key: string): string => {
      const value = fill[key];
      return typeof value === 'string' ? value : '';
    };
    const previous = this.orders.get(orderId);
    const others = (previous?.fills ?? []).filter((f) => f.fillId !== text('fillId'));
    this.orders.set(orderId, {
      orderId,
      accountId: text('accountId'),
      symbol: text('symbol'),
      status: 'FILLED',
      fills: [
        ...others,
        {
          fillId: text('fillId'),
          tradeId: text('fillId'),
          price: text('price'),
          quantity: text('quantity'),
          liquidity: fill.liquidity === 'MAKER' ? 'MAKER' : 'TAKER',
          remaining: '0',
          side: fill.side === 'SELL' ? 'SELL' : 'BUY',
          version: others.length + 2,
          occurredAt: new Date().toISOString(),
        },
      ],
    });
    return () => {
      if (previous === undefined) this.orders.delete(orderId);
      else this.orders.set(orderId, previous);
    };
  }

  async order(orderId: string): Promise<LookedUp | null> {
    return this.orders.get(orderId) ?? null;
  }
}

export interface RiskResponse {
  status: number;
  json: any;
  headers: Headers;
}

/**
 * The risk engine in-process (createRiskApp + app.request) on the real store, in a database of its own
 * that stop() drops, mirroring positions to the real Redis. Tests talk HTTP to it like the activities will.
 * Its price book starts empty: a test gives it marks with `prices.apply(priceUpdate(...))` (test/harness/prices.ts),
 * or feeds it from Kafka with startPriceFeed.
 */
export class RiskTestApp {
  readonly fees = DEFAULT_FEE_ACCOUNT_ID;
  app!: RiskApp;
  store!: MongoAccountStore;
  db!: Db;
  redis!: Redis;
  prices!: PriceBook;
  symbols!: SymbolRegistry;
  venueOrders: VenueOrderLookup = new TestVenueFills();
  /** The runtime symbol statuses of the apps appWith makes (real store, real Redis channel). */
  symbolStatus!: SymbolStatusRuntime;
  /** Every runtime startSymbolStatus made, with its subscriber connection (a test may drop it). */
  readonly statusRuntimes: Array<{ runtime: SymbolStatusRuntime; subscriber: Redis }> = [];
  private client?: MongoClient;
  private readonly accounts: string[] = [];

  static async start(options: { symbols?: SymbolRegistry; priceMaxAgeMs?: number; venueOrders?: VenueOrderLookup } = {}): Promise<RiskTestApp> {
    const test = new RiskTestApp();
    if (options.venueOrders !== undefined) test.venueOrders = options.venueOrders;
    ({ client: test.client, db: test.db } = await connectMongo({ url: loadConfig().mongo.url, db: `test_risk_${randomUUID().slice(0, 8)}` }));
    await ensureIndexes(test.db);
    test.store = new MongoAccountStore(test.db);
    test.redis = createRedis(loadConfig().redis, createLogger({ name: 'risk-test', level: 'silent' }));
    await test.redis.ping();
    test.symbols = options.symbols ?? TEST_SYMBOLS;
    test.prices = new PriceBook({ symbols: test.symbols, maxAgeMs: options.priceMaxAgeMs ?? 300_000 });
    test.symbolStatus = await test.startSymbolStatus();
    test.app = test.appWith(test.symbols);
    return test;
  }

  /**
   * Another process's view of the symbol statuses on the same store and Redis channel, as a second risk process
   * has it (its own subscriber connection); stop() closes it.
   */
  async startSymbolStatus(): Promise<SymbolStatusRuntime> {
    const logger = createLogger({ name: 'risk-test', level: 'silent' });
    const subscriber = createRedis(loadConfig().redis, logger);
    const runtime = await startSymbolStatus({
      symbols: this.symbols,
      store: new MongoSymbolStatusStore(this.db),
      channel: new RedisSymbolStatusUpdates(this.redis, subscriber, logger),
      logger,
    });
    this.statusRuntimes.push({ runtime, subscriber });
    return runtime;
  }

  /**
   * Another app on the same store and price book, e.g. with a different symbol table, position mirror or venue; it
   * accepts the callers' secrets of the config, which request() signs with.
   */
  appWith(
    symbols: SymbolRegistry,
    options: { positionMirror?: PositionMirror; venueOrders?: VenueOrderLookup; symbolStatus?: SymbolStatusRuntime } = {},
  ): RiskApp {
    const symbolStatus = options.symbolStatus ?? this.symbolStatus;
    return createRiskApp({
      symbolStatus: symbolStatus.book,
      announceSymbolStatus: symbolStatus.announce,
      internalAuth: { callers: internalCallerSecrets(loadConfig()) },
      logger: createLogger({ name: 'risk-test', level: 'silent' }),
      accounts: this.store,
      symbols,
      prices: this.prices,
      positionMirror: options.positionMirror ?? new RedisPositionMirror(this.redis),
      venueOrders: options.venueOrders ?? this.venueOrders,
      readiness: {
        mongo: async () => {
          await this.db.command({ ping: 1 });
        },
      },
    });
  }

  /** Signed like the system's own calls unless `signer` is null (or another signer). */
  async request(
    method: string,
    path: string,
    body?: unknown,
    options: { raw?: string; app?: RiskApp; headers?: Record<string, string>; signer?: InternalSigner | null } = {},
  ): Promise<RiskResponse> {
    const text = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const signer = options.signer === undefined ? testSigner() : options.signer;
    const headers: Record<string, string> = {
      ...(text === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(signer === null ? {} : signer.headers({ method, pathWithQuery: path, body: text ?? '' })),
      ...(options.headers ?? {}),
    };
    const response = await (options.app ?? this.app).request(path, { method, headers, ...(text === undefined ? {} : { body: text }) });
    const answer = await response.text();
    let json: any;
    try {
      json = JSON.parse(answer);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, headers: response.headers };
  }

  hold(orderId: string, body: Record<string, unknown>, app?: RiskApp) {
    return this.request('POST', `/risk/orders/${orderId}/hold`, body, app === undefined ? {} : { app });
  }

  /**
   * Settles a fill as the worker would. The venue of these tests (TestVenueFills) made it first, and takes it back
   * when the risk engine refuses it.
   */
  async fill(orderId: string, body: Record<string, unknown>, app?: RiskApp): Promise<RiskResponse> {
    const venue = this.venueOrders instanceof TestVenueFills && typeof body.accountId === 'string' && !isVenueHouseAccount(body.accountId) ? this.venueOrders : undefined;
    const takeBack = venue?.made(orderId, body);
    const response = await this.request('POST', `/risk/orders/${orderId}/fills`, body, app === undefined ? {} : { app });
    if (response.status !== 200) takeBack?.();
    return response;
  }

  /**
   * The hold the workflow's risk check places before a fill can settle: a LIMIT order at the fill's price and quantity
   * (a repeat answers the hold already there). Expects it placed.
   */
  async holdForFill(orderId: string, fill: { accountId: unknown; symbol: unknown; side: unknown; quantity: unknown; price: unknown }, app?: RiskApp): Promise<void> {
    const response = await this.hold(orderId, { accountId: fill.accountId, symbol: fill.symbol, side: fill.side, type: 'LIMIT', quantity: fill.quantity, price: fill.price }, app);
    if (response.status !== 200) throw new Error(`hold for ${orderId} answered ${response.status}: ${JSON.stringify(response.json)}`);
  }

  positions(accountId: string, app?: RiskApp) {
    return this.request('GET', `/risk/accounts/${accountId}/positions`, undefined, app === undefined ? {} : { app });
  }

  release(orderId: string, accountId: string, app?: RiskApp) {
    return this.request('POST', `/risk/orders/${orderId}/release`, { accountId }, app === undefined ? {} : { app });
  }

  /** A fresh account with balances given as decimal strings; its id is unique to this call. */
  async createAccount(prefix: string, balances: Record<string, string>, extra: Pick<CreateAccountInput, 'fees' | 'limits'> = {}): Promise<string> {
    const accountId = `${prefix}-${randomUUID().slice(0, 8)}`;
    this.accounts.push(accountId);
    const scaled = Object.fromEntries(Object.entries(balances).map(([asset, amount]) => [asset, parseDecimal(amount)]));
    await this.store.createAccount({ accountId, name: prefix, balances: scaled, ...extra });
    return accountId;
  }

  /** { asset: { total, available, held } } of an account, or {} when it does not exist. */
  async balances(accountId: string): Promise<Record<string, { total: string; available: string; held: string }>> {
    const rows = (await this.store.getBalances(accountId)) ?? [];
    return Object.fromEntries(rows.map((r) => [r.asset, { total: r.total, available: r.available, held: r.held }]));
  }

  /** The total of one asset, as a decimal string ('0' when absent). */
  async total(accountId: string, asset: string): Promise<string> {
    return (await this.balances(accountId))[asset]?.total ?? '0';
  }

  async stop(): Promise<void> {
    // Guarded: when connecting failed, the connection error is the one worth reading.
    if (this.client === undefined) return;
    for (const { runtime, subscriber } of this.statusRuntimes) {
      await runtime.close();
      subscriber.disconnect();
    }
    await this.db.dropDatabase();
    await this.client.close();
    if (this.redis === undefined) return;
    // The position mirrors of this test's accounts (ids unique to it).
    for (let i = 0; i < this.accounts.length; i += 500) await this.redis.del(...this.accounts.slice(i, i + 500).map(positionsRedisKey));
    await this.redis.quit();
  }
}
