import * as v from 'valibot';
import { ACCOUNT_KEY_PATTERN, AssetBalanceSchema } from '../domain/account';
import { ErrorEnvelopeSchema } from '../infra/http/errors';
import { PositionViewSchema } from '../domain/market-events';
import { ORDER_SIDES, ORDER_TYPES } from '../domain/order';
import { LIQUIDITIES } from '../domain/venue-order';

/*
 * The wire shapes of the risk engine. Request bodies are strict (an unknown field is refused) and take
 * every number as a decimal string; the decimals' own rules (format, precision, sign) are checked after
 * the shape, so each problem gets its own stable code (INVALID_DECIMAL, TOO_PRECISE, VALIDATION_FAILED).
 */

const IdSchema = (what: string) =>
  v.pipe(v.string(`${what} must be a string`), v.regex(ACCOUNT_KEY_PATTERN, `${what} must be 1-128 characters of letters, digits, _ : -`), v.description(what));

const DecimalText = (what: string) =>
  v.pipe(v.string(`${what} must be a decimal string such as "0.5"`), v.description(`${what}, a positive decimal string`), v.examples(['0.5']));

const SymbolText = v.pipe(v.string('symbol must be a string'), v.description('BTC-USD (BTC/USD accepted)'), v.examples(['BTC-USD']));

export const HoldBodySchema = v.strictObject({
  accountId: IdSchema('accountId'),
  symbol: SymbolText,
  side: v.picklist(ORDER_SIDES),
  type: v.picklist(ORDER_TYPES),
  quantity: DecimalText('quantity in the base asset'),
  price: v.nullable(DecimalText('limit price in the quote asset; null for MARKET')),
});
export type HoldBodyInput = v.InferInput<typeof HoldBodySchema>;

export const FillBodySchema = v.strictObject({
  fillId: IdSchema('fillId'),
  accountId: IdSchema('accountId'),
  symbol: SymbolText,
  side: v.picklist(ORDER_SIDES),
  quantity: DecimalText('filled quantity in the base asset'),
  price: DecimalText('fill price in the quote asset'),
  liquidity: v.picklist(LIQUIDITIES),
  contra: v.optional(
    v.pipe(
      v.strictObject({ accountId: IdSchema('contra accountId'), orderId: IdSchema('contra orderId') }),
      v.description("the other side of the trade as the venue reported it; required to settle a fill of the venue's own accounts"),
    ),
  ),
  release: v.optional(
    v.pipe(
      v.boolean('release must be a boolean'),
      v.description(
        'true: then release what the order still holds, as POST /release would (the venue is asked first); sent with the fill that completes the order. The answer carries the release\'s outcome; the settlement stands whatever it is.',
      ),
    ),
  ),
});
export type FillBodyInput = v.InferInput<typeof FillBodySchema>;

export const ReleaseBodySchema = v.strictObject({ accountId: IdSchema('accountId') });
export type ReleaseBodyInput = v.InferInput<typeof ReleaseBodySchema>;

export const OrderIdParamSchema = v.object({ orderId: IdSchema('orderId') });
export const AccountIdParamSchema = v.object({ accountId: IdSchema('accountId') });

const DecimalOut = v.pipe(v.string(), v.description('decimal string'));

export const HoldResponseSchema = v.object({
  orderId: v.string(),
  asset: v.pipe(v.string(), v.description('the held asset: quote for a buy, base for a sell')),
  amount: v.pipe(DecimalOut, v.description('held amount; a buy includes the maximum (taker) fee')),
  alreadyHeld: v.pipe(v.boolean(), v.description('true when this order already had its hold (a retry)')),
  protectionPrice: v.pipe(
    v.nullable(DecimalOut),
    v.description(
      'MARKET: the worst price the order may fill at (the mark ± the symbol slippage cap, rounded to the tick toward the mark); send it to the venue as the order limit. A BUY holds quantity × this price. null for LIMIT. A retry answers the price of the first hold.',
    ),
  ),
});

export const BalancesResponseSchema = v.array(AssetBalanceSchema);

export const ReleaseResponseSchema = v.object({
  released: v.pipe(v.boolean(), v.description('false when the order held nothing (never held, or already released)')),
  asset: v.optional(v.string()),
  amount: v.optional(DecimalOut),
});

/** A release asked for with a fill: its answer, or the error and status POST /release would have answered. */
const FillReleaseSchema = v.pipe(
  v.union([
    ReleaseResponseSchema,
    v.object({
      released: v.literal(false),
      status: v.pipe(v.picklist([409, 503]), v.description('409 ORDER_NOT_TERMINAL: still open at the venue, or a fill of it there not settled here; 503: the venue could not be asked')),
      ...ErrorEnvelopeSchema.entries,
    }),
  ]),
  v.description('only when the body asked for release: its outcome (the settlement above stands either way)'),
);

export const FillResponseSchema = v.object({
  fillId: v.string(),
  applied: v.pipe(v.boolean(), v.description('false when this fillId was already applied; the rest of the answer is then the first one')),
  fee: v.object({ asset: v.string(), amount: DecimalOut }),
  balances: v.pipe(v.array(AssetBalanceSchema), v.description("the fill's base and quote balances right after it was applied")),
  release: v.optional(FillReleaseSchema),
});

export const PositionsResponseSchema = v.pipe(
  v.array(PositionViewSchema),
  v.description('One entry per symbol the account ever had a fill in (flat ones too, for their realized PnL), sorted by symbol.'),
);

