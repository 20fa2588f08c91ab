import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../infra/logger';
import { publicChannelName, type ChannelSink, type ChannelSource, type PublicChannel } from '../channels';
import { ChannelHub } from './channel-hub';
import type { MarketDataWsLimits } from './limits';
import type { ServerFrame } from './protocol';
import { attachMarketDataWebSocket, type MarketDataWebSocket } from './server';
import { WsTestClient } from '../../test/harness/ws-test-client';

// Real http servers and real `ws` clients on 127.0.0.1; the market data state is a script (ScriptedState).
const logger = createLogger({ name: 'market-data-ws-test', level: 'silent' });
const SYMBOLS = ['BTC-USD', 'ETH-USD'];
const KEYS: Record<string, string> = { 'key-a': 'acc-a', 'key-b': 'acc-b', 'key-c': 'acc-c' };

/**
 * Every channel has a version that each publish increments; a snapshot is `{ version }`. So for every
 * subscriber `data.version - seq` must be one constant per channel: the snapshot holds exactly the updates
 * sequenced before it.
 */
class ScriptedState implements ChannelSource {
  sink: ChannelSink | undefined;
  private readonly versions = new Map<string, number>();
  /** Private snapshots: the test may replace the loader to hold or fail them. */
  privateLoader: (accountId: string) => Promise<unknown> = async (accountId) => ({ accountId, orders: [] });

  constructor(private readonly firstVersion = 0) {}

  snapshot(channel: PublicChannel): unknown {
    return { version: this.version(publicChannelName(channel)) };
  }

  privateSnapshot(accountId: string): Promise<unknown> {
    return this.privateLoader(accountId);
  }

  version(channel: string): number {
    return this.versions.get(channel) ?? this.firstVersion;
  }

  publish(channel: string, extra: Record<string, unknown> = {}): number {
    const version = this.version(channel) + 1;
    this.versions.set(channel, version);
    this.sink?.publish(channel, { version, ...extra });
    return version;
  }
}

interface TestServer {
  readonly http: Server;
  readonly ws: MarketDataWebSocket;
  readonly hub: ChannelHub;
  readonly state: ScriptedState;
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function startServer(limits: Partial<MarketDataWsLimits> = {}, options: { port?: number; firstVersion?: number } = {}): Promise<TestServer> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const state = new ScriptedState(options.firstVersion);
  const hub = new ChannelHub(logger);
  const authenticate = async (apiKey: string) => {
    if (apiKey === 'key-down') throw new Error('the key store is down');
    const accountId = KEYS[apiKey];
    return accountId === undefined ? null : { accountId, keyId: `id-of-${apiKey}` };
  };
  const ws = attachMarketDataWebSocket(http, { source: state, authenticate, symbols: SYMBOLS, logger, limits, hub });
  state.sink = ws.sink;
  const port = (http.address() as AddressInfo).port;
  return {
    http,
    ws,
    hub,
    state,
    port,
    url: `ws://127.0.0.1:${port}/ws/market-data`,
    async stop() {
      await ws.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Polls a server-side condition that has no event of its own (e.g. the server noticed a close), bounded. */
async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const yieldToIo = () => new Promise((resolve) => setImmediate(resolve));
const isUpdate = (channel: string, seq: number) => (f: ServerFrame) => f.type === 'update' && f.channel === channel && f.seq === seq;
const isError = (f: ServerFrame) => f.type === 'error';

/** What is wrong with a client's stream on one channel: a snapshot first, then every sequence up to `lastSeq`. */
function streamProblems(client: WsTestClient, channel: string, lastSeq: number): string[] {
  const frames = client.channel(channel);
  const [first, ...rest] = frames;
  if (first?.type !== 'snapshot') return [`${channel}: first frame is ${first?.type ?? 'missing'}, not a snapshot`];
  const offset = (first.data as { version: number }).version - first.seq;
  const problems: string[] = [];
  rest.forEach((frame, i) => {
    if (frame.type !== 'update') problems.push(`${channel}: a second ${frame.type}`);
    if (frame.seq !== first.seq + i + 1) problems.push(`${channel}: seq ${frame.seq} after ${first.seq + i}`);
    if ((frame.data as { version: number }).version - frame.seq !== offset) problems.push(`${channel}: version/seq mismatch at seq ${frame.seq}`);
  });
  const last = frames.at(-1)?.seq;
  if (last !== lastSeq) problems.push(`${channel}: last seq ${last} instead of ${lastSeq}`);
  return [...problems, ...client.problems];
}

describe('market data WebSocket: fan-out', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ maxConnectionsPerAddress: 500 });
  });
  afterAll(async () => server.stop());

  it('gives 200 clients at once an ack, a snapshot and every update in order without gaps', async () => {
    const channels = ['book:BTC-USD', 'trades:BTC-USD'];
    // Updates keep flowing while the clients connect and subscribe, so snapshots land mid-stream.
    const publisher = setInterval(() => channels.forEach((channel) => server.state.publish(channel)), 1);
    const clients = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const client = await WsTestClient.connect(server.url);
        const ack = await client.request({ op: 'subscribe', id: `s${i}`, channels: ['book:BTC/USD', 'trades:btc-usd'] });
        expect(ack).toEqual({ type: 'ack', id: `s${i}`, op: 'subscribe', channels });
        return client;
      }),
    );
    clearInterval(publisher);
    for (let i = 0; i < 50; i += 1) channels.forEach((channel) => server.state.publish(channel));
    const last = Object.fromEntries(channels.map((channel) => [channel, server.hub.sequence(channel)]));
    expect(last['book:BTC-USD']).toBeGreaterThanOrEqual(50);

    await Promise.all(clients.flatMap((client) => channels.map((channel) => client.waitFor(`${channel} seq ${last[channel]}`, isUpdate(channel, last[channel]!)))));
    const problems = clients.flatMap((client, i) => {
      const ackAt = client.frames.findIndex((f) => f.type === 'ack');
      const beforeAck = ackAt === 0 ? [] : [`client ${i}: ${ackAt} frames before its ack`];
      return [...beforeAck, ...channels.flatMap((channel) => streamProblems(client, channel, last[channel]!).map((p) => `client ${i}: ${p}`))];
    });
    expect(problems).toEqual([]);
    expect(server.ws.stats()).toMatchObject({ connections: 200, subscriptions: 400, slowConsumerDisconnects: 0 });
    await Promise.all(clients.map((client) => client.close()));
  }, 30_000);

  it('sends the ack, then one snapshot per channel in the order asked, with the current sequence', async () => {
    const client = await WsTestClient.connect(server.url);
    server.state.publish('ticker:ETH-USD');
    client.send({ op: 'subscribe', id: 'x', channels: ['candles:ETH/USD:1m', 'ticker:ETH-USD'] });
    await client.waitFor('the ticker snapshot', (f) => f.type === 'snapshot' && f.channel === 'ticker:ETH-USD');
    expect(client.frames).toEqual([
      { type: 'ack', id: 'x', op: 'subscribe', channels: ['candles:ETH-USD:1m', 'ticker:ETH-USD'] },
      { type: 'snapshot', channel: 'candles:ETH-USD:1m', seq: server.hub.sequence('candles:ETH-USD:1m'), data: { version: server.state.version('candles:ETH-USD:1m') } },
      { type: 'snapshot', channel: 'ticker:ETH-USD', seq: server.hub.sequence('ticker:ETH-USD'), data: { version: server.state.version('ticker:ETH-USD') } },
    ]);
    // Subscribing again is a resubscription: a fresh snapshot, still one subscription.
    const seqBefore = server.hub.sequence('ticker:ETH-USD');
    server.state.publish('ticker:ETH-USD');
    const from = client.frames.length;
    await client.request({ op: 'subscribe', id: 'again', channels: ['ticker:ETH-USD'] });
    const snapshot = await client.waitFor('the fresh snapshot', (f) => f.type === 'snapshot', from);
    expect(snapshot).toMatchObject({ channel: 'ticker:ETH-USD', seq: seqBefore + 1 });
    server.state.publish('ticker:ETH-USD');
    await client.waitFor('the next update', isUpdate('ticker:ETH-USD', seqBefore + 2));
    expect(client.channel('ticker:ETH-USD').filter((f) => f.seq === seqBefore + 2)).toHaveLength(1);
    await client.close();
  });
});

describe('market data WebSocket: bad frames', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ maxSubscriptionsPerConnection: 3, maxFrameBytes: 1024, hardMaxFrameBytes: 4096, framesPerSecond: 10, frameBurst: 40 });
  });
  afterAll(async () => server.stop());

  it('answers every bad frame with its error and keeps the connection and its subscriptions', async () => {
    const client = await WsTestClient.connect(server.url);
    await client.request({ op: 'subscribe', id: 'book', channels: ['book:BTC-USD'] });
    const cases: Array<[string, unknown, string | null, string]> = [
      ['not JSON', 'nope{', null, 'MALFORMED_JSON'],
      ['binary', Buffer.from('{"op":"ping","id":"b"}'), null, 'BAD_FRAME'],
      ['unknown op', { op: 'publish', id: 'u' }, 'u', 'UNKNOWN_OP'],
      ['a missing field', { op: 'subscribe', id: 'm' }, 'm', 'VALIDATION_FAILED'],
      ['an invalid field', { op: 'auth', id: 'f', apiKey: 42 }, 'f', 'VALIDATION_FAILED'],
      ['unknown channel', { op: 'subscribe', id: 'c', channels: ['depth:BTC-USD'] }, 'c', 'UNKNOWN_CHANNEL'],
      ['unknown symbol', { op: 'subscribe', id: 's', channels: ['book:DOGE-USD'] }, 's', 'UNKNOWN_CHANNEL'],
      ['unknown interval', { op: 'subscribe', id: 'i', channels: ['candles:BTC-USD:1M'] }, 'i', 'UNKNOWN_CHANNEL'],
      ['orders before auth', { op: 'subscribe', id: 'o', channels: ['orders'] }, 'o', 'AUTH_REQUIRED'],
      ['a bad API key', { op: 'auth', id: 'k', apiKey: 'not-a-key' }, 'k', 'UNAUTHENTICATED'],
      ['a key store that is down', { op: 'auth', id: 'd', apiKey: 'key-down' }, 'd', 'SERVICE_UNAVAILABLE'],
      ['a frame over the size limit', { op: 'ping', id: 'big', pad: 'x'.repeat(2000) }, null, 'PAYLOAD_TOO_LARGE'],
      ['too many subscriptions', { op: 'subscribe', id: 't', channels: ['ticker:BTC-USD', 'trades:BTC-USD', 'ticker:ETH-USD'] }, 't', 'TOO_MANY_SUBSCRIPTIONS'],
    ];
    for (const [what, frame, id, code] of cases) {
      const from = client.frames.length;
      client.send(frame);
      const error = await client.waitFor(`the error for ${what}`, isError, from);
      expect([what, error]).toEqual([what, expect.objectContaining({ type: 'error', id, code, message: expect.any(String), details: expect.any(Object) })]);
      const seq = server.hub.sequence('book:BTC-USD') + 1;
      server.state.publish('book:BTC-USD');
      await client.waitFor(`book seq ${seq} after ${what}`, isUpdate('book:BTC-USD', seq), from);
    }
    expect(streamProblems(client, 'book:BTC-USD', server.hub.sequence('book:BTC-USD'))).toEqual([]);

    // The refused requests changed nothing: two more channels still fit under the limit of 3.
    expect(await client.request({ op: 'subscribe', id: 'two', channels: ['ticker:BTC-USD', 'trades:BTC-USD'] })).toMatchObject({ type: 'ack' });
    expect(await client.request({ op: 'ping', id: 'p' })).toEqual({ type: 'pong', id: 'p' });
    expect(await client.request({ op: 'unsubscribe', id: 'un', channels: ['book:BTC/USD'] })).toEqual({
      type: 'ack',
      id: 'un',
      op: 'unsubscribe',
      channels: ['book:BTC-USD'],
    });
    const bookFrames = client.channel('book:BTC-USD').length;
    server.state.publish('book:BTC-USD');
    const tradesSeq = server.state.publish('trades:BTC-USD') && server.hub.sequence('trades:BTC-USD');
    await client.waitFor('the trades update', isUpdate('trades:BTC-USD', tradesSeq));
    expect(client.channel('book:BTC-USD')).toHaveLength(bookFrames);
    expect(client.problems).toEqual([]);
    await client.close();
  });

  it('answers frames above the rate limit with RATE_LIMITED and keeps serving the connection', async () => {
    const client = await WsTestClient.connect(server.url);
    await client.request({ op: 'subscribe', id: 'sub', channels: ['ticker:BTC-USD'] });
    const from = client.frames.length;
    for (let i = 0; i < 60; i += 1) client.send({ op: 'ping', id: `p${i}` });
    await client.waitFor('an answer to all 60 pings', () => client.frames.slice(from).filter((f) => f.type === 'pong' || f.type === 'error').length === 60, from);
    const answers = client.frames.slice(from);
    const limited = answers.filter((f) => f.type === 'error');
    expect(answers.filter((f) => f.type === 'pong').length).toBeGreaterThanOrEqual(39); // the burst of 40 less the subscribe
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((f) => f.type === 'error' && f.code === 'RATE_LIMITED' && f.id === null && (f.details.retryAfterMs as number) > 0)).toBe(true);
    const seq = server.hub.sequence('ticker:BTC-USD') + 1;
    server.state.publish('ticker:BTC-USD');
    await client.waitFor('the ticker update after the flood', isUpdate('ticker:BTC-USD', seq));
    await client.close();
  });

  it('closes a connection that sends a message above the hard cap (1009), the others unaffected', async () => {
    const [big, other] = await Promise.all([WsTestClient.connect(server.url), WsTestClient.connect(server.url)]);
    await other.request({ op: 'subscribe', id: '1', channels: ['trades:ETH-USD'] });
    big.send(JSON.stringify({ op: 'ping', id: 'huge', pad: 'x'.repeat(5000) }));
    expect((await big.closed).code).toBe(1009);
    const seq = server.hub.sequence('trades:ETH-USD') + 1;
    server.state.publish('trades:ETH-USD');
    await other.waitFor('the update', isUpdate('trades:ETH-USD', seq));
    await other.close();
  });
});

describe('market data WebSocket: the private orders channel', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server.stop());

  it('shows each account only its own updates, and holds those published while its snapshot loads', async () => {
    let releaseA: (value: unknown) => void = () => undefined;
    server.state.privateLoader = async (accountId) => {
      if (accountId !== 'acc-a') return { accountId, orders: [] };
      return new Promise((resolve) => (releaseA = resolve));
    };
    const [a, b, c] = await Promise.all([WsTestClient.connect(server.url), WsTestClient.connect(server.url), WsTestClient.connect(server.url)]);
    // Sent back to back: the subscribe waits for the key check.
    a.send({ op: 'auth', id: 'auth', apiKey: 'key-a' });
    a.send({ op: 'subscribe', id: 'orders', channels: ['orders', 'ticker:BTC-USD'] });
    await a.waitFor('the orders ack', (f) => f.type === 'ack' && f.id === 'orders');
    expect(a.frames.slice(0, 2)).toEqual([
      { type: 'ack', id: 'auth', op: 'auth', accountId: 'acc-a' },
      { type: 'ack', id: 'orders', op: 'subscribe', channels: ['orders', 'ticker:BTC-USD'] },
    ]);
    expect(await b.request({ op: 'auth', id: 'auth', apiKey: 'key-b' })).toMatchObject({ type: 'ack', accountId: 'acc-b' });
    expect(await b.request({ op: 'subscribe', id: 'orders', channels: ['orders'] })).toMatchObject({ type: 'ack', channels: ['orders'] });
    await b.waitFor('b snapshot', (f) => f.type === 'snapshot' && f.channel === 'orders');
    await c.request({ op: 'subscribe', id: 'pub', channels: ['ticker:BTC-USD'] });

    // While a's snapshot loads: updates for a (held), for b, and for an account nobody watches.
    server.state.publish('orders:acc-a', { accountId: 'acc-a', orderId: 'a1' });
    server.state.publish('orders:acc-b', { accountId: 'acc-b', orderId: 'b1' });
    server.state.publish('orders:acc-c', { accountId: 'acc-c', orderId: 'c1' });
    server.state.publish('orders:acc-a', { accountId: 'acc-a', orderId: 'a2' });
    await b.waitFor('b1', (f) => f.type === 'update' && f.channel === 'orders');
    expect(a.channel('orders')).toEqual([]);

    releaseA({ accountId: 'acc-a', version: 0, orders: [] });
    await a.waitFor('a2, held until the snapshot', (f) => f.type === 'update' && (f.data as any).orderId === 'a2');
    server.state.publish('orders:acc-a', { accountId: 'acc-a', orderId: 'a3' });
    server.state.publish('orders:acc-b', { accountId: 'acc-b', orderId: 'b2' });
    await a.waitFor('a3', (f) => f.type === 'update' && (f.data as any).orderId === 'a3');
    await b.waitFor('b2', (f) => f.type === 'update' && (f.data as any).orderId === 'b2');

    const ordersOf = (client: WsTestClient) => client.channel('orders').map((f) => [f.type, f.seq, (f.data as any).orderId ?? 'snapshot']);
    expect(ordersOf(a)).toEqual([
      ['snapshot', 0, 'snapshot'],
      ['update', 1, 'a1'],
      ['update', 2, 'a2'],
      ['update', 3, 'a3'],
    ]);
    expect(ordersOf(b)).toEqual([
      ['snapshot', 0, 'snapshot'],
      ['update', 1, 'b1'],
      ['update', 2, 'b2'],
    ]);
    for (const [client, account] of [[a, 'acc-a'], [b, 'acc-b']] as const) {
      expect(client.channel('orders').every((f) => (f.data as any).accountId === account)).toBe(true);
    }
    expect(c.channel('orders')).toEqual([]);

    // A connection stays with its first account.
    expect(await a.request({ op: 'auth', id: 'other', apiKey: 'key-b' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await a.request({ op: 'auth', id: 'same', apiKey: 'key-a' })).toMatchObject({ type: 'ack', accountId: 'acc-a' });
    server.state.publish('orders:acc-b', { accountId: 'acc-b', orderId: 'b3' });
    await b.waitFor('b3', (f) => f.type === 'update' && (f.data as any).orderId === 'b3');
    expect(a.channel('orders').some((f) => (f.data as any).accountId !== 'acc-a')).toBe(false);
    expect([...a.problems, ...b.problems, ...c.problems]).toEqual([]);
    await Promise.all([a, b, c].map((client) => client.close()));
  });

  it('fails a subscription whose snapshot cannot load, and a later one succeeds', async () => {
    server.state.privateLoader = async () => {
      throw new Error('the order store is down');
    };
    const client = await WsTestClient.connect(server.url);
    await client.request({ op: 'auth', id: 'auth', apiKey: 'key-c' });
    client.send({ op: 'subscribe', id: 'first', channels: ['orders'] });
    const error = await client.waitFor('the load error', isError);
    expect(error).toMatchObject({ id: 'first', code: 'SERVICE_UNAVAILABLE', details: { channel: 'orders' } });
    server.state.publish('orders:acc-c', { accountId: 'acc-c', orderId: 'lost' });

    server.state.privateLoader = async (accountId) => ({ accountId, orders: [{ orderId: 'c0', version: 4 }] });
    const from = client.frames.length;
    await client.request({ op: 'subscribe', id: 'second', channels: ['orders'] });
    expect(await client.waitFor('the snapshot', (f) => f.type === 'snapshot', from)).toMatchObject({ channel: 'orders', data: { orders: [{ orderId: 'c0' }] } });
    const seq = (client.channel('orders')[0]?.seq ?? -1) + 1;
    server.state.publish('orders:acc-c', { accountId: 'acc-c', orderId: 'c1' });
    await client.waitFor('c1', isUpdate('orders', seq));
    expect(client.channel('orders').map((f) => (f.data as any).orderId ?? 'snapshot')).toEqual(['snapshot', 'c1']);
    await client.close();
  });
});

describe('market data WebSocket: slow consumers and heartbeats', () => {
  it('cuts off a client that stops reading, with its reason, while the others keep receiving', async () => {
    const server = await startServer({ maxBufferedBytes: 256 * 1024, closeTimeoutMs: 10_000 });
    try {
      const [slow, fast] = await Promise.all([WsTestClient.connect(server.url), WsTestClient.connect(server.url)]);
      await Promise.all([slow, fast].map((client) => client.request({ op: 'subscribe', id: 's', channels: ['book:BTC-USD'] })));
      slow.ws.pause();
      const pad = 'x'.repeat(16 * 1024);
      let published = 0;
      while (server.ws.stats().slowConsumerDisconnects === 0 && published < 8_000) {
        server.state.publish('book:BTC-USD', { pad });
        published += 1;
        if (published % 4 === 0) await yieldToIo();
      }
      expect(server.ws.stats()).toMatchObject({ slowConsumerDisconnects: 1, subscriptions: 1 });
      for (let i = 0; i < 20; i += 1) server.state.publish('book:BTC-USD', { pad });
      const last = server.hub.sequence('book:BTC-USD');
      await fast.waitFor(`book seq ${last}`, isUpdate('book:BTC-USD', last), 0, 15_000);
      expect(streamProblems(fast, 'book:BTC-USD', last)).toEqual([]);

      // Once it reads again it gets what was already queued, then the close frame with the reason.
      slow.ws.resume();
      expect(await slow.closed).toEqual({ code: 1008, reason: 'slow consumer' });
      expect(slow.channel('book:BTC-USD').at(-1)!.seq).toBeLessThan(last);
      expect(fast.ws.readyState).toBe(fast.ws.OPEN);
      await fast.close();
    } finally {
      await server.stop();
    }
  }, 30_000);

  it('terminates a client that does not answer pings within the idle timeout', async () => {
    const server = await startServer({ heartbeatIntervalMs: 40, idleTimeoutMs: 150 });
    try {
      const [silent, alive] = await Promise.all([WsTestClient.connect(server.url, { autoPong: false }), WsTestClient.connect(server.url)]);
      expect((await silent.closed).code).toBe(1006);
      await until('the server to drop the silent connection', () => server.ws.stats().connections === 1);
      expect(server.ws.stats().idleTerminations).toBe(1);
      expect(await alive.request({ op: 'ping', id: 'still' })).toEqual({ type: 'pong', id: 'still' });
      await alive.close();
    } finally {
      await server.stop();
    }
  });

  it('does not blame its clients for its own stall: a late heartbeat pings and terminates no one', async () => {
    const server = await startServer({ heartbeatIntervalMs: 40, idleTimeoutMs: 150 });
    try {
      const alive = await WsTestClient.connect(server.url);
      expect(await alive.request({ op: 'ping', id: 'before' })).toEqual({ type: 'pong', id: 'before' });
      // The process stalls (as in a long GC) for four idle timeouts: no timers run and no socket is read. When it
      // resumes, the heartbeat timer runs before the client's pong is read.
      const stalledUntil = Date.now() + 600;
      while (Date.now() < stalledUntil);
      await until('a late heartbeat tick', () => server.ws.stats().lateHeartbeats >= 1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(server.ws.stats()).toMatchObject({ idleTerminations: 0, connections: 1 });
      expect(await alive.request({ op: 'ping', id: 'after' })).toEqual({ type: 'pong', id: 'after' });
      await alive.close();
    } finally {
      await server.stop();
    }
  });
});

describe('market data WebSocket: connection limits', () => {
  it('refuses connections over the per-address and global limits with the error envelope, and 404s other paths', async () => {
    const server = await startServer({ maxConnections: 3, maxConnectionsPerAddress: 2 });
    const from = (localAddress: string) => ({ localAddress });
    try {
      const a1 = await WsTestClient.connect(server.url, from('127.0.0.1'));
      const a2 = await WsTestClient.connect(`${server.url}?client=2`, from('127.0.0.1'));
      const perAddress = await WsTestClient.refused(server.url, from('127.0.0.1'));
      expect(perAddress).toEqual({ status: 429, body: { error: expect.objectContaining({ code: 'TOO_MANY_CONNECTIONS', details: { maxConnectionsPerAddress: 2 } }) } });
      const b1 = await WsTestClient.connect(server.url, from('127.0.0.2'));
      const global = await WsTestClient.refused(server.url, from('127.0.0.3'));
      expect(global).toEqual({ status: 503, body: { error: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', details: { maxConnections: 3 } }) } });
      const elsewhere = await WsTestClient.refused(`ws://127.0.0.1:${server.port}/ws/other`, from('127.0.0.4'));
      expect(elsewhere).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'NOT_FOUND', requestId: expect.any(String) }) } });

      await a1.close();
      await until('the server to count the closed connection', () => server.ws.stats().connections === 2);
      const a3 = await WsTestClient.connect(server.url, from('127.0.0.1'));
      expect(await a3.request({ op: 'ping', id: '1' })).toEqual({ type: 'pong', id: '1' });
      expect(server.ws.stats()).toMatchObject({ connections: 3, rejectedUpgrades: 3 });
      await Promise.all([a2, b1, a3].map((client) => client.close()));
    } finally {
      await server.stop();
    }
  });
});

describe('market data WebSocket: close and restart', () => {
  it('closes every client with 1001 on close(); after a restart a client reconnects, resubscribes and gets a fresh snapshot', async () => {
    const first = await startServer();
    const client = await WsTestClient.connect(first.url);
    await client.request({ op: 'subscribe', id: 's', channels: ['book:BTC-USD'] });
    first.state.publish('book:BTC-USD');
    await client.waitFor('the update', isUpdate('book:BTC-USD', 1));
    await first.stop();
    expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(first.ws.stats().connections).toBe(0);

    // The restarted service knows more of the book than the client saw.
    const second = await startServer({}, { port: first.port, firstVersion: 1_000 });
    try {
      const again = await WsTestClient.connect(second.url);
      await again.request({ op: 'subscribe', id: 's', channels: ['book:BTC-USD'] });
      expect(await again.waitFor('the fresh snapshot', (f) => f.type === 'snapshot')).toEqual({ type: 'snapshot', channel: 'book:BTC-USD', seq: 0, data: { version: 1_000 } });
      second.state.publish('book:BTC-USD');
      await again.waitFor('the first update', isUpdate('book:BTC-USD', 1));
      expect(streamProblems(again, 'book:BTC-USD', 1)).toEqual([]);
      await again.close();
    } finally {
      await second.stop();
    }
  });

  it('finishes close() for a client that never answers the close frame, after the close timeout', async () => {
    const server = await startServer({ closeTimeoutMs: 200 });
    const client = await WsTestClient.connect(server.url);
    client.ws.pause();
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(server.ws.stats().connections).toBe(0);
    client.ws.resume();
    // It may still read the 1001 close frame that reached its socket before the server gave up on it.
    expect([1001, 1006]).toContain((await client.closed).code);
  });
});

describe('market data WebSocket: revoked API keys', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server.stop());

  it('revokeKey closes every session of that key with 4001 "api key revoked", and no other', async () => {
    const [a1, a2, b, anonymous] = await Promise.all([0, 1, 2, 3].map(() => WsTestClient.connect(server.url)));
    for (const [client, key] of [[a1, 'key-a'], [a2, 'key-a'], [b, 'key-b']] as const) {
      expect(await client!.request({ op: 'auth', id: 'auth', apiKey: key })).toMatchObject({ type: 'ack' });
    }
    expect(await anonymous!.request({ op: 'subscribe', id: 's', channels: ['ticker:BTC-USD'] })).toMatchObject({ type: 'ack' });

    expect(server.ws.revokeKey('id-of-key-a')).toBe(2);
    expect(await Promise.all([a1!.closed, a2!.closed])).toEqual([
      { code: 4001, reason: 'api key revoked' },
      { code: 4001, reason: 'api key revoked' },
    ]);
    expect(await b!.request({ op: 'ping', id: 'p' })).toEqual({ type: 'pong', id: 'p' });
    expect(await anonymous!.request({ op: 'ping', id: 'p' })).toEqual({ type: 'pong', id: 'p' });
    expect(server.ws.revokeKey('id-of-key-nobody')).toBe(0);
    for (const client of [b, anonymous]) client!.ws.terminate();
  });

  it('recheckSessions (after revocations may have been missed) closes the sessions whose key no longer authenticates', async () => {
    const [b, c] = await Promise.all([0, 1].map(() => WsTestClient.connect(server.url)));
    expect(await b!.request({ op: 'auth', id: 'auth', apiKey: 'key-b' })).toMatchObject({ type: 'ack' });
    expect(await c!.request({ op: 'auth', id: 'auth', apiKey: 'key-c' })).toMatchObject({ type: 'ack' });
    delete KEYS['key-b'];
    try {
      server.ws.recheckSessions();
      expect(await b!.closed).toEqual({ code: 4001, reason: 'api key revoked' });
      expect(await c!.request({ op: 'ping', id: 'p' })).toEqual({ type: 'pong', id: 'p' });
    } finally {
      KEYS['key-b'] = 'acc-b';
      c!.ws.terminate();
    }
  });
});
