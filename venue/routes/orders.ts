import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { DomainError } from '../../domain/errors';
import type { SymbolRegistry } from '../../domain/symbols';
import { parseShape } from '../../domain/validation-issues';
import { VenueOrderSchema, VenueOrderStatesSchema } from '../../domain/venue-order';
import type { ServiceEnv } from '../../infra/http/context';
import { errorResponses, jsonRequestBody, jsonResponse } from '../../infra/http/openapi';
import { parseJson, readJsonBody } from '../../infra/http/request';
import { parseSubmitOrder } from '../request';
import { CancelBodySchema, MAX_ORDER_STATE_IDS, OrderIdParamSchema, OrderStatesBodySchema, RESERVED_PREFIX, SubmitOrderBodySchema } from '../schemas';
import type { Venue } from '../venue';

const orderIdParameter = {
  name: 'orderId',
  in: 'path' as const,
  required: true,
  schema: { type: 'string' as const, pattern: '^[\\w.:-]{1,128}$' },
};

/** Order entry, called by the order workflow's activities. Every answer is the order's committed state. */
export function createOrderRoutes(venue: Pick<Venue, 'submit' | 'cancel' | 'getOrder' | 'orderStates'>, symbols: SymbolRegistry) {
  const app = new Hono<ServiceEnv>();

  app.post(
    '/',
    describeRoute({
      summary: 'Submit an order',
      description:
        'Idempotent by orderId: a repeat answers the existing order (header Idempotent-Replayed: true) and never submits a second one. Answers once the order and anything it traded are committed; the reports follow on venue-reports. A venue outcome such as REJECTED (post-only would take, FOK cannot fill, no liquidity for a MARKET) is a 200 with that status.',
      tags: ['orders'],
      requestBody: jsonRequestBody(SubmitOrderBodySchema),
      responses: {
        200: jsonResponse('The order as committed at the venue', VenueOrderSchema),
        ...errorResponses({
          400: 'Invalid body, decimal, symbol, tick or lot; QUANTITY_TOO_LARGE above the symbol maximum',
          413: 'Body over the size limit',
          422: 'This orderId exists with different terms',
          503: 'The venue is stopping',
        }),
      },
    }),
    async (c) => {
      const request = parseSubmitOrder(await readJsonBody(c), symbols);
      const { order, created } = await venue.submit(request);
      if (created) {
        c.var.logger.info({ orderId: order.orderId, accountId: order.accountId, symbol: order.symbol, status: order.status, filled: order.filledQuantity }, 'venue.order_submitted');
      } else {
        c.header('Idempotent-Replayed', 'true');
      }
      return c.json(order, 200);
    },
  );

  // No other POST here has a single segment, so neither shadows the other; GET /venue/orders/states reads an order named so.
  app.post(
    '/states',
    describeRoute({
      summary: 'Many orders\' states at once, for the reconciliation sweeper',
      description: `Read-only. For each of 1-${MAX_ORDER_STATE_IDS} orderIds, in the order asked (a repeated id answered once), the venue's status, filled quantity, version (the number of the last report sent for it: a version ahead of the last report seen means reports were lost) and updatedAt; the ids the venue never accepted a submit of are in \`missing\`. No fills: GET /venue/orders/{orderId} has them. The body limit (16 KB) holds about 400 UUID order ids.`,
      tags: ['orders'],
      requestBody: jsonRequestBody(OrderStatesBodySchema),
      responses: {
        200: jsonResponse('The orders the venue has, and the ids it never saw', VenueOrderStatesSchema),
        ...errorResponses({
          400: `Not JSON (MALFORMED_JSON); no orderIds, more than ${MAX_ORDER_STATE_IDS}, or an invalid one (VALIDATION_FAILED)`,
          413: 'Body over the size limit',
        }),
      },
    }),
    async (c) => {
      const { orderIds } = parseShape(OrderStatesBodySchema, await readJsonBody(c), 'body');
      return c.json(await venue.orderStates(orderIds), 200);
    },
  );

  app.post(
    '/:orderId/cancel',
    describeRoute({
      summary: 'Cancel a resting order',
      description:
        'The CANCELLED report (EXPIRED with reason GTD_EXPIRED) follows on venue-reports. The body is optional. A final order (filled, cancelled, rejected, expired) answers 409 ORDER_TERMINAL with its status in details: its reports tell the rest.',
      tags: ['orders'],
      parameters: [orderIdParameter],
      requestBody: { required: false, content: { 'application/json': { schema: resolver(CancelBodySchema) } } },
      responses: {
        200: jsonResponse('Cancelled: the order as committed', VenueOrderSchema),
        ...errorResponses({
          400: 'Invalid orderId',
          403: 'ORDER_ID_RESERVED: the id starts with "venue-", the prefix of the venue\'s own (liquidity) orders',
          404: 'The venue never saw this order',
          409: 'The order is final; details.status says how it ended',
        }),
      },
    }),
    async (c) => {
      const { orderId } = parseShape(OrderIdParamSchema, c.req.param(), 'path');
      // The venue's own orders (its simulated liquidity) are its to manage: no caller cancels them.
      if (orderId.startsWith(RESERVED_PREFIX)) {
        throw new DomainError('ORDER_ID_RESERVED', `order ids starting with "${RESERVED_PREFIX}" are the venue's own`, { orderId });
      }
      const text = await c.req.text();
      const { reason } = parseShape(CancelBodySchema, text.trim() === '' ? {} : parseJson(text), 'body');
      const order = await venue.cancel(orderId, reason);
      c.var.logger.info({ orderId, reason, cancelled: order.cancelledQuantity }, 'venue.order_cancelled');
      return c.json(order, 200);
    },
  );

  app.get(
    '/:orderId',
    describeRoute({
      summary: "An order's state, for reconciliation",
      description: 'The committed state with every fill. 404 ORDER_NOT_FOUND means the venue never accepted a submit of this orderId (resubmitting it is safe).',
      tags: ['orders'],
      parameters: [orderIdParameter],
      responses: { 200: jsonResponse('The order', VenueOrderSchema), ...errorResponses({ 400: 'Invalid orderId', 404: 'The venue never saw this order' }) },
    }),
    async (c) => {
      const { orderId } = parseShape(OrderIdParamSchema, c.req.param(), 'path');
      const order = await venue.getOrder(orderId);
      if (order === null) throw new DomainError('ORDER_NOT_FOUND', `the venue has no order ${orderId}`, { orderId });
      return c.json(order, 200);
    },
  );

  return app;
}
