import type * as v from 'valibot';
import type { AssetBalance, FillContra, PendingFee } from '../domain/account';
import { applyChanges, mergeChanges, type Account, type AccountDecision } from '../domain/account';
import { formatDecimal, mul, ONE, type Scaled } from '../domain/decimal';
import { DomainError, isDomainError } from '../domain/errors';
import type { PositionView } from '../domain/market-events';
import { holdFor, validateOrderRules, type OrderSide, type OrderType } from '../domain/order';
import { toPositionRecord, toPositionView, type Position } from '../domain/position';
import type { SymbolRegistry, SymbolSpec, SymbolStatus } from '../domain/symbols';
import type { AccountTrading, SymbolStatusView } from '../domain/trading-controls';
import { RESTING_STATUSES, venueFillProblem, type FillLiquidity, type VenueOrder } from '../domain/venue-order';
import type { Logger } from '../infra/logger';
import type { AccountLedger } from '../infra/mongo/account-store';
import type { PositionMirror } from '../infra/redis/position-mirror';
import { isVenueHouseAccount } from '../domain/venue-events';
import { exactCost } from './fees';
import { creditedPendingFees, decideFeeCredit, decideFill, decideHold, decideHouseFill, type FillOutcome, type FillRequest, decideRelease, type HoldSizing, type ReleaseOutcome } from './ledger';
import type { MarkSource } from './price-book';
import type { SymbolStatusBook } from './symbol-status';
import { checkPriceBand, protectionPrice } from './price-protection';
import type { FillResponseSchema, HoldResponseSchema } from './schemas';

export const DEFAULT_FEE_ACCOUNT_ID = 'fees';

/** What the venue says about an order (infra/http/venue-client.ts VenueClient.order): null when it never saw it. */
export interface VenueOrderLookup {
  order(orderId: string): Promise<Pick<VenueOrder, 'orderId' | 'accountId' | 'symbol' | 'status' | 'fills'> | null>;
}

const VENUE_OPEN_STATUSES: readonly string[] = RESTING_STATUSES;

export interface RiskEngineDeps {
  accounts: AccountLedger;
  symbols: SymbolRegistry;
  /** The latest fresh mark per symbol (from Kafka `prices`). */
  prices: MarkSource;
  /** Best effort: a failure is logged, never fails a settlement. */
  positionMirror: PositionMirror;
  logger: Logger;
  /** Asked before a hold is released: only the venue knows whether an order can still fill. */
  venueOrders: VenueOrderLookup;
  /** Where every fee is credited; created on the first fee. */
  feeAccountId: string;
  /** Halts at runtime: a hold is refused SYMBOL_HALTED while its symbol is halted. */
  symbolStatus: Pick<SymbolStatusBook, 'effective' | 'set'>;
  clock?: () => Date;
}

export interface HoldOrderInput {
  orderId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  quantity: Scaled;
  price: Scaled | null;
}

/** The hold as answered (HoldResponseSchema). protectionPrice, MARKET only: the venue gets it as the order's limit. */
export type HoldView = v.InferOutput<typeof HoldResponseSchema>;

export type HoldResult = { ok: true; hold: HoldView } | { ok: false; refusal: DomainError };

export interface SettleFillInput {
  orderId: string;
  fillId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  quantity: Scaled;
  price: Scaled;
  liquidity: FillLiquidity;
  /** The other side as the venue reported it (account and order); required when this side is one of the venue's own accounts. */
  contra?: FillContra;
}

export type FillView = v.InferOutput<typeof FillResponseSchema>;

export type ReleaseView = { released: false } | { released: true; asset: string; amount: string };

/** A release asked for with a settlement: its answer, or the refusal POST /release would have answered (409, 503). */
export type ReleaseAnswer = { ok: true; view: ReleaseView } | { ok: false; refusal: DomainError };

/** What the venue said about an order (null: it never saw it), or that it could not be asked. */
type VenueAnswer = { reached: true; order: Awaited<ReturnType<VenueOrderLookup['order']>> } | { reached: false; error: unknown };

const accountNotFound = (accountId: string) => new DomainError('NOT_FOUND', `no account ${accountId}`, { accountId });

/**
 * The risk engine's operations. Bad input and unknown accounts throw DomainErrors; a business refusal
 * of a hold is a value, so the caller can log it as the expected outcome it is.
 */
export function createRiskEngine(deps: RiskEngineDeps) {
  const now = deps.clock ?? (() => new Date());

  const specOf = (symbol: string): SymbolSpec => {
    const spec = deps.symbols.get(symbol);
    if (spec === undefined) throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${symbol}`, { symbol, known: deps.symbols.list().map((s) => s.symbol) });
    return spec;
  };

  /** Copies positions to Redis; a failure is logged and left for the next fill or read of the account to repair. */
  const mirrorPositions = async (accountId: string, positions: ReadonlyArray<[string, Position]>): Promise<void> => {
    if (positions.length === 0) return;
    try {
      await deps.positionMirror.mirror(positions.map(([symbol, position]) => toPositionRecord(accountId, symbol, position)));
    } catch (error) {
      deps.logger.warn({ err: error, accountId, symbols: positions.map(([symbol]) => symbol) }, 'risk.position_mirror_failed');
    }
  };

  /** The order's hold from its own price (LIMIT) or the mark (MARKET), after the price checks the mark allows. */
  const sizeOrder = (input: HoldOrderInput, spec: SymbolSpec): HoldSizing => {
    const mark = deps.prices.markOf(spec.symbol)?.mark;
    if (input.type === 'LIMIT') {
      if (input.price === null) throw new Error('a LIMIT order has a price (validateOrderRules)');
      // Without a known mark a LIMIT order is not banded: its own price bounds what it can cost.
      const outOfBand = mark === undefined ? undefined : checkPriceBand(spec, input.price, mark);
      if (outOfBand !== undefined) return { ok: false, refusal: outOfBand };
      const needed = holdFor(input, spec)!;
      return { ok: true, ...needed, notional: mul(input.price, input.quantity, 'UP'), protectionPrice: null };
    }
    const worst = mark === undefined ? undefined : protectionPrice(spec, input.side, mark);
    if (mark === undefined || worst === undefined) {
      const reason = mark === undefined ? 'no recent mark price' : `the mark ${formatDecimal(mark)} is below one tick`;
      return { ok: false, refusal: new DomainError('MARKET_DATA_UNAVAILABLE', `${spec.symbol}: ${reason} to protect a MARKET order with`, { symbol: spec.symbol }) };
    }
    // A MARKET order has no price of its own: its notional at the mark meets the symbol's minimum, as a LIMIT's does at its price
    // (without it, dust MARKET orders could trade against a resting order over and over for next to nothing).
    if (mark * input.quantity < spec.minNotional * ONE) {
      const minNotional = formatDecimal(spec.minNotional);
      return {
        ok: false,
        refusal: new DomainError('NOTIONAL_TOO_SMALL', `quantity × mark ${formatDecimal(mark)} is below the minimum notional ${minNotional} ${spec.quoteAsset}`, {
          notional: formatDecimal(mul(mark, input.quantity, 'DOWN')),
          mark: formatDecimal(mark),
          minNotional,
        }),
      };
    }
    const needed = holdFor(input, spec, worst)!;
    // A buy may spend up to its hold; a sell is worth about the mark (its protection price is only its floor).
    const notional = input.side === 'BUY' ? needed.amount : mul(mark, input.quantity, 'UP');
    return { ok: true, ...needed, notional, protectionPrice: worst };
  };

  /** The user's fill record that a fill of the venue's own account mirrors, read from the user's account; undefined when there is none. */
  const mirroredFill = async (input: SettleFillInput) => {
    const suffix = `:${input.orderId}`;
    if (input.contra === undefined || !input.fillId.endsWith(suffix) || isVenueHouseAccount(input.contra.accountId)) return undefined;
    const userFillId = `${input.fillId.slice(0, -suffix.length)}:${input.contra.orderId}`;
    return deps.accounts.getFillRecord(input.contra.accountId, userFillId);
  };

  /**
   * Credits the trader's pending fees to the fee account (idempotent: the fee account keeps a cursor per trader);
   * answers the fillIds of the pending fees it has credited by now, for the trader to forget.
   */
  const creditFees = async (traderId: string, pending: Readonly<Record<string, PendingFee>>): Promise<string[]> => {
    if (Object.keys(pending).length === 0) return [];
    const credit = await deps.accounts.updateAccount(deps.feeAccountId, (feeAccount) => decideFeeCredit(feeAccount, traderId, pending), { createAs: 'Fees' });
    return creditedPendingFees(pending, credit.cursor);
  };

  const askVenue = async (orderId: string): Promise<VenueAnswer> => {
    try {
      return { reached: true, order: await deps.venueOrders.order(orderId) };
    } catch (error) {
      return { reached: false, error };
    }
  };

  /** Throws unless the venue, asked, has this fill of the order term for term (503 when it could not be asked). */
  const confirmAtVenue = (input: SettleFillInput, atVenue: VenueAnswer): void => {
    if (!atVenue.reached) {
      deps.logger.warn({ err: atVenue.error, orderId: input.orderId, fillId: input.fillId }, 'risk.venue_unreachable');
      throw new DomainError('SERVICE_UNAVAILABLE', `the venue could not be asked whether it made fill ${input.fillId} of order ${input.orderId}; retry`, {
        orderId: input.orderId,
        fillId: input.fillId,
      });
    }
    const problem = venueFillProblem(atVenue.order, input);
    if (problem === undefined) return;
    deps.logger.error({ orderId: input.orderId, fillId: input.fillId, accountId: input.accountId, problem }, 'risk.fill_not_at_venue');
    throw new DomainError('FILL_NOT_AT_VENUE', `fill ${input.fillId} is not one the venue made: ${problem}`, { orderId: input.orderId, fillId: input.fillId, problem });
  };

  /** The venue's fills of an order it has final (or never saw: none); undefined while it can still fill, or could not be asked. */
  const finalFills = (atVenue: VenueAnswer): string[] | undefined => {
    if (!atVenue.reached) return undefined;
    if (atVenue.order !== null && VENUE_OPEN_STATUSES.includes(atVenue.order.status)) return undefined;
    return atVenue.order?.fills.map((fill) => fill.fillId) ?? [];
  };

  /** A release's decision as answered: released or not, else the refusal (409: a fill of it at the venue is not settled here). */
  const releaseView = ({ accountId, orderId }: { accountId: string; orderId: string }, outcome: ReleaseOutcome, atVenue: VenueAnswer): ReleaseView => {
    if (outcome.kind === 'not_found') throw accountNotFound(accountId);
    if (outcome.kind === 'nothing_held') return { released: false };
    if (outcome.kind === 'unsettled') {
      throw new DomainError('ORDER_NOT_TERMINAL', `order ${orderId} has fill ${outcome.fillId} at the venue that is not settled yet: its hold stays until it is`, {
        orderId,
        venueStatus: atVenue.reached ? atVenue.order?.status : undefined,
        unsettledFillId: outcome.fillId,
      });
    }
    return { released: true, asset: outcome.asset, amount: formatDecimal(outcome.amount) };
  };

  /**
   * The release, once the venue was asked (release() below). The account is read before an answer that stops the
   * release, since an order that holds nothing here is released whatever the venue says, or whether it answers.
   */
  const releaseAfter = async (input: { accountId: string; orderId: string }, atVenue: VenueAnswer): Promise<ReleaseView> => {
    const holdsNothing = async (): Promise<boolean> => {
      const account = await deps.accounts.getAccount(input.accountId);
      if (account === null) throw accountNotFound(input.accountId);
      return !Object.hasOwn(account.holds, input.orderId);
    };
    if (!atVenue.reached) {
      if (await holdsNothing()) return { released: false };
      deps.logger.warn({ err: atVenue.error, orderId: input.orderId }, 'risk.venue_unreachable');
      throw new DomainError('SERVICE_UNAVAILABLE', `the venue could not be asked about order ${input.orderId}; retry`, { orderId: input.orderId });
    }
    const venueFills = finalFills(atVenue);
    if (venueFills === undefined) {
      if (await holdsNothing()) return { released: false };
      throw new DomainError('ORDER_NOT_TERMINAL', `order ${input.orderId} is ${atVenue.order?.status} at the venue: its hold stays until it ends`, {
        orderId: input.orderId,
        venueStatus: atVenue.order?.status,
      });
    }
    // The venue's fills are looked up with the account the release is decided on: one read for all of them.
    const outcome = await deps.accounts.updateAccount(input.accountId, (account) => decideRelease(account, input.orderId, venueFills), { fills: venueFills });
    return releaseView(input, outcome, atVenue);
  };

  return {
    /** Pre-trade checks and the hold, in one atomic step per orderId; a repeat answers the hold already placed. */
    async hold(input: HoldOrderInput): Promise<HoldResult> {
      // With its status at runtime: an admin's halt holds for every order from the moment this process heard of it.
      const spec = deps.symbolStatus.effective(specOf(input.symbol));
      // The order API checked these rules already; checked again because this service moves the money.
      const broken = validateOrderRules(
        spec,
        { side: input.side, type: input.type, quantity: input.quantity, price: input.price, timeInForce: 'GTC', expireAt: null, postOnly: false },
        now().toISOString(),
      );
      if (broken !== undefined && broken.code !== 'SYMBOL_HALTED') throw broken;

      // Sized once, outside the compare-and-set loop: every retry of the decision sees the same mark. A halt is a
      // refusal the decision makes after it looked for the order's hold: a retry of a check that held before the halt
      // answers that hold (a refusal then would leave it held behind a REJECTED order).
      const sizing: HoldSizing = broken === undefined ? sizeOrder(input, spec) : { ok: false, refusal: broken };
      const outcome = await deps.accounts.updateAccount(input.accountId, (account) =>
        decideHold(account, { orderId: input.orderId, symbol: spec.symbol, side: input.side, baseAsset: spec.baseAsset, quantity: input.quantity, price: input.price, sizing }),
      );
      if (outcome.kind === 'not_found') throw accountNotFound(input.accountId);
      if (outcome.kind === 'refused') return { ok: false, refusal: outcome.error };
      return {
        ok: true,
        hold: {
          orderId: input.orderId,
          asset: outcome.asset,
          amount: formatDecimal(outcome.amount),
          alreadyHeld: outcome.alreadyHeld,
          protectionPrice: outcome.protectionPrice === null ? null : formatDecimal(outcome.protectionPrice),
        },
      };
    },

    /**
     * Settles one side of one fill, once per fillId; `overdrawn` says the account had to pay more than it had available.
     * With `release` (the fill the order's workflow knows completes it), what the order still holds is then released
     * as release() would (the venue asked first): when the venue has the order final, in the settlement's own
     * compare-and-set (one read and one write of the account fewer, and one call fewer for the caller). The
     * settlement stands whatever the release answers.
     *
     * A trader's fill settles only as the venue made it: the venue is asked for the order (one call, which the release
     * then reuses) and must have this fill, term for term (venueFillProblem); else FILL_NOT_AT_VENUE and nothing moves,
     * whoever sent it. A venue that cannot be asked is a 503, which the caller retries. A fill of the venue's own
     * accounts settles only as the mirror of a trader's settled fill (decideHouseFill), so it needs no call.
     */
    async settleFill(input: SettleFillInput, options: { release?: boolean } = {}): Promise<{ fill: FillView; overdrawn: boolean; release?: ReleaseAnswer }> {
      const spec = specOf(input.symbol);
      const at = now().toISOString();
      const cost = exactCost(input.price, input.quantity);
      if (cost === undefined) {
        throw new DomainError('TOO_PRECISE', 'price × quantity needs more than 18 fractional digits', {
          price: formatDecimal(input.price),
          quantity: formatDecimal(input.quantity),
        });
      }
      checkFillGrid(spec, input);
      const fill: FillRequest = {
        orderId: input.orderId,
        fillId: input.fillId,
        symbol: spec.symbol,
        side: input.side,
        baseAsset: spec.baseAsset,
        quoteAsset: spec.quoteAsset,
        quantity: input.quantity,
        price: input.price,
        cost,
        liquidity: input.liquidity,
        at,
        ...(input.contra === undefined ? {} : { contra: input.contra }),
      };
      const release = { accountId: input.accountId, orderId: input.orderId };
      const house = isVenueHouseAccount(input.accountId);
      // The venue first: a trader's fill must be one it made; a release asks it too (for a house account, only then).
      const atVenue = house && options.release !== true ? undefined : await askVenue(input.orderId);
      if (!house) confirmAtVenue(input, atVenue!);
      // What the release goes by: the same answer.
      const forRelease = options.release === true ? atVenue : undefined;
      const venueFills = forRelease === undefined ? undefined : finalFills(forRelease);
      let outcome: FillOutcome;
      let released: ReleaseOutcome | undefined;
      if (house) {
        // The venue's side mirrors the user's fill of the same trade (fillIds are `${tradeId}:${orderId}`).
        const mirrored = await mirroredFill(input);
        outcome = await deps.accounts.updateAccount(input.accountId, (account) => decideHouseFill(account, fill, mirrored), { fills: [input.fillId] });
      } else if (venueFills !== undefined) {
        // Final at the venue: the fill, then the release on the account as the fill left it, in one compare-and-set.
        ({ outcome, released } = await deps.accounts.updateAccount(input.accountId, (account) => decideFillThenRelease(account, fill, venueFills), {
          fills: [input.fillId, ...venueFills],
        }));
      } else {
        outcome = await deps.accounts.updateAccount(input.accountId, (account) => decideFill(account, fill), { fills: [input.fillId] });
      }
      if (outcome.kind === 'not_found') throw accountNotFound(input.accountId);
      if (outcome.kind === 'refused') throw outcome.error;
      // Also on a repeat: a fee whose credit was interrupted (crash between the two documents) is credited now, and
      // the record leaves the account document (kept bounded) for its own collection, in the same write as the fees
      // credited, which the document forgets; a crash anywhere leaves the rest to the retry.
      const credited = await creditFees(input.accountId, outcome.pendingFees);
      await deps.accounts.archiveFill(input.accountId, input.fillId, outcome.record, credited);
      // Also on a repeat: a position whose mirroring was interrupted (Redis down, crash) is mirrored now; the mirror keeps the newest version.
      if (outcome.position !== undefined) await mirrorPositions(input.accountId, [[spec.symbol, outcome.position]]);
      const { record } = outcome;
      const settled = { fill: { fillId: input.fillId, applied: outcome.applied, fee: record.fee, balances: record.balances }, overdrawn: outcome.overdrawn };
      if (forRelease === undefined) return settled;
      try {
        const view = released === undefined ? await releaseAfter(release, forRelease) : releaseView(release, released, forRelease);
        return { ...settled, release: { ok: true, view } };
      } catch (error) {
        if (isDomainError(error)) return { ...settled, release: { ok: false, refusal: error } };
        throw error;
      }
    },

    /**
     * Releases whatever the order still holds, once the order can trade no more; without a hold nothing changes.
     * The caller's word is not taken for that (a released hold of an order that still fills would let the funds
     * be spent twice, and its fills could then not settle): the venue, where fills are made, is asked. It must
     * have the order final with every one of its fills settled here, or never have seen it (the order did not
     * reach the venue: cancelled before, or refused by the risk check). A venue that cannot be reached is a 503,
     * which the caller retries.
     */
    async release(input: { accountId: string; orderId: string }): Promise<ReleaseView> {
      return releaseAfter(input, await askVenue(input.orderId));
    },

    /** An admin's switch: while off, every new hold of the account is refused ACCOUNT_DISABLED (ledger decideHold). */
    async setTrading(accountId: string, enabled: boolean): Promise<AccountTrading> {
      const changed = await deps.accounts.setTrading(accountId, enabled);
      if (changed === null) throw accountNotFound(accountId);
      return { accountId, tradingEnabled: enabled, previouslyEnabled: changed.wasEnabled, changedAt: changed.changedAt };
    },

    /** Stores and applies a symbol's status here; the caller announces it to the other risk processes. */
    async setSymbolStatus(symbol: string, status: SymbolStatus): Promise<SymbolStatusView> {
      const spec = specOf(symbol);
      const updatedAt = now().toISOString();
      const { previousStatus } = await deps.symbolStatus.set(spec, status, updatedAt);
      return { symbol: spec.symbol, status, previousStatus, updatedAt };
    },

    async balances(accountId: string): Promise<AssetBalance[]> {
      const balances = await deps.accounts.getBalances(accountId);
      if (balances === null) throw accountNotFound(accountId);
      return balances;
    },

    /**
     * The account's positions from the store (the truth), sorted by symbol, each marked to the latest fresh
     * mark. Also mirrors them to Redis, which repairs a mirror a failed write left behind.
     */
    async positions(accountId: string): Promise<PositionView[]> {
      const account = await deps.accounts.getAccount(accountId);
      if (account === null) throw accountNotFound(accountId);
      const positions = Object.entries(account.positions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      await mirrorPositions(accountId, positions);
      return positions.map(([symbol, position]) => toPositionView(accountId, symbol, position, deps.prices.markOf(symbol)?.mark));
    },
  };
}

export type RiskEngine = ReturnType<typeof createRiskEngine>;

/**
 * A fill, then the release of what its order still holds, decided on the account as the fill left it: one change
 * for both. A fill that does not settle (refused, no account) releases nothing.
 */
function decideFillThenRelease(account: Account | null, fill: FillRequest, venueFills: readonly string[]): AccountDecision<{ outcome: FillOutcome; released?: ReleaseOutcome }> {
  const settled = decideFill(account, fill);
  if (account === null || settled.result.kind !== 'settled') return { result: { outcome: settled.result } };
  const after = settled.changes === undefined ? account : applyChanges(account, settled.changes);
  const release = decideRelease(after, fill.orderId, venueFills);
  const changes = settled.changes === undefined ? release.changes : release.changes === undefined ? settled.changes : mergeChanges(settled.changes, release.changes);
  return { result: { outcome: settled.result, released: release.result }, ...(changes === undefined ? {} : { changes }) };
}

/** A fill the venue made is on the symbol's grid: its price a multiple of the tick, its quantity of the lot. */
function checkFillGrid(spec: SymbolSpec, input: SettleFillInput): void {
  if (input.price % spec.tickSize !== 0n) {
    throw new DomainError('INVALID_PRICE_TICK', `fill price ${formatDecimal(input.price)} is not a multiple of the tick ${formatDecimal(spec.tickSize)}`, {
      price: formatDecimal(input.price),
      tickSize: formatDecimal(spec.tickSize),
    });
  }
  if (input.quantity % spec.lotSize !== 0n) {
    throw new DomainError('INVALID_QUANTITY_LOT', `fill quantity ${formatDecimal(input.quantity)} is not a multiple of the lot ${formatDecimal(spec.lotSize)}`, {
      quantity: formatDecimal(input.quantity),
      lotSize: formatDecimal(spec.lotSize),
    });
  }
}
