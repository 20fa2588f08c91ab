import { Hono, type Context } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import { DomainError } from '../../domain/errors';
import { FillViewSchema, OrderViewSchema, type OrderCreatedEvent } from '../../domain/events';
import { isTerminal, newOrder, ORDER_STATUSES, toOrderView, type OrderView } from '../../domain/order';
import { fromOrderSnapshot, toOrderSnapshot, type OrderSnapshot } from '../../domain/order-snapshot';
import { normalizeSymbol } from '../../domain/symbols';
import { parseShape } from '../../domain/validation-issues';
import type { AppEnv } from '../context';
import type { ApiDeps } from '../deps';
import { errorResponses, integerQuery, jsonResponse, queryParameters, symbolQuery } from '../../infra/http/openapi';
import { recordOrderPlaced } from '../../infra/metrics/order-metrics';
import { TimeoutError, withTimeout } from '../../infra/with-timeout';
import { deriveOrderId, fingerprint } from '../order-id';
import { parseJsonBody, parsePlaceOrder, PlaceOrderBodySchema } from '../order-request';

const IDEMPOTENCY_KEY = /^[\w.:-]{1,128}$/;
/** How long POST /api/orders waits for Kafka's acknowledgement before it answers 503 (API_PUBLISH_TIMEOUT_MS). */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;

const orderResponse = (description: string) => jsonResponse(description, OrderViewSchema);

const ListQuerySchema = v.strictObject({
  status: v.optional(v.picklist(ORDER_STATUSES)),
  symbol: v.optional(symbolQuery),
  limit: v.optional(integerQuery(1, 500), '100'),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(512))),
});

const OrderListSchema = v.object({ orders: v.array(OrderViewSchema), nextCursor: v.nullable(v.string()) });

const OrderFillsSchema = v.object({ orderId: v.string(), fills: v.array(FillViewSchema) });

const CancelResponseSchema = v.object({
  orderId: v.string(),
  status: v.picklist(ORDER_STATUSES),
  cancelRequested: v.literal(true),
});

function idempotencyKey(c: Context<AppEnv>): string {
  const key = c.req.header('Idempotency-Key') ?? c.req.header('X-Idempotency-Key');
  if (key === undefined || key === '') {
    throw new DomainError('IDEMPOTENCY_KEY_REQUIRED', 'the Idempotency-Key header is required on POST /api/orders');
  }
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new DomainError('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1-128 characters of letters, digits, _ . : -');
  }
  return key;
}

/** The event's JSON (as JSON.stringify makes it, `order` last) with the order's JSON already made: encoded once. */
export function createdEventJson(event: OrderCreatedEvent, orderJson: string): string {
  const { order: _order, ...envelope } = event;
  return `${JSON.stringify(envelope).slice(0, -1)},"order":${orderJson}}`;
}

/** The order routes: place, get, list, cancel. Every route acts only on the caller's own orders. */
export function createOrderRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  const now = deps.clock ?? (() => new Date());
  const publishTimeoutMs = deps.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;

  /**
   * Mongo first, then the stored request, then the workflow: a GET right after a 202 never 404s.
   *
   * The stored request before the workflow's query: until Mongo has the order nothing of it is durable, since its
   * first record is NEW, so NEW is its status; a query would say the same at the cost of a workflow task, and one
   * that waits behind the order's first task (a client polling a new order paid that on every poll). The workflow is
   * asked when the stored request is gone (expired) or Redis cannot answer; with neither, Redis's error stands (503).
   */
  const findOrder = async (accountId: string, orderId: string): Promise<{ view: OrderView; pending: OrderSnapshot | null } | null> => {
    const stored = await deps.orders.getForAccount(accountId, orderId);
    if (stored) return { view: stored, pending: null };
    let snapshot: OrderSnapshot | undefined;
    let cacheError: Error | undefined;
    try {
      snapshot = await deps.pendingOrders.get(orderId);
    } catch (error) {
      cacheError = error instanceof Error ? error : new Error(String(error));
    }
    if (snapshot !== undefined) {
      return snapshot.accountId === accountId ? { view: toOrderView(fromOrderSnapshot(snapshot)), pending: snapshot } : null;
    }
    const live = await deps.workflows.query(orderId);
    if (live) return live.accountId === accountId ? { view: live, pending: null } : null;
    if (cacheError !== undefined) throw cacheError;
    return null;
  };

  const notFound = (orderId: string) => new DomainError('ORDER_NOT_FOUND', `no order ${orderId} for this account`, { orderId });

  app.post(
    '/',
    describeRoute({
      summary: 'Place an order',
      description:
        'Validates the order and the symbol rules, enforces the idempotency key, publishes OrderCreated to Kafka and answers 202 with status NEW once Kafka acknowledged. Risk runs in the order workflow: follow the order with GET.',
      tags: ['orders'],
      parameters: [
        { name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source }, description: 'X-Idempotency-Key is accepted too' },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: resolver(PlaceOrderBodySchema) } } },
      responses: {
        202: orderResponse('Accepted for processing (status NEW); a replay of the same key returns the first response'),
        ...errorResponses({
          400: 'Invalid body, symbol, decimal or missing idempotency key',
          401: 'Missing or unknown API key',
          409: 'A request with this idempotency key is still in flight',
          413: 'Body over the size limit',
          422: 'Idempotency key reused with a different body',
          503: 'A dependency (Redis, Kafka, Mongo) is unavailable or Kafka did not acknowledge in time; Retry-After says when to retry with the same key, which is never harmed (a retry learns the outcome of an unconfirmed attempt)',
        }),
      },
    }),
    async (c) => {
      // c.get, not c.var: c.var copies every variable into a new object on each read.
      const accountId = c.get('accountId');
      const key = idempotencyKey(c);
      const createdAt = now().toISOString();
      const request = parsePlaceOrder(parseJsonBody(await c.req.text()), deps.symbols, createdAt);

      // The rate limits and the claim in one Redis round trip when the limits deferred theirs (api/rate-limit.ts).
      const claim = { scope: accountId, key, fingerprint: fingerprint(request) };
      const begun = (await deps.rateLimits?.admitOrder(c, claim)) ?? (await deps.idempotency.begin(accountId, key, claim.fingerprint));
      if (begun.state === 'in-flight') {
        throw new DomainError('IDEMPOTENCY_KEY_IN_FLIGHT', 'a request with this Idempotency-Key is still being processed; retry shortly');
      }
      if (begun.state === 'mismatch') {
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request');
      }
      if (begun.state === 'completed') {
        c.header('Idempotent-Replayed', 'true');
        // The first answer exactly as it was stored; anything else under this key is our bug, not the caller's.
        const replayed = begun.response.body;
        if (!v.is(OrderViewSchema, replayed)) throw new Error(`the stored answer for idempotency key ${key} is not an order`);
        return c.json(replayed, begun.response.status as 202);
      }

      const orderId = deriveOrderId(accountId, key);
      const order = newOrder({ ...request.terms, orderId, clientOrderId: request.clientOrderId ?? orderId, accountId, symbol: request.symbol, createdAt });
      const snapshot = toOrderSnapshot(order);
      const view = toOrderView(order);
      // Each encoded once: the snapshot goes into the event and the pending-order cache, the view into the answer and
      // the stored answer.
      const snapshotJson = JSON.stringify(snapshot);
      const viewJson = JSON.stringify(view);
      const eventJson = createdEventJson({ eventId: `${orderId}:created`, eventType: 'OrderCreated', occurredAt: createdAt, version: 1, orderId, order: snapshot }, snapshotJson);
      const log = c.get('logger');
      // Once Kafka has the order it is placed: the snapshot for early GETs and the stored answer are best effort
      // (Redis may be down too); without the stored answer a retry derives the same orderId, whose workflow id
      // refuses a second order.
      const afterPublish = async (): Promise<void> => {
        // Once queued the order exists, whatever happens to this answer: counted here, never again on a replay.
        recordOrderPlaced(view);
        await Promise.all([
          deps.pendingOrders.put(snapshot, deps.idempotencyTtlSeconds, snapshotJson).catch((error: unknown) => log.warn({ err: error, orderId }, 'order.pending_cache_failed')),
          deps.idempotency.complete(accountId, key, begun.token, { status: 202, body: view, bodyJson: viewJson }).catch((error: unknown) => {
            log.warn({ err: error, orderId }, 'order.idempotency_complete_failed');
            return false;
          }),
        ]);
      };
      const published = deps.publisher.publish(deps.ordersTopic, [{ key: orderId, value: eventJson }]).then(afterPublish, async (error: unknown) => {
        // Kafka refused the send: free the key so the client may retry with it. If Redis cannot be told either, the
        // claim lapses by itself after its in-flight time (409 until then).
        await deps.idempotency.abandon(accountId, key, begun.token).catch((abandonError: unknown) => log.warn({ err: abandonError, orderId }, 'order.idempotency_abandon_failed'));
        throw error;
      });
      try {
        await withTimeout(published, publishTimeoutMs, `Kafka did not acknowledge order ${orderId} within ${publishTimeoutMs} ms`);
      } catch (error) {
        if (error instanceof TimeoutError) {
          // The send goes on and may still succeed: the key stays claimed until it settles (then it holds the 202,
          // or is freed), so a retry learns the outcome and the order is never published twice.
          log.warn({ orderId, publishTimeoutMs }, 'order.publish_unconfirmed');
          throw new DomainError('SERVICE_UNAVAILABLE', 'the order is not confirmed yet: retry with the same Idempotency-Key to learn its outcome (409 while it is still being confirmed)');
        }
        log.error({ err: error, orderId }, 'order.publish_failed');
        throw new DomainError('SERVICE_UNAVAILABLE', 'the order could not be queued; nothing was stored, retry with the same Idempotency-Key');
      }
      if (log.isLevelEnabled('info')) log.info({ orderId, accountId, symbol: view.symbol, side: view.side, quantity: view.quantity, price: view.price }, 'order.placed');
      return c.body(viewJson, 202, { 'Content-Type': 'application/json' });
    },
  );

  app.get(
    '/',
    describeRoute({
      summary: "List the caller's orders",
      description: 'Newest first; filter by status and symbol; cursor pagination (pass nextCursor back as cursor).',
      tags: ['orders'],
      parameters: queryParameters(ListQuerySchema),
      responses: {
        200: { description: 'A page of orders', content: { 'application/json': { schema: resolver(OrderListSchema) } } },
        ...errorResponses({ 400: 'Invalid filter, limit or cursor', 401: 'Missing or unknown API key' }),
      },
    }),
    async (c) => {
      const { status, symbol, limit, cursor } = parseShape(ListQuerySchema, c.req.query(), 'query');
      const canonicalSymbol = symbol === undefined ? undefined : normalizeSymbol(symbol);
      if (symbol !== undefined && canonicalSymbol === undefined) throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${symbol}`);
      const page = await deps.orders.listForAccount(c.var.accountId, {
        limit,
        ...(status === undefined ? {} : { status }),
        ...(canonicalSymbol === undefined ? {} : { symbol: canonicalSymbol }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return c.json(page, 200);
    },
  );

  app.get(
    '/:orderId',
    describeRoute({
      summary: 'Get one order',
      tags: ['orders'],
      responses: { 200: orderResponse('The order'), ...errorResponses({ 401: 'Missing or unknown API key', 404: 'No such order for this account' }) },
    }),
    async (c) => {
      const orderId = c.req.param('orderId');
      const found = await findOrder(c.var.accountId, orderId);
      if (!found) throw notFound(orderId);
      return c.json(found.view, 200);
    },
  );

  app.get(
    '/:orderId/fills',
    describeRoute({
      summary: "One order's fills",
      description: 'Oldest first: each execution with its price, quantity, maker or taker liquidity and fee.',
      tags: ['orders', 'fills'],
      responses: {
        200: jsonResponse("The order's fills", OrderFillsSchema),
        ...errorResponses({ 401: 'Missing or unknown API key', 404: 'No such order for this account' }),
      },
    }),
    async (c) => {
      const orderId = c.req.param('orderId');
      const found = await findOrder(c.var.accountId, orderId);
      if (!found) throw notFound(orderId);
      return c.json({ orderId, fills: await deps.fills.forOrder(c.var.accountId, orderId) }, 200);
    },
  );

  const cancel = async (c: Context<AppEnv>) => {
    const orderId = c.req.param('orderId') ?? '';
    const found = await findOrder(c.var.accountId, orderId);
    if (!found) throw notFound(orderId);
    const terminal = () =>
      new DomainError('ORDER_TERMINAL', `order ${orderId} is ${found.view.status} and cannot be cancelled`, { orderId, status: found.view.status });
    if (isTerminal(found.view.status)) throw terminal();
    const outcome = await deps.workflows.requestCancel(orderId, { reason: 'cancelled by the trader', cancelledBy: 'USER_CANCELLED' }, found.pending ?? undefined);
    if (outcome !== 'signalled') {
      const latest = (await findOrder(c.var.accountId, orderId)) ?? found;
      throw new DomainError('ORDER_TERMINAL', `order ${orderId} is ${latest.view.status} and cannot be cancelled`, { orderId, status: latest.view.status });
    }
    c.var.logger.info({ orderId }, 'order.cancel_requested');
    return c.json({ orderId, status: found.view.status, cancelRequested: true as const }, 202);
  };

  const cancelDoc = describeRoute({
    summary: 'Cancel an order',
    description:
      'Signals the order workflow to cancel (signal-with-start if the workflow does not exist yet). 202 means the cancel was delivered; follow the order with GET until it is CANCELLED (or FILLED if a fill won the race).',
    tags: ['orders'],
    responses: {
      202: { description: 'Cancel requested', content: { 'application/json': { schema: resolver(CancelResponseSchema) } } },
      ...errorResponses({ 401: 'Missing or unknown API key', 404: 'No such order for this account', 409: 'The order is already in a terminal state' }),
    },
  });
  app.post('/:orderId/cancel', cancelDoc, cancel);
  app.delete('/:orderId', cancelDoc, cancel);

  return app;
}
