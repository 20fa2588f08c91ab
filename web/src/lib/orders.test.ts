import { addFill, endReason, fillFromReport, isOpen, markLive, markOf, matchesFilter, upsertOrder, upsertPosition } from './orders';
import { SequenceTracker } from './sequence';
import { parseErrorBody, resolveWsUrl } from './api';
import type { ExecutionReport, OrderView, Position, Ticker } from './types';

const order = (over: Partial<OrderView> = {}): OrderView => ({
  orderId: 'o1',
  clientOrderId: null,
  accountId: 'a',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '0.5',
  price: '612.35',
  timeInForce: 'GTC',
  expireAt: null,
  postOnly: false,
  status: 'NEW',
  filledQuantity: '0',
  averagePrice: null,
  fees: '0',
  rejectReason: null,
  statusReason: null,
  cancelRequested: false,
  version: 1,
  createdAt: '2026-12-04T12:00:00.000Z',
  updatedAt: '2026-12-04T12:00:00.000Z',
  ...over,
});

describe('why an order ended', () => {
  it('is its statusReason, else the rejectReason of answers from before statusReason, else nothing', () => {
    expect(endReason(order({ status: 'EXPIRED', statusReason: 'IOC_REMAINDER' }))).toBe('IOC_REMAINDER');
    expect(endReason(order({ status: 'REJECTED', rejectReason: 'INSUFFICIENT_BALANCE', statusReason: 'INSUFFICIENT_BALANCE' }))).toBe('INSUFFICIENT_BALANCE');
    expect(endReason(order({ status: 'REJECTED', rejectReason: 'INSUFFICIENT_BALANCE', statusReason: null }))).toBe('INSUFFICIENT_BALANCE');
    expect(endReason(order({ status: 'ACCEPTED' }))).toBeNull();
  });
});

describe('orders from REST and the private channel', () => {
  it('keeps the highest version of each order, newest first', () => {
    let list = upsertOrder([], order());
    list = upsertOrder(list, order({ orderId: 'o2', createdAt: '2026-12-04T12:00:01.000Z' }));
    list = upsertOrder(list, order({ status: 'ACCEPTED', version: 2 }));
    list = upsertOrder(list, order({ status: 'NEW', version: 1 }));
    expect(list.map((o) => [o.orderId, o.status])).toEqual([
      ['o2', 'NEW'],
      ['o1', 'ACCEPTED'],
    ]);
  });

  it('knows which statuses are open and filters history', () => {
    expect(['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL'].every((status) => isOpen(order({ status: status as OrderView['status'] })))).toBe(true);
    expect(['FILLED', 'SETTLED', 'CANCELLED', 'REJECTED', 'EXPIRED'].some((status) => isOpen(order({ status: status as OrderView['status'] })))).toBe(false);
    expect(matchesFilter(order(), { symbol: '', status: '' })).toBe(true);
    expect(matchesFilter(order(), { symbol: 'ETH-USD', status: '' })).toBe(false);
    expect(matchesFilter(order({ status: 'CANCELLED' }), { symbol: 'BTC-USD', status: 'CANCELLED' })).toBe(true);
  });

  it('turns a report with a fill into a fill row once', () => {
    const report: ExecutionReport = {
      eventId: 'o1:3',
      occurredAt: '2026-12-04T12:00:02.000Z',
      version: 3,
      orderId: 'o1',
      status: 'FILLED',
      order: order({ status: 'FILLED', version: 3 }),
      fill: { fillId: 'f1', tradeId: 't1', price: '612.35', quantity: '0.5', liquidity: 'MAKER', fee: '0.306175', feeAsset: 'USD' },
    };
    const fill = fillFromReport(report)!;
    expect(fill).toMatchObject({ fillId: 'f1', orderId: 'o1', symbol: 'BTC-USD', side: 'BUY', executedAt: '2026-12-04T12:00:02.000Z' });
    expect(addFill(addFill([], fill), fill)).toHaveLength(1);
    const { fill: _fill, ...withoutFill } = report;
    expect(fillFromReport(withoutFill)).toBeNull();
  });
});

describe('positions marked live', () => {
  const ticker = (bid: string | null, ask: string | null, last: string | null): Ticker =>
    ({ symbol: 'BTC-USD', bid, ask, last, open: null, high: null, low: null, volume: '0', quoteVolume: '0', trades: 0, change: null, changePercent: null, time: '' });
  const position: Position = { symbol: 'BTC-USD', quantity: '0.5', averageEntryPrice: '600', realizedPnl: '0', openCost: '300', markPrice: null, unrealizedPnl: null, version: 1 };

  it('marks at the mid of bid and ask, else the last trade', () => {
    expect(markOf(ticker('611', '613', '1'))).toBe('612');
    expect(markOf(ticker(null, '613', '612.5'))).toBe('612.5');
    expect(markOf(undefined)).toBeNull();
  });

  it('computes unrealized PnL exactly from the open cost, or from the average', () => {
    expect(markLive(position, '612')).toMatchObject({ markPrice: '612', unrealizedPnl: '6' });
    const { openCost: _, ...noCost } = position;
    expect(markLive(noCost, '590')).toMatchObject({ unrealizedPnl: '-5' });
    expect(markLive({ ...position, quantity: '0' }, '612').unrealizedPnl).toBeNull();
    expect(markLive(position, null)).toBe(position);
  });

  it('keeps the newer position', () => {
    const list = upsertPosition([position], { ...position, version: 0, quantity: '9' });
    expect(list[0]!.quantity).toBe('0.5');
    expect(upsertPosition(list, { ...position, version: 2, quantity: '1' })[0]!.quantity).toBe('1');
  });
});

describe('sequence gaps', () => {
  it('applies consecutive updates, reports a gap and drops until the fresh snapshot', () => {
    const t = new SequenceTracker();
    t.resubscribing('book:BTC-USD');
    expect(t.update('book:BTC-USD', 5)).toBe('drop');
    t.snapshot('book:BTC-USD', 41);
    expect(t.update('book:BTC-USD', 42)).toBe('apply');
    expect(t.update('book:BTC-USD', 43)).toBe('apply');
    expect(t.update('book:BTC-USD', 45)).toBe('gap');
    expect(t.update('book:BTC-USD', 46)).toBe('drop');
    t.snapshot('book:BTC-USD', 3);
    expect(t.update('book:BTC-USD', 4)).toBe('apply');
    expect(t.update('trades:BTC-USD', 1)).toBe('drop');
  });
});

describe('API answers', () => {
  it('reads the error envelope, or names the status', () => {
    const e = parseErrorBody(422, JSON.stringify({ error: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'other body', details: { a: 1 }, requestId: 'r' } }));
    expect([e.status, e.code, e.message, e.details]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED', 'other body', { a: 1 }]);
    expect(parseErrorBody(502, '<html>bad gateway</html>')).toMatchObject({ code: 'HTTP_502', status: 502 });
  });

  it('resolves the configured WebSocket URL against the page', () => {
    expect(resolveWsUrl('ws://localhost:5002/ws/market-data', { protocol: 'http:', host: 'x' })).toBe('ws://localhost:5002/ws/market-data');
    expect(resolveWsUrl('/ws/market-data', { protocol: 'https:', host: 'trade.example.com' })).toBe('wss://trade.example.com/ws/market-data');
    expect(resolveWsUrl('/ws/market-data', { protocol: 'http:', host: 'localhost:5000' })).toBe('ws://localhost:5000/ws/market-data');
  });
});
