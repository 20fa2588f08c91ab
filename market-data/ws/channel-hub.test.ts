import { createLogger } from '../../infra/logger';
import { ChannelHub, type ChannelSubscriber } from './channel-hub';

const logger = createLogger({ name: 'channel-hub-test', level: 'silent' });

class Recorder implements ChannelSubscriber {
  readonly got: Array<{ channel: string; frame: Buffer }> = [];
  deliver(channel: string, frame: Buffer): void {
    this.got.push({ channel, frame });
  }
  frames(): any[] {
    return this.got.map((g) => JSON.parse(g.frame.toString()));
  }
}

describe('ChannelHub', () => {
  it('stamps each update with the next sequence and hands every subscriber the same bytes', () => {
    const hub = new ChannelHub(logger);
    const [a, b] = [new Recorder(), new Recorder()];
    expect(hub.subscribe('book:BTC-USD', a)).toBe(0);
    expect(hub.subscribe('book:BTC-USD', b)).toBe(0);
    hub.publish('book:BTC-USD', { bids: [['1.5', '2']] });
    hub.publish('book:BTC-USD', { asks: [] });
    expect(a.frames()).toEqual([
      { type: 'update', channel: 'book:BTC-USD', seq: 1, data: { bids: [['1.5', '2']] } },
      { type: 'update', channel: 'book:BTC-USD', seq: 2, data: { asks: [] } },
    ]);
    expect(b.got.map((g) => g.frame)).toEqual(a.got.map((g) => g.frame));
    expect(b.got[0]!.frame).toBe(a.got[0]!.frame);
    expect(hub.sequence('book:BTC-USD')).toBe(2);
  });

  it('returns the current sequence to a later subscriber, whose updates continue from it', () => {
    const hub = new ChannelHub(logger);
    hub.subscribe('trades:BTC-USD', new Recorder());
    hub.publish('trades:BTC-USD', 1);
    hub.publish('trades:BTC-USD', 2);
    const late = new Recorder();
    expect(hub.subscribe('trades:BTC-USD', late)).toBe(2);
    hub.publish('trades:BTC-USD', 3);
    expect(late.frames().map((f) => f.seq)).toEqual([3]);
  });

  it('ignores channels nobody ever subscribed to', () => {
    const hub = new ChannelHub(logger);
    hub.publish('book:BTC-USD', 1);
    expect(hub.sequence('book:BTC-USD')).toBe(0);
    expect(hub.stats()).toEqual({ channels: 0, subscriptions: 0, published: 0, unencodable: 0 });
  });

  it('keeps a public channel and its sequence after its last subscriber leaves', () => {
    const hub = new ChannelHub(logger);
    const a = new Recorder();
    hub.subscribe('ticker:ETH-USD', a);
    hub.publish('ticker:ETH-USD', 1);
    hub.unsubscribe('ticker:ETH-USD', a);
    hub.publish('ticker:ETH-USD', 2);
    expect(a.got).toHaveLength(1);
    expect(hub.subscribe('ticker:ETH-USD', a)).toBe(2);
  });

  it('names a private channel `orders` on the wire and forgets it with its last subscriber', () => {
    const hub = new ChannelHub(logger);
    const [mine, theirs] = [new Recorder(), new Recorder()];
    hub.subscribe('orders:acc-1', mine);
    hub.subscribe('orders:acc-2', theirs);
    hub.publish('orders:acc-1', { orderId: 'o-1', version: 1 });
    expect(mine.frames()).toEqual([{ type: 'update', channel: 'orders', seq: 1, data: { orderId: 'o-1', version: 1 } }]);
    expect(mine.got[0]!.channel).toBe('orders:acc-1');
    expect(theirs.got).toHaveLength(0);
    hub.unsubscribe('orders:acc-1', mine);
    expect(hub.stats().channels).toBe(1);
    expect(hub.subscribe('orders:acc-1', mine)).toBe(0);
  });

  it('lets a subscriber leave while an update is being delivered', () => {
    const hub = new ChannelHub(logger);
    const after = new Recorder();
    const leaver: ChannelSubscriber = { deliver: () => hub.unsubscribe('book:BTC-USD', leaver) };
    hub.subscribe('book:BTC-USD', leaver);
    hub.subscribe('book:BTC-USD', after);
    hub.publish('book:BTC-USD', 1);
    hub.publish('book:BTC-USD', 2);
    expect(after.frames().map((f) => f.seq)).toEqual([1, 2]);
    expect(hub.stats().subscriptions).toBe(1);
  });

  it('drops data it cannot encode without using up a sequence number', () => {
    const hub = new ChannelHub(logger);
    const a = new Recorder();
    hub.subscribe('book:BTC-USD', a);
    hub.publish('book:BTC-USD', { price: 1n });
    hub.publish('book:BTC-USD', { price: '1' });
    expect(a.frames().map((f) => f.seq)).toEqual([1]);
    expect(hub.stats()).toEqual({ channels: 1, subscriptions: 1, published: 1, unencodable: 1 });
  });
});
