import pino from 'pino';
import * as v from 'valibot';
import { parseDecimal } from '../domain/decimal';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import type { PriceFeedEvent } from '../domain/venue-events';
import { ErrorEnvelopeSchema } from '../infra/http/errors';
import type { CandleQuery, CandleRecord } from '../infra/mongo/candle-store';
import { createMarketDataApp } from './app';
import { MarketState } from './market-state';
import { BookSchema, CandleListSchema, SymbolListSchema, TickerListSchema, TickerSchema, TradeListSchema } from './schemas';

const T0 = Date.UTC(2016, 9, 7);
const symbols = new SymbolRegistry(DEFAULT_SYMBOLS);

/** The store's query semantics over an array: what the route must ask it for is what is checked here. */
class ArrayCandles {
  readonly queries: CandleQuery[] = [];
  constructor(private readonly records: CandleRecord[]) {}
  async find(query: CandleQuery): Promise<CandleRecord[]> {
    this.queries.push(query);
    const hits = this.records
      .filter((r) => r.symbol === query.symbol && r.interval === query.interval && (query.fromMs === undefined || r.openTimeMs >= query.fromMs) && (query.toMs === undefined || r.openTimeMs < query.toMs))
      .sort((a, b) => a.openTimeMs - b.openTimeMs);
    return query.newest ? hits.slice(-query.limit) : hits.slice(0, query.limit);
  }
}

const candle = (minute: number): CandleRecord => ({
  symbol: 'BTC-USD',
  interval: '1m',
  openTimeMs: T0 + minute * 60_000,
  open: '611.78',
  high: '611.91',
  low: '611.78',
  close: '611.9',
  volume: '1.13872',
  lastVersion: 0,
  source: 'history',
});

function setup() {
  const state = new MarketState({ symbols, clock: () => Date.UTC(2026, 10, 21, 12), tradesKept: 100 });
  const ticket = state.beginSnapshot('BTC-USD');
  state.applySnapshot(
    'BTC-USD',
    {
      sequence: 7,
      bids: [100, 99, 98].map((p) => ({ price: parseDecimal(String(p)), quantity: parseDecimal('1.5'), orderCount: 1 })),
      asks: [101, 102].map((p) => ({ price: parseDecimal(String(p)), quantity: parseDecimal('2'), orderCount: 2 })),
    },
    ticket,
  );
  for (let v = 8; v <= 12; v++) {
    const event: PriceFeedEvent = {
      eventId: `BTC-USD:${v}`,
      eventType: 'PublicTrade',
      occurredAt: new Date(Date.UTC(2026, 10, 21, 11, 59, v)).toISOString(),
      version: v,
      symbol: 'BTC-USD',
      tradeId: `BTC-USD-1-${v}`,
      price: String(100 + v),
      quantity: '0.1',
      takerSide: 'SELL',
    };
    state.applyFeedEvent(event);
  }
  const candles = new ArrayCandles(Array.from({ length: 30 }, (_, i) => candle(i)));
  const app = createMarketDataApp({ logger: pino({ level: 'silent' }), readiness: {}, state, symbols, candles });
  const get = async (path: string) => {
    const response = await app.request(path);
    return { status: response.status, body: (await response.json()) as any };
  };
  return { get, candles };
}

const expectError = (answer: { status: number; body: unknown }, status: number, code: string) => {
  expect(answer.status).toBe(status);
  expect(v.safeParse(ErrorEnvelopeSchema, answer.body).success).toBe(true);
  expect((answer.body as any).error.code).toBe(code);
};

describe('market data REST', () => {
  it('lists the symbols with their rules', async () => {
    const { get } = setup();
    const answer = await get('/api/market/symbols');
    expect(answer.status).toBe(200);
    expect(v.parse(SymbolListSchema, answer.body).symbols.map((s) => s.symbol)).toEqual(['BTC-USD', 'ETH-USD', 'SOL-USD']);
    expect(answer.body.symbols[0]).toMatchObject({ tickSize: '0.01', baseAsset: 'BTC', status: 'TRADING' });
  });

  it('answers the ticker of one symbol (any spelling) and of all', async () => {
    const { get } = setup();
    const one = await get('/api/market/ticker/btc-usd');
    expect(one.status).toBe(200);
    expect(v.parse(TickerSchema, one.body)).toMatchObject({ symbol: 'BTC-USD', last: '112', bid: '100', ask: '101', open: '108', high: '112', low: '108', volume: '0.5', trades: 5, change: '4' });
    const all = await get('/api/market/ticker');
    expect(v.parse(TickerListSchema, all.body).tickers.map((t) => [t.symbol, t.last])).toEqual([
      ['BTC-USD', '112'],
      ['ETH-USD', null],
      ['SOL-USD', null],
    ]);
  });

  it('answers the book to the asked depth with its sequence', async () => {
    const { get } = setup();
    const answer = await get('/api/market/orderbook/BTC-USD?depth=2');
    expect(answer.status).toBe(200);
    expect(v.parse(BookSchema, answer.body)).toEqual({
      symbol: 'BTC-USD',
      sequence: 12,
      synced: true,
      bids: [
        { price: '100', quantity: '1.5', orderCount: 1 },
        { price: '99', quantity: '1.5', orderCount: 1 },
      ],
      asks: [
        { price: '101', quantity: '2', orderCount: 2 },
        { price: '102', quantity: '2', orderCount: 2 },
      ],
    });
    expect((await get('/api/market/orderbook/BTC-USD')).body.bids).toHaveLength(3);
  });

  it('answers recent trades, newest first, up to the limit', async () => {
    const { get } = setup();
    const answer = await get('/api/market/trades/BTC-USD?limit=2');
    expect(answer.status).toBe(200);
    expect(v.parse(TradeListSchema, answer.body).trades.map((t) => t.version)).toEqual([12, 11]);
    expect((await get('/api/market/trades/BTC-USD')).body.trades).toHaveLength(5);
  });

  it('answers candles of a range, oldest first, and the latest without one', async () => {
    const { get, candles } = setup();
    const range = await get(`/api/market/candles/BTC-USD?interval=1m&start=${T0 + 5 * 60_000}&end=2016-10-07T00:08:00Z`);
    expect(range.status).toBe(200);
    expect(v.parse(CandleListSchema, range.body).candles.map((c) => c.openTime)).toEqual(['2016-10-07T00:05:00.000Z', '2016-10-07T00:06:00.000Z', '2016-10-07T00:07:00.000Z']);
    expect(range.body.candles[0]).toEqual({
      symbol: 'BTC-USD',
      interval: '1m',
      openTime: '2016-10-07T00:05:00.000Z',
      closeTime: '2016-10-07T00:06:00.000Z',
      open: '611.78',
      high: '611.91',
      low: '611.78',
      close: '611.9',
      volume: '1.13872',
    });
    const latest = await get('/api/market/candles/BTC-USD?limit=2');
    expect(latest.body.candles.map((c: any) => c.openTime)).toEqual(['2016-10-07T00:28:00.000Z', '2016-10-07T00:29:00.000Z']);
    expect(candles.queries.at(-1)).toEqual({ symbol: 'BTC-USD', interval: '1m', limit: 2, newest: true });
    expect((await get('/api/market/candles/ETH-USD?interval=1d')).body).toEqual({ symbol: 'ETH-USD', interval: '1d', candles: [] });
  });

  it.each([
    ['/api/market/ticker/DOGE-USD', 400, 'UNKNOWN_SYMBOL'],
    ['/api/market/orderbook/nonsense', 400, 'UNKNOWN_SYMBOL'],
    ['/api/market/trades/XRP-USD', 400, 'UNKNOWN_SYMBOL'],
    ['/api/market/candles/XRP-USD', 400, 'UNKNOWN_SYMBOL'],
    ['/api/market/orderbook/BTC-USD?depth=0', 400, 'VALIDATION_FAILED'],
    ['/api/market/orderbook/BTC-USD?depth=1001', 400, 'VALIDATION_FAILED'],
    ['/api/market/orderbook/BTC-USD?depth=ten', 400, 'VALIDATION_FAILED'],
    ['/api/market/orderbook/BTC-USD?deep=5', 400, 'VALIDATION_FAILED'],
    ['/api/market/trades/BTC-USD?limit=101', 400, 'VALIDATION_FAILED'],
    ['/api/market/trades/BTC-USD?limit=0', 400, 'VALIDATION_FAILED'],
    ['/api/market/candles/BTC-USD?interval=2m', 400, 'INVALID_INTERVAL'],
    ['/api/market/candles/BTC-USD?interval=1m&start=2016-10-07T01:00:00Z&end=2016-10-07T00:00:00Z', 400, 'INVALID_TIME_RANGE'],
    ['/api/market/candles/BTC-USD?interval=1m&start=0&end=1475798400000', 400, 'INVALID_TIME_RANGE'],
    ['/api/market/candles/BTC-USD?start=soon', 400, 'VALIDATION_FAILED'],
    ['/api/market/candles/BTC-USD?limit=5000', 400, 'VALIDATION_FAILED'],
    ['/api/market/candles/BTC-USD?from=1', 400, 'VALIDATION_FAILED'],
    ['/api/market/nothing', 404, 'NOT_FOUND'],
    ['/api/market/ticker/', 404, 'NOT_FOUND'],
  ])('GET %s -> %i %s', async (path, status, code) => {
    const { get } = setup();
    expectError(await get(path), status, code);
  });

  it('documents every route in /openapi.json and answers /health and /ready', async () => {
    const { get } = setup();
    const doc = await get('/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/market/symbols',
        '/api/market/ticker',
        '/api/market/ticker/{symbol}',
        '/api/market/orderbook/{symbol}',
        '/api/market/trades/{symbol}',
        '/api/market/candles/{symbol}',
        '/health',
        '/ready',
      ]),
    );
    expect(doc.body.paths['/api/market/candles/{symbol}'].get.responses['400']).toBeDefined();
    // Public: every operation declares no security, the API description included.
    expect(doc.body.paths['/openapi.json'].get.security).toEqual([]);
    for (const [path, operations] of Object.entries<Record<string, { security?: unknown }>>(doc.body.paths)) {
      for (const [method, operation] of Object.entries(operations)) expect([path, method, operation.security]).toEqual([path, method, []]);
    }
    // Parameters say what the validators enforce.
    const book = doc.body.paths['/api/market/orderbook/{symbol}'].get.parameters;
    expect(book).toEqual([
      expect.objectContaining({ name: 'symbol', in: 'path', required: true, schema: { type: 'string', pattern: expect.any(String) } }),
      { name: 'depth', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } },
    ]);
    expect(new RegExp(book[0].schema.pattern).test('')).toBe(false);
    const candles = Object.fromEntries(doc.body.paths['/api/market/candles/{symbol}'].get.parameters.map((p: { name: string; schema: unknown }) => [p.name, p.schema]));
    expect(candles.interval).toEqual({ type: 'string', enum: ['1m', '5m', '1h', '1d'], default: '1m' });
    expect(candles.limit).toEqual({ type: 'integer', minimum: 1, maximum: 1000, default: 500 });
    expect(new RegExp(candles.start.pattern).test('2016-10-07T00:00:00Z')).toBe(true);
    expect(new RegExp(candles.start.pattern).test('soon')).toBe(false);
    expect((await get('/health')).body).toEqual({ status: 'ok' });
    expect((await get('/ready')).body).toEqual({ status: 'ready', dependencies: {} });
  });
});
