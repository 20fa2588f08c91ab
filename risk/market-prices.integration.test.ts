import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../domain/decimal';
import { pricesRedisKey, type PriceUpdate } from '../domain/market-events';
import { DEFAULT_SYMBOLS, SymbolRegistry, type SymbolSpec } from '../domain/symbols';
import { loadConfig } from '../infra/config';
import { createKafka } from '../infra/kafka/client';
import type { RunningConsumer } from '../infra/kafka/consumer';
import { KafkaEventPublisher } from '../infra/kafka/event-publisher';
import { dlqTopic } from '../infra/kafka/topics';
import { createLogger } from '../infra/logger';
import { eventually } from '../test/harness/processes';
import { readTopicFrom, topicOffsets } from '../test/harness/system';
import { startPriceFeed } from './price-feed';
import { priceUpdate } from '../test/harness/prices';
import { RiskTestApp } from '../test/harness/risk-test-app';

const d = parseDecimal;

/** A symbol of this run only, so the marks published here reach no other test or process that trades real symbols. */
function testSymbol(): SymbolSpec {
  const base = `T${randomUUID().replace(/-/g, '').slice(0, 7).toUpperCase()}`;
  return Object.freeze({
    symbol: `${base}-USD`,
    baseAsset: base,
    quoteAsset: 'USD',
    tickSize: d('0.01'),
    lotSize: d('0.001'),
    minQuantity: d('0.001'),
    maxQuantity: d('1000'),
    minNotional: 0n,
    priceBandPercent: d('10'),
    marketSlippagePercent: d('2'),
    status: 'TRADING',
  });
}

/**
 * Prices reach the risk engine the way the market data service sends them: PriceUpdates on Kafka `prices`
 * (key symbol) and the latest in Redis `prices:<SYMBOL>`. The engine runs in-process on the real stores,
 * its price book fed by the real feed.
 */
describe('risk engine prices: Kafka prices and Redis, the price band, MARKET protection (real stack)', () => {
  const config = loadConfig();
  const { topics } = config.kafka;
  const logger = createLogger({ name: 'prices-test', level: 'silent' });
  const kafka = createKafka(config.kafka, logger);
  const publisher = new KafkaEventPublisher(kafka, logger);
  const [priced, unpriced] = [testSymbol(), testSymbol()];
  const sym = priced.symbol;
  let risk: RiskTestApp;
  let feed: RunningConsumer | undefined;
  let seeded: PriceUpdate;

  const publish = (update: PriceUpdate | string, key = sym) =>
    publisher.publish(topics.prices, [{ key, value: typeof update === 'string' ? update : JSON.stringify(update) }]);
  const markOf = (symbol = sym) => risk.prices.markOf(symbol)?.mark;
  const order = (accountId: string, side: 'BUY' | 'SELL', type: 'LIMIT' | 'MARKET', quantity: string, price: string | null, symbol = sym) => ({
    accountId,
    symbol,
    side,
    type,
    quantity,
    price,
  });

  beforeAll(async () => {
    risk = await RiskTestApp.start({ symbols: new SymbolRegistry([...DEFAULT_SYMBOLS, priced, unpriced]) });
    await publisher.start();
    // Only in Redis before the feed starts: what a restarted process finds.
    seeded = priceUpdate(sym, '100');
    await risk.redis.set(pricesRedisKey(sym), JSON.stringify(seeded));
    feed = await startPriceFeed({ kafka, pricesTopic: topics.prices, kafkaPrefix: config.kafka.prefix, publisher, redis: risk.redis, logger, book: risk.prices, symbols: risk.symbols });
  }, 60_000);
  afterAll(async () => {
    await feed?.stop();
    await publisher.stop();
    await risk?.redis.del(pricesRedisKey(sym));
    await risk?.stop();
  }, 60_000);

  it('knows the mark kept in Redis as soon as the feed has started', () => {
    expect(risk.prices.markOf(sym)).toEqual({ symbol: sym, mark: d('100'), version: seeded.version, occurredAt: seeded.occurredAt });
    expect(markOf(unpriced.symbol)).toBeUndefined();
  });

  it('holds a LIMIT order inside ±10 % of the mark, both ends included, and refuses PRICE_OUT_OF_BAND one tick beyond', async () => {
    const accountId = await risk.createAccount('band', { USD: '10000', [priced.baseAsset]: '10' });
    expect(await risk.hold('o-low', order(accountId, 'BUY', 'LIMIT', '1', '90'))).toMatchObject({ status: 200, json: { amount: '90.18', protectionPrice: null } });
    expect(await risk.hold('o-high', order(accountId, 'SELL', 'LIMIT', '1', '110'))).toMatchObject({ status: 200, json: { asset: priced.baseAsset, amount: '1' } });
    const below = await risk.hold('o-below', order(accountId, 'BUY', 'LIMIT', '1', '89.99'));
    expect(below).toMatchObject({
      status: 422,
      json: { error: { code: 'PRICE_OUT_OF_BAND', details: { symbol: sym, price: '89.99', mark: '100', bandPercent: '10', low: '90', high: '110' } } },
    });
    expect(await risk.hold('o-above', order(accountId, 'SELL', 'LIMIT', '1', '110.01'))).toMatchObject({ status: 422, json: { error: { code: 'PRICE_OUT_OF_BAND' } } });
    // The refused orders hold nothing.
    expect(Object.keys((await risk.store.getAccount(accountId))!.holds).sort()).toEqual(['o-high', 'o-low']);
  });

  it('refuses MARKET_DATA_UNAVAILABLE for a MARKET buy or sell of a symbol without a mark, and bands no LIMIT there', async () => {
    const accountId = await risk.createAccount('no-mark', { USD: '10000', [unpriced.baseAsset]: '10' });
    for (const side of ['BUY', 'SELL'] as const) {
      expect(await risk.hold(`o-m-${side}`, order(accountId, side, 'MARKET', '1', null, unpriced.symbol))).toMatchObject({
        status: 422,
        json: { error: { code: 'MARKET_DATA_UNAVAILABLE', details: { symbol: unpriced.symbol } } },
      });
    }
    expect((await risk.hold('o-any', order(accountId, 'BUY', 'LIMIT', '1', '5000', unpriced.symbol))).status).toBe(200);
  });

  it('holds a MARKET order at the protection price of the mark published on Kafka; a retry answers the first protection price', async () => {
    await publish(priceUpdate(sym, '200.005'));
    await eventually('the mark from Kafka', async () => markOf() === d('200.005'), 20_000, 20);
    const accountId = await risk.createAccount('market', { USD: '10000', [priced.baseAsset]: '10' });

    // 200.005 × 1.02 = 204.0051, down to the tick: 204; 2 × 204 = 408, + 0.2 % taker fee.
    const buy = await risk.hold('o-mbuy', order(accountId, 'BUY', 'MARKET', '2', null));
    expect(buy).toMatchObject({ status: 200, json: { asset: 'USD', amount: '408.816', protectionPrice: '204', alreadyHeld: false } });
    // 200.005 × 0.98 = 196.0049, up to the tick: 196.01; a sell holds its quantity.
    const sell = await risk.hold('o-msell', order(accountId, 'SELL', 'MARKET', '2', null));
    expect(sell).toMatchObject({ status: 200, json: { asset: priced.baseAsset, amount: '2', protectionPrice: '196.01' } });
    expect(await risk.balances(accountId)).toMatchObject({ USD: { held: '408.816' }, [priced.baseAsset]: { held: '2' } });

    await publish(priceUpdate(sym, '300'));
    await eventually('the new mark', async () => markOf() === d('300'), 20_000, 20);
    expect(await risk.hold('o-mbuy', order(accountId, 'BUY', 'MARKET', '2', null))).toMatchObject({
      status: 200,
      json: { amount: '408.816', protectionPrice: '204', alreadyHeld: true },
    });
  });

  it('ignores a lower version and dead-letters a poison message to prices.dlq, going on with the next update', async () => {
    const current = markOf()!;
    const from = await topicOffsets(dlqTopic(topics.prices));
    const poison = `{"not":"a price update","id":"${randomUUID()}"}`;
    // The same key keeps them in order on one partition: once the poison is dead-lettered, the lower version was seen.
    await publish(priceUpdate(sym, '1', { version: 1 }));
    await publish(poison);
    const dead = await readTopicFrom(dlqTopic(topics.prices), from, (values) => values.includes(poison));
    expect(dead.filter((value) => value === poison)).toHaveLength(1);
    expect(markOf()).toBe(current);
    await publish(priceUpdate(sym, '123.45'));
    await eventually('the update after the poison', async () => markOf() === d('123.45'), 20_000, 20);
  }, 40_000);

  it('counts a mark older than the max age as unknown: MARKET refused, LIMIT not banded', async () => {
    const old = new Date(Date.now() - 301_000).toISOString();
    await publish(priceUpdate(sym, '50', { occurredAt: old }));
    await eventually('the old update to be applied', async () => (risk.prices.markOf(sym) === undefined ? true : undefined), 20_000, 20);
    const accountId = await risk.createAccount('stale', { USD: '10000' });
    expect(await risk.hold('o-stale', order(accountId, 'BUY', 'MARKET', '1', null))).toMatchObject({ status: 422, json: { error: { code: 'MARKET_DATA_UNAVAILABLE' } } });
    expect((await risk.hold('o-far', order(accountId, 'BUY', 'LIMIT', '1', '1000'))).status).toBe(200);
  });
});
