import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import { DomainError } from '../../domain/errors';
import { SymbolStatusBodySchema, SymbolStatusViewSchema } from '../../domain/trading-controls';
import { parseShape } from '../../domain/validation-issues';
import type { ServiceEnv } from '../../infra/http/context';
import { errorResponses, jsonRequestBody, jsonResponse } from '../../infra/http/openapi';
import { readJsonBody } from '../../infra/http/request';
import type { RiskEngine } from '../engine';

const SymbolParamSchema = v.object({ symbol: v.pipe(v.string(), v.maxLength(32, 'symbol must be at most 32 characters')) });

/** Symbol halts at runtime: the risk engine owns them, because its hold check is where every new order passes. */
export function createSymbolRoutes(engine: RiskEngine, announce: (symbol: string) => Promise<void>) {
  const app = new Hono<ServiceEnv>();
  app.put(
    '/:symbol/status',
    describeRoute({
      summary: "Halt or resume a symbol",
      description:
        "The admin's switch (the order API's PUT /api/admin/symbols/{symbol}/status calls this). Stored in symbol_status, applied here at once and announced to every risk process over Redis (each reads the store again; a process whose subscription dropped reloads every status when it is back). While HALTED, every new hold of the symbol is refused 422 SYMBOL_HALTED; resting orders stay and their fills settle. Idempotent.",
      tags: ['symbols'],
      parameters: [{ name: 'symbol', in: 'path', required: true, schema: { type: 'string', maxLength: 32 }, description: 'BTC-USD (BTC/USD accepted)' }],
      requestBody: jsonRequestBody(SymbolStatusBodySchema),
      responses: {
        200: jsonResponse('The status as it is now', SymbolStatusViewSchema),
        ...errorResponses({
          400: 'Unknown symbol (UNKNOWN_SYMBOL) or invalid body (status must be TRADING or HALTED)',
          413: 'Body over the size limit',
          503: 'Stored and applied here, but the other risk processes could not be told: retry',
        }),
      },
    }),
    async (c) => {
      const { symbol } = parseShape(SymbolParamSchema, c.req.param(), 'path');
      const { status } = parseShape(SymbolStatusBodySchema, await readJsonBody(c), 'body');
      const view = await engine.setSymbolStatus(symbol, status);
      try {
        await announce(view.symbol);
      } catch (error) {
        c.var.logger.error({ err: error, symbol: view.symbol, status }, 'risk.symbol_status_unannounced');
        throw new DomainError('SERVICE_UNAVAILABLE', `${view.symbol} is ${status} in the store and here, but the other risk processes could not be told; retry`);
      }
      c.var.logger.info({ symbol: view.symbol, status, previousStatus: view.previousStatus }, 'risk.symbol_status_set');
      return c.json(view, 200);
    },
  );
  return app;
}
