import { toJsonSchema } from '@valibot/to-json-schema';
import type { Hono } from 'hono';
import { describeRoute, generateSpecs, loadVendor, resolver } from 'hono-openapi';
import * as v from 'valibot';
import { SYMBOL_INPUT } from '../../domain/symbols';
import { ErrorEnvelopeSchema } from './errors';
import type { InternalRoute } from './internal-auth';

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

/**
 * For an operation anyone may call (probes, the API description, public market data): it overrides the document's
 * default security, so a client and a fuzzer know no credential is needed.
 */
export const PUBLIC_ROUTE = { security: [] as Array<Record<string, string[]>> };

/** An internal service's signed calls as an OpenAPI security scheme (infra/http/internal-auth.ts says how to sign). */
export const INTERNAL_SIGNATURE_SECURITY = {
  components: {
    securitySchemes: {
      internalSignature: {
        type: 'apiKey',
        in: 'header',
        name: 'X-OMS-Signature',
        description:
          'HMAC-SHA256 under the caller\'s own secret of "OMS-HMAC-SHA256\\n<caller>\\n<unix seconds>\\n<METHOD>\\n<path and query>\\n<hex SHA-256 of the body>", with X-OMS-Caller and X-OMS-Timestamp (within 30 s).',
      },
    },
  },
  security: [{ internalSignature: [] }],
};

interface ValibotNode {
  type: string;
  pipe?: readonly ValibotNode[];
  wrapped?: ValibotNode;
  default?: unknown;
  options?: readonly unknown[];
  requirement?: unknown;
  description?: string;
  entries?: Record<string, ValibotNode>;
}

/** A query parameter's schema read off the valibot schema that validates it, so the document says what is enforced. */
function queryParameterSchema(name: string, node: ValibotNode): { required: boolean; schema: Record<string, unknown>; description?: string } {
  let required = true;
  let fallback: unknown;
  let inner = node;
  if (inner.type === 'optional') {
    required = false;
    fallback = inner.default;
    inner = inner.wrapped as ValibotNode;
  }
  const schema: Record<string, unknown> = {};
  let description: string | undefined;
  let transformed = false;
  const refuse = (what: string) => new Error(`queryParameters: ${name} has ${what}, which has no OpenAPI form here`);
  for (const step of inner.pipe ?? [inner]) {
    switch (step.type) {
      case 'string':
        schema.type = 'string';
        break;
      case 'picklist':
        schema.type = 'string';
        schema.enum = [...(step.options ?? [])];
        break;
      case 'regex':
        if (transformed) throw refuse('a regex after a transform');
        schema.pattern = (step.requirement as RegExp).source;
        break;
      case 'min_length':
      case 'max_length':
        if (transformed) throw refuse(`${step.type} after a transform`);
        schema[step.type === 'min_length' ? 'minLength' : 'maxLength'] = step.requirement;
        break;
      case 'non_empty':
        schema.minLength = 1;
        break;
      case 'transform':
        // Only digits to a number: the one transform query strings get here (integerQuery).
        if (typeof schema.pattern !== 'string' || !/^\^\\d\{1,\d+\}\$$/.test(schema.pattern)) throw refuse('a transform of anything but digits');
        transformed = true;
        break;
      case 'min_value':
      case 'max_value':
        if (!transformed || typeof step.requirement !== 'number') throw refuse(`${step.type} on a string`);
        schema[step.type === 'min_value' ? 'minimum' : 'maximum'] = step.requirement;
        break;
      case 'description':
        description = step.description;
        break;
      default:
        throw refuse(step.type);
    }
  }
  if (transformed) {
    schema.type = 'integer';
    delete schema.pattern;
  }
  if (fallback !== undefined) schema.default = transformed ? Number(fallback) : fallback;
  return { required, schema, ...(description === undefined ? {} : { description }) };
}

/**
 * OpenAPI query parameters from the valibot object schema a route parses its query with: names, required, types,
 * enums, patterns, lengths, integer bounds and defaults. A step it cannot express throws, so the document never
 * quietly says less than the validator enforces. `more` adds to a parameter what a later check enforces
 * (e.g. an enum a service checks itself to answer a more specific code).
 */
export function queryParameters(objectSchema: v.GenericSchema, more: Record<string, Record<string, unknown>> = {}) {
  const entries = (objectSchema as unknown as ValibotNode).entries;
  if (entries === undefined) throw new Error('queryParameters: not an object schema');
  return Object.entries(entries).map(([name, node]) => {
    const { required, schema, description } = queryParameterSchema(name, node);
    return { name, in: 'query' as const, required, schema: { ...schema, ...(more[name] ?? {}) }, ...(description === undefined ? {} : { description }) };
  });
}

/** A query parameter that is a decimal integer from min to max: a string on the wire, a number after parsing. */
export const integerQuery = (min: number, max: number) =>
  v.pipe(v.string(), v.regex(new RegExp(`^\\d{1,${String(max).length}}$`), `must be an integer ${min}-${max}`), v.transform(Number), v.minValue(min), v.maxValue(max));

/** A symbol in a query or a path, as normalizeSymbol takes it (BTC-USD, BTC/USD, btc-usd): never empty. */
export const symbolQuery = v.pipe(v.string(), v.regex(SYMBOL_INPUT, 'must be a symbol such as BTC-USD'));

/** A path parameter naming a symbol: the same pattern. An unknown but well-formed symbol is 400 UNKNOWN_SYMBOL. */
export const symbolPathParameter = (description: string) => ({
  name: 'symbol',
  in: 'path' as const,
  required: true,
  schema: { type: 'string' as const, pattern: SYMBOL_INPUT.source },
  description,
});

const ENVELOPE = 'Errors share one envelope: { error: { code, message, details, requestId } }.';

type Operation = { security?: unknown[]; requestBody?: unknown; responses?: Record<string, unknown> };
type Document = { security?: unknown[]; paths?: Record<string, Record<string, Operation>> };

/**
 * What the one factory (service-app.ts) answers on any route, added to every operation that can meet it so the
 * document lists every status a client can get: 401 where the operation needs a credential (the document's default
 * security, unless the operation says `security: []`), and 400, 413 and 415 where it takes a body (malformed JSON,
 * over the size limit, not application/json), 503 (with Retry-After) on every operation but the process's own
 * /health, /metrics, /openapi.json and /docs (any route that needs a dependency answers it while the dependency is down),
 * and 429 (with Retry-After and the RateLimit headers) on the paths `rateLimited` matches. An operation's own
 * description of a status wins.
 */
const NEVER_UNAVAILABLE = new Set(['/health', '/metrics', '/openapi.json', '/docs']);

export function addFactoryResponses(document: Document, options: { rateLimited?: RegExp } = {}): Document {
  const common = (status: number, description: string) => [String(status), jsonResponse(description, ErrorEnvelopeSchema)] as const;
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const security = operation.security ?? document.security ?? [];
      const added = [
        ...(security.length > 0 ? [common(401, 'Missing or invalid credentials (UNAUTHENTICATED)')] : []),
        ...(options.rateLimited?.test(path) === true ? [common(429, 'Over a rate limit (RATE_LIMITED), with Retry-After and the RateLimit headers')] : []),
        ...(NEVER_UNAVAILABLE.has(path) ? [] : [common(503, 'A dependency is down or too slow (SERVICE_UNAVAILABLE), with Retry-After: retry')]),
        ...(operation.requestBody === undefined
          ? []
          : [common(400, 'Invalid body (MALFORMED_JSON, VALIDATION_FAILED)'), common(413, 'Body over the size limit (PAYLOAD_TOO_LARGE)'), common(415, 'A body that is not application/json (UNSUPPORTED_MEDIA_TYPE)')]),
      ];
      const responses = (operation.responses ??= {});
      for (const [status, response] of added) responses[status] ??= response;
    }
  }
  return document;
}

/**
 * An internal service's document names each operation's callers (its route table, infra/http/internal-auth.ts):
 * `x-oms-callers`, a sentence in the description, and the 403 another caller gets.
 */
export function addInternalCallers(document: Document, routes: readonly InternalRoute[]): Document {
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const operation = (document.paths?.[path] as Record<string, Record<string, unknown>> | undefined)?.[route.method.toLowerCase()];
    if (operation === undefined) continue;
    operation['x-oms-callers'] = [...route.callers];
    operation.description = `${typeof operation.description === 'string' ? `${operation.description} ` : ''}Callers: ${route.callers.join(', ')} (a signed call from another caller is refused with 403).`;
    const responses = (operation.responses ??= {}) as Record<string, unknown>;
    responses['403'] ??= jsonResponse('A caller this route does not serve (FORBIDDEN)', ErrorEnvelopeSchema);
  }
  return document;
}

/**
 * Serves the service's OpenAPI document at /openapi.json, generated from its routes once, on the first request
 * (every route is registered by then). `description` says what the service is; every document ends with the shared
 * error envelope. `extra` adds e.g. security schemes.
 */
export function serveOpenApi(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any Hono app, whatever its env
  app: Hono<any>,
  info: { title: string; description: string; rateLimited?: RegExp; callers?: readonly InternalRoute[] },
  extra: Record<string, unknown> = {},
): void {
  let document: Promise<unknown> | undefined;
  app.get(
    '/openapi.json',
    describeRoute({
      ...PUBLIC_ROUTE,
      summary: 'This document',
      tags: ['ops'],
      responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': { schema: { type: 'object' as const } } } } },
    }),
    async (c) => {
      document ??= generateSpecs(
        app,
        {
          // Described routes only; /openapi.json itself has a dot, which the default would take for a static file.
          excludeStaticFile: false,
          documentation: {
            info: { title: info.title, version: '1.0.0', description: `${info.description} ${ENVELOPE}` },
            servers: [{ url: '/' }],
            ...extra,
          },
        },
        c,
      ).then(
        (generated) => addInternalCallers(addFactoryResponses(generated as Document, info.rateLimited === undefined ? {} : { rateLimited: info.rateLimited }), info.callers ?? []),
        (error: unknown) => {
          document = undefined;
          throw error;
        },
      );
      return c.json(await document);
    },
  );
}
