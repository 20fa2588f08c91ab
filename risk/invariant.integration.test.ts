import fc from 'fast-check';
import { formatDecimal, min, parseDecimal, type Scaled } from '../domain/decimal';
import { VENUE_LIQUIDITY_ACCOUNT_ID } from '../domain/venue-events';
import { ensureVenueHouseAccounts } from './house-accounts';
import { RiskTestApp } from '../test/harness/risk-test-app';

const d = parseDecimal;
const ASSETS = ['USD', 'BTC'] as const;
const LOT = d('0.001');
const TICK = d('0.5');

type Command =
  | { kind: 'order'; who: number; side: 'BUY' | 'SELL'; ticks: number; lots: number }
  | { kind: 'fill'; pick: number; lots: number; improve: number; liquidity: 'MAKER' | 'TAKER'; against: 'book' | 'liquidity' }
  | { kind: 'release'; pick: number }
  | { kind: 'replay' }
  | { kind: 'forge'; pick: number; who: number; forgery: Forgery; lots: number; garbage: string }
  | { kind: 'squat'; who: number; side: 'BUY' | 'SELL'; quantity: string; price: string | null; type: 'LIMIT' | 'MARKET' };

/**
 * How a forged settlement differs from any fill the venue could have made for the picked order (issue 11): the
 * engine must refuse each, and nothing may move. (A single-sided fill that keeps every rule of a real hold is not
 * among them: telling it from a real one needs the venue's own record of the fill.)
 */
const FORGERIES = ['unknown-order', 'other-account', 'other-side', 'other-symbol', 'off-tick', 'off-lot', 'beyond-limit', 'overfill', 'house-unmirrored', 'house-foreign-contra', 'garbage-price', 'garbage-quantity'] as const;
type Forgery = (typeof FORGERIES)[number];

/** Values a hostile caller might send as decimals. */
const hostileDecimal = fc.constantFrom('99999999999999999999', '0.00000001', '1e3', '-1', '0', '30000.001', 'NaN', '1'.repeat(40), '0.000000000000000000001', '30000');

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('order' as const), who: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom('BUY' as const, 'SELL' as const), ticks: fc.integer({ min: 0, max: 10 }), lots: fc.integer({ min: 1, max: 40 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('fill' as const),
      pick: fc.nat(),
      lots: fc.integer({ min: 1, max: 40 }),
      improve: fc.integer({ min: 0, max: 4 }),
      liquidity: fc.constantFrom('MAKER' as const, 'TAKER' as const),
      against: fc.constantFrom('book' as const, 'book' as const, 'liquidity' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'replay' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('forge' as const),
      pick: fc.nat(),
      who: fc.integer({ min: 0, max: 2 }),
      forgery: fc.constantFrom(...FORGERIES),
      lots: fc.integer({ min: 1, max: 40 }),
      garbage: hostileDecimal,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('squat' as const),
      who: fc.integer({ min: 0, max: 2 }),
      side: fc.constantFrom('BUY' as const, 'SELL' as const),
      quantity: hostileDecimal,
      price: fc.option(hostileDecimal, { nil: null }),
      type: fc.constantFrom('LIMIT' as const, 'MARKET' as const),
    }),
  },
);

interface OpenOrder {
  orderId: string;
  accountId: string;
  side: 'BUY' | 'SELL';
  price: Scaled;
  remaining: Scaled;
}

describe('risk engine invariant (real store, fast-check)', () => {
  let risk: RiskTestApp;
  let run = 0;

  beforeAll(async () => {
    risk = await RiskTestApp.start();
    await ensureVenueHouseAccounts(risk.store);
  });
  afterAll(async () => {
    await risk?.stop();
  });

  async function sums(accounts: readonly string[]): Promise<Record<string, Scaled>> {
    const totals: Record<string, Scaled> = { USD: 0n, BTC: 0n };
    for (const accountId of accounts) {
      for (const asset of ASSETS) totals[asset]! += d(await risk.total(accountId, asset));
    }
    return totals;
  }

  /** Per account: held is the sum of its holds, no hold and no available balance is negative, every fee reached the fee account. */
  async function checkAccount(accountId: string): Promise<void> {
    const account = (await risk.store.getAccount(accountId))!;
    for (const [asset, balance] of Object.entries(account.balances)) {
      const holds = Object.values(account.holds).filter((h) => h.asset === asset);
      expect({ asset, held: balance.held }).toEqual({ asset, held: holds.reduce((sum, h) => sum + h.amount, 0n) });
      expect(balance.total - balance.held).toBeGreaterThanOrEqual(0n);
    }
    for (const hold of Object.values(account.holds)) expect(hold.amount).toBeGreaterThanOrEqual(0n);
    expect(account.pendingFees).toEqual({});
  }

  it('keeps every asset summed over all accounts unchanged through random holds, fills of both sides, releases and forged settlements', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 5, maxLength: 40, size: 'max' }), async (commands) => {
        run += 1;
        const start = { USD: '1000000', BTC: '50' };
        const traders = [await risk.createAccount(`r${run}-a`, start), await risk.createAccount(`r${run}-b`, start), await risk.createAccount(`r${run}-c`, start)];
        // The venue's own market maker: it holds nothing and settles only the mirror of a user's fill that names it.
        const liquidity = VENUE_LIQUIDITY_ACCOUNT_ID;
        const everyone = [...traders, liquidity, risk.fees];
        const before = await sums(everyone);
        const open: OpenOrder[] = [];
        const squats: Array<{ orderId: string; accountId: string }> = [];
        let lastFill: Array<{ orderId: string; body: Record<string, unknown>; answer: unknown }> = [];
        let n = 0;

        const settle = async (orderId: string, body: Record<string, unknown>) => {
          const response = await risk.fill(orderId, body);
          expect(response).toMatchObject({ status: 200, json: { applied: true } });
          return { orderId, body, answer: response.json };
        };

        for (const command of commands) {
          n += 1;
          if (command.kind === 'order') {
            const accountId = traders[command.who]!;
            // Buys at or above 30005, sells at or below: resting orders of two accounts usually cross.
            const price = d('30000') + BigInt(command.side === 'BUY' ? 10 + command.ticks : command.ticks) * TICK;
            const quantity = BigInt(command.lots) * LOT;
            const orderId = `r${run}-o${n}`;
            const body = { accountId, symbol: 'BTC-USD', side: command.side, type: 'LIMIT', quantity: formatDecimal(quantity), price: formatDecimal(price) };
            const response = await risk.hold(orderId, body);
            expect([200, 422]).toContain(response.status);
            if (response.status === 200) open.push({ orderId, accountId, side: command.side, price, remaining: quantity });
          } else if (command.kind === 'fill') {
            const order = open.length === 0 ? undefined : open[command.pick % open.length];
            if (order === undefined || order.remaining === 0n) continue;
            // Price improvement: a buy never pays above its limit, a sell never receives below.
            const price = order.side === 'BUY' ? order.price - BigInt(command.improve) * TICK : order.price + BigInt(command.improve) * TICK;
            // A resting order of another account that accepts the price, else the venue's liquidity (an order of its own).
            const counter =
              command.against === 'book'
                ? open.find((o) => o.side !== order.side && o.accountId !== order.accountId && o.remaining > 0n && (o.side === 'BUY' ? o.price >= price : o.price <= price))
                : undefined;
            const quantity = min(min(order.remaining, BigInt(command.lots) * LOT), counter?.remaining ?? order.remaining);
            // As the venue numbers them: one trade id, and per side the fillId `${tradeId}:${orderId}`.
            const tradeId = `r${run}-t${n}`;
            const counterOrderId = counter?.orderId ?? `venue-r${run}-${n}`;
            const counterAccountId = counter?.accountId ?? liquidity;
            const side = (o: 'BUY' | 'SELL') => (o === 'BUY' ? 'SELL' : 'BUY');
            const terms = { symbol: 'BTC-USD', quantity: formatDecimal(quantity), price: formatDecimal(price) };
            lastFill = [
              await settle(order.orderId, {
                ...terms,
                fillId: `${tradeId}:${order.orderId}`,
                accountId: order.accountId,
                side: order.side,
                liquidity: command.liquidity,
                contra: { accountId: counterAccountId, orderId: counterOrderId },
              }),
              await settle(counterOrderId, {
                ...terms,
                fillId: `${tradeId}:${counterOrderId}`,
                accountId: counterAccountId,
                side: side(order.side),
                liquidity: command.liquidity === 'MAKER' ? 'TAKER' : 'MAKER',
                contra: { accountId: order.accountId, orderId: order.orderId },
              }),
            ];
            order.remaining -= quantity;
            if (counter) counter.remaining -= quantity;
          } else if (command.kind === 'release') {
            const order = open.length === 0 ? undefined : open[command.pick % open.length];
            if (order === undefined) continue;
            expect((await risk.release(order.orderId, order.accountId)).json).toMatchObject({ released: true });
            open.splice(open.indexOf(order), 1);
          } else if (command.kind === 'forge') {
            const order = open.find((o, i) => i >= command.pick % Math.max(1, open.length) && o.remaining > 0n) ?? open.find((o) => o.remaining > 0n);
            const forged = forge(command, order, traders, run, n);
            if (forged === undefined) continue;
            const response = await risk.fill(forged.orderId, forged.body);
            expect({ forgery: command.forgery, status: response.status >= 400 && response.status < 500 }).toEqual({ forgery: command.forgery, status: true });
          } else if (command.kind === 'squat') {
            // A hold under a made-up order id moves no total (only what is held); it may be placed or refused, never a 5xx.
            const squatId = `squat-r${run}-${n}`;
            const response = await risk.hold(squatId, {
              accountId: traders[command.who],
              symbol: 'BTC-USD',
              side: command.side,
              type: command.type,
              quantity: command.quantity,
              price: command.type === 'MARKET' ? null : command.price,
            });
            expect(response.status).toBeLessThan(500);
            if (response.status === 200) squats.push({ orderId: squatId, accountId: traders[command.who]! });
          } else {
            for (const { orderId, body, answer } of lastFill) {
              expect((await risk.fill(orderId, body)).json).toEqual({ ...(answer as object), applied: false });
            }
          }
          expect(await sums(everyone)).toEqual(before);
        }

        for (const accountId of traders) await checkAccount(accountId);
        for (const order of [...open, ...squats]) await risk.release(order.orderId, order.accountId);
        for (const accountId of traders) {
          const balances = await risk.balances(accountId);
          for (const asset of ASSETS) expect(balances[asset]?.held ?? '0').toBe('0');
        }
        expect(await sums(everyone)).toEqual(before);
      }),
      { numRuns: 20 },
    );
  }, 120_000);
});

/** A settlement no venue fill could be, for the picked open order (or a made-up one); undefined when it needs an order and there is none. */
function forge(
  command: Extract<Command, { kind: 'forge' }>,
  order: OpenOrder | undefined,
  traders: readonly string[],
  run: number,
  n: number,
): { orderId: string; body: Record<string, unknown> } | undefined {
  const fillId = `forged-r${run}-${n}`;
  const someone = traders[command.who]!;
  const lots = formatDecimal(BigInt(command.lots) * LOT);
  if (command.forgery === 'unknown-order') {
    return { orderId: `made-up-r${run}-${n}`, body: { fillId, accountId: someone, symbol: 'BTC-USD', side: 'SELL', quantity: '0.00000001', price: command.garbage.match(/^\d+(\.\d+)?$/) ? command.garbage : '30000', liquidity: 'MAKER' } };
  }
  if (command.forgery === 'house-unmirrored' || command.forgery === 'house-foreign-contra') {
    // The venue's account, with no contra, or naming a user order whose fill never named it.
    const contra = command.forgery === 'house-foreign-contra' && order !== undefined ? { contra: { accountId: order.accountId, orderId: order.orderId } } : {};
    return { orderId: `venue-forged-${n}`, body: { fillId: `t-forged-${n}:venue-forged-${n}`, accountId: VENUE_LIQUIDITY_ACCOUNT_ID, symbol: 'BTC-USD', side: 'BUY', quantity: lots, price: '1', liquidity: 'MAKER', ...contra } };
  }
  if (order === undefined) return undefined;
  const base = { fillId, accountId: order.accountId, symbol: 'BTC-USD', side: order.side, quantity: formatDecimal(min(order.remaining, BigInt(command.lots) * LOT)), price: formatDecimal(order.price), liquidity: 'TAKER' };
  const beyond = order.side === 'BUY' ? order.price + TICK : order.price - TICK;
  switch (command.forgery) {
    case 'other-account':
      return { orderId: order.orderId, body: { ...base, accountId: traders.find((t) => t !== order.accountId)! } };
    case 'other-side':
      return { orderId: order.orderId, body: { ...base, side: order.side === 'BUY' ? 'SELL' : 'BUY' } };
    case 'other-symbol':
      return { orderId: order.orderId, body: { ...base, symbol: 'ETH-USD' } };
    case 'off-tick':
      return { orderId: order.orderId, body: { ...base, price: formatDecimal(order.price + d('0.001')) } };
    case 'off-lot':
      return { orderId: order.orderId, body: { ...base, quantity: '0.000000001' } };
    case 'beyond-limit':
      return { orderId: order.orderId, body: { ...base, price: formatDecimal(beyond) } };
    case 'overfill':
      return { orderId: order.orderId, body: { ...base, quantity: formatDecimal(order.remaining + d('0.00000001')) } };
    case 'garbage-price':
      // Garbage, or (for a BUY) a price above its limit; a SELL at a huge price would be beyond no limit, so it gets an off-grid one.
      return { orderId: order.orderId, body: { ...base, price: order.side === 'BUY' ? command.garbage.replace(/^30000$/, formatDecimal(beyond)) : `${command.garbage}.001` } };
    case 'garbage-quantity':
      return { orderId: order.orderId, body: { ...base, quantity: command.garbage === '0.00000001' || command.garbage === '30000' ? formatDecimal(order.remaining + LOT) : command.garbage } };
  }
}
