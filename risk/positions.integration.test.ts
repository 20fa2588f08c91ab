import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { parseDecimal } from '../domain/decimal';
import { positionsChannel, positionsRedisKey, PositionRecordSchema, type PositionRecord } from '../domain/market-events';
import { loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { createRedis, whenReady, withKeyPrefix } from '../infra/redis/client';
import { RedisPositionMirror } from '../infra/redis/position-mirror';
import { eventually } from '../test/harness/processes';
import { priceUpdate } from '../test/harness/prices';
import { RiskTestApp } from '../test/harness/risk-test-app';

const d = parseDecimal;

describe('risk engine positions: the fill update, the routes, the Redis mirror and its channel (real stores)', () => {
  const silent = createLogger({ name: 'positions-test', level: 'silent' });
  let risk: RiskTestApp;
  let subscriber: Redis;
  /** Every message on each subscribed positions channel, parsed. */
  const published = new Map<string, PositionRecord[]>();

  beforeAll(async () => {
    risk = await RiskTestApp.start();
    subscriber = createRedis(loadConfig().redis, silent);
    subscriber.on('message', (channel: string, message: string) => {
      published.get(channel)?.push(v.parse(PositionRecordSchema, JSON.parse(message)));
    });
  });
  afterAll(async () => {
    await subscriber?.quit();
    await risk?.stop();
  });

  async function subscribe(accountId: string): Promise<PositionRecord[]> {
    const messages: PositionRecord[] = [];
    // Under the run's Redis key prefix, as the mirror publishes it.
    const channel = withKeyPrefix(subscriber, positionsChannel(accountId));
    published.set(channel, messages);
    // A subscription asked for while the connection still connects would be lost (infra/redis/client.ts whenReady).
    await whenReady(subscriber);
    await subscriber.subscribe(channel);
    return messages;
  }

  const fill = (accountId: string, fillId: string, side: 'BUY' | 'SELL', quantity: string, price: string, symbol = 'BTC-USD') => ({
    fillId,
    accountId,
    symbol,
    side,
    quantity,
    price,
    liquidity: 'TAKER',
  });
  // Each fill settles against its order's hold (issue 11: money only moves through fills of held orders).
  const settle = async (orderId: string, body: ReturnType<typeof fill>, app?: Parameters<RiskTestApp['fill']>[2]) => {
    await risk.holdForFill(orderId, body, app);
    const response = await risk.fill(orderId, body, app);
    expect(response.status).toBe(200);
    return response.json as { applied: boolean };
  };
  const mirrored = async (accountId: string): Promise<Record<string, unknown>> =>
    Object.fromEntries(Object.entries(await risk.redis.hgetall(positionsRedisKey(accountId))).map(([symbol, json]) => [symbol, JSON.parse(json) as unknown]));

  it('follows a sequence of fills exactly: adds, a partial close, a flip, a close to flat; marked to the latest mark', async () => {
    const accountId = await risk.createAccount('trader', { USD: '100000', BTC: '1', ETH: '1' });
    const messages = await subscribe(accountId);

    await settle('o-1', fill(accountId, 'f-1', 'BUY', '0.2', '30000'));
    await settle('o-2', fill(accountId, 'f-2', 'BUY', '0.1', '30300'));
    // Closes half of 0.3 @ 30100: realized 0.15 × (31000 − 30100) = 135.
    await settle('o-3', fill(accountId, 'f-3', 'SELL', '0.15', '31000'));
    // Closes the other 0.15 @ 30100 at 29000 (realized −165) and opens a short of 0.1 @ 29000.
    await settle('o-4', fill(accountId, 'f-4', 'SELL', '0.25', '29000'));

    const short = { accountId, symbol: 'BTC-USD', quantity: '-0.1', averageEntryPrice: '29000', realizedPnl: '-30', openCost: '-2900', version: 4 };
    // No mark known yet.
    const unmarked = await risk.positions(accountId);
    expect(unmarked).toMatchObject({ status: 200, json: [{ ...short, markPrice: null, unrealizedPnl: null }] });
    risk.prices.apply(priceUpdate('BTC-USD', '28500'));
    // (28500 − 29000) × −0.1 = 50
    const marked = await risk.positions(accountId);
    expect(marked.json).toEqual([{ ...short, updatedAt: expect.any(String), markPrice: '28500', unrealizedPnl: '50' }]);

    // The mirror holds the record (the view without the mark), and each version was published once, in order.
    const record = { ...short, updatedAt: marked.json[0].updatedAt as string };
    expect(await mirrored(accountId)).toEqual({ 'BTC-USD': record });
    await eventually('four position messages', async () => messages.length >= 4, 5_000, 20);
    expect(messages.map((m) => [m.version, m.quantity, m.averageEntryPrice, m.realizedPnl])).toEqual([
      [1, '0.2', '30000', '0'],
      [2, '0.3', '30100', '0'],
      [3, '0.15', '30100', '135'],
      [4, '-0.1', '29000', '-30'],
    ]);

    // A repeated fill changes nothing: same answer, same position, nothing new in Redis or on the channel.
    expect(await settle('o-4', fill(accountId, 'f-4', 'SELL', '0.25', '29000'))).toMatchObject({ applied: false });
    expect((await risk.positions(accountId)).json).toEqual(marked.json);
    expect(await mirrored(accountId)).toEqual({ 'BTC-USD': record });

    // Back to flat: realized = Σ sells − Σ buys = 4650 + 7250 − 6000 − 3030 − 2800 = 70.
    await settle('o-5', fill(accountId, 'f-5', 'BUY', '0.1', '28000'));
    await settle('o-6', fill(accountId, 'f-6', 'SELL', '1', '2000', 'ETH-USD'));
    expect((await risk.positions(accountId)).json).toMatchObject([
      { symbol: 'BTC-USD', quantity: '0', averageEntryPrice: null, realizedPnl: '70', version: 5, markPrice: '28500', unrealizedPnl: null },
      { symbol: 'ETH-USD', quantity: '-1', averageEntryPrice: '2000', realizedPnl: '0', version: 1, markPrice: null, unrealizedPnl: null },
    ]);
    await eventually('six position messages', async () => messages.length >= 6, 5_000, 20);
    // The repeat published nothing: version 5 follows version 4.
    expect(messages.map((m) => [m.symbol, m.version])).toEqual([
      ['BTC-USD', 1],
      ['BTC-USD', 2],
      ['BTC-USD', 3],
      ['BTC-USD', 4],
      ['BTC-USD', 5],
      ['ETH-USD', 1],
    ]);
    expect(Object.keys(await mirrored(accountId)).sort()).toEqual(['BTC-USD', 'ETH-USD']);
  }, 30_000);

  it('counts each of many concurrent fills once, and the mirror ends at the last version whatever order the writes landed in', async () => {
    const accountId = await risk.createAccount('busy', { USD: '1000000' });
    const fills = Array.from({ length: 12 }, (_, i) => fill(accountId, `f-c${i}`, 'BUY', '0.01', String(30000 + i)));
    // Each sent twice at once.
    await Promise.all([...fills, ...fills].map((body, i) => settle(`o-c${i % 12}`, body)));
    const position = (await risk.store.getAccount(accountId))!.positions['BTC-USD'];
    // Σ 0.01 × (30000 + i) for i < 12 = 3600.66
    expect(position).toMatchObject({ quantity: d('0.12'), cost: d('3600.66'), realizedPnl: 0n, version: 12 });
    expect(await mirrored(accountId)).toEqual({ 'BTC-USD': expect.objectContaining({ version: 12, quantity: '0.12', averageEntryPrice: '30005.5' }) });
  }, 30_000);

  it('settles while Redis cannot be reached; the next read of the positions repairs the mirror and announces it', async () => {
    const accountId = await risk.createAccount('no-redis', { USD: '100000' });
    const messages = await subscribe(accountId);
    await settle('o-r1', fill(accountId, 'f-r1', 'BUY', '0.1', '30000'));
    await eventually('the first message', async () => messages.length >= 1, 5_000, 20);

    // A connection that has ended (as after Redis went away): every mirror write fails at once.
    const lost = createRedis(loadConfig().redis, silent);
    await lost.ping();
    await lost.quit();
    const app = risk.appWith(risk.symbols, { positionMirror: new RedisPositionMirror(lost) });
    expect(await settle('o-r2', fill(accountId, 'f-r2', 'BUY', '0.1', '31000'), app)).toMatchObject({ applied: true });
    expect(await risk.balances(accountId)).toMatchObject({ BTC: { total: '0.2' } });
    expect(await mirrored(accountId)).toEqual({ 'BTC-USD': expect.objectContaining({ version: 1 }) });

    // A read through an app that reaches Redis brings the mirror up to date and publishes the missed version.
    expect((await risk.positions(accountId)).json).toMatchObject([{ quantity: '0.2', averageEntryPrice: '30500', version: 2 }]);
    expect(await mirrored(accountId)).toEqual({ 'BTC-USD': expect.objectContaining({ version: 2, quantity: '0.2' }) });
    await eventually('the repaired version on the channel', async () => messages.length >= 2, 5_000, 20);
    expect(messages.map((m) => m.version)).toEqual([1, 2]);
    // Reading again writes and publishes nothing more: the mirror is not older.
    await risk.positions(accountId);
    await risk.redis.publish(withKeyPrefix(risk.redis, positionsChannel(accountId)), JSON.stringify({ ...messages[1], version: 99 }));
    await eventually('the marker message', async () => messages.length >= 3, 5_000, 20);
    expect(messages.map((m) => m.version)).toEqual([1, 2, 99]);
  }, 30_000);
});
