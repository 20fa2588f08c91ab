import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import { DomainError } from '../../domain/errors';
import { symbolSpecToView, type SymbolRegistry, type SymbolSpec } from '../../domain/symbols';
import { parseShape } from '../../domain/validation-issues';
import type { ServiceEnv } from '../../infra/http/context';
import { errorResponses, integerQuery, jsonResponse, PUBLIC_ROUTE, queryParameters, symbolPathParameter } from '../../infra/http/openapi';
import type { CandleQuery, CandleRecord } from '../../infra/mongo/candle-store';
import { candleFromRecord } from '../candle-records';
import { DEFAULT_CANDLE_LIMIT, MAX_CANDLE_SPAN, resolveCandleQuery } from '../candle-query';
import { CANDLE_INTERVALS, candleView } from '../candles';
import type { MarketState } from '../market-state';
import { BookQuerySchema, BookSchema, CandleListSchema, CandleQuerySchema, SymbolListSchema, TickerListSchema, TickerSchema, TradeListSchema } from '../schemas';

export interface MarketRoutesDeps {
  state: Pick<MarketState, 'book' | 'ticker' | 'trades' | 'maxTrades'>;
  symbols: SymbolRegistry;
  candles: { find(query: CandleQuery): Promise<CandleRecord[]> };
}

const DEFAULT_TRADES = 50;
const symbolParameter = symbolPathParameter('BTC-USD (btc-usd and BTC/USD accepted)');
const unknownSymbol = { 400: 'Unknown symbol (UNKNOWN_SYMBOL) or a bad parameter (VALIDATION_FAILED)' };

/** Public market data: no authentication. Everything is answered from memory except candles (the store). */
export function createMarketRoutes(deps: MarketRoutesDeps) {
  const app = new Hono<ServiceEnv>();
  const symbolOf = (given: string): SymbolSpec => {
    const spec = deps.symbols.get(given);
    if (spec === undefined) throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${given.slice(0, 32)}`, { symbol: given.slice(0, 32), known: deps.symbols.list().map((s) => s.symbol) });
    return spec;
  };

  app.get(
    '/symbols',
    describeRoute({ ...PUBLIC_ROUTE, summary: 'Symbols and their trading rules', tags: ['market'], responses: { 200: jsonResponse('Every symbol', SymbolListSchema) } }),
    (c) => c.json({ symbols: deps.symbols.list().map(symbolSpecToView) }, 200),
  );

  app.get(
    '/ticker',
    describeRoute({ ...PUBLIC_ROUTE, summary: '24 h tickers of every symbol', tags: ['market'], responses: { 200: jsonResponse('One ticker per symbol', TickerListSchema) } }),
    (c) => c.json({ tickers: deps.symbols.list().map((s) => deps.state.ticker(s.symbol)) }, 200),
  );

  app.get(
    '/ticker/:symbol',
    describeRoute({
      ...PUBLIC_ROUTE,
      summary: '24 h ticker',
      description: 'Last trade, best bid and ask, and the open, high, low, volumes and change over the last 1,440 minutes (the current one included).',
      tags: ['market'],
      parameters: [symbolParameter],
      responses: { 200: jsonResponse('The ticker', TickerSchema), ...errorResponses(unknownSymbol) },
    }),
    (c) => c.json(deps.state.ticker(symbolOf(c.req.param('symbol')).symbol), 200),
  );

  app.get(
    '/orderbook/:symbol',
    describeRoute({
      ...PUBLIC_ROUTE,
      summary: 'L2 order book',
      description: 'Best first on each side, `depth` levels per side (default 20, at most 1000). `sequence` is the venue feed version the book includes: subscribe to the book channel for the deltas after it.',
      tags: ['market'],
      parameters: [symbolParameter, ...queryParameters(BookQuerySchema)],
      responses: { 200: jsonResponse('The book', BookSchema), ...errorResponses(unknownSymbol) },
    }),
    (c) => {
      const { depth } = parseShape(BookQuerySchema, c.req.query(), 'query');
      return c.json(deps.state.book(symbolOf(c.req.param('symbol')).symbol, depth), 200);
    },
  );

  const TradesQuerySchema = v.strictObject({
    limit: v.optional(integerQuery(1, deps.state.maxTrades), String(Math.min(DEFAULT_TRADES, deps.state.maxTrades))),
  });
  app.get(
    '/trades/:symbol',
    describeRoute({
      ...PUBLIC_ROUTE,
      summary: 'Recent trades',
      description: `Newest first, \`limit\` trades (default ${DEFAULT_TRADES}, at most ${deps.state.maxTrades}).`,
      tags: ['market'],
      parameters: [symbolParameter, ...queryParameters(TradesQuerySchema)],
      responses: { 200: jsonResponse('Recent trades', TradeListSchema), ...errorResponses(unknownSymbol) },
    }),
    (c) => {
      const { limit } = parseShape(TradesQuerySchema, c.req.query(), 'query');
      const { symbol } = symbolOf(c.req.param('symbol'));
      return c.json({ symbol, trades: deps.state.trades(symbol, limit) }, 200);
    },
  );

  app.get(
    '/candles/:symbol',
    describeRoute({
      ...PUBLIC_ROUTE,
      summary: 'Candles (OHLCV)',
      description:
        `Bars aligned to UTC interval starts, oldest first, from live trades and from the history backfilled from real market data. ` +
        `\`start\` (inclusive) and \`end\` (exclusive) apply to the open time, as epoch milliseconds or ISO-8601 with a zone. ` +
        `With a start: the first \`limit\` candles from it; without: the last \`limit\` before end (or now). A range may span at most ${MAX_CANDLE_SPAN} candles.`,
      tags: ['market'],
      parameters: [
        symbolParameter,
        ...queryParameters(CandleQuerySchema, { interval: { enum: [...CANDLE_INTERVALS], default: '1m' }, limit: { default: DEFAULT_CANDLE_LIMIT } }),
      ],
      responses: {
        200: jsonResponse('Candles', CandleListSchema),
        ...errorResponses({ 400: 'Unknown symbol (UNKNOWN_SYMBOL), bad interval (INVALID_INTERVAL), bad range (INVALID_TIME_RANGE), bad limit or time (VALIDATION_FAILED)' }),
      },
    }),
    async (c) => {
      const raw = parseShape(CandleQuerySchema, c.req.query(), 'query');
      const { symbol } = symbolOf(c.req.param('symbol'));
      const query = resolveCandleQuery(raw);
      const records = await deps.candles.find({
        symbol,
        interval: query.interval,
        limit: query.limit,
        newest: query.newest,
        ...(query.fromMs === undefined ? {} : { fromMs: query.fromMs }),
        ...(query.toMs === undefined ? {} : { toMs: query.toMs }),
      });
      return c.json({ symbol, interval: query.interval, candles: records.map((r) => candleView(candleFromRecord(r))) }, 200);
    },
  );
  return app;
}
