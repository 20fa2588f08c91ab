import { MarketDataTestProcess } from '../harness/market-data-test-process';
import { VenueTestProcess } from '../harness/venue-test-process';
import { eventually } from '../harness/processes';

/**
 * The market data process across restarts, on the real stack: its hot snapshot in Redis serves the book at once
 * (with the venue down, nothing else could), and once the venue is back (a new run: its feed versions jump) the
 * book converges to the venue's again. Also what only the process shows: /ready, /openapi.json, a clean stop.
 */
describe('market data process: restart from hot snapshots', () => {
  let venue: VenueTestProcess;
  let md: MarketDataTestProcess;

  beforeAll(async () => {
    venue = await VenueTestProcess.create('md-restart', { VENUE_REPLAY: 'on', VENUE_REPLAY_SPEED: '300' });
    md = await MarketDataTestProcess.create('restart', { VENUE_URL: venue.baseUrl });
    await md.start();
    await venue.start();
  }, 120_000);

  afterAll(async () => {
    await md?.dispose();
    await venue?.dispose();
  }, 60_000);

  const venueBook = async () => (await venue.request('GET', '/venue/book/BTC-USD?depth=1000')).json;
  const sameAsVenue = () =>
    eventually(
      'the market data book to equal the venue book',
      async () => {
        const theirs = await venueBook();
        const ours = (await md.get('/api/market/orderbook/BTC-USD?depth=1000')).body;
        return ours.synced && ours.sequence === theirs.sequence && JSON.stringify([ours.bids, ours.asks]) === JSON.stringify([theirs.bids, theirs.asks]) ? ours : undefined;
      },
      60_000,
      20,
    );

  it('is ready, documents its API, and follows the venue', async () => {
    const ready = await md.get('/ready');
    expect(ready).toEqual({ status: 200, body: { status: 'ready', dependencies: { mongo: { ok: true }, redis: { ok: true }, kafka: { ok: true } } } });
    const doc = await md.get('/openapi.json');
    expect(Object.keys(doc.body.paths)).toContain('/api/market/orderbook/{symbol}');
    await eventually('trades', async () => ((await md.get('/api/market/trades/BTC-USD')).body.trades.length > 10 ? true : undefined), 60_000);
    await sameAsVenue();
  }, 120_000);

  it('after a restart serves the last book from Redis at once, then converges when the venue is back', async () => {
    // The venue stops first, so the book stops moving; the service then holds its final state.
    await venue.proc!.stop();
    const before = await eventually(
      'the book to settle',
      async () => {
        const a = (await md.get('/api/market/orderbook/BTC-USD?depth=1000')).body;
        await new Promise((r) => setTimeout(r, 300));
        const b = (await md.get('/api/market/orderbook/BTC-USD?depth=1000')).body;
        return JSON.stringify(a) === JSON.stringify(b) ? b : undefined;
      },
      20_000,
    );
    const tradesBefore = (await md.get('/api/market/trades/BTC-USD?limit=20')).body.trades;
    const tickerBefore = (await md.get('/api/market/ticker/BTC-USD')).body;
    expect(await md.proc!.stop()).toBe(0);
    expect(md.proc!.output()).toContain('market-data.stopped');

    // Back with the venue still down: the book, trades and ticker come from the hot snapshot.
    await md.start('serving');
    const after = (await md.get('/api/market/orderbook/BTC-USD?depth=1000')).body;
    expect({ sequence: after.sequence, bids: after.bids, asks: after.asks }).toEqual({ sequence: before.sequence, bids: before.bids, asks: before.asks });
    expect((await md.get('/api/market/trades/BTC-USD?limit=20')).body.trades).toEqual(tradesBefore);
    const { time: _t1, windowStart: _w1, ...tickerNow } = (await md.get('/api/market/ticker/BTC-USD')).body;
    const { time: _t2, windowStart: _w2, ...tickerThen } = tickerBefore;
    expect(tickerNow).toEqual(tickerThen);

    // The venue comes back as a new run (its feed versions jump past the old ones): the book follows it again.
    await venue.start();
    const converged = await sameAsVenue();
    expect(converged.sequence).toBeGreaterThan(before.sequence);
  }, 180_000);
});
