import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../../domain/decimal';
import { DomainError } from '../../domain/errors';
import { newOrder, toOrderView, type OrderStatus, type OrderView } from '../../domain/order';
import { loadConfig } from '../config';
import { buildIndexes, COLLECTIONS, connectMongo, dropIndexIfPresent, ensureIndexes } from './client';
import { MongoOrderStore } from './order-store';

function orderView(overrides: Partial<OrderView> & { orderId: string }): OrderView {
  const base = toOrderView(
    newOrder({
      orderId: overrides.orderId,
      clientOrderId: overrides.orderId,
      accountId: 'acct-1',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      quantity: parseDecimal('0.5'),
      price: parseDecimal('30000.25'),
      timeInForce: 'GTC',
      expireAt: null,
      postOnly: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
  );
  return { ...base, ...overrides };
}

const transition = (previousStatus: OrderStatus | null) => ({ previousStatus, eventType: 'ExecutionReport', occurredAt: '2026-01-01T00:00:01.000Z' });

describe('MongoOrderStore (real store)', () => {
  const dbName = `test_${randomUUID().slice(0, 8)}`;
  let client: MongoClient | undefined;
  let db: Db;
  let store: MongoOrderStore;

  beforeAll(async () => {
    ({ client, db } = await connectMongo({ url: loadConfig().mongo.url, db: dbName }));
    await ensureIndexes(db);
    store = new MongoOrderStore(db);
  });
  afterAll(async () => {
    // Guarded: when connecting failed, the connection error is the one worth reading.
    if (client === undefined) return;
    await db.dropDatabase();
    await client.close();
  });

  describe('recordTransition', () => {
    it('stores the order with decimal strings and reads it back, per account', async () => {
      const order = orderView({ orderId: 'o-read' });
      expect(await store.recordTransition(order, transition(null))).toEqual({ applied: true });

      expect(await store.get('o-read')).toEqual(order);
      expect(await store.getForAccount('acct-1', 'o-read')).toEqual(order);
      expect(await store.getForAccount('acct-other', 'o-read')).toBeNull();
      expect(await store.get('missing')).toBeNull();
      const raw = await db.collection(COLLECTIONS.orders).findOne({ _id: 'o-read' as never });
      expect(raw).toMatchObject({ _id: 'o-read', quantity: '0.5', price: '30000.25', version: 1 });
    });

    it('ignores an older version arriving after a newer one, but still records its audit entry', async () => {
      const v1 = orderView({ orderId: 'o-stale' });
      const v2 = { ...v1, status: 'ACCEPTED' as const, version: 2, updatedAt: '2026-01-01T00:00:02.000Z' };
      const v3 = { ...v2, status: 'PENDING_CANCEL' as const, cancelRequested: true, version: 3 };

      expect(await store.recordTransition(v3, transition('ACCEPTED'))).toEqual({ applied: true });
      expect(await store.recordTransition(v2, transition('NEW'))).toEqual({ applied: false });
      expect(await store.recordTransition(v1, transition(null))).toEqual({ applied: false });

      expect(await store.get('o-stale')).toEqual(v3);
      expect((await store.events('o-stale')).map((e) => e.version)).toEqual([1, 2, 3]);
    });

    it('records consecutive transitions in one call: each in the trail, the last as the state; a repeat or a half-done earlier call completes', async () => {
      const v1 = orderView({ orderId: 'o-many' });
      const v2 = { ...v1, status: 'FILLED' as const, version: 2, updatedAt: '2026-01-01T00:00:02.000Z' };
      const v3 = { ...v2, status: 'SETTLED' as const, version: 3 };
      await store.recordTransition(v1, transition(null));
      // An earlier attempt got as far as v2's audit entry.
      await store.recordTransition(v2, transition('NEW'));
      await db.collection(COLLECTIONS.orders).updateOne({ _id: 'o-many' as never }, { $set: { version: 1, status: 'NEW' } });
      const entries = [
        { order: v2, event: transition('NEW') },
        { order: v3, event: { ...transition('FILLED'), details: { reason: 'settled' } } },
      ];
      expect(await store.recordTransitions(entries)).toEqual({ applied: true });
      expect(await store.get('o-many')).toEqual(v3);
      expect((await store.events('o-many')).map((e) => [e.version, e.status, e.previousStatus])).toEqual([
        [1, 'NEW', null],
        [2, 'FILLED', 'NEW'],
        [3, 'SETTLED', 'FILLED'],
      ]);
      expect(await store.recordTransitions(entries)).toEqual({ applied: false });
      expect(await store.events('o-many')).toHaveLength(3);
      // Only consecutive versions of one order.
      await expect(store.recordTransitions([entries[1]!, entries[0]!])).rejects.toThrow(/consecutive versions of one order/);
      await expect(store.recordTransitions([entries[0]!, { order: { ...v3, orderId: 'o-other' }, event: transition('FILLED') }])).rejects.toThrow(/consecutive/);
      expect(await store.recordTransitions([])).toEqual({ applied: false });
    });

    it('is idempotent: the same call twice writes one event and leaves the state as it was', async () => {
      const v1 = orderView({ orderId: 'o-twice' });
      const v2 = { ...v1, status: 'ACCEPTED' as const, version: 2 };
      await store.recordTransition(v1, transition(null));
      const event = { ...transition('NEW'), details: { reason: 'risk ok' } };
      expect(await store.recordTransition(v2, event)).toEqual({ applied: true });
      expect(await store.recordTransition(v2, event)).toEqual({ applied: false });

      expect(await store.get('o-twice')).toEqual(v2);
      const events = await store.events('o-twice');
      expect(events).toHaveLength(2);
      expect(events[1]).toEqual({
        eventId: 'o-twice:2',
        orderId: 'o-twice',
        accountId: 'acct-1',
        version: 2,
        status: 'ACCEPTED',
        previousStatus: 'NEW',
        eventType: 'ExecutionReport',
        occurredAt: '2026-01-01T00:00:01.000Z',
        order: v2,
        details: { reason: 'risk ok' },
      });
      expect(events[0]).not.toHaveProperty('details');
    });

    it('stores only the OrderView fields even when given a richer object', async () => {
      const order = { ...orderView({ orderId: 'o-rich' }), fillIds: ['f1'], filledNotional: '0' };
      await store.recordTransition(order, transition(null));
      const raw = await db.collection(COLLECTIONS.orders).findOne({ _id: 'o-rich' as never });
      expect(raw).not.toHaveProperty('fillIds');
      expect(raw).not.toHaveProperty('filledNotional');
    });

    it('ends at the newest version with every event when writers of versions 1..20 race in random order', async () => {
      const versions = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      const base = orderView({ orderId: 'o-race' });
      const results = await Promise.all(
        versions.map((version) => store.recordTransition({ ...base, version, updatedAt: `2026-01-01T00:00:${String(version).padStart(2, '0')}.000Z` }, transition(null))),
      );

      expect(results.some((r) => r.applied)).toBe(true);
      const stored = await store.get('o-race');
      expect(stored?.version).toBe(20);
      expect(stored?.updatedAt).toBe('2026-01-01T00:00:20.000Z');
      expect((await store.events('o-race')).map((e) => e.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await db.collection(COLLECTIONS.orders).countDocuments({ _id: 'o-race' as never })).toBe(1);
    });

  });

  describe('recordDecision', () => {
    const decided = (orderId: string, status: 'ACCEPTED' | 'REJECTED') =>
      orderView({ orderId, status, version: 2, updatedAt: '2026-01-01T00:00:01.000Z', ...(status === 'REJECTED' ? { rejectReason: 'INSUFFICIENT_BALANCE', statusReason: 'INSUFFICIENT_BALANCE' } : {}) });
    const because = (reason: string) => ({ ...transition('NEW'), details: { reason } });

    it('keeps the first decision of a version: a later, different one answers the recorded one and changes nothing', async () => {
      await store.recordTransition(orderView({ orderId: 'o-decide' }), transition(null));
      const first = await store.recordDecision(decided('o-decide', 'REJECTED'), because('INSUFFICIENT_BALANCE'));
      expect(first).toMatchObject({ applied: true, recorded: { eventId: 'o-decide:2', status: 'REJECTED', previousStatus: 'NEW', details: { reason: 'INSUFFICIENT_BALANCE' } } });
      expect(first.recorded.order).toEqual(decided('o-decide', 'REJECTED'));

      const retry = await store.recordDecision(decided('o-decide', 'ACCEPTED'), transition('NEW'));
      expect(retry).toMatchObject({ applied: false, recorded: { status: 'REJECTED', details: { reason: 'INSUFFICIENT_BALANCE' } } });
      expect(retry.recorded.order).toEqual(decided('o-decide', 'REJECTED'));
      expect(await store.get('o-decide')).toMatchObject({ status: 'REJECTED', version: 2 });
      expect((await store.events('o-decide')).map((e) => e.status)).toEqual(['NEW', 'REJECTED']);
    });

    it('leaves the current state and the trail agreeing when two different decisions of a version race', async () => {
      for (let round = 0; round < 10; round += 1) {
        const orderId = `o-race-${round}`;
        await store.recordTransition(orderView({ orderId }), transition(null));
        const [a, b] = await Promise.all([
          store.recordDecision(decided(orderId, 'ACCEPTED'), transition('NEW')),
          store.recordDecision(decided(orderId, 'REJECTED'), because('INSUFFICIENT_BALANCE')),
        ]);
        // Both writers answer the same decision, and it is the one the order and its trail hold.
        expect(a.recorded.status).toBe(b.recorded.status);
        expect((await store.get(orderId))?.status).toBe(a.recorded.status);
        expect((await store.events(orderId)).map((e) => e.status)).toEqual(['NEW', a.recorded.status]);
      }
    });

    it('records NEW with the decision in one call: both in the trail, the order at the decision; a repeat, a half-done earlier call or a racing other decision all end agreeing', async () => {
      const orderId = 'o-with-new';
      const first = await store.recordDecision(decided(orderId, 'ACCEPTED'), transition('NEW'), [{ order: orderView({ orderId }), event: transition(null) }]);
      expect(first).toMatchObject({ applied: true, recorded: { eventId: `${orderId}:2`, status: 'ACCEPTED', previousStatus: 'NEW' } });
      expect(await store.get(orderId)).toEqual(decided(orderId, 'ACCEPTED'));
      expect((await store.events(orderId)).map((e) => [e.version, e.status, e.previousStatus])).toEqual([
        [1, 'NEW', null],
        [2, 'ACCEPTED', 'NEW'],
      ]);
      // A retry that would decide otherwise answers the recorded decision and writes nothing.
      const retry = await store.recordDecision(decided(orderId, 'REJECTED'), because('INSUFFICIENT_BALANCE'), [{ order: orderView({ orderId }), event: transition(null) }]);
      expect(retry).toMatchObject({ applied: false, recorded: { status: 'ACCEPTED' } });
      expect(await store.get(orderId)).toEqual(decided(orderId, 'ACCEPTED'));
      expect(await store.events(orderId)).toHaveLength(2);

      // An earlier attempt recorded NEW alone (the risk engine did not answer it): the decision still goes in.
      const halfDone = 'o-new-only';
      await store.recordTransition(orderView({ orderId: halfDone }), transition(null));
      const later = await store.recordDecision(decided(halfDone, 'REJECTED'), because('INSUFFICIENT_BALANCE'), [{ order: orderView({ orderId: halfDone }), event: transition(null) }]);
      expect(later).toMatchObject({ applied: true, recorded: { status: 'REJECTED', details: { reason: 'INSUFFICIENT_BALANCE' } } });
      expect((await store.events(halfDone)).map((e) => e.status)).toEqual(['NEW', 'REJECTED']);

      for (let round = 0; round < 10; round += 1) {
        const raced = `o-race-new-${round}`;
        const withNew = [{ order: orderView({ orderId: raced }), event: transition(null) }];
        const [a, b] = await Promise.all([
          store.recordDecision(decided(raced, 'ACCEPTED'), transition('NEW'), withNew),
          store.recordDecision(decided(raced, 'REJECTED'), because('INSUFFICIENT_BALANCE'), withNew),
        ]);
        expect(a.recorded.status).toBe(b.recorded.status);
        expect((await store.get(raced))?.status).toBe(a.recorded.status);
        expect((await store.events(raced)).map((e) => e.status)).toEqual(['NEW', a.recorded.status]);
      }
    });

    it('refuses versions before the decision that are not consecutive, or of another order', async () => {
      await expect(store.recordDecision({ ...decided('o-gap', 'ACCEPTED'), version: 3 }, transition('NEW'), [{ order: orderView({ orderId: 'o-gap' }), event: transition(null) }])).rejects.toThrow(
        /consecutive versions of one order/,
      );
      await expect(store.recordDecision(decided('o-mine', 'ACCEPTED'), transition('NEW'), [{ order: orderView({ orderId: 'o-other' }), event: transition(null) }])).rejects.toThrow(
        /consecutive versions of one order/,
      );
      expect(await store.get('o-gap')).toBeNull();
      expect(await store.events('o-mine')).toEqual([]);
    });
  });

  describe('recordTransition (schema)', () => {
    it('refuses an order that fails its schema, and reads no document that is not an order', async () => {
      await expect(store.recordTransition({ ...orderView({ orderId: 'o-malformed' }), quantity: '1e3' }, transition(null))).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect(await db.collection(COLLECTIONS.orders).countDocuments({ _id: 'o-malformed' as never })).toBe(0);
      await db.collection(COLLECTIONS.orders).insertOne({ _id: 'o-foreign' as never, orderId: 'o-foreign', accountId: 'acct-1', status: 'NEW' });
      await expect(store.get('o-foreign')).rejects.toThrow(/orders document o-foreign is not an order/);
    });

    it('refuses a version that is not a positive integer', async () => {
      await expect(store.recordTransition(orderView({ orderId: 'o-bad', version: 0 }), transition(null))).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    });
  });

  describe('listForAccount', () => {
    const account = 'acct-list';
    const statuses: OrderStatus[] = ['NEW', 'ACCEPTED', 'FILLED'];
    const symbols = ['BTC-USD', 'ETH-USD'];
    const all: OrderView[] = [];

    beforeAll(async () => {
      // 37 orders; every timestamp is shared by three orders so the orderId tie-breaker matters.
      for (let i = 0; i < 37; i++) {
        const second = String(Math.floor(i / 3)).padStart(2, '0');
        all.push(
          orderView({
            orderId: `list-${String(i).padStart(3, '0')}`,
            accountId: account,
            status: statuses[i % 3]!,
            symbol: symbols[i % 2]!,
            createdAt: `2026-02-01T00:00:${second}.000Z`,
          }),
        );
      }
      await Promise.all(all.map((o) => store.recordTransition(o, transition(null))));
      await store.recordTransition(orderView({ orderId: 'list-other-account', accountId: 'acct-else' }), transition(null));
    });

    const newestFirst = (orders: OrderView[]) =>
      [...orders].sort((a, b) => (a.createdAt === b.createdAt ? (a.orderId < b.orderId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));

    async function walk(options: { status?: OrderStatus; symbol?: string; limit: number }) {
      const seen: OrderView[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.listForAccount(account, { ...options, ...(cursor === null ? {} : { cursor }) });
        expect(page.orders.length).toBeLessThanOrEqual(options.limit);
        seen.push(...page.orders);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      return { seen, pages };
    }

    it('returns the newest first and walks every page without duplicates or gaps', async () => {
      const { seen, pages } = await walk({ limit: 5 });
      expect(seen.map((o) => o.orderId)).toEqual(newestFirst(all).map((o) => o.orderId));
      expect(pages).toBe(8);
      expect(seen.every((o) => o.accountId === account)).toBe(true);
    });

    it('has no next cursor when the last page is exactly full', async () => {
      const first = await store.listForAccount(account, { limit: 37 });
      expect(first.orders).toHaveLength(37);
      expect(first.nextCursor).toBeNull();
    });

    it('filters by status and symbol, also across pages', async () => {
      const { seen } = await walk({ status: 'ACCEPTED', symbol: 'ETH-USD', limit: 2 });
      const expected = newestFirst(all.filter((o) => o.status === 'ACCEPTED' && o.symbol === 'ETH-USD'));
      expect(expected.length).toBeGreaterThan(2);
      expect(seen.map((o) => o.orderId)).toEqual(expected.map((o) => o.orderId));

      const filled = await store.listForAccount(account, { status: 'FILLED', limit: 500 });
      expect(filled.orders.map((o) => o.orderId)).toEqual(newestFirst(all.filter((o) => o.status === 'FILLED')).map((o) => o.orderId));
    });

    it('refuses an invalid cursor and a limit out of range with VALIDATION_FAILED', async () => {
      const garbage = ['not a cursor!', 'eyJ4Ijox', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url'), ''];
      for (const cursor of garbage) {
        const error: unknown = await store.listForAccount(account, { limit: 5, cursor }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DomainError);
        expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
      }
      for (const limit of [0, 501, 1.5]) {
        await expect(store.listForAccount(account, { limit })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      }
    });
  });

  it('listOpen gives the account\'s orders that are not final, newest first', async () => {
    const account = `acct-open-${randomUUID().slice(0, 8)}`;
    const statuses: OrderStatus[] = ['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL', 'FILLED', 'SETTLED', 'CANCELLED', 'REJECTED', 'EXPIRED'];
    for (const [i, status] of statuses.entries()) {
      await store.recordTransition(orderView({ orderId: `${account}-${status}`, accountId: account, status, createdAt: `2026-01-01T00:00:0${i}.000Z` }), transition(null));
    }
    await store.recordTransition(orderView({ orderId: `${account}-other`, accountId: 'acct-someone-else' }), transition(null));
    const open = await store.listOpen(account, 100);
    expect(open.map((o) => o.status)).toEqual(['FILLED', 'PENDING_CANCEL', 'PARTIALLY_FILLED', 'ACCEPTED', 'NEW']);
    expect(await store.listOpen(account, 2)).toHaveLength(2);
    expect(await store.listOpen('acct-nobody', 10)).toEqual([]);
  });

  it('listStuck gives orders not final whose last transition is older than the cut-off, oldest first, bounded', async () => {
    const tag = `stuck-${randomUUID().slice(0, 8)}`;
    const statuses: OrderStatus[] = ['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL', 'FILLED', 'SETTLED', 'CANCELLED', 'REJECTED', 'EXPIRED'];
    // In the year 2000, before every other order of this database: the cut-offs below see only these.
    for (const [i, status] of statuses.entries()) {
      await store.recordTransition(orderView({ orderId: `${tag}-${status}`, status, updatedAt: `2000-01-01T00:00:0${8 - i}.000Z` }), transition(null));
    }
    await store.recordTransition(orderView({ orderId: `${tag}-recent`, status: 'ACCEPTED', updatedAt: '2000-01-01T00:01:00.000Z' }), transition(null));
    const stuck = await store.listStuck('2000-01-01T00:00:30.000Z', 100);
    expect(stuck.map((o) => o.status)).toEqual(['FILLED', 'PENDING_CANCEL', 'PARTIALLY_FILLED', 'ACCEPTED', 'NEW']);
    expect((await store.listStuck('2000-01-01T00:00:30.000Z', 2)).map((o) => o.orderId)).toEqual([`${tag}-FILLED`, `${tag}-PENDING_CANCEL`]);
    expect((await store.listStuck('2000-01-01T00:05:00.000Z', 100)).map((o) => o.orderId)).toContain(`${tag}-recent`);
    for (const limit of [0, 502, 1.5]) await expect(store.listStuck('2000-01-01T00:00:30.000Z', limit)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('listByStatusUpdatedBefore pages the orders of a status older than the cut-off in (updatedAt, orderId) order, bounded', async () => {
    const tag = `swept-${randomUUID().slice(0, 8)}`;
    // In 1999, before every other order of this database. Two share a time: orderId breaks the tie.
    const rows: Array<[string, OrderStatus, string]> = [
      ['a', 'ACCEPTED', '1999-01-01T00:00:01.000Z'],
      ['b', 'PARTIALLY_FILLED', '1999-01-01T00:00:02.000Z'],
      ['c', 'PENDING_CANCEL', '1999-01-01T00:00:02.000Z'],
      ['d', 'NEW', '1999-01-01T00:00:03.000Z'],
      ['e', 'FILLED', '1999-01-01T00:00:04.000Z'],
      ['f', 'ACCEPTED', '1999-01-01T00:00:05.000Z'],
      ['g', 'ACCEPTED', '1999-01-01T00:01:00.000Z'],
    ];
    for (const [id, status, updatedAt] of rows) await store.recordTransition(orderView({ orderId: `${tag}-${id}`, status, updatedAt }), transition(null));
    const cutOff = '1999-01-01T00:00:30.000Z';
    const ids = (orders: OrderView[]) => orders.map((o) => o.orderId.slice(tag.length + 1));
    const first = await store.listByStatusUpdatedBefore('ACCEPTED', cutOff, 1);
    expect(ids(first)).toEqual(['a']);
    expect(ids(await store.listByStatusUpdatedBefore('ACCEPTED', cutOff, 1, { at: first[0]!.updatedAt, id: first[0]!.orderId }))).toEqual(['f']);
    expect(await store.listByStatusUpdatedBefore('ACCEPTED', cutOff, 1, { at: '1999-01-01T00:00:05.000Z', id: `${tag}-f` })).toEqual([]);
    expect(ids(await store.listByStatusUpdatedBefore('ACCEPTED', '1999-01-01T00:05:00.000Z', 10))).toEqual(['a', 'f', 'g']);
    // Two at the same time: orderId breaks the tie, and a keyset between them goes on with the second.
    for (const [id, status, updatedAt] of [['b2', 'PARTIALLY_FILLED', '1999-01-01T00:00:02.000Z']] as const) {
      await store.recordTransition(orderView({ orderId: `${tag}-${id}`, status, updatedAt }), transition(null));
    }
    expect(ids(await store.listByStatusUpdatedBefore('PARTIALLY_FILLED', cutOff, 10))).toEqual(['b', 'b2']);
    expect(ids(await store.listByStatusUpdatedBefore('PARTIALLY_FILLED', cutOff, 10, { at: '1999-01-01T00:00:02.000Z', id: `${tag}-b` }))).toEqual(['b2']);
    expect(ids(await store.listByStatusUpdatedBefore('PENDING_CANCEL', cutOff, 10))).toEqual(['c']);
    expect(await store.listByStatusUpdatedBefore('NEW', '1999-01-01T00:00:02.500Z', 10)).toEqual([]);
    for (const limit of [0, 501, 1.5]) await expect(store.listByStatusUpdatedBefore('ACCEPTED', cutOff, limit)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('ensureIndexes is idempotent and creates the listing and audit indexes', async () => {
    await ensureIndexes(db);
    const orderIndexes = await db.collection(COLLECTIONS.orders).indexes();
    expect(orderIndexes.map((i) => i.key)).toEqual(
      expect.arrayContaining([
        { accountId: 1, createdAt: -1, _id: -1 },
        { accountId: 1, status: 1, createdAt: -1 },
        { accountId: 1, clientOrderId: 1 },
        { status: 1, updatedAt: 1, _id: 1 },
      ]),
    );
    const eventIndex = (await db.collection(COLLECTIONS.orderEvents).indexes()).find((i) => i.name === 'order_version');
    expect(eventIndex).toMatchObject({ key: { orderId: 1, version: 1 }, unique: true });
  });

  it('ensureIndexes drops the index status_updated_id replaced (a store made by the code before it)', async () => {
    await db.collection(COLLECTIONS.orders).createIndex({ status: 1, updatedAt: 1 }, { name: 'status_updated' });
    expect((await db.collection(COLLECTIONS.orders).indexes()).map((i) => i.name)).toContain('status_updated');
    await ensureIndexes(db);
    const names = (await db.collection(COLLECTIONS.orders).indexes()).map((i) => i.name);
    expect(names).toContain('status_updated_id');
    expect(names).not.toContain('status_updated');
    // Every process runs it at start-up, at once: a drop that finds the index gone already (another process dropped it
    // after this one listed it) is no failure.
    await expect(dropIndexIfPresent(db, COLLECTIONS.orders, 'status_updated')).resolves.toBeUndefined();
    await db.collection(COLLECTIONS.orders).createIndex({ status: 1, updatedAt: 1 }, { name: 'status_updated' });
    await Promise.all([ensureIndexes(db), ensureIndexes(db), ensureIndexes(db)]);
    expect((await db.collection(COLLECTIONS.orders).indexes()).map((i) => i.name)).not.toContain('status_updated');
  });

  it('buildIndexes (the build-indexes job) builds what a store lacks, says so, and drops nothing', async () => {
    const fresh = client!.db(`${dbName}_build`);
    try {
      // A store made by the version before: orders with the index this one retired, no other collection yet.
      await fresh.collection(COLLECTIONS.orders).createIndex({ accountId: 1, createdAt: -1, _id: -1 }, { name: 'account_created' });
      await fresh.collection(COLLECTIONS.orders).createIndex({ status: 1, updatedAt: 1 }, { name: 'status_updated' });
      const first = await buildIndexes(fresh);
      expect(first.existing).toEqual(['orders.account_created']);
      expect(first.created).toEqual(expect.arrayContaining(['orders.status_updated_id', 'order_events.order_version', 'account_fills.account_fill', 'api_keys.key_id']));
      expect(first.created).not.toContain('orders.account_created');
      const names = (await fresh.collection(COLLECTIONS.orders).indexes()).map((i) => i.name);
      expect(names).toEqual(expect.arrayContaining(['status_updated_id', 'status_updated']));
      // Built with background: true (DocumentDB's online build), as the store records it; the one there was left alone.
      const background = Object.fromEntries((await fresh.collection(COLLECTIONS.orders).indexes()).map((i) => [i.name, (i as { background?: unknown }).background]));
      expect([background.status_updated_id, background.account_created]).toEqual([true, undefined]);
      const second = await buildIndexes(fresh);
      expect(second.created).toEqual([]);
      expect([...second.existing].sort()).toEqual([...first.existing, ...first.created].sort());
      // The processes of the new version drop it at start-up.
      await ensureIndexes(fresh);
      expect((await fresh.collection(COLLECTIONS.orders).indexes()).map((i) => i.name)).not.toContain('status_updated');
      // An index changed in the code under its old name fails loudly, and nothing is built or dropped.
      await fresh.collection(COLLECTIONS.fills).dropIndex('account_executed');
      await fresh.collection(COLLECTIONS.fills).createIndex({ accountId: 1, executedAt: 1 }, { name: 'account_executed' });
      await expect(buildIndexes(fresh)).rejects.toThrow(/index account_executed of fills exists as .*needs a new name/);
      await expect(ensureIndexes(fresh)).rejects.toThrow(/account_executed/);
      await fresh.collection(COLLECTIONS.orderEvents).dropIndex('order_version');
      await fresh.collection(COLLECTIONS.orderEvents).createIndex({ orderId: 1, version: 1 }, { name: 'order_version' });
      await expect(buildIndexes(fresh)).rejects.toThrow(/index order_version of order_events exists as/);
    } finally {
      await fresh.dropDatabase();
    }
  });
});
