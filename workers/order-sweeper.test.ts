import type { OrderStatus, OrderView } from '../domain/order';
import type { VenueOrderStateSummary } from '../domain/venue-order';
import { createLogger } from '../infra/logger';
import type { KeysetPosition } from '../infra/mongo/keyset-cursor';
import { randomUUID } from 'node:crypto';
import { DEFAULT_MAX_BODY_BYTES } from '../infra/http/service-app';
import { orderSweepLastCover } from '../infra/metrics/order-metrics';
import { compareWithVenue, MAX_ASKED_REMEMBERED, startOrderSweeper, SWEEP_PAGE_SIZE, SWEPT_STATUSES, type OrderSweeperOptions } from './order-sweeper';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const atVenue = (over: Partial<VenueOrderStateSummary> = {}): VenueOrderStateSummary => ({
  orderId: 'o-1',
  status: 'OPEN',
  filledQuantity: '0',
  version: 1,
  updatedAt: iso(T0),
  ...over,
});

describe('compareWithVenue', () => {
  const settledBefore = T0 + 10_000;
  it.each<[string, string, Partial<VenueOrderStateSummary> | undefined, ReturnType<typeof compareWithVenue>]>([
    ['resting at both, nothing filled', '0', {}, 'in-step'],
    ['partly filled at both (decimal forms differ)', '0.10', { status: 'PARTIALLY_FILLED', filledQuantity: '0.1' }, 'in-step'],
    ['filled at the venue, not here', '0', { status: 'PARTIALLY_FILLED', filledQuantity: '0.1' }, 'behind'],
    ['ended at the venue (filled)', '0.1', { status: 'FILLED', filledQuantity: '1' }, 'behind'],
    ['ended at the venue with the same fill (cancelled)', '0.1', { status: 'CANCELLED', filledQuantity: '0.1' }, 'behind'],
    ['filled at the venue a moment ago: its report is on its way', '0', { status: 'FILLED', filledQuantity: '1', updatedAt: iso(settledBefore + 1) }, 'in-step'],
    ['never at the venue', '0', undefined, 'unknown-at-venue'],
  ])('%s', (_, filledHere, venue, expected) => {
    expect(compareWithVenue({ filledQuantity: filledHere }, venue === undefined ? undefined : atVenue(venue), settledBefore)).toBe(expected);
  });
});

it("asks the venue for a page of order ids in one body under the services' limit", () => {
  const body = JSON.stringify({ orderIds: Array.from({ length: SWEEP_PAGE_SIZE }, () => randomUUID()) });
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES);
});

/**
 * The sweeper's paging, lease and asking, with in-memory doubles of its store, venue and workflows (its store query and
 * lease run against Mongo in their own tests; the whole path, lost reports found through the worker, in
 * test/orders/trading-faults.test.ts).
 */
describe('startOrderSweeper', () => {
  const logger = createLogger({ name: 'test', level: 'silent' });

  function setup(orders: Array<Pick<OrderView, 'orderId' | 'status' | 'filledQuantity' | 'updatedAt'>>, venue: Map<string, VenueOrderStateSummary>, over: Partial<OrderSweeperOptions> = {}) {
    let clock = T0 + 60_000;
    let leased = true;
    const pages: Array<{ status: OrderStatus; after: KeysetPosition | undefined; size: number }> = [];
    const venueCalls: string[][] = [];
    const asked: string[] = [];
    const sorted = [...orders].sort((a, b) => (a.updatedAt === b.updatedAt ? a.orderId.localeCompare(b.orderId) : a.updatedAt.localeCompare(b.updatedAt)));
    const sweeper = startOrderSweeper({
      orders: {
        async listByStatusUpdatedBefore(status: OrderStatus, updatedBefore: string, limit: number, after?: KeysetPosition) {
          const page = sorted
            .filter((o) => o.status === status && o.updatedAt < updatedBefore)
            .filter((o) => after === undefined || o.updatedAt > after.at || (o.updatedAt === after.at && o.orderId > after.id))
            .slice(0, limit);
          pages.push({ status, after, size: page.length });
          return page as OrderView[];
        },
      },
      venue: {
        async orderStates(orderIds) {
          venueCalls.push([...orderIds]);
          return { orders: orderIds.flatMap((id) => (venue.has(id) ? [venue.get(id)!] : [])), missing: orderIds.filter((id) => !venue.has(id)) };
        },
      },
      workflows: {
        async requestReconcile(orderId, request) {
          expect(request).toEqual({ requestedBy: 'order-sweeper' });
          asked.push(orderId);
          // An order whose workflow ended: the store still shows it resting (e.g. a workflow terminated by hand).
          return orderId === 'ended' ? ('closed' as const) : ('signalled' as const);
        },
      },
      lease: { acquire: async () => leased, release: async () => undefined },
      logger,
      intervalMs: 3_600_000,
      graceMs: 5_000,
      askAgainMs: 600_000,
      pageSize: 2,
      now: () => clock,
      ...over,
    });
    return {
      sweeper,
      pages,
      venueCalls,
      asked,
      advance: (ms: number) => (clock += ms),
      standBy: () => (leased = false),
    };
  }

  const resting = (orderId: string, status: OrderStatus = 'ACCEPTED', filledQuantity = '0', updatedAt = iso(T0)) => ({ orderId, status, filledQuantity, updatedAt });

  it('pages through the resting orders, asks the venue per page and signals only those the venue is ahead of', async () => {
    const orders = [resting('a'), resting('b'), resting('c', 'PARTIALLY_FILLED', '0.1'), resting('d', 'PENDING_CANCEL'), resting('e'), resting('f', 'FILLED', '1')];
    const venue = new Map([
      ['a', atVenue({ orderId: 'a' })],
      ['b', atVenue({ orderId: 'b', status: 'FILLED', filledQuantity: '0.5' })],
      ['c', atVenue({ orderId: 'c', status: 'PARTIALLY_FILLED', filledQuantity: '0.1' })],
      ['d', atVenue({ orderId: 'd', status: 'CANCELLED' })],
    ]);
    const { sweeper, venueCalls, asked } = setup(orders, venue);
    try {
      const result = await sweeper.sweep();
      // One status at a time (each page a range of the store's index); f is FILLED here: not a resting order (its
      // settlement is the workflow's own step).
      expect(venueCalls).toEqual([['a', 'b'], ['e'], ['c'], ['d']]);
      expect(asked).toEqual(['b', 'e', 'd']);
      expect(result).toEqual({ swept: true, checked: 5, behind: 2, unknownAtVenue: 1, signalled: 3, wrapped: true });
      expect(SWEPT_STATUSES).not.toContain('FILLED');
    } finally {
      await sweeper.stop();
    }
  });

  it('leaves orders whose last transition is within the grace, and asks an order again only after askAgainMs', async () => {
    const { sweeper, asked, advance } = setup([resting('old'), resting('new', 'ACCEPTED', '0', iso(T0 + 58_000))], new Map(), { askAgainMs: 60_000 });
    try {
      await sweeper.sweep();
      expect(asked).toEqual(['old']);
      advance(30_000);
      await sweeper.sweep();
      // 'new' is past the grace now; 'old' was asked 30 s ago.
      expect(asked).toEqual(['old', 'new']);
      advance(30_000);
      await sweeper.sweep();
      expect(asked).toEqual(['old', 'new', 'old']);
    } finally {
      await sweeper.stop();
    }
  });

  it('bounds a pass: it stops after maxPerPass orders, the next pass goes on from there, and the one that reaches the last order marks a cover', async () => {
    const orders = ['a', 'b', 'c', 'd', 'e'].map((id) => resting(id));
    const venue = new Map(orders.map((o) => [o.orderId, atVenue({ orderId: o.orderId })]));
    const { sweeper, venueCalls, advance } = setup(orders, venue, { maxPerPass: 4 });
    const lastCover = async () => (await orderSweepLastCover.get()).values[0]?.value;
    orderSweepLastCover.set(0);
    try {
      expect(await sweeper.sweep()).toMatchObject({ checked: 4, wrapped: false });
      expect(await lastCover()).toBe(0);
      advance(1_000);
      expect(await sweeper.sweep()).toMatchObject({ checked: 1, wrapped: true });
      // The pass that reached the last resting order ended a cover of the book: the gauge the alert reads.
      expect(await lastCover()).toBe((T0 + 61_000) / 1_000);
      advance(1_000);
      expect(await sweeper.sweep()).toMatchObject({ checked: 4, wrapped: false });
      expect(await lastCover()).toBe((T0 + 61_000) / 1_000);
      expect(venueCalls).toEqual([['a', 'b'], ['c', 'd'], ['e'], ['a', 'b'], ['c', 'd']]);
    } finally {
      await sweeper.stop();
    }
  });

  it('bounds a pass by time too: it stops once it has run for intervalMs, and the next pass goes on from there', async () => {
    const orders = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => resting(id));
    const venue = new Map(orders.map((o) => [o.orderId, atVenue({ orderId: o.orderId })]));
    // Each venue call takes 400 ms of a 1 s interval: the pass stops after its third page.
    let clock = T0 + 60_000;
    const calls: string[][] = [];
    const { sweeper } = setup(orders, venue, {
      intervalMs: 1_000,
      now: () => clock,
      venue: {
        async orderStates(orderIds) {
          calls.push([...orderIds]);
          clock += 400;
          return { orders: orderIds.map((id) => venue.get(id)!), missing: [] };
        },
      },
    });
    try {
      expect(await sweeper.sweep()).toMatchObject({ checked: 6, wrapped: false });
      expect(await sweeper.sweep()).toMatchObject({ checked: 2, wrapped: true });
      expect(calls).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f'], ['g', 'h']]);
    } finally {
      await sweeper.stop();
    }
  });

  it('stands by while another worker holds the lease: no store read, no venue call, no signal', async () => {
    const { sweeper, pages, venueCalls, asked, standBy } = setup([resting('a')], new Map());
    standBy();
    try {
      expect(await sweeper.sweep()).toMatchObject({ swept: false, checked: 0 });
      expect([pages, venueCalls, asked]).toEqual([[], [], []]);
    } finally {
      await sweeper.stop();
    }
  });

  it('remembers at most MAX_ASKED_REMEMBERED asked orders of a finding: signals stay bounded per askAgainMs however many orders differ', async () => {
    const count = MAX_ASKED_REMEMBERED + 2;
    const orders = Array.from({ length: count }, (_, i) => resting(`o-${String(i).padStart(6, '0')}`));
    const { sweeper, asked, advance } = setup(orders, new Map(), { pageSize: 500, maxPerPass: 2 * count, askAgainMs: 600_000 });
    try {
      expect(await sweeper.sweep()).toMatchObject({ checked: count, unknownAtVenue: count, signalled: MAX_ASKED_REMEMBERED });
      expect(await sweeper.sweep()).toMatchObject({ unknownAtVenue: count, signalled: 0 });
      // Once the asks expire, the pass asks again, up to the bound, in its order.
      advance(600_000);
      expect(await sweeper.sweep()).toMatchObject({ signalled: MAX_ASKED_REMEMBERED });
      expect(asked).toHaveLength(2 * MAX_ASKED_REMEMBERED);
      expect(asked.slice(MAX_ASKED_REMEMBERED, MAX_ASKED_REMEMBERED + 2)).toEqual(['o-000000', 'o-000001']);
    } finally {
      await sweeper.stop();
    }
  });

  it('asks an order the venue filled however many orders it does not know fill their memory', async () => {
    const count = MAX_ASKED_REMEMBERED + 1;
    // Older than the filled one, so every pass meets them first.
    const unknown = Array.from({ length: count }, (_, i) => resting(`u-${String(i).padStart(6, '0')}`));
    const filled = resting('filled', 'ACCEPTED', '0', iso(T0 + 1));
    const venue = new Map([['filled', atVenue({ orderId: 'filled', status: 'FILLED', filledQuantity: '1' })]]);
    const { sweeper, asked } = setup([...unknown, filled], venue, { pageSize: 500, maxPerPass: 2 * count });
    try {
      expect(await sweeper.sweep()).toMatchObject({ unknownAtVenue: count, behind: 1, signalled: MAX_ASKED_REMEMBERED + 1 });
      expect(asked.at(-1)).toBe('filled');
      expect(asked).not.toContain(`u-${String(MAX_ASKED_REMEMBERED).padStart(6, '0')}`);
    } finally {
      await sweeper.stop();
    }
  });

  it('counts only the signals that reached a running workflow, and asks an ended one again only after askAgainMs', async () => {
    const { sweeper, asked } = setup([resting('ended'), resting('live')], new Map());
    try {
      expect(await sweeper.sweep()).toMatchObject({ unknownAtVenue: 2, signalled: 1 });
      expect(await sweeper.sweep()).toMatchObject({ unknownAtVenue: 2, signalled: 0 });
      expect(asked).toEqual(['ended', 'live']);
    } finally {
      await sweeper.stop();
    }
  });

  it('a pass that fails is counted and the next one runs', async () => {
    let fail = true;
    const { sweeper, asked } = setup([resting('a')], new Map(), {
      venue: {
        async orderStates(orderIds) {
          if (fail) throw new Error('venue down');
          return { orders: [], missing: [...orderIds] };
        },
      },
    });
    try {
      expect(await sweeper.sweep()).toMatchObject({ swept: false });
      fail = false;
      expect(await sweeper.sweep()).toMatchObject({ swept: true, unknownAtVenue: 1, signalled: 1 });
      expect(asked).toEqual(['a']);
    } finally {
      await sweeper.stop();
    }
  });
});
