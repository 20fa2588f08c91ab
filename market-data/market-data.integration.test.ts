import type { Redis } from 'ioredis';
import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { formatDecimal, parseDecimal } from '../domain/decimal';
import { orderEventId, type ExecutionReport } from '../domain/events';
import { PriceUpdateSchema, type PositionRecord } from '../domain/market-events';
import { newOrder, toOrderView } from '../domain/order';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { loadConfig } from '../infra/config';
import { createKafka } from '../infra/kafka/client';
import { DLQ_HEADERS } from '../infra/kafka/consumer';
import { KafkaEventPublisher } from '../infra/kafka/event-publisher';
import { dlqTopic } from '../infra/kafka/topics';
import { createLogger } from '../infra/logger';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';
import { MongoOrderStore } from '../infra/mongo/order-store';
import { createRedis, withKeyPrefix } from '../infra/redis/client';
import { testSigner } from '../test/harness/internal-calls';
import { eventually } from '../test/harness/processes';
import { readTopicFrom, topicOffsets } from '../test/harness/system';
import { VenueTestProcess } from '../test/harness/venue-test-process';
import { RedisHotSnapshots } from './hot-snapshots';
import { createMarketDataService, type MarketDataService } from './service';
import { MARKET_DIR } from '../test/harness/venue-feed-fixture';

/**
 * The market data service in this process (so its channel updates can be recorded) on the real stack, fed by a
 * venue process replaying real 1-second bars. Other venues may publish BTC-USD to the shared price-feeds topic at
 * the same time (another engineer's `npm start`): the service must tolerate them, and this test must not mind.
 */
const SECONDS_FILE = 'coinbase_btcusd_1s_trades_2016-10-07_to_09.csv';
const id = randomUUID().slice(0, 8);
const config = loadConfig();
const { topics } = config.kafka;
const logger = createLogger({ name: 'market-data-test', level: 'warn' });

let venue: VenueTestProcess;
let service: MarketDataService;
let mongo: { client: MongoClient; db: Db };
let redis: Redis;
let subscriber: Redis;
let publisher: KafkaEventPublisher;
const published: Array<{ channel: string; data: any }> = [];
let feedOffsets: Array<{ partition: number; offset: string }>;
let pricesOffsets: Array<{ partition: number; offset: string }>;
let venueFirstSequence: number;
/** Our venue's feed versions start above this (its clock at start × 1000); a venue started earlier stays below. */
let venueVersionFloor: number;

const get = async (path: string) => {
  const response = await service.app.request(path);
  return { status: response.status, body: (await response.json()) as any };
};
const venueBook = async () => (await venue.request('GET', '/venue/book/BTC-USD?depth=1000')).json;

beforeAll(async () => {
  mongo = await connectMongo({ url: config.mongo.url, db: `test_md_${id}` });
  await ensureIndexes(mongo.db);
  redis = createRedis(config.redis, logger);
  subscriber = createRedis(config.redis, logger);
  const kafka = createKafka(config.kafka, logger);
  publisher = new KafkaEventPublisher(kafka, logger);
  await publisher.start();
  feedOffsets = await topicOffsets(topics.priceFeeds);
  pricesOffsets = await topicOffsets(topics.prices);
  venue = await VenueTestProcess.create(`md-${id}`, { VENUE_REPLAY: 'on', VENUE_REPLAY_SPEED: '300' });
  service = createMarketDataService({
    logger,
    symbols: new SymbolRegistry(DEFAULT_SYMBOLS),
    kafka,
    publisher,
    redis,
    subscriber,
    db: mongo.db,
    settings: {
      venue: { url: venue.baseUrl, signer: testSigner({ caller: 'market-data' }) },
      topics,
      feedGroupId: `${config.kafka.prefix}test-md-feed-${id}`,
      executionsGroupId: `${config.kafka.prefix}test-md-exec-${id}`,
      redisPrefix: `test-md-${id}`,
      throttleMs: 100,
      backfill: { dir: MARKET_DIR, files: [SECONDS_FILE], symbol: 'BTC-USD' },
    },
    readiness: {},
  });
  service.setSink({ publish: (channel, data) => published.push({ channel, data }) });
  // The service first, so its consumers are in the group before the venue publishes anything.
  await service.start();
  venueVersionFloor = Date.now() * 1000;
  await venue.start();
  venueFirstSequence = (await venueBook()).sequence as number;
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await venue?.dispose();
  const hot = new RedisHotSnapshots(redis, `test-md-${id}`, logger);
  for (const symbol of ['BTC-USD', 'ETH-USD', 'SOL-USD']) await hot.clear(symbol);
  await publisher?.stop();
  subscriber?.disconnect();
  await redis?.quit();
  await mongo?.db.dropDatabase();
  await mongo?.client.close();
}, 60_000);

describe('market data service on a replaying venue (real stack)', () => {
  it('serves the venue\'s book after a replay burst: same sequence, same levels', async () => {
    await eventually('a burst of trades', async () => ((await get('/api/market/trades/BTC-USD?limit=100')).body.trades.length >= 100 ? true : undefined), 60_000);
    const match = await eventually(
      'the market data book to equal the venue book',
      async () => {
        const theirs = await venueBook();
        const ours = (await get('/api/market/orderbook/BTC-USD?depth=1000')).body;
        return ours.sequence === theirs.sequence && ours.synced ? { ours, theirs } : undefined;
      },
      30_000,
      20,
    );
    expect(match.ours.sequence).toBeGreaterThan(venueFirstSequence);
    expect({ bids: match.ours.bids, asks: match.ours.asks }).toEqual({ bids: match.theirs.bids, asks: match.theirs.asks });
    expect(match.ours.bids.length).toBeGreaterThan(0);
    expect(parseDecimal(match.ours.bids[0].price)).toBeLessThan(parseDecimal(match.ours.asks[0].price));
  }, 120_000);

  it('publishes the book channel without gaps: after its last snapshot, deltas and trades cover every version, late covered trades first', () => {
    const ours = published.filter((p) => p.channel === 'book:BTC-USD' || p.channel === 'trades:BTC-USD');
    const lastSnapshot = ours.map((p) => p.data.type).lastIndexOf('snapshot');
    expect(lastSnapshot).toBeGreaterThanOrEqual(0);
    // The first snapshot once the venue was up, and no flapping after it (a foreign venue may add a few).
    expect(ours.filter((p) => p.data.type === 'snapshot').length).toBeLessThan(10);
    const after = ours.slice(lastSnapshot + 1);
    expect(after.length).toBeGreaterThan(50);
    const first = ours[lastSnapshot]!.data.sequence as number;
    // The venue's snapshot may be ahead of the feed: trades it covers that are read after it are still this
    // venue's and are published then (a book delta it covers is not). They come first, in order, each once.
    const late = after.filter((p) => (p.data.version as number) <= first);
    expect(late.every((p) => p.channel === 'trades:BTC-USD')).toBe(true);
    expect(after.slice(0, late.length)).toEqual(late);
    const lateVersions = late.map((p) => p.data.version as number);
    expect(lateVersions).toEqual([...lateVersions].sort((a, b) => a - b));
    const tradeVersions = ours.filter((p) => p.channel === 'trades:BTC-USD').map((p) => p.data.version as number);
    expect(new Set(tradeVersions).size).toBe(tradeVersions.length);
    // Above the snapshot, deltas and trades cover every version.
    const versions = after.slice(late.length).map((p) => p.data.version as number);
    expect(versions.length).toBeGreaterThan(50);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => first + 1 + i));
    expect(after.filter((p) => p.channel === 'book:BTC-USD').every((p) => p.data.type === 'delta')).toBe(true);
    // Every public channel got its updates.
    const channels = new Set(published.map((p) => p.channel));
    for (const channel of ['ticker:BTC-USD', 'candles:BTC-USD:1m', 'candles:BTC-USD:5m', 'candles:BTC-USD:1h', 'candles:BTC-USD:1d']) expect(channels).toContain(channel);
  });

  it("shows the venue's trades: recent trades and the ticker equal what the venue published", async () => {
    // One synchronous read of both: the same moment of the state.
    const ticker = service.market.ticker('BTC-USD');
    const trades = service.market.trades('BTC-USD', 100);
    const newest = trades[0]!.version;
    const values = await readTopicFrom(topics.priceFeeds, feedOffsets, (vs) => vs.some((x) => x.includes(`"version":${newest},`)), 30_000);
    const venueTrades = values
      .map((x) => JSON.parse(x))
      .filter((e) => e.eventType === 'PublicTrade' && e.symbol === 'BTC-USD' && e.version > venueVersionFloor && e.version <= newest);
    expect(venueTrades.length).toBeGreaterThanOrEqual(100);
    const expected = [...venueTrades].reverse().slice(0, 100).map((e) => ({ tradeId: e.tradeId, symbol: 'BTC-USD', price: e.price, quantity: e.quantity, takerSide: e.takerSide, time: e.occurredAt, version: e.version }));
    expect(trades).toEqual(expected);
    const prices = venueTrades.map((e) => parseDecimal(e.price));
    expect(ticker).toMatchObject({
      last: venueTrades.at(-1).price,
      open: venueTrades[0].price,
      high: formatDecimal(prices.reduce((a, b) => (b > a ? b : a))),
      low: formatDecimal(prices.reduce((a, b) => (b < a ? b : a))),
      volume: formatDecimal(venueTrades.reduce((s, e) => s + parseDecimal(e.quantity), 0n)),
      trades: venueTrades.length,
    });
  }, 60_000);

  it('serves candles of the real 1 s bars aggregated to 1m, 5m, 1h and 1d exactly as computed from the CSV here', async () => {
    // Independently of the service's code: group the file's rows by interval start with plain arithmetic.
    const rows = (await readFile(join(MARKET_DIR, SECONDS_FILE), 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(','));
    const expected = (intervalMs: number) => {
      const groups = new Map<number, string[][]>();
      for (const row of rows) {
        const start = Math.floor(Number(row[0]) / intervalMs) * intervalMs;
        groups.set(start, [...(groups.get(start) ?? []), row]);
      }
      return [...groups].map(([start, group]) => ({
        openTime: new Date(start).toISOString(),
        open: formatDecimal(parseDecimal(group[0]![1]!)),
        high: formatDecimal(group.map((r) => parseDecimal(r[2]!)).reduce((a, b) => (b > a ? b : a))),
        low: formatDecimal(group.map((r) => parseDecimal(r[3]!)).reduce((a, b) => (b < a ? b : a))),
        close: formatDecimal(parseDecimal(group.at(-1)![4]!)),
        volume: formatDecimal(group.reduce((s, r) => s + parseDecimal(r[5]!), 0n)),
      }));
    };
    const served = async (interval: string, start: string, end: string) => {
      const answer = await get(`/api/market/candles/BTC-USD?interval=${interval}&start=${start}&end=${end}&limit=1000`);
      expect(answer.status).toBe(200);
      return answer.body.candles.map(({ openTime, open, high, low, close, volume }: any) => ({ openTime, open, high, low, close, volume }));
    };
    // The first six hours of 2016-10-07 at 1m (a known slice), the whole three days at the larger intervals.
    const sixHours = Date.UTC(2016, 9, 7, 6);
    expect(await served('1m', '2016-10-07T00:00:00Z', '2016-10-07T06:00:00Z')).toEqual(expected(60_000).filter((c) => Date.parse(c.openTime) < sixHours));
    expect(await served('5m', '2016-10-07T00:00:00Z', '2016-10-10T00:00:00Z')).toEqual(expected(300_000));
    expect(await served('1h', '2016-10-07T00:00:00Z', '2016-10-10T00:00:00Z')).toEqual(expected(3_600_000));
    expect(await served('1d', '2016-10-01T00:00:00Z', '2016-10-31T00:00:00Z')).toEqual(expected(86_400_000));
    // Live candles sit at the venue's clock (now), apart from the history.
    const live = await get('/api/market/candles/BTC-USD?interval=1m&limit=1');
    expect(Date.parse(live.body.candles[0].openTime)).toBeGreaterThan(Date.now() - 3_600_000);
  }, 60_000);

  it('refuses bad symbols, intervals and ranges with their codes', async () => {
    const code = async (path: string) => (await get(path)).body.error?.code;
    expect(await code('/api/market/orderbook/DOGE-USD')).toBe('UNKNOWN_SYMBOL');
    expect(await code('/api/market/candles/BTC-USD?interval=3m')).toBe('INVALID_INTERVAL');
    expect(await code('/api/market/candles/BTC-USD?start=2016-10-08T00:00:00Z&end=2016-10-07T00:00:00Z')).toBe('INVALID_TIME_RANGE');
    expect(await code('/api/market/candles/BTC-USD?interval=1m&start=2016-01-01T00:00:00Z&end=2017-01-01T00:00:00Z')).toBe('INVALID_TIME_RANGE');
  });

  it('publishes the touch and a mark to Kafka prices and Redis prices:BTC-USD', async () => {
    const update = await eventually(
      'the Redis price to show the current touch',
      async () => {
        const text = await redis.get('prices:BTC-USD');
        const quote = service.market.quote('BTC-USD');
        if (text === null || quote.bid === undefined || quote.ask === undefined) return undefined;
        const parsed = v.parse(PriceUpdateSchema, JSON.parse(text));
        // Another market data service (someone's npm start) may write the same key: ours is the one at our touch.
        return parsed.bid === formatDecimal(quote.bid) && parsed.ask === formatDecimal(quote.ask) && parsed.last === service.market.ticker('BTC-USD').last ? parsed : undefined;
      },
      20_000,
      20,
    );
    expect(parseDecimal(update.mark)).toBe((parseDecimal(update.bid!) + parseDecimal(update.ask!)) / 2n);
    expect(update.version).toBeGreaterThan(Date.now() * 1000 - 60_000_000);
    const values = await readTopicFrom(topics.prices, pricesOffsets, (vs) => vs.some((x) => x.includes(`"${update.eventId}"`)), 30_000);
    const ours = values.map((x) => JSON.parse(x)).filter((e) => e.symbol === 'BTC-USD');
    expect(ours.find((e) => e.eventId === update.eventId)).toEqual(update);
    expect(ours.every((e) => v.safeParse(PriceUpdateSchema, e).success)).toBe(true);
  }, 90_000);

  it("feeds the private channel: an account's execution reports and marked positions, and its snapshot", async () => {
    const accountId = `acct-md-${id}`;
    const other = `acct-md-other-${id}`;
    const order = { ...toOrderView(newOrder({ orderId: `md-order-${id}`, clientOrderId: null, accountId, symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: parseDecimal('0.1'), price: parseDecimal('600'), timeInForce: 'GTC', expireAt: null, postOnly: false, createdAt: new Date().toISOString() })) };
    const report: ExecutionReport = {
      eventId: orderEventId(order.orderId, 2),
      eventType: 'ExecutionReport',
      occurredAt: new Date().toISOString(),
      version: 2,
      orderId: order.orderId,
      accountId,
      status: 'ACCEPTED',
      previousStatus: 'NEW',
      order: { ...order, status: 'ACCEPTED', version: 2 },
    };
    await publisher.publish(topics.executions, [
      { key: order.orderId, value: JSON.stringify(report) },
      { key: `${order.orderId}-x`, value: JSON.stringify({ ...report, orderId: `${order.orderId}-x`, accountId: other, order: { ...report.order, orderId: `${order.orderId}-x`, accountId: other } }) },
    ]);
    await eventually('the report on the account channel', async () => (published.some((p) => p.channel === `orders:${accountId}`) ? true : undefined), 20_000);
    expect(published.filter((p) => p.channel === `orders:${accountId}`)).toEqual([{ channel: `orders:${accountId}`, data: { kind: 'order', report } }]);
    await eventually('the other account report', async () => (published.some((p) => p.channel === `orders:${other}`) ? true : undefined), 20_000);
    expect(published.filter((p) => p.channel === `orders:${other}`).every((p) => p.data.report.accountId === other)).toBe(true);

    const position: PositionRecord = { accountId, symbol: 'BTC-USD', quantity: '0.1', averageEntryPrice: '600', realizedPnl: '0', version: 1, updatedAt: new Date().toISOString() };
    await redis.hset(`positions:${accountId}`, 'BTC-USD', JSON.stringify(position));
    // The channel under the run's Redis key prefix, as the risk engine's mirror publishes it.
    await redis.publish(withKeyPrefix(redis, `positions:${accountId}`), JSON.stringify(position));
    const pushed = await eventually('the position on the account channel', async () => published.find((p) => p.channel === `orders:${accountId}` && p.data.kind === 'position'), 20_000);
    expect(pushed.data.position).toMatchObject({ ...position, markPrice: expect.any(String) });
    const mark = parseDecimal(pushed.data.position.markPrice);
    expect(pushed.data.position.unrealizedPnl).toBe(formatDecimal(((mark - parseDecimal('600')) * parseDecimal('0.1')) / 10n ** 18n));

    await new MongoOrderStore(mongo.db).recordTransition(report.order, { previousStatus: 'NEW', eventType: 'ExecutionReport', occurredAt: report.occurredAt });
    const snapshot: any = await service.state.privateSnapshot(accountId);
    expect(snapshot.orders.map((o: any) => o.orderId)).toEqual([order.orderId]);
    expect(snapshot.positions).toEqual([expect.objectContaining({ accountId, symbol: 'BTC-USD', quantity: '0.1', markPrice: expect.any(String) })]);
    expect(await service.state.privateSnapshot(other)).toEqual({ orders: [], positions: [] });
    await redis.del(`positions:${accountId}`);
  }, 60_000);

  it('sends poison price-feeds messages to price-feeds.dlq with the reason, and goes on', async () => {
    const dlqFrom = await topicOffsets(dlqTopic(topics.priceFeeds));
    const marker = `poison-${id}`;
    await publisher.publish(topics.priceFeeds, [
      { key: marker, value: '{not json' },
      { key: marker, value: JSON.stringify({ eventId: marker, eventType: 'PublicTrade', occurredAt: new Date().toISOString(), version: 1, symbol: 'ZZZ-USD', tradeId: marker, price: '1', quantity: '1', takerSide: 'BUY' }) },
    ]);
    // Read the DLQ's headers through a consumer of our own: the harness reader only keeps values.
    const { Kafka, logLevel } = await import('kafkajs');
    const reader = new Kafka({ clientId: 'test-dlq-reader', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING }).consumer({ groupId: `${config.kafka.prefix}test-dlq-${id}` });
    const ours: Array<{ value: string; reason: string }> = [];
    await reader.connect();
    try {
      await reader.subscribe({ topic: dlqTopic(topics.priceFeeds), fromBeginning: false });
      await reader.run({
        eachMessage: async ({ message }) => {
          const header = (name: string) => message.headers?.[name]?.toString() ?? '';
          if (message.key?.toString() === marker && header(DLQ_HEADERS.groupId) === `${config.kafka.prefix}test-md-feed-${id}`) ours.push({ value: message.value?.toString() ?? '', reason: header(DLQ_HEADERS.reason) });
        },
      });
      for (const { partition, offset } of dlqFrom) reader.seek({ topic: dlqTopic(topics.priceFeeds), partition, offset });
      await eventually('both poison messages in the DLQ', async () => (ours.length >= 2 ? true : undefined), 30_000);
    } finally {
      await reader.disconnect();
    }
    expect(ours.map((m) => m.reason)).toEqual([expect.stringMatching(/^invalid JSON/), 'unknown symbol ZZZ-USD']);
    // The feed goes on.
    const before = service.market.book('BTC-USD', 1).sequence;
    await eventually('the book to move on', async () => (service.market.book('BTC-USD', 1).sequence > before ? true : undefined), 20_000);
  }, 60_000);
});
