import fc from 'fast-check';
import { parseDecimal } from '../domain/decimal';
import type { PriceFeedEvent } from '../domain/venue-events';
import { BookSync, type BookSnapshot, type FeedStep } from './book-sync';
import type { OrderBook } from './order-book';
import { recordVenueFeed, type RecordedFeed } from '../test/harness/venue-feed-fixture';

const d = parseDecimal;
const level = (price: string, quantity: string, orderCount = 1) => ({ price: d(price), quantity: d(quantity), orderCount });
const delta = (version: number, side: 'BUY' | 'SELL', price: string, quantity: string, orderCount = 1): FeedStep => ({
  version,
  change: { side, price: d(price), quantity: d(quantity), orderCount },
});
const trade = (version: number): FeedStep => ({ version });

function stepOf(event: PriceFeedEvent): FeedStep {
  if (event.eventType === 'PublicTrade') return { version: event.version };
  return { version: event.version, change: { side: event.side, price: d(event.price), quantity: d(event.quantity), orderCount: event.orderCount } };
}

const levelsOf = (book: OrderBook | undefined) => book?.levels();
const snapshotLevels = (s: BookSnapshot) => ({ bids: [...s.bids], asks: [...s.asks] });

describe('BookSync', () => {
  const snapshot: BookSnapshot = { sequence: 10, bids: [level('99', '1')], asks: [level('101', '2')] };

  it('waits for a first snapshot, then applies deltas in version order; trades advance the sequence', () => {
    const sync = new BookSync();
    expect(sync.live).toBe(false);
    expect(sync.onEvent(delta(9, 'BUY', '98', '1'))).toEqual({ kind: 'buffered' });
    expect(sync.onEvent(delta(15, 'BUY', '100', '1'))).toEqual({ kind: 'buffered' });
    const ticket = sync.beginSnapshot();
    expect(sync.onEvent(trade(11))).toEqual({ kind: 'buffered' });
    expect(sync.onEvent(delta(12, 'SELL', '101', '0'))).toEqual({ kind: 'buffered' });
    expect(sync.onEvent(delta(13, 'BUY', '99', '1.5'))).toEqual({ kind: 'buffered' });
    // 9 is in the snapshot; 15 arrived before it was asked for yet is above it: not this venue's.
    expect(sync.onSnapshot(snapshot, ticket)).toMatchObject({ applied: 3, covered: 1, foreign: 1, resync: false });
    expect(sync.live).toBe(true);
    expect(sync.sequence).toBe(13);
    expect(levelsOf(sync.book)).toEqual({ bids: [level('99', '1.5')], asks: [] });
    expect(sync.onEvent(delta(14, 'SELL', '102', '3', 2))).toEqual({ kind: 'applied', change: { side: 'SELL', price: d('102'), quantity: d('3'), orderCount: 2 } });
    expect(sync.onEvent(trade(15))).toEqual({ kind: 'applied' });
    expect(sync.onEvent(delta(14, 'SELL', '102', '9'))).toEqual({ kind: 'stale' });
    expect(levelsOf(sync.book)?.asks).toEqual([level('102', '3', 2)]);
  });

  it('a gap (a lost event or a venue restart) stops the book until a snapshot; later events then apply on top', () => {
    const sync = new BookSync({ restored: snapshot });
    // Restored from the hot snapshot: followed at once, but not shown as synced until the venue confirmed it.
    expect(sync.live).toBe(false);
    expect(sync.onEvent(delta(11, 'BUY', '99', '2'))).toMatchObject({ kind: 'applied' });
    expect(sync.onEvent(delta(13, 'BUY', '99', '3'))).toEqual({ kind: 'gap', expected: 12, got: 13 });
    expect(sync.live).toBe(false);
    // The book keeps its last state to serve while the snapshot is on its way.
    expect(sync.book?.bestBid()).toEqual(level('99', '2'));
    const ticket = sync.beginSnapshot();
    expect(sync.onEvent(delta(14, 'BUY', '99', '4'))).toEqual({ kind: 'buffered' });
    expect(sync.onEvent(delta(15, 'SELL', '101', '1'))).toEqual({ kind: 'buffered' });
    // The venue's snapshot already includes 13 and 14 (published before it answered); 15 came after.
    expect(sync.onSnapshot({ sequence: 14, bids: [level('99', '4')], asks: [level('101', '2')] }, ticket)).toMatchObject({
      applied: 1,
      covered: 2,
      foreign: 0,
      resync: false,
      accepted: [delta(13, 'BUY', '99', '3'), delta(14, 'BUY', '99', '4'), delta(15, 'SELL', '101', '1')],
    });
    expect(levelsOf(sync.book)).toEqual({ bids: [level('99', '4')], asks: [level('101', '1')] });
    expect(sync.sequence).toBe(15);
    expect(sync.live).toBe(true);
  });

  it('takes a snapshot below its sequence: a new venue run (or a restored book of another) is the truth', () => {
    const sync = new BookSync({ restored: { ...snapshot, sequence: 5_000 } });
    const ticket = sync.beginSnapshot();
    expect(sync.onSnapshot(snapshot, ticket)).toEqual({ applied: 0, covered: 0, foreign: 0, resync: false, accepted: [] });
    expect(sync.sequence).toBe(10);
    expect(sync.onEvent(trade(11))).toEqual({ kind: 'applied' });
  });

  it('asks again when events that arrived after the request still leave a gap above the snapshot', () => {
    const sync = new BookSync();
    const ticket = sync.beginSnapshot();
    sync.onEvent(delta(12, 'BUY', '98', '1'));
    expect(sync.onSnapshot(snapshot, ticket)).toMatchObject({ applied: 0, covered: 0, foreign: 0, resync: true });
    expect(sync.live).toBe(false);
    expect(sync.buffered).toBe(1);
    const second = sync.beginSnapshot();
    expect(sync.onSnapshot({ sequence: 12, bids: [level('98', '1')], asks: [] }, second)).toMatchObject({ applied: 0, covered: 1, resync: false });
    expect(sync.live).toBe(true);
  });

  it('keeps its buffer bounded, dropping the oldest', () => {
    const sync = new BookSync({ maxBuffered: 3 });
    const ticket = sync.beginSnapshot();
    for (let v = 11; v <= 20; v++) sync.onEvent(trade(v));
    expect(sync.buffered).toBe(3);
    // 18, 19, 20 are left: 11..17 are gone, so the snapshot at 10 leaves a gap.
    expect(sync.onSnapshot(snapshot, ticket)).toMatchObject({ resync: true });
  });
});

describe('BookSync on a real venue feed (engine + liquidity replay of 2016-10-07 1 s bars)', () => {
  let feed: RecordedFeed;
  let versions: number[];

  beforeAll(async () => {
    feed = await recordVenueFeed({ file: 'coinbase_btcusd_1s_trades_2016-10-07_to_09.csv', steps: 400, firstVersion: 1_000, seed: 3 });
    versions = [...feed.bookAt.keys()];
    // Enough going on to mean something: trades, deltas on both sides.
    expect(feed.events.filter((e) => e.eventType === 'PublicTrade').length).toBeGreaterThan(100);
    expect(feed.events.length).toBeGreaterThan(5_000);
  });

  /**
   * The venue's book as GET /venue/book answers once it has published `version`: the venue publishes whole engine
   * calls, so its book is at the end of the call that published it, or later.
   */
  const venueBookAt = (version: number): BookSnapshot => feed.bookAt.get(versions.find((v) => v >= version) ?? versions.at(-1)!)!;

  it('follows every event in order: equal to the venue after each engine call, never crossed', () => {
    const sync = new BookSync();
    const ticket = sync.beginSnapshot();
    sync.onSnapshot({ sequence: 1_000, bids: [], asks: [] }, ticket);
    for (const event of feed.events) {
      expect(sync.onEvent(stepOf(event)).kind).toBe('applied');
      expect(sync.book!.isCrossed()).toBe(false);
      const venue = feed.bookAt.get(event.version);
      if (venue !== undefined) expect(levelsOf(sync.book)).toEqual(snapshotLevels(venue));
    }
  });

  it('converges whatever is lost, redelivered or foreign, given snapshots that answer late (property)', () => {
    const schedule = fc.record({
      // Per event: 0 delivered, 1 lost, 2 delivered twice, 3 preceded by a foreign event of another venue run.
      fates: fc.array(fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3), { minLength: 50, maxLength: 400 }),
      /** How many events the consumer reads while a snapshot is on its way, and how far the venue is ahead. */
      delays: fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 30 })), { minLength: 1, maxLength: 20 }),
      start: fc.integer({ min: 0, max: 4_000 }),
    });
    fc.assert(
      fc.property(schedule, ({ fates, delays, start }) => {
        // Whole engine calls, as the venue publishes them.
        const endVersion = versions.find((v) => v >= feed.events[start + fates.length - 1]!.version)!;
        const events = feed.events.slice(start).filter((e) => e.version <= endVersion);
        const sync = new BookSync();
        // What the market data state counts as this venue's events (trades for the ticker): each delivered one exactly once.
        const counted: number[] = [];
        const count = (version: number) => {
          if (version > (counted.at(-1) ?? 0)) counted.push(version);
        };
        let pending: { ticket: number; readsLeft: number; ahead: number } | undefined;
        let snapshots = 0;
        let read = 0;
        const lastProduced = () => events[Math.min(read, events.length) - 1]?.version ?? (events[0]?.version ?? 1) - 1;
        const request = () => {
          const [readsLeft, ahead] = delays[snapshots++ % delays.length]!;
          pending = { ticket: sync.beginSnapshot(), readsLeft, ahead };
        };
        const answer = () => {
          // The venue answers with its book at (at least) everything it had published when asked.
          const at = events[Math.min(events.length, read + pending!.ahead) - 1]?.version ?? lastProduced();
          const outcome = sync.onSnapshot(venueBookAt(at), pending!.ticket);
          for (const step of outcome.accepted) count(step.version);
          pending = undefined;
          if (outcome.resync) request();
        };
        request();
        events.forEach((event, i) => {
          read = i + 1;
          const fate = fates[i % fates.length];
          if (fate === 3) sync.onEvent({ version: event.version + 10_000_000, change: { side: 'BUY', price: d('1'), quantity: d('5'), orderCount: 1 } });
          const deliver = () => {
            const outcome = sync.onEvent(stepOf(event));
            if (outcome.kind === 'gap') request();
            if (outcome.kind === 'applied' || outcome.kind === 'stale') count(event.version);
            return outcome;
          };
          if (fate !== 1) deliver();
          if (fate === 2) expect(deliver().kind).not.toBe('gap');
          if (pending !== undefined && pending.readsLeft-- <= 0) answer();
          if (sync.live) {
            expect(sync.book!.isCrossed()).toBe(false);
            const venue = feed.bookAt.get(sync.sequence);
            if (venue !== undefined) expect(levelsOf(sync.book)).toEqual(snapshotLevels(venue));
          }
        });
        // Whatever happened, the next snapshot makes the book the venue's.
        if (pending === undefined) request();
        while (pending !== undefined) answer();
        expect(sync.live).toBe(true);
        expect(counted).toEqual(events.filter((_, i) => fates[i % fates.length] !== 1).map((e) => e.version));
        const last = events.at(-1)!.version;
        expect(sync.sequence).toBeGreaterThanOrEqual(last);
        expect(levelsOf(sync.book)).toEqual(snapshotLevels(venueBookAt(sync.sequence)));
      }),
      { numRuns: 200 },
    );
  });
});
