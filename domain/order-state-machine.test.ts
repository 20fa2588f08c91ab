import fc from 'fast-check';
import { ONE, parseDecimal, type Scaled } from './decimal';
import { isTerminal, newOrder, ORDER_STATUSES, type Order, type OrderStatus } from './order';
import {
  applyOrderCommand,
  remainingQuantity,
  type FillCommand,
  type OrderCommand,
  type TransitionResult,
} from './order-state-machine';

const d = parseDecimal;
const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-01T00:00:01.000Z';
const T2 = '2030-01-01T00:00:02.000Z';

const base = newOrder({
  orderId: 'ord-1',
  clientOrderId: null,
  accountId: 'acct-1',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  quantity: d('1'),
  price: d('50000'),
  timeInForce: 'GTC',
  expireAt: null,
  postOnly: false,
  createdAt: T0,
});

const fill = (fillId: string, quantity: string, price = '50000', fee = '0.1'): FillCommand => ({
  type: 'FILL',
  fillId,
  quantity: d(quantity),
  price: d(price),
  fee: d(fee),
  liquidity: 'TAKER',
  at: T1,
});

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (inner !== null && typeof inner === 'object') deepFreeze(inner as object);
  return Object.freeze(value);
}

function noteOf(result: TransitionResult): string | undefined {
  return result.ok && !result.changed ? result.note : undefined;
}

function ok(result: TransitionResult): Order {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.message}`);
  return result.order;
}

/** Runs commands that must all succeed. */
function run(order: Order, ...cmds: OrderCommand[]): Order {
  return cmds.reduce((o, cmd) => ok(applyOrderCommand(o, cmd)), order);
}

const accepted = run(base, { type: 'RISK_ACCEPTED', at: T1 });
const partial = run(accepted, fill('f1', '0.4'));
const pendingCancel = run(partial, { type: 'CANCEL_REQUESTED', atVenue: true, at: T1 });
const filled = run(partial, fill('f2', '0.6'));
const ordersByStatus: Record<OrderStatus, Order> = {
  NEW: base,
  ACCEPTED: accepted,
  PARTIALLY_FILLED: partial,
  PENDING_CANCEL: pendingCancel,
  FILLED: filled,
  SETTLED: run(filled, { type: 'SETTLED', at: T1 }),
  REJECTED: run(base, { type: 'RISK_REJECTED', reason: 'INSUFFICIENT_BALANCE', at: T1 }),
  CANCELLED: run(partial, { type: 'CANCEL_REQUESTED', atVenue: false, at: T1 }),
  EXPIRED: run(partial, { type: 'EXPIRED', reason: 'GTD', at: T1 }),
};
for (const order of Object.values(ordersByStatus)) deepFreeze(order);

describe('the happy paths', () => {
  it('NEW → ACCEPTED → PARTIALLY_FILLED → FILLED → SETTLED', () => {
    const r1 = applyOrderCommand(base, { type: 'RISK_ACCEPTED', at: T1 });
    expect(r1).toMatchObject({ ok: true, changed: true, from: 'NEW', to: 'ACCEPTED', order: { version: 2, updatedAt: T1 } });
    const r2 = applyOrderCommand(ok(r1), fill('f1', '0.4', '50000', '0.5'));
    expect(r2).toMatchObject({ changed: true, from: 'ACCEPTED', to: 'PARTIALLY_FILLED' });
    expect(ok(r2)).toMatchObject({ filledQuantity: d('0.4'), filledNotional: d('20000'), fees: d('0.5'), fillIds: ['f1'], version: 3 });
    const r3 = applyOrderCommand(ok(r2), fill('f2', '0.6', '49999.99', '0.25'));
    expect(r3).toMatchObject({ changed: true, from: 'PARTIALLY_FILLED', to: 'FILLED' });
    expect(ok(r3)).toMatchObject({ filledQuantity: d('1'), filledNotional: d('49999.994'), fees: d('0.75'), fillIds: ['f1', 'f2'], version: 4 });
    const r4 = applyOrderCommand(ok(r3), { type: 'SETTLED', at: T1 });
    expect(r4).toMatchObject({ changed: true, from: 'FILLED', to: 'SETTLED', order: { version: 5 } });
  });

  it('a single fill can complete an ACCEPTED order', () => {
    expect(applyOrderCommand(accepted, fill('f1', '1'))).toMatchObject({ to: 'FILLED', order: { filledQuantity: d('1') } });
  });

  it('NEW → REJECTED records the reason', () => {
    const result = applyOrderCommand(base, { type: 'RISK_REJECTED', reason: 'INSUFFICIENT_BALANCE', at: T1 });
    expect(result).toMatchObject({ to: 'REJECTED', order: { rejectReason: 'INSUFFICIENT_BALANCE', version: 2 } });
  });

  it('a negative fee (maker rebate) is summed like any other', () => {
    const order = run(accepted, { ...fill('f1', '0.5', '50000', '-0.2'), liquidity: 'MAKER' });
    expect(order.fees).toBe(d('-0.2'));
  });
});

describe('cancel', () => {
  it('cancels a NEW order at once, whatever the venue flag', () => {
    for (const atVenue of [true, false]) {
      expect(applyOrderCommand(base, { type: 'CANCEL_REQUESTED', atVenue, at: T1 })).toMatchObject({
        to: 'CANCELLED',
        order: { cancelRequested: true },
      });
    }
  });

  it('cancels a live order at once when nothing rests at the venue, else waits for the venue', () => {
    for (const order of [accepted, partial]) {
      expect(applyOrderCommand(order, { type: 'CANCEL_REQUESTED', atVenue: false, at: T1 })).toMatchObject({ to: 'CANCELLED' });
      expect(applyOrderCommand(order, { type: 'CANCEL_REQUESTED', atVenue: true, at: T1 })).toMatchObject({
        to: 'PENDING_CANCEL',
        order: { cancelRequested: true, version: order.version + 1 },
      });
    }
  });

  it('a second cancel while pending is a no-op', () => {
    const result = applyOrderCommand(pendingCancel, { type: 'CANCEL_REQUESTED', atVenue: true, at: T1 });
    expect(noteOf(result)).toContain('already pending');
    expect(ok(result)).toBe(pendingCancel);
  });

  it('a cancel of a FILLED order is a no-op explaining why', () => {
    const result = applyOrderCommand(filled, { type: 'CANCEL_REQUESTED', atVenue: true, at: T1 });
    expect(noteOf(result)).toContain('already filled');
    expect(ok(result)).toBe(filled);
  });

  it('a fill racing a cancel is applied: partial stays PENDING_CANCEL, complete becomes FILLED', () => {
    const more = applyOrderCommand(pendingCancel, fill('f2', '0.1'));
    expect(more).toMatchObject({ to: 'PENDING_CANCEL', order: { filledQuantity: d('0.5'), cancelRequested: true } });
    expect(applyOrderCommand(ok(more), fill('f3', '0.5'))).toMatchObject({ to: 'FILLED', order: { filledQuantity: d('1') } });
  });

  it('the venue ack ends a pending cancel as CANCELLED, keeping the partial fill', () => {
    expect(applyOrderCommand(pendingCancel, { type: 'VENUE_CANCELLED', reason: 'user', at: T1 })).toMatchObject({
      to: 'CANCELLED',
      order: { filledQuantity: d('0.4'), fillIds: ['f1'] },
    });
  });
});

describe('statusReason: why an order ended', () => {
  it('a cancel without the venue says who cancelled (the trader when unsaid)', () => {
    expect(applyOrderCommand(base, { type: 'CANCEL_REQUESTED', atVenue: false, at: T1 })).toMatchObject({ order: { statusReason: 'USER_CANCELLED' } });
    expect(applyOrderCommand(accepted, { type: 'CANCEL_REQUESTED', atVenue: false, at: T1, reason: 'ADMIN_CANCELLED' })).toMatchObject({
      to: 'CANCELLED',
      order: { statusReason: 'ADMIN_CANCELLED' },
    });
  });

  it('a cancel sent to the venue says nothing yet; the venue\'s end says why', () => {
    const pending = ok(applyOrderCommand(accepted, { type: 'CANCEL_REQUESTED', atVenue: true, at: T1, reason: 'ADMIN_CANCELLED' }));
    expect(pending.statusReason).toBeNull();
    expect(applyOrderCommand(pending, { type: 'VENUE_CANCELLED', reason: 'ADMIN_CANCELLED', at: T2 })).toMatchObject({ order: { statusReason: 'ADMIN_CANCELLED' } });
  });

  it('an expiry and a rejection record their reason; a live or settled order has none', () => {
    expect(applyOrderCommand(partial, { type: 'EXPIRED', reason: 'IOC_REMAINDER', at: T1 })).toMatchObject({ to: 'EXPIRED', order: { statusReason: 'IOC_REMAINDER' } });
    expect(applyOrderCommand(accepted, { type: 'VENUE_REJECTED', reason: 'POST_ONLY_WOULD_TAKE', at: T1 })).toMatchObject({
      order: { statusReason: 'POST_ONLY_WOULD_TAKE', rejectReason: 'POST_ONLY_WOULD_TAKE' },
    });
    expect(applyOrderCommand(base, { type: 'RISK_REJECTED', reason: 'INSUFFICIENT_BALANCE', at: T1 })).toMatchObject({ order: { statusReason: 'INSUFFICIENT_BALANCE' } });
    expect(accepted.statusReason).toBeNull();
    expect(applyOrderCommand(filled, { type: 'SETTLED', at: T1 })).toMatchObject({ order: { statusReason: null } });
  });
});

describe('fills', () => {
  it('a duplicate fill is a no-op in every status', () => {
    for (const status of ORDER_STATUSES) {
      const order = ordersByStatus[status];
      for (const fillId of order.fillIds) {
        const result = applyOrderCommand(order, fill(fillId, '0.01'));
        expect(noteOf(result)).toContain(fillId);
        expect(ok(result)).toBe(order);
      }
    }
  });

  it('refuses an overfill and leaves the order unchanged', () => {
    expect(applyOrderCommand(partial, fill('f2', '0.60000001'))).toMatchObject({ ok: false, code: 'OVERFILL' });
    expect(applyOrderCommand(accepted, fill('f1', '1.1'))).toMatchObject({ ok: false, code: 'OVERFILL' });
    expect(applyOrderCommand(filled, fill('f9', '0.00000001'))).toMatchObject({ ok: false, code: 'OVERFILL' });
  });

  it('refuses an overfill by the smallest unit, and accepts the exact remainder, in every live status', () => {
    for (const order of [accepted, partial, pendingCancel]) {
      const rest = remainingQuantity(order);
      expect(applyOrderCommand(order, { ...fill('f9', '1', '1'), quantity: rest + 1n })).toMatchObject({ ok: false, code: 'OVERFILL' });
      expect(applyOrderCommand(order, { ...fill('f9', '1', '1'), quantity: rest })).toMatchObject({ to: 'FILLED' });
    }
  });

  it.each([
    ['zero quantity', fill('f9', '0')],
    ['negative quantity', fill('f9', '-0.1')],
    ['zero price', fill('f9', '0.1', '0')],
    ['negative price', fill('f9', '0.1', '-1')],
    ['an inexact notional', { ...fill('f9', '0.1'), price: 1n, quantity: 1n }],
  ])('refuses a fill with %s', (_label, cmd) => {
    expect(applyOrderCommand(partial, cmd)).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' });
  });

  it('refuses a fill before the order reached the venue', () => {
    expect(applyOrderCommand(base, fill('f1', '0.1'))).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' });
  });

  it('remainingQuantity is quantity minus filled', () => {
    expect(remainingQuantity(base)).toBe(d('1'));
    expect(remainingQuantity(partial)).toBe(d('0.6'));
    expect(remainingQuantity(filled)).toBe(0n);
  });
});

describe('a venue rejection', () => {
  it('ends an order the venue refused on arrival REJECTED with the reason, also while a cancel waits', () => {
    const waiting = run(accepted, { type: 'CANCEL_REQUESTED', atVenue: true, at: T1 });
    for (const order of [accepted, waiting]) {
      const result = applyOrderCommand(order, { type: 'VENUE_REJECTED', reason: 'POST_ONLY_WOULD_TAKE', at: T2 });
      expect(result).toMatchObject({ ok: true, changed: true, to: 'REJECTED', order: { rejectReason: 'POST_ONLY_WOULD_TAKE', updatedAt: T2 } });
    }
  });

  it('is refused once anything traded: money moved, so the order cannot be a rejection', () => {
    expect(applyOrderCommand(partial, { type: 'VENUE_REJECTED', reason: 'x', at: T1 })).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' });
    expect(applyOrderCommand(pendingCancel, { type: 'VENUE_REJECTED', reason: 'x', at: T1 })).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' });
  });
});

describe('terminal orders', () => {
  const commands: OrderCommand[] = [
    { type: 'RISK_ACCEPTED', at: T1 },
    { type: 'RISK_REJECTED', reason: 'x', at: T1 },
    { type: 'CANCEL_REQUESTED', atVenue: true, at: T1 },
    { type: 'CANCEL_REQUESTED', atVenue: false, at: T1 },
    fill('f-new', '0.1'),
    { type: 'VENUE_CANCELLED', reason: 'x', at: T1 },
    { type: 'VENUE_REJECTED', reason: 'x', at: T1 },
    { type: 'EXPIRED', reason: 'x', at: T1 },
    { type: 'SETTLED', at: T1 },
  ];
  it.each(['SETTLED', 'REJECTED', 'CANCELLED', 'EXPIRED'] as const)('%s refuses every command with ORDER_TERMINAL', (status) => {
    for (const cmd of commands) {
      const result = applyOrderCommand(ordersByStatus[status], cmd);
      expect(result).toMatchObject({ ok: false, code: 'ORDER_TERMINAL' });
      if (!result.ok) expect(result.message).toContain(status);
    }
  });
});

describe('the full transition table', () => {
  type Outcome = OrderStatus | 'NO_OP' | 'INVALID_TRANSITION' | 'ORDER_TERMINAL' | 'OVERFILL';
  const cmds: Record<string, OrderCommand> = {
    RISK_ACCEPTED: { type: 'RISK_ACCEPTED', at: T1 },
    RISK_REJECTED: { type: 'RISK_REJECTED', reason: 'r', at: T1 },
    CANCEL_AT_VENUE: { type: 'CANCEL_REQUESTED', atVenue: true, at: T1 },
    CANCEL_LOCAL: { type: 'CANCEL_REQUESTED', atVenue: false, at: T1 },
    FILL_SMALL: fill('f-small', '0.1'),
    FILL_REST: { ...fill('f-rest', '1'), quantity: 0n }, // quantity filled in per order below
    VENUE_CANCELLED: { type: 'VENUE_CANCELLED', reason: 'stp', at: T1 },
    VENUE_REJECTED: { type: 'VENUE_REJECTED', reason: 'POST_ONLY_WOULD_TAKE', at: T1 },
    EXPIRED: { type: 'EXPIRED', reason: 'gtd', at: T1 },
    SETTLED: { type: 'SETTLED', at: T1 },
  };
  const T = 'ORDER_TERMINAL';
  const X = 'INVALID_TRANSITION';
  // columns: RISK_ACCEPTED, RISK_REJECTED, CANCEL_AT_VENUE, CANCEL_LOCAL, FILL_SMALL, FILL_REST, VENUE_CANCELLED, VENUE_REJECTED, EXPIRED, SETTLED
  const table: Record<OrderStatus, Outcome[]> = {
    NEW: ['ACCEPTED', 'REJECTED', 'CANCELLED', 'CANCELLED', X, X, X, X, X, X],
    ACCEPTED: [X, X, 'PENDING_CANCEL', 'CANCELLED', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED', 'EXPIRED', X],
    PARTIALLY_FILLED: [X, X, 'PENDING_CANCEL', 'CANCELLED', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', X, 'EXPIRED', X],
    PENDING_CANCEL: [X, X, 'NO_OP', 'NO_OP', 'PENDING_CANCEL', 'FILLED', 'CANCELLED', X, 'EXPIRED', X],
    FILLED: [X, X, 'NO_OP', 'NO_OP', 'OVERFILL', 'OVERFILL', X, X, X, 'SETTLED'],
    SETTLED: [T, T, T, T, T, T, T, T, T, T],
    REJECTED: [T, T, T, T, T, T, T, T, T, T],
    CANCELLED: [T, T, T, T, T, T, T, T, T, T],
    EXPIRED: [T, T, T, T, T, T, T, T, T, T],
  };

  const outcome = (result: TransitionResult): Outcome =>
    !result.ok ? (result.code as Outcome) : result.changed ? result.to : 'NO_OP';

  it.each(ORDER_STATUSES)('from %s', (status) => {
    const order = ordersByStatus[status];
    const actual = Object.entries(cmds).map(([name, cmd]) =>
      outcome(applyOrderCommand(order, name === 'FILL_REST' ? { ...(cmd as FillCommand), quantity: remainingQuantity(order) || 1n * ONE } : cmd)),
    );
    expect(actual).toEqual(table[status]);
  });
});

// ---- properties over random command sequences ----

const lot = d('0.00000001');
// Round sizes whose sums often hit the order quantity exactly (1 BTC), plus arbitrary ones (incl. invalid).
const fillLots = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(10_000_000n, 10_000_000n, 20_000_000n, 50_000_000n) },
  { weight: 1, arbitrary: fc.bigInt({ min: -1n, max: 60_000_000n }) },
);
const fillArb = fc
  .record({
    id: fc.integer({ min: 0, max: 15 }), // few ids, so duplicates happen often
    lots: fillLots,
    ticks: fc.oneof(fc.bigInt({ min: 1n, max: 10_000_000n }), fc.constant(0n)),
    fee: fc.bigInt({ min: -(10n ** 16n), max: 10n ** 17n }),
    second: fc.integer({ min: 1, max: 59 }),
  })
  .map<OrderCommand>(({ id, lots, ticks, fee, second }) => ({
    type: 'FILL',
    fillId: `f${id}`,
    quantity: lots * lot,
    price: ticks * d('0.01'),
    fee,
    liquidity: id % 2 === 0 ? 'MAKER' : 'TAKER',
    at: `2030-01-01T00:00:${String(second).padStart(2, '0')}.000Z`,
  }));
// Weighted so sequences get deep into the lifecycle instead of ending at the first cancel.
const commandArb: fc.Arbitrary<OrderCommand> = fc.oneof(
  { weight: 24, arbitrary: fillArb },
  { weight: 1, arbitrary: fc.constant<OrderCommand>({ type: 'RISK_ACCEPTED', at: T1 }) },
  { weight: 1, arbitrary: fc.constant<OrderCommand>({ type: 'RISK_REJECTED', reason: 'INSUFFICIENT_BALANCE', at: T1 }) },
  { weight: 1, arbitrary: fc.boolean().map<OrderCommand>((atVenue) => ({ type: 'CANCEL_REQUESTED', atVenue, at: T1 })) },
  { weight: 1, arbitrary: fc.constant<OrderCommand>({ type: 'VENUE_CANCELLED', reason: 'stp', at: T1 }) },
  { weight: 1, arbitrary: fc.constant<OrderCommand>({ type: 'VENUE_REJECTED', reason: 'POST_ONLY_WOULD_TAKE', at: T1 }) },
  { weight: 1, arbitrary: fc.constant<OrderCommand>({ type: 'EXPIRED', reason: 'gtd', at: T1 }) },
  { weight: 2, arbitrary: fc.constant<OrderCommand>({ type: 'SETTLED', at: T1 }) },
);
const sequenceArb = fc.array(commandArb, { maxLength: 40, size: 'max' });
// Prefixes that bring a fresh order to each live status, so every run starts somewhere interesting.
const startArb = fc.constantFrom<OrderCommand[]>(
  [],
  [{ type: 'RISK_ACCEPTED', at: T1 }],
  [{ type: 'RISK_ACCEPTED', at: T1 }, fill('p1', '0.3')],
  [{ type: 'RISK_ACCEPTED', at: T1 }, fill('p1', '0.3'), { type: 'CANCEL_REQUESTED', atVenue: true, at: T1 }],
);
const scenarioArb = fc.tuple(startArb, sequenceArb).map(([start, rest]) => [...start, ...rest]);

interface Step {
  cmd: OrderCommand;
  before: Order;
  result: TransitionResult;
  after: Order;
}

function runAll(order: Order, cmds: readonly OrderCommand[]): Step[] {
  const steps: Step[] = [];
  let current = deepFreeze(order);
  for (const cmd of cmds) {
    const result = applyOrderCommand(current, cmd);
    const after = result.ok ? deepFreeze(result.order) : current;
    steps.push({ cmd, before: current, result, after });
    current = after;
  }
  return steps;
}

const finalOrder = (order: Order, steps: Step[]): Order => steps.at(-1)?.after ?? order;
const PROPERTY_RUNS = { numRuns: 500 };

describe('invariants over random command sequences', () => {
  it('each change bumps the version by exactly 1 and stamps updatedAt; no-ops and refusals change nothing', () => {
    fc.assert(
      fc.property(scenarioArb, (cmds) => {
        for (const { cmd, before, result, after } of runAll(base, cmds)) {
          if (result.ok && result.changed) {
            expect(after.version).toBe(before.version + 1);
            expect(after.updatedAt).toBe(cmd.at);
            expect(result.from).toBe(before.status);
            expect(result.to).toBe(after.status);
          } else {
            expect(after).toBe(before);
          }
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('filledQuantity never decreases and never exceeds quantity; status agrees with it', () => {
    fc.assert(
      fc.property(scenarioArb, (cmds) => {
        for (const { before, after } of runAll(base, cmds)) {
          expect(after.filledQuantity).toBeGreaterThanOrEqual(before.filledQuantity);
          expect(after.filledQuantity).toBeLessThanOrEqual(after.quantity);
          if (after.status === 'FILLED' || after.status === 'SETTLED') expect(after.filledQuantity).toBe(after.quantity);
          if (after.status === 'PARTIALLY_FILLED') expect(after.filledQuantity).toBeGreaterThan(0n);
          if (after.status === 'PARTIALLY_FILLED' || after.status === 'PENDING_CANCEL') expect(remainingQuantity(after)).toBeGreaterThan(0n);
          if (after.status === 'NEW' || after.status === 'ACCEPTED' || after.status === 'REJECTED') expect(after.filledQuantity).toBe(0n);
          if (after.status === 'PENDING_CANCEL') expect(after.cancelRequested).toBe(true);
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('a terminal order never changes', () => {
    fc.assert(
      fc.property(scenarioArb, (cmds) => {
        for (const { before, result, after } of runAll(base, cmds)) {
          if (!isTerminal(before.status)) continue;
          expect(after).toBe(before);
          expect(result.ok ? result.changed : result.code).toBe(result.ok ? false : 'ORDER_TERMINAL');
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('the fee, notional and quantity sums equal the sums over applied fills', () => {
    fc.assert(
      fc.property(scenarioArb, (cmds) => {
        const steps = runAll(base, cmds);
        const applied = steps.filter((s) => s.cmd.type === 'FILL' && s.result.ok && s.result.changed).map((s) => s.cmd as FillCommand);
        const sum = (f: (c: FillCommand) => Scaled) => applied.reduce((acc, c) => acc + f(c), 0n);
        const order = finalOrder(base, steps);
        expect(order.fillIds).toEqual(applied.map((c) => c.fillId));
        expect(new Set(order.fillIds).size).toBe(order.fillIds.length);
        expect(order.filledQuantity).toBe(sum((c) => c.quantity));
        expect(order.fees).toBe(sum((c) => c.fee));
        expect(order.filledNotional * ONE).toBe(sum((c) => c.price * c.quantity));
      }),
      PROPERTY_RUNS,
    );
  });

  it('applying the same fill again, at any later point, changes nothing', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), fc.nat(), (cmds, pick, offset) => {
        const steps = runAll(base, cmds);
        const appliedAt = steps.flatMap((s, i) => (s.cmd.type === 'FILL' && s.result.ok && s.result.changed ? [i] : []));
        if (appliedAt.length === 0) return;
        const i = appliedAt[pick % appliedAt.length]!;
        const j = i + 1 + (offset % (cmds.length - i));
        const withDuplicate = [...cmds.slice(0, j), cmds[i]!, ...cmds.slice(j)];
        const dupSteps = runAll(base, withDuplicate);
        expect(dupSteps[j]!.result).toMatchObject({ ok: true, changed: false });
        expect(finalOrder(base, dupSteps)).toEqual(finalOrder(base, steps));
      }),
      PROPERTY_RUNS,
    );
  });

  it('is deterministic: the same commands give the same results', () => {
    fc.assert(
      fc.property(scenarioArb, (cmds) => {
        expect(runAll(base, cmds).map((s) => s.result)).toEqual(runAll(base, cmds).map((s) => s.result));
      }),
      { numRuns: 100 },
    );
  });
});
