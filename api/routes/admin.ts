import { Hono, type MiddlewareHandler } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import { API_KEY_ID_PATTERN, API_KEY_ROLES } from '../../domain/api-key';
import { DomainError } from '../../domain/errors';
import { parseShape } from '../../domain/validation-issues';
import { newApiKeyId } from '../../infra/mongo/api-key-store';
import { errorResponses, jsonRequestBody, jsonResponse } from '../../infra/http/openapi';
import type { AppEnv } from '../context';
import type { AdminDeps, ApiDeps } from '../deps';
import { parseJsonBody } from '../order-request';

const ACCOUNT_ID = /^[\w.:-]{1,64}$/;

export const IssueApiKeyBodySchema = v.strictObject({
  accountId: v.pipe(v.string(), v.regex(ACCOUNT_ID, 'accountId must be 1-64 characters of letters, digits, _ . : -'), v.description('The account the key acts for')),
  label: v.pipe(
    v.string(),
    v.minLength(1, 'label must not be empty'),
    v.maxLength(100, 'label must be at most 100 characters'),
    // Control characters (Unicode Cc) spelled as ranges: a pattern every JSON Schema tool can use.
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    v.regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'label must not contain control characters'),
    v.description('What the key is for, e.g. "market maker bot"'),
  ),
  role: v.optional(v.picklist(API_KEY_ROLES), 'trader'),
});

export const IssuedApiKeySchema = v.object({
  keyId: v.pipe(v.string(), v.description('The public id: revoke with DELETE /api/admin/api-keys/{keyId}')),
  apiKey: v.pipe(v.string(), v.description('The key itself, shown this once and never again: only its HMAC is stored')),
  accountId: v.string(),
  role: v.picklist(API_KEY_ROLES),
  label: v.string(),
  createdAt: v.string(),
});

export const RevokedApiKeySchema = v.object({
  keyId: v.string(),
  accountId: v.string(),
  role: v.picklist(API_KEY_ROLES),
  revokedAt: v.pipe(v.string(), v.description('When the key was first revoked (a repeated DELETE answers the same time)')),
});

/** The admin routes answer only keys with the admin role: 403 FORBIDDEN for any other (authenticated) key. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.var.role !== 'admin') {
    c.var.logger.warn({ path: c.req.path, method: c.req.method }, 'admin.forbidden');
    throw new DomainError('FORBIDDEN', 'this route needs an API key with the admin role');
  }
  await next();
};

/**
 * Key management for admins: issue a key for an account (the key is in the answer once; the store keeps its HMAC)
 * and revoke one by its id (every process stops accepting it within a second). Every action is written to
 * `admin_actions` (who, what, when, on which key and account): a key is not handed out without its record.
 */
export function createAdminRoutes(deps: Pick<ApiDeps, 'risk'> & { admin: AdminDeps }) {
  const app = new Hono<AppEnv>();
  app.use('*', requireAdmin);

  app.post(
    '/api-keys',
    describeRoute({
      summary: 'Issue an API key (admin)',
      description:
        'Creates a random key (256 bits, prefixed oms_live_ in production and oms_test_ elsewhere) for an existing account with the given role (trader by default). The key is returned once; only its HMAC-SHA-256 under the server pepper is stored. Audited in admin_actions.',
      tags: ['admin'],
      requestBody: jsonRequestBody(IssueApiKeyBodySchema),
      responses: {
        201: jsonResponse('The new key, shown this once', IssuedApiKeySchema),
        ...errorResponses({
          400: 'Invalid body',
          401: 'Missing or unknown API key',
          403: 'The key does not have the admin role (FORBIDDEN)',
          404: 'No such account (ACCOUNT_NOT_FOUND)',
          413: 'Body over the limit',
          503: 'The risk engine (which knows the accounts) or the store does not answer',
        }),
      },
    }),
    async (c) => {
      const body = parseShape(IssueApiKeyBodySchema, parseJsonBody(await c.req.text()), 'body');
      let balances: unknown;
      try {
        balances = await deps.risk.balances(body.accountId);
      } catch (error) {
        c.var.logger.warn({ err: error }, 'risk.balances_unavailable');
        throw new DomainError('SERVICE_UNAVAILABLE', 'the account could not be checked right now; retry shortly');
      }
      if (balances === null) throw new DomainError('ACCOUNT_NOT_FOUND', `no account ${body.accountId}`, { accountId: body.accountId });

      const keyId = newApiKeyId();
      const issued = await deps.admin.keyStore.issueKey({ accountId: body.accountId, label: body.label, role: body.role, prefix: deps.admin.issuedKeyPrefix, keyId });
      try {
        await deps.admin.audit.record({
          action: 'api_key.issue',
          actor: { accountId: c.var.accountId, keyId: c.var.keyId },
          target: { keyId, accountId: body.accountId },
          at: issued.createdAt,
          requestId: c.var.requestId,
          outcome: 'done',
          details: { role: body.role, label: body.label },
        });
      } catch (error) {
        // No key without its audit record: take it back (nobody has seen it yet).
        await deps.admin.keyStore.revokeKey(keyId).catch(() => undefined);
        throw error;
      }
      c.var.logger.info({ keyId, forAccount: body.accountId, role: body.role }, 'admin.api_key_issued');
      c.header('Cache-Control', 'no-store');
      return c.json(issued, 201);
    },
  );

  app.delete(
    '/api-keys/:keyId',
    describeRoute({
      summary: 'Revoke an API key (admin)',
      description:
        'Marks the key revoked and tells every process (Redis pub/sub): within a second no API or market data process accepts it, and its open WebSocket sessions are closed with 4001 "api key revoked". Idempotent. Audited in admin_actions.',
      tags: ['admin'],
      parameters: [{ name: 'keyId', in: 'path', required: true, schema: { type: 'string', pattern: API_KEY_ID_PATTERN.source }, description: 'The key id issuing returned' }],
      responses: {
        200: jsonResponse('Revoked', RevokedApiKeySchema),
        ...errorResponses({
          400: 'Not a key id',
          401: 'Missing or unknown API key',
          403: 'The key does not have the admin role (FORBIDDEN)',
          404: 'No key with that id (NOT_FOUND)',
          503: 'Revoked in the store, but the other processes could not be told: retry',
        }),
      },
    }),
    async (c) => {
      const keyId = c.req.param('keyId');
      if (!API_KEY_ID_PATTERN.test(keyId)) {
        throw new DomainError('VALIDATION_FAILED', 'keyId must be ak_ followed by 24 hex digits', { issues: [{ path: 'keyId', message: 'not a key id' }] });
      }
      const revoked = await deps.admin.keyStore.revokeKey(keyId);
      await deps.admin.audit.record({
        action: 'api_key.revoke',
        actor: { accountId: c.var.accountId, keyId: c.var.keyId },
        target: revoked === null ? { keyId } : { keyId, accountId: revoked.accountId },
        at: new Date().toISOString(),
        requestId: c.var.requestId,
        outcome: revoked === null ? 'not_found' : 'done',
        ...(revoked === null ? {} : { details: { revokedNow: revoked.revokedNow } }),
      });
      if (revoked === null) throw new DomainError('NOT_FOUND', `no API key ${keyId}`, { keyId });
      try {
        await deps.admin.announceRevocation(keyId);
      } catch (error) {
        c.var.logger.error({ err: error, keyId }, 'admin.api_key_revocation_unannounced');
        throw new DomainError('SERVICE_UNAVAILABLE', 'the key is revoked in the store, but the other processes could not be told (they stop accepting it within the cache time); retry to tell them');
      }
      c.var.logger.info({ keyId, forAccount: revoked.accountId, revokedNow: revoked.revokedNow }, 'admin.api_key_revoked');
      return c.json({ keyId, accountId: revoked.accountId, role: revoked.role, revokedAt: revoked.revokedAt }, 200);
    },
  );
  return app;
}
