import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import { DomainError } from '../../domain/errors';
import { FillViewSchema } from '../../domain/events';
import { normalizeSymbol } from '../../domain/symbols';
import { parseShape } from '../../domain/validation-issues';
import { errorResponses, integerQuery, queryParameters, symbolQuery } from '../../infra/http/openapi';
import type { AppEnv } from '../context';
import type { ApiDeps } from '../deps';

const FillListQuerySchema = v.strictObject({
  symbol: v.optional(symbolQuery),
  limit: v.optional(integerQuery(1, 500), '100'),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(512))),
});

export const FillListSchema = v.object({ fills: v.array(FillViewSchema), nextCursor: v.nullable(v.string()) });

/** GET /api/fills: the caller's executions across orders, newest first. */
export function createFillRoutes(deps: Pick<ApiDeps, 'fills'>) {
  const app = new Hono<AppEnv>();
  app.get(
    '/',
    describeRoute({
      summary: "List the caller's fills",
      description: 'Newest first, across all orders; filter by symbol; cursor pagination (pass nextCursor back as cursor). Each fill carries its fee, charged in the quote asset.',
      tags: ['fills'],
      parameters: queryParameters(FillListQuerySchema),
      responses: {
        200: { description: 'A page of fills', content: { 'application/json': { schema: resolver(FillListSchema) } } },
        ...errorResponses({ 400: 'Invalid filter, limit or cursor', 401: 'Missing or unknown API key' }),
      },
    }),
    async (c) => {
      const { symbol, limit, cursor } = parseShape(FillListQuerySchema, c.req.query(), 'query');
      const canonicalSymbol = symbol === undefined ? undefined : normalizeSymbol(symbol);
      if (symbol !== undefined && canonicalSymbol === undefined) throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${symbol}`);
      const page = await deps.fills.listForAccount(c.var.accountId, {
        limit,
        ...(canonicalSymbol === undefined ? {} : { symbol: canonicalSymbol }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return c.json(page, 200);
    },
  );
  return app;
}
