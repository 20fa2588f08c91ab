import { markPosition } from './position-view';
import fc from 'fast-check';
import { ONE, parseDecimal, type Scaled } from './decimal';
import { applyFill, averageEntryPrice, FLAT, toPositionRecord, toPositionView, unrealizedPnl, type PositionAmounts, type PositionFill } from './position';

const d = parseDecimal;

/** A fill whose cost is exact, as the settlement guarantees. */
function fill(side: 'BUY' | 'SELL', quantity: string, price: string): PositionFill {
  const [q, p] = [d(quantity), d(price)];
  return { side, quantity: q, price: p, cost: (q * p) / ONE };
}

const run = (fills: PositionFill[], from: PositionAmounts = FLAT) => fills.reduce(applyFill, from);

describe('applyFill', () => {
  it('opens and adds to a long at the average of the fills', () => {
    const position = run([fill('BUY', '1', '100'), fill('BUY', '1', '200')]);
    expect(position).toEqual({ quantity: d('2'), cost: d('300'), realizedPnl: 0n });
    expect(averageEntryPrice(position)).toBe(d('150'));
  });

  it('realizes PnL against the average on a partial close and keeps the average of the rest', () => {
    const position = run([fill('BUY', '1', '100'), fill('BUY', '1', '200'), fill('SELL', '0.5', '300')]);
    expect(position).toEqual({ quantity: d('1.5'), cost: d('225'), realizedPnl: d('75') });
    expect(averageEntryPrice(position)).toBe(d('150'));
  });

  it('closes to flat with the cost basis gone exactly and realized = Σ sells − Σ buys', () => {
    const position = run([fill('BUY', '3', '10'), fill('BUY', '1', '11'), fill('SELL', '1', '12'), fill('SELL', '3', '9')]);
    expect(position).toEqual({ quantity: 0n, cost: 0n, realizedPnl: d('12') + d('27') - d('30') - d('11') });
    expect(averageEntryPrice(position)).toBeNull();
  });

  it('flips a long to a short: closes it at the fill price, opens the rest at the fill price', () => {
    // Long 1 @ 150; sell 3 @ 100: close 1 (realized −50), short 2 @ 100.
    const position = run([fill('BUY', '1', '100'), fill('BUY', '1', '200'), fill('SELL', '1', '300'), fill('SELL', '3', '100')]);
    expect(position).toEqual({ quantity: d('-2'), cost: d('-200'), realizedPnl: d('150') - d('50') });
    expect(averageEntryPrice(position)).toBe(d('100'));
  });

  it('keeps a short: adds at the average, a buy back realizes the average minus the price', () => {
    const short = run([fill('SELL', '2', '100'), fill('SELL', '2', '110')]);
    expect(short).toEqual({ quantity: d('-4'), cost: d('-420'), realizedPnl: 0n });
    expect(averageEntryPrice(short)).toBe(d('105'));
    const covered = applyFill(short, fill('BUY', '1', '95'));
    expect(covered).toEqual({ quantity: d('-3'), cost: d('-315'), realizedPnl: d('10') });
    // Flip to long: close 3 at 120 (realized −45), long 1 at 120.
    expect(applyFill(covered, fill('BUY', '4', '120'))).toEqual({ quantity: d('1'), cost: d('120'), realizedPnl: d('-35') });
  });

  it('rounds the cost basis taken out by a partial close half-even at 10^-18, and the rest of it stays in the position', () => {
    // 10 for 3: closing 1 takes 3.333…3 (rounded), the remaining 2 keep 6.666…7.
    const position = run([fill('BUY', '2', '3'), fill('BUY', '1', '4')]);
    expect(position).toEqual({ quantity: d('3'), cost: d('10'), realizedPnl: 0n });
    const reduced = applyFill(position, fill('SELL', '1', '4'));
    expect(reduced).toEqual({ quantity: d('2'), cost: d('6.666666666666666667'), realizedPnl: d('0.666666666666666667') });
    expect(run([fill('SELL', '2', '4')], reduced)).toEqual({ quantity: 0n, cost: 0n, realizedPnl: d('2') });
  });

  it('refuses a fill without a positive quantity and price', () => {
    expect(() => applyFill(FLAT, { side: 'BUY', quantity: 0n, price: 1n, cost: 0n })).toThrow(RangeError);
    expect(() => applyFill(FLAT, { side: 'SELL', quantity: 1n, price: 0n, cost: 0n })).toThrow(RangeError);
  });
});

describe('position invariants (fast-check)', () => {
  // Quantities on a 0.001 lot and prices on a 0.01 tick, like a real symbol: every cost is exact.
  const fillArb: fc.Arbitrary<PositionFill> = fc
    .record({ side: fc.constantFrom('BUY' as const, 'SELL' as const), lots: fc.integer({ min: 1, max: 5_000 }), ticks: fc.integer({ min: 1, max: 10_000_000 }) })
    .map(({ side, lots, ticks }) => {
      const quantity = BigInt(lots) * d('0.001');
      const price = BigInt(ticks) * d('0.01');
      return { side, quantity, price, cost: (quantity * price) / ONE };
    });
  const signed = (f: PositionFill): Scaled => (f.side === 'BUY' ? f.quantity : -f.quantity);
  const cashFlow = (f: PositionFill): Scaled => (f.side === 'BUY' ? -f.cost : f.cost);

  it('keeps quantity = Σ signed fills, realized − cost = Σ cash flows exactly, and the cost on the side of the quantity', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { maxLength: 60 }), (fills) => {
        let position: PositionAmounts = FLAT;
        let quantity = 0n;
        let cash = 0n;
        for (const f of fills) {
          position = applyFill(position, f);
          quantity += signed(f);
          cash += cashFlow(f);
          expect(position.quantity).toBe(quantity);
          expect(position.realizedPnl - position.cost).toBe(cash);
          if (quantity === 0n) expect(position.cost).toBe(0n);
          else expect(position.cost > 0n).toBe(quantity > 0n);
        }
      }),
    );
  });

  it('buying and then selling everything (in any pieces) ends flat with realized = Σ sells − Σ buys', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 10 }), (raw, sellTicks) => {
        const buys = raw.map((f) => ({ ...f, side: 'BUY' as const }));
        const total = buys.reduce((sum, f) => sum + f.quantity, 0n);
        // The total sold back in as many pieces as there are sell prices, the last piece taking the rest.
        const pieces = sellTicks.map((ticks, i) => {
          const quantity = i === sellTicks.length - 1 ? total - (total / BigInt(sellTicks.length)) * BigInt(i) : total / BigInt(sellTicks.length);
          const price = BigInt(ticks) * d('0.01');
          return { side: 'SELL' as const, quantity, price, cost: (quantity * price) / ONE };
        });
        const sells = pieces.filter((f) => f.quantity > 0n);
        const position = run([...buys, ...sells]);
        expect(position.quantity).toBe(0n);
        expect(position.cost).toBe(0n);
        expect(position.realizedPnl).toBe(sells.reduce((s, f) => s + f.cost, 0n) - buys.reduce((s, f) => s + f.cost, 0n));
      }),
    );
  });

  it('keeps the cost basis between the lowest and the highest opening price × quantity, give or take one unit per rounding', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { maxLength: 40 }), (fills) => {
        let position: PositionAmounts = FLAT;
        let opened: Scaled[] = [];
        let roundings = 0n;
        for (const f of fills) {
          const before = position.quantity;
          position = applyFill(position, f);
          const flipped = before !== 0n && position.quantity !== 0n && before > 0n !== position.quantity > 0n;
          if (position.quantity === 0n || flipped) [opened, roundings] = [[], 0n];
          if (position.quantity === 0n) continue;
          // A fill on the side of the position (or that opened or flipped it) adds to its basis; any other reduces it, rounding once.
          if (before === 0n || flipped || before > 0n === (f.side === 'BUY')) opened.push(f.price);
          else roundings += 1n;
          if (flipped) roundings += 1n;
          const open = position.quantity < 0n ? -position.quantity : position.quantity;
          const basis = (position.cost < 0n ? -position.cost : position.cost) * ONE;
          const lowest = opened.reduce((a, b) => (a < b ? a : b));
          const highest = opened.reduce((a, b) => (a > b ? a : b));
          expect(basis).toBeGreaterThanOrEqual(lowest * open - roundings * ONE);
          expect(basis).toBeLessThanOrEqual(highest * open + roundings * ONE);
        }
      }),
    );
  });
});

describe('marking a position', () => {
  const position = { quantity: d('-2'), cost: d('-200'), realizedPnl: d('15.5'), version: 7, updatedAt: '2026-01-01T00:00:00.000Z' };

  it('computes unrealized PnL as (mark − average) × quantity, null when flat', () => {
    expect(unrealizedPnl(position, d('90'))).toBe(d('20'));
    expect(unrealizedPnl({ quantity: d('1.5'), cost: d('225') }, d('160'))).toBe(d('15'));
    expect(unrealizedPnl(FLAT, d('90'))).toBeNull();
  });

  it('formats the record and the view with decimal strings', () => {
    expect(toPositionRecord('acct-1', 'BTC-USD', position)).toEqual({
      accountId: 'acct-1',
      symbol: 'BTC-USD',
      quantity: '-2',
      averageEntryPrice: '100',
      realizedPnl: '15.5',
      openCost: '-200',
      version: 7,
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(toPositionView('acct-1', 'BTC-USD', position, d('110'))).toMatchObject({ markPrice: '110', unrealizedPnl: '-20' });
    expect(toPositionView('acct-1', 'BTC-USD', position, undefined)).toMatchObject({ markPrice: null, unrealizedPnl: null });
    // The market data service marks the same record the same way, without the average's rounding.
    const third = { ...position, quantity: d('3'), cost: d('100') };
    const { markPrice: _m, unrealizedPnl: _u, ...record } = toPositionView('acct-1', 'BTC-USD', third, d('110'));
    expect(markPosition(record, '110')).toEqual(toPositionView('acct-1', 'BTC-USD', third, d('110')));
    expect(toPositionView('acct-1', 'BTC-USD', third, d('110')).unrealizedPnl).toBe('230');
    expect(toPositionView('acct-1', 'BTC-USD', { ...position, quantity: 0n, cost: 0n }, d('110'))).toMatchObject({
      quantity: '0',
      averageEntryPrice: null,
      markPrice: '110',
      unrealizedPnl: null,
    });
  });
});
