import { channelKind } from './metrics';

describe('channelKind', () => {
  it('is the kind of a hub channel, never its symbol or account', () => {
    expect(channelKind('book:BTC-USD')).toBe('book');
    expect(channelKind('candles:BTC-USD:1m')).toBe('candles');
    expect(channelKind('orders:acct-123')).toBe('orders');
    expect(channelKind(undefined)).toBe('control');
    expect(channelKind('whatever')).toBe('control');
  });
});
