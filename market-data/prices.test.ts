import * as v from 'valibot';
import { parseDecimal } from '../domain/decimal';
import { PriceUpdateSchema } from '../domain/market-events';
import { markPrice, priceUpdate, PriceVersions, sameQuote } from './prices';

const d = parseDecimal;

describe('markPrice', () => {
  it('is the mid of bid and ask, else the last trade, else unknown', () => {
    expect(markPrice({ last: d('5'), bid: d('100'), ask: d('101') })).toBe(d('100.5'));
    expect(markPrice({ last: d('5'), bid: d('100'), ask: undefined })).toBe(d('5'));
    expect(markPrice({ last: d('5'), bid: undefined, ask: d('101') })).toBe(d('5'));
    expect(markPrice({ last: undefined, bid: undefined, ask: undefined })).toBeUndefined();
    // A crossed touch says nothing sensible about value: the last trade does.
    expect(markPrice({ last: d('7'), bid: d('101'), ask: d('101') })).toBe(d('7'));
  });

  it('rounds the mid half-even at the 18th digit', () => {
    expect(markPrice({ last: undefined, bid: 1n, ask: 2n })).toBe(2n);
    expect(markPrice({ last: undefined, bid: 2n, ask: 3n })).toBe(2n);
  });
});

describe('priceUpdate', () => {
  it('builds a PriceUpdate that passes the shared schema', () => {
    const update = priceUpdate('BTC-USD', { last: d('611.9'), bid: d('611.89'), ask: d('611.92') }, 1_700_000_000_000_000, new Date('2026-11-21T10:00:00Z'));
    expect(update).toEqual({
      eventId: 'BTC-USD:price:1700000000000000',
      eventType: 'PriceUpdate',
      occurredAt: '2026-11-21T10:00:00.000Z',
      version: 1_700_000_000_000_000,
      symbol: 'BTC-USD',
      last: '611.9',
      bid: '611.89',
      ask: '611.92',
      mark: '611.905',
    });
    expect(v.safeParse(PriceUpdateSchema, update).success).toBe(true);
  });

  it('has nothing to publish without a mark', () => {
    expect(priceUpdate('BTC-USD', { last: undefined, bid: d('1'), ask: undefined }, 1, new Date())).toBeUndefined();
  });

  it('compares quotes field by field', () => {
    const q = { last: d('1'), bid: undefined, ask: d('2') };
    expect(sameQuote(undefined, q)).toBe(false);
    expect(sameQuote({ ...q }, q)).toBe(true);
    expect(sameQuote({ ...q, ask: d('3') }, q)).toBe(false);
  });
});

describe('PriceVersions', () => {
  it('increases per symbol, seeded from the clock so a restart continues above', () => {
    let now = 1_000;
    const versions = new PriceVersions(() => now);
    expect(versions.next('BTC-USD')).toBe(1_000_000);
    expect(versions.next('BTC-USD')).toBe(1_000_001);
    expect(versions.next('ETH-USD')).toBe(1_000_000);
    now = 1_001;
    expect(versions.next('BTC-USD')).toBe(1_001_000);
    // A clock that steps back never makes a version go down.
    now = 900;
    expect(versions.next('BTC-USD')).toBe(1_001_001);
    const restarted = new PriceVersions(() => 1_002);
    expect(restarted.next('BTC-USD')).toBeGreaterThan(1_001_001);
  });
});
