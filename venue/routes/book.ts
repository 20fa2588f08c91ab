import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { DomainError } from '../../domain/errors';
import type { SymbolRegistry } from '../../domain/symbols';
import { parseShape } from '../../domain/validation-issues';
import type { ServiceEnv } from '../../infra/http/context';
import { errorResponses, jsonResponse, queryParameters, symbolPathParameter } from '../../infra/http/openapi';
import { BookQuerySchema, BookViewSchema } from '../schemas';
import type { Venue } from '../venue';

/** The public order book, aggregated per price level. */
export function createBookRoutes(venue: Pick<Venue, 'book'>, symbols: SymbolRegistry) {
  const app = new Hono<ServiceEnv>();
  app.get(
    '/:symbol',
    describeRoute({
      summary: 'L2 book snapshot',
      description: 'Best first on each side, `depth` levels (default 20, at most 1000). `sequence` matches the version of the BookDelta events on price-feeds.',
      tags: ['book'],
      parameters: [symbolPathParameter('BTC-USD'), ...queryParameters(BookQuerySchema)],
      responses: { 200: jsonResponse('The book', BookViewSchema), ...errorResponses({ 400: 'Unknown symbol or bad depth' }) },
    }),
    async (c) => {
      const { depth } = parseShape(BookQuerySchema, c.req.query(), 'query');
      const given = c.req.param('symbol');
      const spec = symbols.get(given);
      if (spec === undefined) throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${given}`, { symbol: given, known: symbols.list().map((s) => s.symbol) });
      return c.json(await venue.book(spec.symbol, depth), 200);
    },
  );
  return app;
}
