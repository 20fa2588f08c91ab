import pino from 'pino';
import type { BookSnapshot } from './book-sync';
import { BookResync } from './book-resync';

const logger = pino({ level: 'silent' });

function fakeState() {
  const calls: string[] = [];
  let tickets = 0;
  let resyncs = 0;
  return {
    calls,
    resyncNext: (n: number) => (resyncs = n),
    state: {
      beginSnapshot: (symbol: string) => {
        calls.push(`begin:${symbol}`);
        return ++tickets;
      },
      applySnapshot: (symbol: string, snapshot: BookSnapshot, ticket: number) => {
        calls.push(`apply:${symbol}:${snapshot.sequence}:${ticket}`);
        const resync = resyncs > 0;
        if (resync) resyncs -= 1;
        return { applied: 0, covered: 0, foreign: 0, resync, accepted: [], candles: [] };
      },
    },
  };
}

const until = async (check: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('BookResync', () => {
  it('fetches once per request burst and hands the snapshot over with its ticket', async () => {
    const { state, calls } = fakeState();
    let fetches = 0;
    const resync = new BookResync({ state, logger, onCandles: async () => undefined, minIntervalMs: 20, fetch: async () => ({ sequence: 10 + ++fetches, bids: [], asks: [] }) });
    resync.request('BTC-USD');
    resync.request('BTC-USD');
    await until(() => calls.length >= 2);
    // The second request came while the first fetch was due: it is served by one more fetch, not two.
    await until(() => calls.length >= 4);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toEqual(['begin:BTC-USD', 'apply:BTC-USD:11:1', 'begin:BTC-USD', 'apply:BTC-USD:12:2']);
    expect(resync.fetched).toBe(2);
    await resync.stop();
  });

  it('retries while the venue does not answer, and again while the sync still has a gap', async () => {
    const { state, calls, resyncNext } = fakeState();
    let attempts = 0;
    resyncNext(1);
    const resync = new BookResync({
      state,
      logger,
      onCandles: async () => undefined,
      minIntervalMs: 1,
      maxBackoffMs: 5,
      fetch: async () => {
        attempts += 1;
        if (attempts <= 2) throw new Error('ECONNREFUSED');
        return { sequence: attempts, bids: [], asks: [] };
      },
    });
    resync.request('ETH-USD');
    await until(() => calls.filter((c) => c.startsWith('apply')).length === 2);
    expect(calls.filter((c) => c.startsWith('apply'))).toEqual(['apply:ETH-USD:3:3', 'apply:ETH-USD:4:4']);
    await resync.stop();
  });

  it('keeps at least minIntervalMs between two fetches of a symbol', async () => {
    const { state } = fakeState();
    const times: number[] = [];
    const resync = new BookResync({ state, logger, onCandles: async () => undefined, minIntervalMs: 80, fetch: async () => (times.push(Date.now()), { sequence: 1, bids: [], asks: [] }) });
    resync.request('BTC-USD');
    await until(() => times.length === 1);
    resync.request('BTC-USD');
    await until(() => times.length === 2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(75);
    await resync.stop();
  });

  it('stops waiting at once on stop(), and takes no more requests', async () => {
    const { state } = fakeState();
    const resync = new BookResync({ state, logger, onCandles: async () => undefined, maxBackoffMs: 60_000, fetch: async () => Promise.reject(new Error('down')) });
    resync.request('BTC-USD');
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await resync.stop();
    expect(Date.now() - started).toBeLessThan(500);
    resync.request('BTC-USD');
    expect(resync.fetched).toBe(0);
  });

  it('a nudge ends the failure backoff early', async () => {
    const { state, calls } = fakeState();
    let attempts = 0;
    const resync = new BookResync({
      state,
      logger,
      onCandles: async () => undefined,
      minIntervalMs: 1,
      maxBackoffMs: 60_000,
      fetch: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('ECONNREFUSED');
        return { sequence: 5, bids: [], asks: [] };
      },
    });
    resync.request('BTC-USD');
    await until(() => attempts === 1);
    resync.nudge('SOL-USD');
    resync.nudge('BTC-USD');
    await until(() => calls.includes('apply:BTC-USD:5:2'), 1_000);
    await resync.stop();
  });
});
