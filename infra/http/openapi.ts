import { toJsonSchema } from '@valibot/to-json-schema';
import type { Hono } from 'hono';
import { loadVendor, openAPIRouteHandler, resolver } from 'hono-openapi';
import type * as v from 'valibot';
import { ErrorEnvelopeSchema } from './errors';

const valibotToJsonSchema = (schema: unknown, options?: Record<string, unknown>): Record<string, unknown> =>
  toJsonSchema(schema as v.GenericSchema, options) as Record<string, unknown>;

/**
 * hono-openapi finds the valibot converter with a dynamic import(), which a CommonJS runtime such as
 * Jest's cannot run; handing it over explicitly makes /openapi.json work in-process too. Idempotent.
 */
export function registerValibotConverter(): void {
  loadVendor('valibot', { toJSONSchema: valibotToJsonSchema });
}

/** OpenAPI response entries generated from the same valibot schemas the service answers with. */
export const jsonResponse = (description: string, schema: v.GenericSchema) => ({
  description,
  content: { 'application/json': { schema: resolver(schema) } },
});

export const errorResponses = (byStatus: Record<number, string>) =>
  Object.fromEntries(Object.entries(byStatus).map(([status, description]) => [status, jsonResponse(description, ErrorEnvelopeSchema)]));

export const jsonRequestBody = (schema: v.GenericSchema) => ({ required: true, content: { 'application/json': { schema: resolver(schema) } } });

export const idPathParameter = (name: string, description: string) => ({
  name,
  in: 'path' as const,
  required: true,
  schema: { type: 'string' as const, pattern: '^[\\w:-]{1,128}$' },
  description,
});

const ENVELOPE = 'Errors share one envelope: { error: { code, message, details, requestId } }.';

/**
 * Serves the service's OpenAPI document at /openapi.json, generated from its routes. `description` says what the
 * service is; every document ends with the shared error envelope. `extra` adds e.g. security schemes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any Hono app, whatever its env
export function serveOpenApi(app: Hono<any>, info: { title: string; description: string }, extra: Record<string, unknown> = {}): void {
  app.get(
    '/openapi.json',
    openAPIRouteHandler(app, {
      documentation: {
        info: { title: info.title, version: '1.0.0', description: `${info.description} ${ENVELOPE}` },
        servers: [{ url: '/' }],
        ...extra,
      },
    }),
  );
}
