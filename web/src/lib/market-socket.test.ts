import { MarketSocket, type ConnectionState } from './market-socket';

/** A stand-in for the browser's WebSocket: records what the client sends, lets the test play the server. */
class FakeSocket {
  static readonly OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Array<Record<string, unknown>> = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  serve(frame: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

describe('MarketSocket', () => {
  const realWebSocket = globalThis.WebSocket;
  beforeEach(() => {
    FakeSocket.all = [];
    (globalThis as unknown as { WebSocket: unknown }).WebSocket = FakeSocket;
    jest.useFakeTimers();
  });
  afterEach(() => {
    (globalThis as unknown as { WebSocket: unknown }).WebSocket = realWebSocket;
    jest.useRealTimers();
  });

  function setup() {
    const states: ConnectionState[] = [];
    const applied: Array<[string, string, unknown]> = [];
    const gaps: string[] = [];
    const socket = new MarketSocket('ws://md/ws/market-data', {
      onState: (s) => states.push(s),
      onSnapshot: (channel, data) => applied.push(['snapshot', channel, data]),
      onUpdate: (channel, data) => applied.push(['update', channel, data]),
      onError: () => undefined,
      onGap: (channel) => gaps.push(channel),
    });
    return { socket, states, applied, gaps };
  }

  it('subscribes, applies updates in sequence, and on a gap resubscribes and waits for the fresh snapshot', () => {
    const { socket, states, applied, gaps } = setup();
    socket.setChannels(['book:BTC-USD']);
    socket.start();
    const ws = FakeSocket.all[0]!;
    ws.open();
    expect(states).toEqual(['connecting', 'live']);
    expect(ws.sent).toEqual([{ op: 'subscribe', channels: ['book:BTC-USD'], id: '1' }]);

    ws.serve({ type: 'update', channel: 'book:BTC-USD', seq: 40, data: 'before the snapshot' });
    ws.serve({ type: 'snapshot', channel: 'book:BTC-USD', seq: 41, data: 's1' });
    ws.serve({ type: 'update', channel: 'book:BTC-USD', seq: 42, data: 'u42' });
    ws.serve({ type: 'update', channel: 'book:BTC-USD', seq: 44, data: 'u44 after a gap' });
    ws.serve({ type: 'update', channel: 'book:BTC-USD', seq: 45, data: 'u45 dropped' });
    expect(gaps).toEqual(['book:BTC-USD']);
    expect(ws.sent.at(-1)).toMatchObject({ op: 'subscribe', channels: ['book:BTC-USD'] });
    ws.serve({ type: 'snapshot', channel: 'book:BTC-USD', seq: 45, data: 's2' });
    ws.serve({ type: 'update', channel: 'book:BTC-USD', seq: 46, data: 'u46' });
    expect(applied.map(([, , data]) => data)).toEqual(['s1', 'u42', 's2', 'u46']);
  });

  it('authenticates before subscribing to orders, and reconnects with everything resubscribed', () => {
    const { socket, states } = setup();
    socket.setChannels(['ticker:BTC-USD', 'orders']);
    socket.setApiKey('demo-alice-key');
    socket.start();
    const first = FakeSocket.all[0]!;
    first.open();
    expect(first.sent.map((f) => f.op)).toEqual(['auth', 'subscribe']);
    expect(first.sent[0]).toMatchObject({ apiKey: 'demo-alice-key' });
    expect(first.sent[1]).toMatchObject({ channels: ['ticker:BTC-USD', 'orders'] });

    first.close();
    expect(states.at(-1)).toBe('reconnecting');
    jest.advanceTimersByTime(1_000);
    const second = FakeSocket.all[1]!;
    second.open();
    expect(states.at(-1)).toBe('live');
    expect(second.sent.map((f) => f.op)).toEqual(['auth', 'subscribe']);
  });

  it('does not ask for the private channel without a key, and unsubscribes what is no longer wanted', () => {
    const { socket } = setup();
    socket.setChannels(['book:BTC-USD', 'orders']);
    socket.start();
    const ws = FakeSocket.all[0]!;
    ws.open();
    expect(ws.sent).toEqual([{ op: 'subscribe', channels: ['book:BTC-USD'], id: '1' }]);
    socket.setChannels(['book:ETH-USD']);
    expect(ws.sent.slice(1).map((f) => [f.op, f.channels])).toEqual([
      ['unsubscribe', ['book:BTC-USD', 'orders']],
      ['subscribe', ['book:ETH-USD']],
    ]);
    socket.stop();
    expect(FakeSocket.all).toHaveLength(1);
  });
});
