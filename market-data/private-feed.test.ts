import pino from 'pino';
import { parseDecimal } from '../domain/decimal';
import type { ExecutionReport } from '../domain/events';
import { newOrder, toOrderView, type OrderView } from '../domain/order';
import type { PositionRecord } from '../domain/market-events';
import { PrivateFeed } from './private-feed';

const order = (orderId: string, accountId: string): OrderView =>
  toOrderView(
    newOrder({
      orderId,
      clientOrderId: orderId,
      accountId,
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      quantity: parseDecimal('0.5'),
      price: parseDecimal('30000'),
      timeInForce: 'GTC',
      expireAt: null,
      postOnly: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
  );

const report = (orderId: string, accountId: string, version: number): ExecutionReport => ({
  eventId: `${orderId}:${version}`,
  eventType: 'ExecutionReport',
  occurredAt: '2026-01-01T00:00:01.000Z',
  version,
  orderId,
  accountId,
  status: 'ACCEPTED',
  previousStatus: 'NEW',
  order: { ...order(orderId, accountId), status: 'ACCEPTED', version },
});

const position = (accountId: string, symbol: string, version: number, quantity = '0.5'): PositionRecord => ({
  accountId,
  symbol,
  quantity,
  averageEntryPrice: '100',
  realizedPnl: '0',
  version,
  updatedAt: '2026-01-01T00:00:02.000Z',
});

function setup(hashes: Record<string, Record<string, string>> = {}) {
  const published: Array<{ channel: string; data: any }> = [];
  const logger = pino({ level: 'silent' });
  const openOrders = new Map<string, OrderView[]>([['acct-a', [order('o-1', 'acct-a')]]]);
  const feed = new PrivateFeed({
    orders: { listOpen: async (accountId, limit) => (openOrders.get(accountId) ?? []).slice(0, limit) },
    redis: { hgetall: (key: string) => Promise.resolve(hashes[key] ?? {}) },
    mark: (symbol) => (symbol === 'BTC-USD' ? '110' : null),
    logger,
  });
  feed.setSink({ publish: (channel, data) => published.push({ channel, data }) });
  return { feed, published };
}

describe('PrivateFeed', () => {
  it("sends each execution report to its account's channel only, once per version", () => {
    const { feed, published } = setup();
    feed.handleExecution(report('o-1', 'acct-a', 2));
    feed.handleExecution(report('o-2', 'acct-b', 2));
    feed.handleExecution(report('o-1', 'acct-a', 2));
    feed.handleExecution(report('o-1', 'acct-a', 1));
    feed.handleExecution(report('o-1', 'acct-a', 3));
    expect(published.map((p) => [p.channel, p.data.kind, p.data.report.version])).toEqual([
      ['orders:acct-a', 'order', 2],
      ['orders:acct-b', 'order', 2],
      ['orders:acct-a', 'order', 3],
    ]);
    expect(published[0]!.data.report).toEqual(report('o-1', 'acct-a', 2));
  });

  it('pushes a position marked to the latest mark, on its own account channel, newest version only', () => {
    const { feed, published } = setup();
    feed.handlePositionMessage('positions:acct-a', JSON.stringify(position('acct-a', 'BTC-USD', 4)));
    feed.handlePositionMessage('positions:acct-a', JSON.stringify(position('acct-a', 'BTC-USD', 4)));
    feed.handlePositionMessage('positions:acct-a', JSON.stringify(position('acct-a', 'ETH-USD', 1)));
    expect(published).toEqual([
      { channel: 'orders:acct-a', data: { kind: 'position', position: { ...position('acct-a', 'BTC-USD', 4), markPrice: '110', unrealizedPnl: '5' } } },
      { channel: 'orders:acct-a', data: { kind: 'position', position: { ...position('acct-a', 'ETH-USD', 1), markPrice: null, unrealizedPnl: null } } },
    ]);
  });

  it('drops a position that is not JSON, not a PositionRecord, or sent on another account\'s channel', () => {
    const { feed, published } = setup();
    feed.handlePositionMessage('positions:acct-a', 'not json');
    feed.handlePositionMessage('positions:acct-a', JSON.stringify({ accountId: 'acct-a' }));
    feed.handlePositionMessage('positions:acct-a', JSON.stringify(position('acct-b', 'BTC-USD', 1)));
    expect(published).toEqual([]);
  });

  it("snapshots an account's open orders and its marked positions, never another's", async () => {
    const { feed } = setup({
      'positions:acct-a': {
        'BTC-USD': JSON.stringify(position('acct-a', 'BTC-USD', 2, '-1')),
        'ETH-USD': JSON.stringify(position('acct-a', 'ETH-USD', 1)),
        'SOL-USD': JSON.stringify(position('acct-b', 'SOL-USD', 1)),
        'XRP-USD': '{broken',
      },
    });
    const snapshot = await feed.snapshot('acct-a');
    expect(snapshot.orders.map((o) => o.orderId)).toEqual(['o-1']);
    expect(snapshot.positions.map((p) => [p.symbol, p.markPrice, p.unrealizedPnl])).toEqual([
      ['BTC-USD', '110', '-10'],
      ['ETH-USD', null, null],
    ]);
    expect(await feed.snapshot('acct-nobody')).toEqual({ orders: [], positions: [] });
  });
});
