import { randomUUID } from 'node:crypto';
import { loadConfig } from '../infra/config';
import { formatDecimal, parseDecimal } from '../domain/decimal';
import { eventually } from '../test/harness/processes';
import { orderBody, readOurs, topicOffsets, VenueTestProcess } from '../test/harness/venue-test-process';

jest.setTimeout(120_000);

const d = parseDecimal;

/** The venue with its liquidity replay on (the default file, 600×): a live book, a tape, and user orders trading with it. */
describe('venue with the liquidity replay', () => {
  const { topics } = loadConfig().kafka;
  let venue: VenueTestProcess;
  let reportsFrom: Array<{ partition: number; offset: string }>;
  let feedFrom: Array<{ partition: number; offset: string }>;
  const run = randomUUID().slice(0, 8);

  beforeAll(async () => {
    venue = await VenueTestProcess.create('replay', { VENUE_REPLAY: 'on', VENUE_REPLAY_SPEED: '600', VENUE_REPLAY_SEED: '3' });
    [reportsFrom, feedFrom] = await Promise.all([topicOffsets(topics.venueReports), topicOffsets(topics.priceFeeds)]);
    await venue.start();
  }, 120_000);
  afterAll(() => venue?.dispose(), 60_000);

  const book = async () => (await venue.request('GET', '/venue/book/BTC-USD?depth=10')).json;

  it('quotes a ladder of 5 levels a side around the replayed 2016 price, and publishes the replayed trading', async () => {
    const first = await eventually('a ladder on the book', async () => {
      const b = await book();
      return b.bids.length === 5 && b.asks.length === 5 ? b : undefined;
    });
    expect(d(first.bids[0].price)).toBeGreaterThan(d('600'));
    expect(d(first.asks[0].price)).toBeLessThan(d('620'));
    expect(d(first.asks[0].price) - d(first.bids[0].price)).toBe(d('0.02'));
    await new Promise((r) => setTimeout(r, 1_000));
    const later = await book();
    expect(later.sequence).toBeGreaterThan(first.sequence);

    // This process's feed versions lie between the two snapshots (each run numbers from its start time × 1000).
    const ours = (e: { version: number; symbol: string }) => e.symbol === 'BTC-USD' && e.version > first.sequence && e.version <= later.sequence;
    const feed = await readOurs(topics.priceFeeds, feedFrom, ours, (es) => es.some((e) => e.eventType === 'PublicTrade') && es.some((e) => e.eventType === 'BookDelta'));
    const trades = feed.filter((e) => e.eventType === 'PublicTrade');
    expect(trades.length).toBeGreaterThan(0);
    for (const trade of trades) expect(d(trade.price)).toBeGreaterThan(d('600'));
  });

  it('fills a marketable user order against the liquidity at once', async () => {
    const { asks } = await book();
    const answer = await venue.submit(orderBody(`${run}-taker`, 'alice', 'BUY', formatDecimal(d(asks[0].price) + d('1')), '0.002', { timeInForce: 'IOC' }));
    expect(answer.json).toMatchObject({ status: 'FILLED', filledQuantity: '0.002' });
    expect(answer.json.fills.every((f: { liquidity: string }) => f.liquidity === 'TAKER')).toBe(true);
  });

  it("fills a user's resting buy when the replayed market trades through it, and reports it", async () => {
    // Inside the spread, post-only: it rests as the best bid until the market comes down to it. If the price
    // moved between the snapshot and the submit, post-only refuses it: try again under a new id.
    let attempt = 0;
    const orderId = await eventually('the buy to rest inside the spread', async () => {
      const { bids } = await book();
      const id = `${run}-maker-${++attempt}`;
      const answer = await venue.submit(orderBody(id, 'bob', 'BUY', formatDecimal(d(bids[0].price) + d('0.01')), '0.001', { postOnly: true }));
      return answer.json.status === 'OPEN' ? id : undefined;
    });
    const filled = await eventually(
      'the replay to fill the resting buy',
      async () => {
        const state = (await venue.request('GET', `/venue/orders/${orderId}`)).json;
        return state.status === 'FILLED' ? state : undefined;
      },
      60_000,
      250,
    );
    expect(filled.fills.every((f: { liquidity: string }) => f.liquidity === 'MAKER')).toBe(true);
    const reports = await readOurs(topics.venueReports, reportsFrom, (e) => e.orderId === orderId, (es) => es.some((e) => e.version === filled.version));
    expect(reports.filter((r) => r.report.type === 'FILL').map((r) => r.report.fillId)).toEqual(filled.fills.map((f: { fillId: string }) => f.fillId));
  });
});
