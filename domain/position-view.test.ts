import * as v from 'valibot';
import { PositionViewSchema, type PositionRecord } from './market-events';
import { markPosition } from './position-view';

const record = (quantity: string, averageEntryPrice: string | null): PositionRecord => ({
  accountId: 'acct-1',
  symbol: 'BTC-USD',
  quantity,
  averageEntryPrice,
  realizedPnl: '12.5',
  version: 3,
  updatedAt: '2026-11-21T10:00:00.000Z',
});

describe('markPosition', () => {
  it('marks a long and a short to the price', () => {
    expect(markPosition(record('0.5', '100'), '110')).toMatchObject({ markPrice: '110', unrealizedPnl: '5', realizedPnl: '12.5', version: 3 });
    expect(markPosition(record('-2', '100'), '110.25')).toMatchObject({ unrealizedPnl: '-20.5' });
    expect(markPosition(record('-2', '100'), '90')).toMatchObject({ unrealizedPnl: '20' });
  });

  it('has no unrealized PnL without a mark or when flat', () => {
    expect(markPosition(record('1', '100'), null)).toMatchObject({ markPrice: null, unrealizedPnl: null });
    expect(markPosition(record('0', null), '100')).toMatchObject({ markPrice: '100', unrealizedPnl: null });
  });

  it('rounds half-even at the 18th digit and passes the shared schema', () => {
    const view = markPosition(record('0.000000001', '0.000000001'), '0.000000002');
    expect(view.unrealizedPnl).toBe('0.000000000000000001');
    const rounded = markPosition(record('0.5', '0'), '0.000000000000000001');
    expect(rounded.unrealizedPnl).toBe('0');
    expect(markPosition(record('1.5', '0'), '0.000000000000000001').unrealizedPnl).toBe('0.000000000000000002');
    expect(v.safeParse(PositionViewSchema, view).success).toBe(true);
  });
});
