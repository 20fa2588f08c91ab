import { randomUUID } from 'node:crypto';
import { formatDecimal, parseDecimal } from '../../domain/decimal';
import { DEFAULT_SYMBOLS } from '../../domain/symbols';
import { MarketDataTestProcess } from '../harness/market-data-test-process';
import type { ServerFrame } from '../../market-data/ws/protocol';
import { WsTestClient } from '../harness/ws-test-client';
import { clearPrices } from '../harness/prices';
import { eventually } from '../harness/processes';
import { TestSystem } from '../harness/system';
import { internalFetch } from '../harness/internal-calls';

jest.setTimeout(120_000);

const d = parseDecimal;
const TICK = DEFAULT_SYMBOLS.find((s) => s.symbol === 'BTC-USD')!.tickSize;
const toTick = (price: bigint) => (price / TICK) * TICK;
const BOOK = 'book:BTC-USD';
const TRADES = 'trades:BTC-USD';
const PUBLIC = [BOOK, TRADES, 'ticker:BTC-USD', 'candles:BTC-USD:1m'];

interface Level {
  price: string;
  quantity: string;
  orderCount: number;
}
interface Book {
  sequence: number;
  synced?: boolean;
  bids: Level[];
  asks: Level[];
}
const levels = (book: { bids: Level[]; asks: Level[] }) => ({ bids: book.bids, asks: book.asks });
type Stream = Extract<ServerFrame, { type: 'snapshot' | 'update' }>;
const isStream = (f: ServerFrame): f is Stream => f.type === 'snapshot' || f.type === 'update';

/**
 * The BTC-USD book as a WebSocket client keeps it: the `book` snapshot, then its deltas (or a whole book after the
 * service resynchronised). Frames are applied on demand, so the book can be held at one sequence to compare.
 */
class BookReplica {
  private cursor = 0;
  private version = -1;
  private synced = false;
  private readonly sides = { BUY: new Map<string, Level>(), SELL: new Map<string, Level>() };

  constructor(readonly client: WsTestClient) {}

  /**
   * Applies the book frames received so far up to `sequence`: 'at' when the book is exactly the book after feed
   * version `sequence` (synced, and the next book frame is a delta beyond it; trades in between change no level),
   * 'past' when a snapshot jumped over it, 'behind' when the frames have not come yet.
   */
  settleAt(sequence: number): 'at' | 'past' | 'behind' {
    const frames = this.client.frames;
    for (; this.cursor < frames.length; this.cursor += 1) {
      const frame = frames[this.cursor]!;
      if (!isStream(frame) || frame.channel !== BOOK) continue;
      const data = frame.data as any;
      const version = data.type === 'delta' ? (data.version as number) : (data.sequence as number);
      if (version > sequence) return data.type === 'delta' && this.synced && this.version <= sequence ? 'at' : 'past';
      if (data.type === 'delta') {
        this.sides[data.side as 'BUY' | 'SELL'].set(data.price, { price: data.price, quantity: data.quantity, orderCount: data.orderCount });
        if (data.quantity === '0') this.sides[data.side as 'BUY' | 'SELL'].delete(data.price);
      } else {
        this.synced = data.synced;
        for (const [side, list] of [['BUY', data.bids], ['SELL', data.asks]] as const) {
          this.sides[side].clear();
          for (const level of list as Level[]) this.sides[side].set(level.price, level);
        }
      }
      this.version = version;
    }
    return 'behind';
  }

  async reach(sequence: number): Promise<boolean> {
    const where = await eventually(`a WebSocket book at ${sequence}`, async () => {
      const now = this.settleAt(sequence);
      return now === 'behind' ? undefined : now;
    }, 15_000, 20);
    return where === 'at';
  }

  levels(): { bids: Level[]; asks: Level[] } {
    const sorted = (side: 'BUY' | 'SELL') => [...this.sides[side].values()].sort((a, b) => (d(a.price) < d(b.price) ? -1 : 1) * (side === 'BUY' ? -1 : 1));
    return { bids: sorted('BUY'), asks: sorted('SELL') };
  }
}

/** Channel `seq` must run snapshot N, then N+1, N+2, ... on every channel (a snapshot may restart it). */
function seqProblems(client: WsTestClient): string[] {
  const last = new Map<string, number>();
  const problems = [...client.problems];
  for (const f of client.frames.filter(isStream)) {
    const before = last.get(f.channel);
    if (f.type === 'update' && before === undefined) problems.push(`${f.channel}: update ${f.seq} before a snapshot`);
    if (f.type === 'update' && before !== undefined && f.seq !== before + 1) problems.push(`${f.channel}: seq ${f.seq} after ${before}`);
    last.set(f.channel, f.seq);
  }
  return problems;
}

/**
 * The venue's feed versions (trades and book deltas share one series) after the client's last whole book:
 * on the book and trades channels together they must be that book's sequence + 1, + 2, ... with none missing.
 */
function versionGaps(client: WsTestClient): string[] {
  const frames = client.frames.filter((f): f is Stream => isStream(f) && (f.channel === BOOK || f.channel === TRADES));
  const lastBook = frames.map((f) => f.channel === BOOK && (f.data as Book & { type: string }).type === 'snapshot').lastIndexOf(true);
  if (lastBook < 0) return ['no book snapshot'];
  let expected = (frames[lastBook]!.data as Book).sequence + 1;
  const problems: string[] = [];
  for (const f of frames.slice(lastBook + 1)) {
    if (f.type !== 'update') continue;
    const version = (f.data as { version: number }).version;
    // A trade the snapshot already covered (read late by the service) is shown, but moves nothing.
    if (f.channel === TRADES && version < expected) continue;
    if (version !== expected) problems.push(`${f.channel}: version ${version}, expected ${expected}`);
    expected = version + 1;
  }
  return problems;
}

/**
 * Market data as its subscribers and the risk engine see it, every part a real process on the real stack: a
 * TestSystem (API, worker, risk engine, venue replaying real 1 s bars) and the market data process on that venue
 * and that database. First with no market data at all (no mark anywhere), then with it running.
 */
describe('market data over WebSocket, end to end on the real processes', () => {
  let system: TestSystem;
  let md: MarketDataTestProcess;
  let alice: { accountId: string; apiKey: string };
  let bob: { accountId: string; apiKey: string };
  const clients: WsTestClient[] = [];

  const wsUrl = () => `${md.baseUrl.replace('http', 'ws')}/ws/market-data`;
  const connect = async () => {
    const client = await WsTestClient.connect(wsUrl());
    clients.push(client);
    return client;
  };
  const subscribed = async (channels: string[]) => {
    const client = await connect();
    expect(await client.request({ op: 'subscribe', id: 'sub', channels })).toEqual({ type: 'ack', id: 'sub', op: 'subscribe', channels });
    return client;
  };
  const venueBook = async (): Promise<Book> => (await internalFetch(`${system.venueUrl}/venue/book/BTC-USD?depth=1000`)).json() as Promise<Book>;
  const restBook = async (): Promise<Book> => (await md.get('/api/market/orderbook/BTC-USD?depth=1000')).body;
  const place = async (who: { apiKey: string }, body: Record<string, unknown>): Promise<string> => {
    const placed = await system.placeOrder(who.apiKey, { symbol: 'BTC-USD', ...body });
    expect(placed.status).toBe(202);
    return placed.json.orderId as string;
  };

  /** Polls until the venue and REST answer one sequence, then holds every client's book there: all at that sequence. */
  const booksAtOneSequence = (replicas: BookReplica[]) =>
    eventually(
      'the venue, REST and every WebSocket book at one sequence',
      async () => {
        const [venue, rest] = await Promise.all([venueBook(), restBook()]);
        if (!rest.synced || rest.sequence !== venue.sequence) return undefined;
        // A client whose book jumped over it (a resync snapshot) tries the next one.
        if (!(await Promise.all(replicas.map((r) => r.reach(venue.sequence)))).every(Boolean)) return undefined;
        return { venue, rest, clients: replicas.map((r) => r.levels()) };
      },
      60_000,
      20,
    );

  beforeAll(async () => {
    system = await TestSystem.create('ws-e2e', { replay: true, env: { VENUE_REPLAY_SPEED: '300' } });
    alice = await system.createAccount({ USD: '100000' });
    bob = await system.createAccount({ USD: '100000' });
    await system.startAll();
    // The system's database: the WebSocket checks API keys there and loads the private snapshot's open orders.
    md = await MarketDataTestProcess.create('ws-e2e', { MONGO_DB: system.env.MONGO_DB!, VENUE_URL: system.venueUrl, MARKET_DATA_BACKFILL_FILES: 'none' });
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) client.ws.terminate();
    await Promise.all(clients.map((c) => c.closed));
    // Market data first: both drop the system's database, which must happen after everything writing to it stopped.
    await md?.dispose();
    await system?.stop();
    await clearPrices(['BTC-USD']);
  }, 90_000);

  it('with no price known (no market data process), a MARKET order through the API ends REJECTED with MARKET_DATA_UNAVAILABLE', async () => {
    const orderId = await place(alice, { side: 'BUY', type: 'MARKET', quantity: '0.01' });
    const rejected = await system.waitForStatus(alice.apiKey, orderId, 'REJECTED');
    expect(rejected.rejectReason).toBe('MARKET_DATA_UNAVAILABLE');
    expect((await system.balances(alice.accountId)).USD).toEqual({ total: '100000', available: '100000', held: '0' });
  });

  describe('with the market data process on the replaying venue', () => {
    // Ready once its consumers joined their groups (new ones, at the end of the topics), so every order placed from here shows.
    beforeAll(() => md.start(), 90_000);

    it('20 clients at once: their books equal REST and the venue at one sequence; every channel gapless; the same updates for all', async () => {
      const crowd = await Promise.all(Array.from({ length: 20 }, () => subscribed(PUBLIC)));
      await eventually('a burst of book updates and trades at every client', async () => crowd.every((c) => c.channel(BOOK).length > 500 && c.channel(TRADES).length > 50), 60_000, 100);

      const replicas = crowd.map((c) => new BookReplica(c));
      const { venue, rest, clients: books } = await booksAtOneSequence(replicas);
      expect(levels(rest)).toEqual(levels(venue));
      expect(books).toEqual(crowd.map(() => levels(venue)));
      expect(venue.bids.length).toBeGreaterThan(0);
      expect(venue.asks.length).toBeGreaterThan(0);
      expect(Math.max(...crowd.map((c) => (c.channel(BOOK)[0]!.data as Book).sequence))).toBeLessThan(venue.sequence);

      // All reach the same last book update, then compare what each saw.
      const last = Math.max(...crowd.map((c) => c.channel(BOOK).at(-1)!.seq));
      await Promise.all(crowd.map((c) => c.waitFor(`book seq ${last}`, (f) => f.type === 'update' && f.channel === BOOK && f.seq === last, 0, 15_000)));
      expect(crowd.flatMap((c, i) => [...seqProblems(c), ...versionGaps(c)].map((p) => `client ${i}: ${p}`))).toEqual([]);
      for (const channel of PUBLIC) {
        const seen = new Map<number, string>();
        const differ: string[] = [];
        crowd.forEach((c, i) => {
          for (const f of c.channel(channel).filter((x) => x.type === 'update')) {
            const text = JSON.stringify(f.data);
            if ((seen.get(f.seq) ?? text) !== text) differ.push(`client ${i}: ${channel} seq ${f.seq} differs`);
            seen.set(f.seq, text);
          }
        });
        expect(differ).toEqual([]);
        if (channel === BOOK || channel === TRADES) expect(seen.size).toBeGreaterThanOrEqual(channel === BOOK ? 500 : 50);
      }
      for (const c of crowd) c.ws.terminate();
    });

    it('the private orders channel: after auth each connection sees its own account\'s orders and positions, never the other\'s', async () => {
      const [a, b] = [await subscribed([TRADES]), await connect()];
      // Refusals answer the frame and leave the connection and its subscriptions as they were.
      expect(await a.request({ op: 'subscribe', id: 'early', channels: ['orders'] })).toMatchObject({ type: 'error', id: 'early', code: 'AUTH_REQUIRED' });
      expect(await a.request({ op: 'auth', id: 'bad', apiKey: `key-${randomUUID()}` })).toMatchObject({ type: 'error', id: 'bad', code: 'UNAUTHENTICATED' });
      // A numeric id (JSON-RPC and Binance clients send numbers) comes back as the same number, on refusals too.
      expect(await a.request({ op: 'subscribe', id: 41, channels: ['orders'] })).toMatchObject({ type: 'error', id: 41, code: 'AUTH_REQUIRED' });
      expect(await a.request({ op: 'ping', id: 0 })).toEqual({ type: 'pong', id: 0 });
      const afterRefusals = a.frames.length;
      await a.waitFor('a trade after the refusals', (f) => f.type === 'update' && f.channel === TRADES, afterRefusals, 15_000);

      const ofAlice = { who: alice, ws: a, orders: [] as string[] };
      const ofBob = { who: bob, ws: b, orders: [] as string[] };
      const accounts = [ofAlice, ofBob];
      for (const { who, ws } of accounts) {
        // Alice's client numbers its requests with strings, Bob's with numbers: each is echoed as sent.
        const [authId, subscribeId] = who === alice ? ['auth', 'orders'] : [1, 2];
        expect(await ws.request({ op: 'auth', id: authId, apiKey: who.apiKey })).toEqual({ type: 'ack', id: authId, op: 'auth', accountId: who.accountId });
        expect(await ws.request({ op: 'subscribe', id: subscribeId, channels: ['orders'] })).toEqual({ type: 'ack', id: subscribeId, op: 'subscribe', channels: ['orders'] });
        await ws.waitFor('the orders snapshot', (f) => f.type === 'snapshot' && f.channel === 'orders');
      }

      // Each account: a BUY 5 % under the bid that rests until cancelled, and one 0.5 % over the ask that fills at once.
      const { bids, asks } = await venueBook();
      const resting = formatDecimal(toTick((d(bids[0]!.price) * 95n) / 100n));
      const taking = formatDecimal(toTick((d(asks[0]!.price) * 1005n) / 1000n));
      await Promise.all(
        accounts.map(async (account) => {
          const [rest, take] = await Promise.all([
            place(account.who, { side: 'BUY', type: 'LIMIT', quantity: '0.01', price: resting, timeInForce: 'GTC' }),
            place(account.who, { side: 'BUY', type: 'LIMIT', quantity: '0.01', price: taking, timeInForce: 'GTC' }),
          ]);
          account.orders.push(rest, take);
          const report = (orderId: string, status: string) => (f: ServerFrame) => f.type === 'update' && f.channel === 'orders' && (f.data as any).report?.orderId === orderId && (f.data as any).report.status === status;
          await account.ws.waitFor(`${rest} ACCEPTED`, report(rest, 'ACCEPTED'), 0, 30_000);
          expect((await system.request('POST', `/api/orders/${rest}/cancel`, { apiKey: account.who.apiKey })).status).toBe(202);
          await account.ws.waitFor(`${rest} CANCELLED`, report(rest, 'CANCELLED'), 0, 30_000);
          await account.ws.waitFor(`${take} SETTLED`, report(take, 'SETTLED'), 0, 30_000);
          await account.ws.waitFor('a position update', (f) => f.type === 'update' && f.channel === 'orders' && (f.data as any).kind === 'position', 0, 30_000);
        }),
      );

      for (const [mine, theirs] of [[ofAlice, ofBob], [ofBob, ofAlice]] as const) {
        const updates = mine.ws.channel('orders').filter((f) => f.type === 'update').map((f) => f.data as any);
        expect(updates.filter((u) => (u.kind === 'order' ? u.report.accountId : u.position.accountId) !== mine.who.accountId)).toEqual([]);
        // Every transition of the order's audit trail, in order: what the workflow published, this account's only.
        for (const orderId of mine.orders) {
          const statuses = updates.filter((u) => u.kind === 'order' && u.report.orderId === orderId).map((u) => u.report.status);
          expect(statuses).toEqual((await system.orders.events(orderId)).map((e) => e.status));
          expect(statuses).toContain('ACCEPTED');
        }
        expect(new Set(updates.filter((u) => u.kind === 'order').map((u) => u.report.orderId))).toEqual(new Set(mine.orders));
        const everything = JSON.stringify(mine.ws.frames);
        for (const foreign of [theirs.who.accountId, ...theirs.orders]) expect(everything).not.toContain(foreign);
        expect(seqProblems(mine.ws)).toEqual([]);
      }
    });

    it('closes the loop to risk: a LIMIT 50 % under the mark is REJECTED PRICE_OUT_OF_BAND; a MARKET BUY fills within its protection price and settles', async () => {
      // A position (a taking LIMIT, no mark needed) shows the mark the risk engine holds: from `prices`, published by market data.
      const { asks } = await venueBook();
      await system.waitForStatus(alice.apiKey, await place(alice, { side: 'BUY', type: 'LIMIT', quantity: '0.01', price: formatDecimal(toTick((d(asks[0]!.price) * 1005n) / 1000n)) }), 'SETTLED');
      const mark = await eventually('the risk engine to know a mark', async () => {
        const positions = (await system.request('GET', '/api/accounts/me/positions', { apiKey: alice.apiKey })).json.positions as Array<{ symbol: string; markPrice: string | null }>;
        const markPrice = positions.find((p) => p.symbol === 'BTC-USD')?.markPrice;
        return markPrice == null ? undefined : d(markPrice);
      });

      const far = await place(alice, { side: 'BUY', type: 'LIMIT', quantity: '0.01', price: formatDecimal(toTick(mark / 2n)), timeInForce: 'GTC' });
      expect((await system.waitForStatus(alice.apiKey, far, 'REJECTED')).rejectReason).toBe('PRICE_OUT_OF_BAND');

      const market = await place(alice, { side: 'BUY', type: 'MARKET', quantity: '0.01' });
      expect(await system.waitForStatus(alice.apiKey, market, 'SETTLED')).toMatchObject({ filledQuantity: '0.01' });
      const atVenue = (await (await internalFetch(`${system.venueUrl}/venue/orders/${market}`)).json()) as { protectionPrice: string | null };
      // The mark plus the 2 % slippage cap, give or take how far the replay moved the mark meanwhile.
      const protection = d(atVenue.protectionPrice!);
      expect(protection).toBeGreaterThan((mark * 101n) / 100n);
      expect(protection).toBeLessThan((mark * 103n) / 100n);
      const fills = (await system.request('GET', `/api/orders/${market}/fills`, { apiKey: alice.apiKey })).json.fills as Array<{ price: string; quantity: string }>;
      expect(fills.length).toBeGreaterThan(0);
      expect(fills.filter((f) => d(f.price) > protection)).toEqual([]);
      expect(formatDecimal(fills.reduce((sum, f) => sum + d(f.quantity), 0n))).toBe('0.01');
    });

    it('restart: every client gets 1001, reconnects, resubscribes and gets a fresh snapshot that follows the venue again', async () => {
      const watchers = await Promise.all(Array.from({ length: 5 }, () => subscribed([BOOK, TRADES])));
      const before = await booksAtOneSequence(watchers.map((w) => new BookReplica(w)));
      const open = clients.filter((c) => c.ws.readyState === c.ws.OPEN);
      expect(open.length).toBeGreaterThanOrEqual(5);

      expect(await md.proc!.stop()).toBe(0);
      expect(await Promise.all(open.map((c) => c.closed))).toEqual(open.map(() => ({ code: 1001, reason: 'server shutting down' })));

      // Clients retry while the process comes back (refused until it listens), as a real client's reconnect loop does.
      const starting = md.start();
      const again = await Promise.all(
        watchers.map(() =>
          eventually(
            'a reconnect',
            async () => {
              const client = await WsTestClient.connect(wsUrl());
              clients.push(client);
              return client;
            },
            60_000,
            200,
          ),
        ),
      );
      for (const client of again) {
        expect(await client.request({ op: 'subscribe', id: 'again', channels: [BOOK, TRADES] })).toEqual({ type: 'ack', id: 'again', op: 'subscribe', channels: [BOOK, TRADES] });
        expect(await client.waitFor('a fresh book snapshot', (f) => f.type === 'snapshot' && f.channel === BOOK)).toBeDefined();
      }
      await starting;
      const after = await booksAtOneSequence(again.map((c) => new BookReplica(c)));
      expect(levels(after.rest)).toEqual(levels(after.venue));
      expect(after.clients).toEqual(again.map(() => levels(after.venue)));
      expect(after.venue.sequence).toBeGreaterThan(before.venue.sequence);
      expect(again.flatMap(seqProblems)).toEqual([]);
    });
  });
});
