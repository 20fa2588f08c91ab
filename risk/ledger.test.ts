import { parseDecimal } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import type { Account, AccountChanges, Balance, PendingFee } from '../domain/account';
import { creditedPendingFees, decideFeeCredit, decideFill, decideHold, decideRelease, type FillRequest, type HoldRequest } from './ledger';

const d = parseDecimal;

function account(parts: Partial<Account> = {}): Account {
  return { accountId: 'acct', name: 'acct', version: 1, balances: {}, holds: {}, fills: {}, pendingFees: {}, feeSeq: 0, feeCursors: {}, positions: {}, ...parts };
}

/** The account after a decision, as the store would write it (the changes merged key by key). */
function apply(before: Account, changes: AccountChanges | undefined): Account {
  if (changes === undefined) return before;
  const merge = <T>(base: Readonly<Record<string, T>>, patch: Record<string, T | null> | undefined): Record<string, T> => {
    const next: Record<string, T> = { ...base };
    for (const [key, value] of Object.entries(patch ?? {})) {
      if (value === null) delete next[key];
      else next[key] = value;
    }
    return next;
  };
  return {
    ...before,
    balances: merge(before.balances, changes.balances),
    holds: merge(before.holds, changes.holds),
    fills: merge(before.fills, changes.fills),
    pendingFees: merge(before.pendingFees, changes.pendingFees),
    feeCursors: merge(before.feeCursors, changes.feeCursors),
    positions: merge(before.positions, changes.positions),
    feeSeq: changes.feeSeq ?? before.feeSeq,
  };
}

const bal = (total: string, held = '0'): Balance => ({ total: d(total), held: d(held) });

const buyHold = (orderId: string, quantity: string, price: string): HoldRequest => ({
  orderId,
  price: d(price),
  symbol: 'BTC-USD',
  side: 'BUY',
  baseAsset: 'BTC',
  quantity: d(quantity),
  sizing: { ok: true, asset: 'USD', amount: (d(price) * d(quantity)) / 10n ** 18n, notional: (d(price) * d(quantity)) / 10n ** 18n, protectionPrice: null },
});

const fill = (fillId: string, side: 'BUY' | 'SELL', quantity: string, price: string, liquidity: 'MAKER' | 'TAKER', orderId = 'o-1'): FillRequest => ({
  orderId,
  fillId,
  symbol: 'BTC-USD',
  side,
  baseAsset: 'BTC',
  quoteAsset: 'USD',
  quantity: d(quantity),
  price: d(price),
  cost: (d(price) * d(quantity)) / 10n ** 18n,
  liquidity,
  at: '2026-01-01T00:00:00.000Z',
});

describe('ledger decisions', () => {
  it('holds a buy with its taker fee, once per order', () => {
    const before = account({ balances: { USD: bal('100000') } });
    const first = decideHold(before, buyHold('o-1', '0.5', '30000.01'));
    expect(first.result).toEqual({ kind: 'held', alreadyHeld: false, asset: 'USD', amount: d('15030.00501'), protectionPrice: null });
    const after = apply(before, first.changes);
    expect(after.balances.USD).toEqual(bal('100000', '15030.00501'));
    expect(after.holds['o-1']).toEqual({ asset: 'USD', amount: d('15030.00501'), symbol: 'BTC-USD', side: 'BUY', openQuantity: d('0.5'), limitPrice: d('30000.01') });

    const again = decideHold(after, buyHold('o-1', '0.5', '30000.01'));
    expect(again).toEqual({ result: { kind: 'held', alreadyHeld: true, asset: 'USD', amount: d('15030.00501'), protectionPrice: null } });
  });

  it("keeps a MARKET order's protection price on its hold and answers it again, even when the order could no longer be sized", () => {
    const before = account({ balances: { USD: bal('1000') } });
    const market = { ...buyHold('o-m', '0.01', '30600'), sizing: { ok: true as const, asset: 'USD', amount: d('306'), notional: d('306'), protectionPrice: d('30600') } };
    const first = decideHold(before, market);
    expect(first.result).toEqual({ kind: 'held', alreadyHeld: false, asset: 'USD', amount: d('306.612'), protectionPrice: d('30600') });
    const after = apply(before, first.changes);
    expect(after.holds['o-m']).toMatchObject({ protectionPrice: d('30600') });
    // The retry comes when the mark is gone: the hold placed wins over the refusal.
    const unavailable = new DomainError('MARKET_DATA_UNAVAILABLE', 'no mark');
    const retry = decideHold(after, { ...market, sizing: { ok: false, refusal: unavailable } });
    expect(retry).toEqual({ result: { kind: 'held', alreadyHeld: true, asset: 'USD', amount: d('306.612'), protectionPrice: d('30600') } });
    // Without a hold, the refusal is the answer and nothing changes.
    expect(decideHold(before, { ...market, sizing: { ok: false, refusal: unavailable } })).toEqual({ result: { kind: 'refused', error: unavailable } });
  });

  it('refuses ACCOUNT_DISABLED while the account is off (before sizing and limits), and still answers a hold placed before', () => {
    const on = account({ balances: { USD: bal('1000') } });
    const held = apply(on, decideHold(on, buyHold('o-1', '0.01', '10000')).changes);
    const off: Account = { ...held, tradingDisabled: true };
    expect(decideHold(off, buyHold('o-2', '0.01', '10000'))).toEqual({
      result: { kind: 'refused', error: expect.objectContaining({ code: 'ACCOUNT_DISABLED', details: { accountId: 'acct' } }) },
    });
    // Even an order that would be refused for another reason says the account is off.
    expect(decideHold(off, { ...buyHold('o-3', '1', '10000') }).result).toMatchObject({ kind: 'refused', error: { code: 'ACCOUNT_DISABLED' } });
    expect(decideHold(off, buyHold('o-1', '0.01', '10000')).result).toMatchObject({ kind: 'held', alreadyHeld: true });
    expect(decideHold({ ...held, tradingDisabled: false }, buyHold('o-2', '0.01', '10000')).result).toMatchObject({ kind: 'held', alreadyHeld: false });
  });

  it('refuses a hold the available balance cannot cover, fee included, and changes nothing', () => {
    const decision = decideHold(account({ balances: { USD: bal('100.5', '0.5') } }), buyHold('o-1', '0.01', '10000'));
    expect(decision.changes).toBeUndefined();
    expect(decision.result).toMatchObject({ kind: 'refused', error: { code: 'INSUFFICIENT_BALANCE', details: { asset: 'USD', available: '100', required: '100.2' } } });
    expect(decideHold(null, buyHold('o-1', '1', '1')).result).toEqual({ kind: 'not_found' });
  });

  it('settles a buy from its hold, and the rest from available when the fee outgrew it (a taker rate raised after the hold)', () => {
    let acct = account({ balances: { USD: bal('1000') } });
    acct = apply(acct, decideHold(acct, buyHold('o-1', '0.01', '10000')).changes); // holds 100.2
    const first = decideFill(acct, fill('f-1', 'BUY', '0.005', '10000', 'MAKER')); // 50 + 0.05
    expect(first.result).toMatchObject({ kind: 'settled', applied: true, overdrawn: false, record: { fee: { asset: 'USD', amount: '0.05' } } });
    acct = apply(acct, first.changes);
    expect(acct.balances).toEqual({ USD: bal('949.95', '50.15'), BTC: bal('0.005') });
    expect(acct.holds['o-1']).toMatchObject({ amount: d('50.15'), openQuantity: d('0.005') });

    // 50 + 0.2 at a taker rate of 40 bp: 50.15 from the hold, 0.05 from available
    acct = { ...acct, feeRates: { makerBps: 10, takerBps: 40 } };
    const second = decideFill(acct, fill('f-2', 'BUY', '0.005', '10000', 'TAKER'));
    acct = apply(acct, second.changes);
    expect(acct.balances).toEqual({ USD: bal('899.75', '0'), BTC: bal('0.01') });
    expect(acct.holds['o-1']).toMatchObject({ amount: 0n, openQuantity: 0n });
    expect(acct.pendingFees).toEqual({ 'f-1': { seq: 1, asset: 'USD', amount: d('0.05') }, 'f-2': { seq: 2, asset: 'USD', amount: d('0.2') } });
  });

  it('settles a sell: the base leaves the hold, the quote receives cost minus fee', () => {
    let acct = account({ balances: { BTC: bal('1', '0.3') }, holds: { 'o-1': { asset: 'BTC', amount: d('0.3'), symbol: 'BTC-USD', side: 'SELL' } } });
    const decision = decideFill(acct, fill('f-1', 'SELL', '0.1', '30000.5', 'TAKER'));
    acct = apply(acct, decision.changes);
    expect(acct.balances).toEqual({ BTC: bal('0.9', '0.2'), USD: bal('2994.0499') });
    expect(decision.result).toMatchObject({
      record: { fee: { asset: 'USD', amount: '6.0001' }, balances: [{ asset: 'BTC', total: '0.9', available: '0.7', held: '0.2' }, { asset: 'USD', total: '2994.0499' }] },
    });
  });

  it("moves the fill's position in the same decision, once per fillId", () => {
    let acct = account({ balances: { USD: bal('10000'), BTC: bal('1') } });
    acct = apply(acct, decideHold(acct, buyHold('o-1', '0.2', '30000')).changes);
    acct = apply(acct, decideHold(acct, { ...buyHold('o-2', '0.05', '31000'), side: 'SELL', sizing: { ok: true, asset: 'BTC', amount: d('0.05'), notional: d('1550'), protectionPrice: null } }).changes);
    const bought = decideFill(acct, fill('f-1', 'BUY', '0.2', '30000', 'TAKER'));
    expect(bought.changes?.positions).toEqual({ 'BTC-USD': { quantity: d('0.2'), cost: d('6000'), realizedPnl: 0n, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' } });
    acct = apply(acct, bought.changes);
    const sold = decideFill(acct, { ...fill('f-2', 'SELL', '0.05', '31000', 'MAKER', 'o-2'), at: '2026-01-01T00:00:01.000Z' });
    acct = apply(acct, sold.changes);
    // 0.05 of 0.2 closes a quarter of the 6000 basis: realized 1550 − 1500.
    const position = { quantity: d('0.15'), cost: d('4500'), realizedPnl: d('50'), version: 2, updatedAt: '2026-01-01T00:00:01.000Z' };
    expect(acct.positions['BTC-USD']).toEqual(position);
    expect(sold.result).toMatchObject({ kind: 'settled', applied: true, position });
    const repeat = decideFill(acct, { ...fill('f-2', 'SELL', '0.05', '31000', 'MAKER', 'o-2'), at: '2026-01-01T00:00:09.000Z' });
    expect(repeat.changes).toBeUndefined();
    expect(repeat.result).toMatchObject({ kind: 'settled', applied: false, position });
  });

  it('answers a repeated fillId with the first record and no change; other terms under the same id are refused', () => {
    let acct = account({ balances: { USD: bal('1000') } });
    acct = apply(acct, decideHold(acct, buyHold('o-1', '0.02', '100')).changes);
    const first = decideFill(acct, fill('f-1', 'BUY', '0.01', '100', 'TAKER'));
    acct = apply(acct, first.changes);
    const repeat = decideFill(acct, fill('f-1', 'BUY', '0.01', '100', 'TAKER'));
    expect(repeat.changes).toBeUndefined();
    expect(repeat.result).toMatchObject({ kind: 'settled', applied: false });
    expect(repeat.result.kind === 'settled' && repeat.result.record).toEqual(first.result.kind === 'settled' && first.result.record);
    expect(decideFill(acct, fill('f-1', 'BUY', '0.02', '100', 'TAKER')).result).toMatchObject({ kind: 'refused', error: { code: 'DUPLICATE_FILL' } });
  });

  it('refuses a fill whose side does not match the order hold (FILL_MISMATCH), and one of an order without a hold (FILL_NOT_HELD)', () => {
    const acct = account({ balances: { BTC: bal('1', '1') }, holds: { 'o-1': { asset: 'BTC', amount: d('1'), symbol: 'BTC-USD', side: 'SELL' } } });
    expect(decideFill(acct, fill('f-1', 'BUY', '0.1', '100', 'TAKER')).result).toMatchObject({ kind: 'refused', error: { code: 'FILL_MISMATCH' } });
    expect(decideFill(acct, fill('f-1', 'SELL', '0.1', '100', 'TAKER', 'o-2')).result).toMatchObject({ kind: 'refused', error: { code: 'FILL_NOT_HELD' } });
  });

  it('releases the rest of a hold once', () => {
    const acct = account({ balances: { USD: bal('10', '4') }, holds: { 'o-1': { asset: 'USD', amount: d('4') } } });
    const released = decideRelease(acct, 'o-1');
    expect(released.result).toEqual({ kind: 'released', asset: 'USD', amount: d('4') });
    const after = apply(acct, released.changes);
    expect(after.balances.USD).toEqual(bal('10'));
    expect(decideRelease(after, 'o-1')).toEqual({ result: { kind: 'nothing_held' } });
  });

  it('keeps a hold while a fill the venue made for the order has no settlement here', () => {
    const record = { orderId: 'o-1', symbol: 'BTC-USD', side: 'BUY' as const, quantity: '0.1', price: '10', liquidity: 'TAKER' as const, fee: { asset: 'USD', amount: '0' }, balances: [] };
    const acct = account({ balances: { USD: bal('10', '4') }, holds: { 'o-1': { asset: 'USD', amount: d('4') } }, fills: { 'f-1': record } });
    expect(decideRelease(acct, 'o-1', ['f-1', 'f-2'])).toEqual({ result: { kind: 'unsettled', fillId: 'f-2' } });
    expect(decideRelease(acct, 'o-1', ['f-1']).result).toEqual({ kind: 'released', asset: 'USD', amount: d('4') });
  });

  it('credits each pending fee to the fee account exactly once, in seq order', () => {
    const pending: Record<string, PendingFee> = {
      'f-1': { seq: 1, asset: 'USD', amount: d('0.05') },
      'f-2': { seq: 2, asset: 'USD', amount: d('0.12') },
    };
    let fees = account({ accountId: 'fees' });
    const first = decideFeeCredit(fees, 'acct', { 'f-1': pending['f-1']! });
    fees = apply(fees, first.changes);
    expect(first.result).toMatchObject({ cursor: 1 });
    const second = decideFeeCredit(fees, 'acct', pending);
    fees = apply(fees, second.changes);
    expect(second.result).toEqual({ cursor: 2, credited: [pending['f-2']] });
    expect(fees.balances.USD).toEqual(bal('0.17'));
    expect(decideFeeCredit(fees, 'acct', pending)).toEqual({ result: { cursor: 2, credited: [] } });
    // A gap means a fee would be skipped: refuse loudly instead.
    expect(() => decideFeeCredit(account(), 'acct', { 'f-2': pending['f-2']! })).toThrow(/seq 1 is missing/);

    // What the trader forgets: the fees credited up to the cursor, not the ones after it.
    expect(creditedPendingFees({ ...pending, 'f-3': { seq: 3, asset: 'USD', amount: 1n } }, 2)).toEqual(['f-1', 'f-2']);
    expect(creditedPendingFees({}, 2)).toEqual([]);
  });
});
