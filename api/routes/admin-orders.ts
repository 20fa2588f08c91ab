import { Hono, type Context } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import { DomainError } from '../../domain/errors';
import { isTerminal, ORDER_STATUSES, type OrderView } from '../../domain/order';
import { parseShape } from '../../domain/validation-issues';
import { DeadLetterReadTimeoutError, ReplayBusyError, UnknownPartitionError, type DeadLetterQueues } from '../../infra/kafka/dead-letters';
import type { AdminAuditRecord, AdminAuditStore } from '../../infra/mongo/admin-audit-store';
import { MAX_LIST_LIMIT, type OrderStore } from '../../infra/mongo/order-store';
import { REPLAYABLE_TOPICS } from '../../infra/kafka/topics';
import { errorResponses, idPathParameter, jsonResponse } from '../../infra/http/openapi';
import type { OrderWorkflowGateway } from '../../infra/temporal/order-workflows';
import { orderWorkflowId } from '../../workflows/order-contract';
import type { AppEnv } from '../context';
import { requireAdmin } from './admin';

/** What the order operations need: the order store, the workflows, the dead-letter topics and the audit. */
export interface AdminOrdersDeps {
  orders: Pick<OrderStore, 'get' | 'listStuck'>;
  workflows: Pick<OrderWorkflowGateway, 'requestReconcile'>;
  deadLetters: DeadLetterQueues;
  /** The topics by the names admins use (`orders`, `venue-reports`, ...) → their names under KAFKA_PREFIX. */
  topics: ReadonlyMap<string, string>;
  audit: AdminAuditStore;
  clock?: () => Date;
}

export const MAX_STUCK_SECONDS = 30 * 24 * 3600;
export const DEFAULT_STUCK_SECONDS = 60;
export const DEFAULT_STUCK_LIMIT = 100;
export const MAX_DLQ_PAGE = 500;
export const MAX_DLQ_REPLAY = 1_000;

const StuckOrderSchema = v.object({
  orderId: v.string(),
  accountId: v.string(),
  symbol: v.string(),
  status: v.picklist(ORDER_STATUSES),
  lastTransitionAt: v.pipe(v.string(), v.description("The order's updatedAt: when its last transition was recorded")),
  secondsSinceTransition: v.number(),
  workflowId: v.pipe(v.string(), v.description('Find it in the Temporal UI, or send it the reconcile signal')),
  resting: v.pipe(
    v.boolean(),
    v.description('A LIMIT GTC/GTD order ACCEPTED or PARTIALLY_FILLED: it may just be waiting on the book, not stuck. False for everything else (NEW, PENDING_CANCEL, FILLED awaiting settlement, IOC/FOK/MARKET in flight).'),
  ),
});

const StuckOrdersSchema = v.object({
  olderThanSeconds: v.number(),
  asOf: v.string(),
  orders: v.array(StuckOrderSchema),
  truncated: v.pipe(v.boolean(), v.description('More orders match than `limit`: the oldest transitions come first')),
});

const ReconcileAnswerSchema = v.object({
  orderId: v.string(),
  workflowId: v.string(),
  status: v.picklist(ORDER_STATUSES),
  reconcileRequested: v.literal(true),
});

const DeadLetterSchema = v.object({
  partition: v.number(),
  offset: v.string(),
  key: v.nullable(v.string()),
  timestamp: v.string(),
  headers: v.pipe(v.record(v.string(), v.string()), v.description('Original headers plus dlq-reason, dlq-details, dlq-original-topic/partition/offset, dlq-consumer-group, dlq-failed-at')),
  reason: v.nullable(v.string()),
  payloadPreview: v.pipe(v.string(), v.description('The first 2,000 characters of the message value')),
  payloadBytes: v.number(),
  replayed: v.pipe(v.boolean(), v.description('Below the replay watermark: already re-driven')),
});

const DlqPartitionSchema = v.object({ partition: v.number(), low: v.string(), high: v.string(), replayedUpTo: v.string() });

const DeadLetterPageSchema = v.object({
  topic: v.string(),
  dlqTopic: v.string(),
  partitions: v.array(DlqPartitionSchema),
  letters: v.array(DeadLetterSchema),
});

const OffsetSchema = v.pipe(v.string(), v.regex(/^\d{1,19}$/, 'must be a non-negative integer (as a string)'));

export const DlqReplayBodySchema = v.strictObject({
  partition: v.optional(v.pipe(v.number(), v.integer('partition must be an integer'), v.minValue(0), v.maxValue(10_000))),
  toOffset: v.optional(v.pipe(OffsetSchema, v.description('Replay up to this offset (inclusive) of the partition; all when absent'))),
  limit: v.optional(v.pipe(v.number(), v.integer('limit must be an integer'), v.minValue(1), v.maxValue(MAX_DLQ_REPLAY)), 100),
});

const DlqReplayAnswerSchema = v.object({
  topic: v.string(),
  dlqTopic: v.string(),
  count: v.number(),
  replayed: v.array(v.object({ partition: v.number(), fromOffset: v.string(), toOffset: v.string(), count: v.number() })),
  partitions: v.array(DlqPartitionSchema),
});

const forbidden = { 401: 'Missing or unknown API key', 403: 'The key does not have the admin role (FORBIDDEN)' };

/**
 * Order operations for admins: the stuck orders, a reconcile on demand (the workflow asks the venue now), and the
 * dead-letter topics (inspect, re-drive). The actions (reconcile, replay) are written to `admin_actions` and logged;
 * the reads need no audit.
 */
export function createAdminOrderRoutes(deps: AdminOrdersDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', requireAdmin);
  const now = () => (deps.clock ?? (() => new Date()))();

  const audit = (c: Context<AppEnv>, entry: Pick<AdminAuditRecord, 'action' | 'target' | 'outcome'> & Partial<Pick<AdminAuditRecord, 'parameters' | 'details'>>) =>
    deps.audit.record({ ...entry, actor: { accountId: c.var.accountId, keyId: c.var.keyId }, at: now().toISOString(), requestId: c.var.requestId });

  app.get(
    '/orders/stuck',
    describeRoute({
      summary: 'Orders stuck in a live status (admin)',
      description:
        "Orders not terminal whose last transition is older than `olderThanSeconds`, oldest transition first, at most `limit`. Every live order is listed; `resting` tells a LIMIT GTC/GTD order waiting on the book (usually fine) from one in flight (NEW, PENDING_CANCEL, FILLED awaiting settlement, IOC/FOK/MARKET): the latter are what the 'order stuck' alert means. Send a stuck order POST /api/admin/orders/{orderId}/reconcile.",
      tags: ['admin'],
      parameters: [
        { name: 'olderThanSeconds', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_STUCK_SECONDS, default: DEFAULT_STUCK_SECONDS } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_STUCK_LIMIT } },
      ],
      responses: { 200: jsonResponse('The stuck orders', StuckOrdersSchema), ...errorResponses({ 400: 'Bad olderThanSeconds or limit (VALIDATION_FAILED)', ...forbidden }) },
    }),
    async (c) => {
      const olderThanSeconds = integerQuery(c.req.query('olderThanSeconds'), 'olderThanSeconds', 1, MAX_STUCK_SECONDS, DEFAULT_STUCK_SECONDS);
      const limit = integerQuery(c.req.query('limit'), 'limit', 1, MAX_LIST_LIMIT, DEFAULT_STUCK_LIMIT);
      const asOf = now();
      const orders = await deps.orders.listStuck(new Date(asOf.getTime() - olderThanSeconds * 1000).toISOString(), limit + 1);
      const page = orders.slice(0, limit);
      return c.json(
        {
          olderThanSeconds,
          asOf: asOf.toISOString(),
          orders: page.map((order) => ({
            orderId: order.orderId,
            accountId: order.accountId,
            symbol: order.symbol,
            status: order.status,
            lastTransitionAt: order.updatedAt,
            secondsSinceTransition: Math.floor((asOf.getTime() - Date.parse(order.updatedAt)) / 1000),
            workflowId: orderWorkflowId(order.orderId),
            resting: isResting(order),
          })),
          truncated: orders.length > limit,
        },
        200,
      );
    },
  );

  app.post(
    '/orders/:orderId/reconcile',
    describeRoute({
      summary: 'Reconcile an order with the venue now (admin)',
      description:
        "Sends the order's workflow the `reconcile` signal: it asks the venue for the order's truth at once and applies the fills and the end it missed (instead of waiting for its next poll). 202 means the signal was delivered; follow the order with GET /api/orders/{orderId} (as its account) or in the Temporal UI. Audited in admin_actions as order.reconcile.",
      tags: ['admin'],
      parameters: [idPathParameter('orderId', 'The order to reconcile')],
      responses: {
        202: jsonResponse('The workflow was signalled', ReconcileAnswerSchema),
        ...errorResponses({ 400: 'Not an order id', ...forbidden, 404: 'No such order (ORDER_NOT_FOUND)', 409: 'The order is finished (ORDER_TERMINAL)' }),
      },
    }),
    async (c) => {
      const orderId = c.req.param('orderId');
      if (!/^[\w:-]{1,128}$/.test(orderId)) {
        throw new DomainError('VALIDATION_FAILED', 'orderId must be 1-128 letters, digits, _ : -', { issues: [{ path: 'orderId', message: 'not an order id' }] });
      }
      const order = await deps.orders.get(orderId);
      const target = order === null ? { orderId } : { orderId, accountId: order.accountId };
      if (order === null) {
        await audit(c, { action: 'order.reconcile', target, outcome: 'not_found' });
        throw new DomainError('ORDER_NOT_FOUND', `no order ${orderId}`, { orderId });
      }
      const terminal = (status: string) => new DomainError('ORDER_TERMINAL', `order ${orderId} is ${status}: there is nothing to reconcile`, { orderId, status });
      if (isTerminal(order.status)) {
        await audit(c, { action: 'order.reconcile', target, outcome: 'refused', details: { status: order.status } });
        throw terminal(order.status);
      }
      const outcome = await deps.workflows.requestReconcile(orderId, { requestedBy: c.var.keyId });
      if (outcome !== 'signalled') {
        await audit(c, { action: 'order.reconcile', target, outcome: outcome === 'closed' ? 'refused' : 'not_found', details: { workflow: outcome } });
        if (outcome === 'closed') throw terminal((await deps.orders.get(orderId))?.status ?? 'finished');
        throw new DomainError('ORDER_NOT_FOUND', `order ${orderId} has no workflow`, { orderId });
      }
      await audit(c, { action: 'order.reconcile', target, outcome: 'done', details: { status: order.status } });
      c.var.logger.info({ orderId, status: order.status }, 'admin.order_reconcile_requested');
      return c.json({ orderId, workflowId: orderWorkflowId(orderId), status: order.status, reconcileRequested: true as const }, 202);
    },
  );

  const topicParameter = {
    name: 'topic',
    in: 'path' as const,
    required: true,
    schema: { type: 'string' as const, enum: [...deps.topics.keys()] },
    description: 'The topic whose dead letters (`<topic>.dlq`) to read, by its plain name (without KAFKA_PREFIX)',
  };
  const topicOf = (c: Context<AppEnv>): string => {
    const name = c.req.param('topic') ?? '';
    const topic = deps.topics.get(name);
    if (topic === undefined) {
      throw new DomainError('VALIDATION_FAILED', `topic must be one of ${[...deps.topics.keys()].join(', ')}`, { issues: [{ path: 'topic', message: 'unknown topic' }] });
    }
    return topic;
  };

  app.get(
    '/dlq/:topic',
    describeRoute({
      summary: "A page of a topic's dead letters (admin)",
      description:
        'The messages consumers refused (`<topic>.dlq`): offset, key, headers (dlq-reason says why), a payload preview, and whether it was replayed. Partitions in turn from `fromOffset` (default the oldest kept), at most `limit`; `partitions` gives each partition\'s range and replay watermark for the next page.',
      tags: ['admin'],
      parameters: [
        topicParameter,
        { name: 'partition', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 10_000 } },
        { name: 'fromOffset', in: 'query', required: false, schema: { type: 'string', pattern: '^\\d{1,19}$' } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_DLQ_PAGE, default: 50 } },
      ],
      responses: {
        200: jsonResponse('The dead letters', DeadLetterPageSchema),
        ...errorResponses({ 400: 'Unknown topic or partition, bad offset or limit (VALIDATION_FAILED)', ...forbidden, 503: 'Kafka did not answer in time' }),
      },
    }),
    async (c) => {
      const topic = topicOf(c);
      const partition = optionalIntegerQuery(c.req.query('partition'), 'partition', 0, 10_000);
      const fromOffset = offsetQuery(c.req.query('fromOffset'), 'fromOffset');
      const limit = integerQuery(c.req.query('limit'), 'limit', 1, MAX_DLQ_PAGE, 50);
      const page = await kafkaCall(() =>
        deps.deadLetters.list(topic, { limit, ...(partition === undefined ? {} : { partition }), ...(fromOffset === undefined ? {} : { fromOffset }) }),
      );
      return c.json({ ...page, topic: c.req.param('topic') }, 200);
    },
  );

  app.post(
    '/dlq/:topic/replay',
    describeRoute({
      summary: "Re-drive a topic's dead letters (admin)",
      description:
        "Republishes the letters not replayed yet to the topic they came from (header dlq-replayed-from says where from), oldest first per partition: all of them, or one `partition` up to `toOffset` (inclusive), at most `limit` (default 100). A replay watermark (the committed offset of the consumer group `<KAFKA_PREFIX>dlq-replay` on the .dlq topic) moves past what was sent, so no letter is replayed twice; consumers dedupe anyway. A letter that is still bad comes back to the DLQ with a new offset. Replays run one at a time per API process: one that cannot start within API_DEPENDENCY_TIMEOUT_MS gets 503 with Retry-After and sent nothing. Audited in admin_actions as dlq.replay. Only `orders`, `executions` and `venue-reports` are replayed: the letters of `price-feeds` and `prices` are market prices, which only the venue and market data write (an old price replayed would also overwrite newer ones); asking for them is 403 REPLAY_NOT_ALLOWED.",
      tags: ['admin'],
      parameters: [topicParameter],
      requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { partition: { type: 'integer', minimum: 0, maximum: 10_000 }, toOffset: { type: 'string', pattern: '^\\d{1,19}$' }, limit: { type: 'integer', minimum: 1, maximum: MAX_DLQ_REPLAY, default: 100 } } } } } },
      responses: {
        200: jsonResponse('What was replayed (count 0 when nothing was left)', DlqReplayAnswerSchema),
        ...errorResponses({
          400: 'Unknown topic or partition, bad body (VALIDATION_FAILED)',
          ...forbidden,
          403: `The key does not have the admin role (FORBIDDEN), or the topic's letters are never replayed (REPLAY_NOT_ALLOWED; replayed: ${[...REPLAYABLE_TOPICS].join(', ')})`,
          503: 'Kafka did not answer in time, or another replay kept this one from starting within the bound (SERVICE_UNAVAILABLE, Retry-After)',
        }),
      },
    }),
    async (c) => {
      const topic = topicOf(c);
      const name = c.req.param('topic') ?? '';
      if (!REPLAYABLE_TOPICS.has(name)) {
        throw new DomainError('REPLAY_NOT_ALLOWED', `the letters of ${name} are not replayed: they are market prices, which only the venue and market data write`, {
          topic: name,
          replayable: [...REPLAYABLE_TOPICS],
        });
      }
      const text = await c.req.text();
      const body = parseShape(DlqReplayBodySchema, text.trim() === '' ? {} : parsePlainJson(text), 'body');
      if (body.toOffset !== undefined && body.partition === undefined) {
        throw new DomainError('VALIDATION_FAILED', 'toOffset needs a partition (offsets are per partition)', { issues: [{ path: 'toOffset', message: 'needs partition' }] });
      }
      const parameters = { ...body };
      const target = { topic: c.req.param('topic') ?? '' };
      let result;
      try {
        result = await deps.deadLetters.replay(topic, {
          limit: body.limit,
          ...(body.partition === undefined ? {} : { partition: body.partition }),
          ...(body.toOffset === undefined ? {} : { toOffset: BigInt(body.toOffset) }),
        });
      } catch (error) {
        // Refused: nothing was sent (an unknown partition, another replay running). Failed: it may have sent some
        // letters before the error; the watermark says how far it got (each partition's moves after its send).
        const refused = error instanceof UnknownPartitionError || error instanceof ReplayBusyError;
        await audit(c, { action: 'dlq.replay', target, parameters, outcome: refused ? 'refused' : 'failed', details: { error: error instanceof Error ? error.message : String(error) } });
        throw kafkaError(error);
      }
      await audit(c, { action: 'dlq.replay', target, parameters, outcome: 'done', details: { count: result.count, replayed: result.replayed } });
      c.var.logger.info({ topic: target.topic, count: result.count, replayed: result.replayed }, 'admin.dlq_replayed');
      return c.json({ ...result, topic: target.topic }, 200);
    },
  );

  return app;
}

/** A LIMIT GTC/GTD order live on the book: it may wait there for as long as the trader wants. */
export function isResting(order: Pick<OrderView, 'type' | 'timeInForce' | 'status'>): boolean {
  return order.type === 'LIMIT' && (order.timeInForce === 'GTC' || order.timeInForce === 'GTD') && (order.status === 'ACCEPTED' || order.status === 'PARTIALLY_FILLED');
}

/** JSON with plain numbers (partitions and limits are small integers; offsets are strings). */
function parsePlainJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DomainError('MALFORMED_JSON', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

function invalid(name: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `${name} ${message}`, { issues: [{ path: name, message }] });
}

function optionalIntegerQuery(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,10}$/.test(raw)) throw invalid(name, `must be an integer from ${min} to ${max}`);
  const value = Number(raw);
  if (value < min || value > max) throw invalid(name, `must be an integer from ${min} to ${max}`);
  return value;
}

function integerQuery(raw: string | undefined, name: string, min: number, max: number, fallback: number): number {
  return optionalIntegerQuery(raw, name, min, max) ?? fallback;
}

function offsetQuery(raw: string | undefined, name: string): bigint | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,19}$/.test(raw)) throw invalid(name, 'must be a non-negative integer');
  return BigInt(raw);
}

/**
 * Kafka's answers as the API's: an unknown partition is the caller's mistake; a slow or absent broker, or a replay
 * that cannot start in time because another runs, a 503 with Retry-After.
 */
function kafkaError(error: unknown): unknown {
  if (error instanceof UnknownPartitionError) return invalid('partition', `does not exist (${error.partition})`);
  if (error instanceof DeadLetterReadTimeoutError) return new DomainError('SERVICE_UNAVAILABLE', `Kafka did not answer in time; retry shortly (${error.message})`);
  if (error instanceof ReplayBusyError) return new DomainError('SERVICE_UNAVAILABLE', error.message);
  // kafkajs gave up (broker down, no leader): an outage, not our bug.
  if (error instanceof Error && error.name.startsWith('KafkaJS')) return new DomainError('SERVICE_UNAVAILABLE', `Kafka is not available right now; retry shortly (${error.message})`);
  return error;
}

async function kafkaCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw kafkaError(error);
  }
}
