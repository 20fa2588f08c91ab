import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { parseShape } from '../../domain/validation-issues';
import type { ServiceEnv } from '../../infra/http/context';
import type { RiskEngine } from '../engine';
import { recordHold, recordRefusal } from '../metrics';
import { errorEnvelope, HTTP_STATUS } from '../../infra/http/errors';
import { errorResponses, idPathParameter, jsonRequestBody, jsonResponse } from '../../infra/http/openapi';
import { positiveDecimal, readJsonBody } from '../../infra/http/request';
import {
  FillBodySchema,
  FillResponseSchema,
  HoldBodySchema,
  HoldResponseSchema,
  OrderIdParamSchema,
  ReleaseBodySchema,
  ReleaseResponseSchema,
} from '../schemas';

const orderIdParameter = idPathParameter('orderId', 'the order (its hold is keyed by it)');

/**
 * The order-side routes, called by the order workflow's activities: hold before the venue, settle each
 * fill, release what is left. Each is idempotent, because activities are retried.
 */
export function createOrderRoutes(engine: RiskEngine) {
  const app = new Hono<ServiceEnv>();

  app.post(
    '/:orderId/hold',
    describeRoute({
      summary: 'Check an order and hold its funds',
      description:
        'Pre-trade checks (symbol status, price band or market data, order notional, open orders, position, balance) and the hold, in one atomic step per orderId. A LIMIT price must be within ±priceBandPercent of the latest mark price (not checked while no recent mark is known). A MARKET order needs a recent mark: its protection price is the mark moved by the symbol slippage cap against it. A BUY holds price (MARKET: protection price) × quantity plus the taker fee (quote asset), a SELL its quantity (base asset). A repeat for the same orderId answers the existing hold with alreadyHeld: true.',
      tags: ['orders'],
      parameters: [orderIdParameter],
      requestBody: jsonRequestBody(HoldBodySchema),
      responses: {
        200: jsonResponse('Held (or already held)', HoldResponseSchema),
        ...errorResponses({
          400: 'Invalid body, decimal, symbol or order rule',
          404: 'No such account',
          413: 'Body over the size limit',
          422: 'Refused: INSUFFICIENT_BALANCE, MAX_ORDER_NOTIONAL_EXCEEDED, MAX_OPEN_ORDERS_EXCEEDED, MAX_POSITION_EXCEEDED, SYMBOL_HALTED, PRICE_OUT_OF_BAND (details: price, mark, bandPercent, low, high) or MARKET_DATA_UNAVAILABLE (a MARKET order and no recent mark)',
        }),
      },
    }),
    async (c) => {
      const { orderId } = parseShape(OrderIdParamSchema, c.req.param(), 'path');
      const body = parseShape(HoldBodySchema, await readJsonBody(c), 'body');
      const result = await engine.hold({
        orderId,
        accountId: body.accountId,
        symbol: body.symbol,
        side: body.side,
        type: body.type,
        quantity: positiveDecimal('quantity', body.quantity),
        price: body.price === null ? null : positiveDecimal('price', body.price),
      });
      if (!result.ok) {
        c.var.logger.info({ orderId, accountId: body.accountId, code: result.refusal.code, details: result.refusal.details }, 'risk.hold_refused');
        recordRefusal(result.refusal.code);
        throw result.refusal;
      }
      const { hold } = result;
      if (!hold.alreadyHeld) recordHold('placed');
      c.var.logger.info(
        { orderId, accountId: body.accountId, asset: hold.asset, amount: hold.amount, protectionPrice: hold.protectionPrice, alreadyHeld: hold.alreadyHeld },
        'risk.hold_placed',
      );
      return c.json(hold, 200);
    },
  );

  app.post(
    '/:orderId/fills',
    describeRoute({
      summary: 'Settle one side of one fill',
      description:
        "Moves the balances of one fill for the order's account, once per fillId: BUY pays price × quantity + fee from the hold (then from available) and receives the base; SELL pays the base quantity and receives price × quantity − fee. The fee (maker or taker rate of the account, rounded up) is credited to the fee account. The account's position in the symbol moves in the same atomic update (then is copied to Redis `positions:<accountId>` and published on that channel). A repeated fillId changes nothing and answers the first result with applied: false. Only a fill the venue made settles: the venue is asked for the order and must have this fillId with the same account, symbol, side, price, quantity and liquidity (else 409 FILL_NOT_AT_VENUE; 503 when it cannot be asked). And only a fill the order could have made: the order holds funds here (its risk check placed the hold, for this account), same symbol and side, price on the tick grid and not beyond the order's limit (LIMIT price or MARKET protection price), quantity on the lot grid and not beyond what the order has open and held. A fill of the venue's own accounts (venue-liquidity, venue-market-flow) settles only as the mirror of a settled user fill whose contra names it (send contra: the user's account and order). The settlement record is kept in account_fills, not in the account. With release: true (the fill that completes the order), what the order still holds is then released as POST /release would, in the same update of the account when the venue has the order final; the answer's release carries the outcome, or the 409/503 error the release would have answered (the settlement stands).",
      tags: ['orders'],
      parameters: [orderIdParameter],
      requestBody: jsonRequestBody(FillBodySchema),
      responses: {
        200: jsonResponse('Settled (or already settled)', FillResponseSchema),
        ...errorResponses({
          400: 'Invalid body, decimal or symbol; INVALID_PRICE_TICK, INVALID_QUANTITY_LOT: off the symbol grid',
          404: 'No such account',
          409: 'FILL_NOT_AT_VENUE: the venue, asked, has no such fill of this order (same account, symbol, side, price, quantity and liquidity); DUPLICATE_FILL: this fillId was applied with other terms; FILL_NOT_HELD: no hold for this order on this account (or, for a venue account, no settled fill it mirrors); FILL_MISMATCH: another symbol or side than the hold; FILL_PRICE_BEYOND_LIMIT; OVERFILL: more than the order has open or held',
          413: 'Body over the size limit',
          503: 'The venue could not be asked whether it made the fill (SERVICE_UNAVAILABLE): retry',
        }),
      },
    }),
    async (c) => {
      const { orderId } = parseShape(OrderIdParamSchema, c.req.param(), 'path');
      const body = parseShape(FillBodySchema, await readJsonBody(c), 'body');
      const { fill, overdrawn, release } = await engine.settleFill({
        orderId,
        fillId: body.fillId,
        accountId: body.accountId,
        symbol: body.symbol,
        side: body.side,
        quantity: positiveDecimal('quantity', body.quantity),
        price: positiveDecimal('price', body.price),
        liquidity: body.liquidity,
        ...(body.contra === undefined ? {} : { contra: body.contra }),
      }, { release: body.release === true });
      const fields = { orderId, fillId: fill.fillId, accountId: body.accountId, applied: fill.applied, fee: fill.fee.amount, feeAsset: fill.fee.asset };
      if (overdrawn) c.var.logger.warn({ ...fields, balances: fill.balances }, 'risk.fill_overdrawn');
      c.var.logger.info(fields, fill.applied ? 'risk.fill_settled' : 'risk.fill_duplicate');
      if (fill.applied) recordHold('settled');
      if (release === undefined) return c.json(fill, 200);
      if (!release.ok) {
        const { refusal } = release;
        c.var.logger.info({ orderId, accountId: body.accountId, code: refusal.code, details: refusal.details }, 'risk.release_refused');
        return c.json({ ...fill, release: { released: false as const, status: HTTP_STATUS[refusal.code] as 409 | 503, ...errorEnvelope(refusal, c.var.requestId) } }, 200);
      }
      const released = release.view;
      if (released.released) {
        c.var.logger.info({ orderId, accountId: body.accountId, asset: released.asset, amount: released.amount }, 'risk.hold_released');
        recordHold('released');
      }
      return c.json({ ...fill, release: released }, 200);
    },
  );

  app.post(
    '/:orderId/release',
    describeRoute({
      summary: "Release what the order still holds",
      description:
        "Returns the rest of the hold to available, once the order can trade no more: the venue is asked, and must have the order final (FILLED, CANCELLED, EXPIRED, REJECTED) with every one of its fills settled here, or never have seen it. Idempotent: without a hold (never placed or already released) nothing changes and released is false.",
      tags: ['orders'],
      parameters: [orderIdParameter],
      requestBody: jsonRequestBody(ReleaseBodySchema),
      responses: {
        200: jsonResponse('Released, or nothing was held', ReleaseResponseSchema),
        ...errorResponses({
          400: 'Invalid body',
          404: 'No such account',
          409: 'ORDER_NOT_TERMINAL: the venue still has the order open, or has fills of it not settled here yet (details.venueStatus, unsettledFillId)',
          413: 'Body over the size limit',
          503: 'SERVICE_UNAVAILABLE: the venue could not be asked; retry',
        }),
      },
    }),
    async (c) => {
      const { orderId } = parseShape(OrderIdParamSchema, c.req.param(), 'path');
      const body = parseShape(ReleaseBodySchema, await readJsonBody(c), 'body');
      const released = await engine.release({ accountId: body.accountId, orderId });
      if (released.released) {
        c.var.logger.info({ orderId, accountId: body.accountId, asset: released.asset, amount: released.amount }, 'risk.hold_released');
        recordHold('released');
      }
      return c.json(released, 200);
    },
  );

  return app;
}
