// Market data fan-out: one book update at a time to 1,000 subscribed WebSocket clients on loopback through the
// market data hub (attachMarketDataWebSocket), next to a bare `ws` broadcast of the same bytes in the same run.
// The clients live in a child process (bench/market-data-fanout-clients.ts) so they do not share the server's loop.
// Run: npx tsx bench/market-data-fanout.bench.ts   (also part of `npm run bench` through bench/run.ts)
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocket, WebSocketServer } from 'ws';
import { createLogger } from '../infra/logger';
import type { ChannelSource } from '../market-data/channels';
import { updateFrame } from '../market-data/ws/protocol';
import { attachMarketDataWebSocket } from '../market-data/ws/server';
import type { ClientCommand, ClientEvent } from './market-data-fanout-clients';
import { markdownTable, percentOf, round, verdict, type BenchResult, type Row } from './result';

export interface MarketDataFanoutOptions {
  clients?: number;
  /** Updates sent one at a time (each waits until every client has it): the latency phase. */
  latencyUpdates?: number;
  /** Updates sent with `window` in flight: the throughput phase. */
  throughputUpdates?: number;
  window?: number;
  /** Each measurement stops early past this per target, so the whole run stays bounded. */
  phaseTimeLimitMs?: number;
}

const TARGET_P99_MS = 20;
const TARGET_RATE_RATIO = 0.8;
const CHANNEL = 'book:BTC-USD';
const REPO_ROOT = join(__dirname, '..');

/** A book delta of a realistic size: a few changed levels per side, decimal strings as on every wire. */
function bookDelta(n: number): Record<string, unknown> {
  const level = (i: number, side: 1 | -1) => [(50_000 + side * (i + (n % 7)) * 0.5).toFixed(2), ((n % 13) / 10 + i / 100).toFixed(8)];
  return { symbol: 'BTC-USD', bids: [0, 1, 2].map((i) => level(i, -1)), asks: [0, 1, 2].map((i) => level(i, 1)), n, sentAt: 0 };
}

const BOOK_SNAPSHOT = {
  symbol: 'BTC-USD',
  bids: Array.from({ length: 50 }, (_, i) => [(50_000 - i * 0.5).toFixed(2), '0.25000000']),
  asks: Array.from({ length: 50 }, (_, i) => [(50_000.5 + i * 0.5).toFixed(2), '0.25000000']),
};

/** Server-side memory with a full GC first, so the delta is what the connections hold. */
const collect: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
function memory(): { heap: number; rss: number } {
  collect();
  collect();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

/** The child process with the clients, and a way to await its events. */
class Clients {
  private readonly listeners = new Set<(event: ClientEvent) => void>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (event: ClientEvent) => {
      for (const listener of [...this.listeners]) listener(event);
    });
  }

  static start(): Clients {
    const child = fork(join(__dirname, 'market-data-fanout-clients.ts'), [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Clients(child);
  }

  on(listener: (event: ClientEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ask<E extends ClientEvent['event']>(command: ClientCommand, answer: E, timeoutMs = 60_000): Promise<Extract<ClientEvent, { event: E }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`the clients did not answer ${command.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on((event) => {
        if (event.event === 'failed') {
          clearTimeout(timer);
          off();
          reject(new Error(`the clients failed: ${event.message}`));
        } else if (event.event === answer && 'group' in event && event.group === command.group) {
          clearTimeout(timer);
          off();
          resolve(event as Extract<ClientEvent, { event: E }>);
        }
      });
      this.child.send(command);
    });
  }

  tell(command: ClientCommand): void {
    this.child.send(command);
  }

  stop(): void {
    this.child.disconnect();
  }
}

interface Target {
  name: string;
  url: string;
  subscribe: string | null;
  /** Sends update `n` (its data stamped with the send time) to every client. */
  send(n: number): void;
  /** Server-side sockets still open. */
  open(): number;
}

interface PhaseResult {
  updates: number;
  ms: number;
  p50: number;
  p99: number;
  max: number;
}

let nextUpdate = 1;

/** Sends `updates` updates keeping at most `window` in flight (sent, not yet received by every client). */
async function pump(clients: Clients, target: Target, updates: number, window: number, timeLimitMs: number): Promise<{ updates: number; ms: number }> {
  const began = performance.now();
  let sent = 0;
  let delivered = 0;
  await new Promise<void>((resolve) => {
    const next = () => {
      while (sent - delivered < window && sent < updates && performance.now() - began < timeLimitMs) {
        sent += 1;
        target.send(nextUpdate++);
      }
      if (delivered === sent) {
        off();
        resolve();
      }
    };
    const off = clients.on((event) => {
      if (event.event === 'delivered' && event.group === target.name) {
        delivered += 1;
        next();
      }
    });
    next();
  });
  return { updates: sent, ms: performance.now() - began };
}

/**
 * One measurement for both targets, in rounds that alternate which goes first, so that the load of a small
 * shared machine drifting during the run hits both alike. Latencies are pooled over the rounds.
 */
async function measure(
  clients: Clients,
  targets: readonly Target[],
  options: { updates: number; window: number; rounds: number; clientCount: number; timeLimitMs: number },
): Promise<Map<string, PhaseResult>> {
  const totals = new Map(targets.map((target) => [target.name, { updates: 0, ms: 0 }]));
  for (const target of targets) {
    clients.tell({ cmd: 'phase', group: target.name, capacity: options.updates * options.clientCount });
    // IPC and the sockets are separate channels: a round trip makes sure the child has reset before updates arrive.
    await clients.ask({ cmd: 'report', group: target.name }, 'report');
  }
  const perRound = Math.ceil(options.updates / options.rounds);
  for (let round = 0; round < options.rounds; round += 1) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const done = await pump(clients, target, perRound, options.window, options.timeLimitMs / options.rounds);
      const total = totals.get(target.name)!;
      total.updates += done.updates;
      total.ms += done.ms;
    }
  }
  const results = new Map<string, PhaseResult>();
  for (const target of targets) {
    const report = await clients.ask({ cmd: 'report', group: target.name }, 'report');
    if (report.gaps > 0 || report.closed > 0) throw new Error(`${target.name}: ${report.gaps} sequence gaps, ${report.closed} clients closed`);
    results.set(target.name, { ...totals.get(target.name)!, ...report.latencies });
  }
  return results;
}

/** Waits for a server-side count to settle (a close the server has not processed yet has no event here). */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('timed out waiting for the servers to close the warm-up connections');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function runMarketDataFanoutBench(options: MarketDataFanoutOptions = {}): Promise<BenchResult> {
  const clientCount = options.clients ?? 1_000;
  const latencyUpdates = options.latencyUpdates ?? 200;
  const throughputUpdates = options.throughputUpdates ?? 400;
  const window = options.window ?? 16;
  const timeLimitMs = options.phaseTimeLimitMs ?? 10_000;
  const logger = createLogger({ name: 'market-data-fanout-bench', level: 'warn' });

  // The hub, as the service runs it (limits raised only where 1,000 loopback clients share one address).
  const hubHttp = createServer((_req, res) => res.writeHead(404).end());
  const source: ChannelSource = { snapshot: () => BOOK_SNAPSHOT, privateSnapshot: async () => ({ orders: [] }) };
  const hub = attachMarketDataWebSocket(hubHttp, {
    source,
    authenticate: async () => null,
    symbols: ['BTC-USD'],
    logger,
    limits: { maxConnections: clientCount * 2, maxConnectionsPerAddress: clientCount * 2 },
  });
  const hubPort = await listen(hubHttp);

  // The baseline: a bare ws server that encodes each message once and writes the same bytes to every client.
  const bareHttp = createServer((_req, res) => res.writeHead(404).end());
  const bare = new WebSocketServer({ server: bareHttp, perMessageDeflate: false });
  const barePort = await listen(bareHttp);
  let bareSeq = 0;

  const stamped = (n: number) => ({ ...bookDelta(n), sentAt: performance.timeOrigin + performance.now() });
  const targets: Target[] = [
    {
      name: 'hub',
      url: `ws://127.0.0.1:${hubPort}/ws/market-data`,
      subscribe: CHANNEL,
      send: (n) => hub.sink.publish(CHANNEL, stamped(n)),
      open: () => hub.stats().connections,
    },
    {
      name: 'bare',
      url: `ws://127.0.0.1:${barePort}/`,
      subscribe: null,
      send: (n) => {
        bareSeq += 1;
        const frame = Buffer.from(JSON.stringify(updateFrame(CHANNEL, bareSeq, stamped(n))));
        for (const client of bare.clients) if (client.readyState === WebSocket.OPEN) client.send(frame, { binary: false });
      },
      open: () => bare.clients.size,
    },
  ];

  const clients = Clients.start();
  const began = performance.now();
  const memoryPerConnection = new Map<string, { heap: number; rss: number; connectMs: number }>();
  const results = new Map<string, { latency: PhaseResult; throughput: PhaseResult }>();
  try {
    // A first small round of connections, so the measured one does not pay for JIT and heap growth.
    for (const target of targets) {
      await clients.ask({ cmd: 'connect', group: target.name, url: target.url, count: 100, subscribe: target.subscribe }, 'connected');
      await clients.ask({ cmd: 'disconnect', group: target.name }, 'disconnected');
    }
    await until(() => targets.every((target) => target.open() === 0));
    for (const target of targets) {
      const before = memory();
      const connected = await clients.ask({ cmd: 'connect', group: target.name, url: target.url, count: clientCount, subscribe: target.subscribe }, 'connected');
      const after = memory();
      if (target.open() !== clientCount) throw new Error(`${target.name}: ${target.open()} connections open, expected ${clientCount}`);
      memoryPerConnection.set(target.name, { heap: (after.heap - before.heap) / clientCount, rss: (after.rss - before.rss) / clientCount, connectMs: connected.ms });
    }
    await measure(clients, targets, { updates: 20, window: 1, rounds: 1, clientCount, timeLimitMs }); // warm-up
    const latency = await measure(clients, targets, { updates: latencyUpdates, window: 1, rounds: 4, clientCount, timeLimitMs });
    const throughput = await measure(clients, targets, { updates: throughputUpdates, window, rounds: 4, clientCount, timeLimitMs });
    for (const target of targets) results.set(target.name, { latency: latency.get(target.name)!, throughput: throughput.get(target.name)! });
    for (const target of targets) await clients.ask({ cmd: 'disconnect', group: target.name }, 'disconnected');
  } finally {
    clients.stop();
    await hub.close();
    for (const client of bare.clients) client.terminate();
    await new Promise<void>((resolve) => bare.close(() => resolve()));
    hubHttp.closeAllConnections();
    bareHttp.closeAllConnections();
    await Promise.all([hubHttp, bareHttp].map((server) => new Promise((resolve) => server.close(resolve))));
  }
  const seconds = (performance.now() - began) / 1000;

  const h = results.get('hub')!;
  const b = results.get('bare')!;
  const hm = memoryPerConnection.get('hub')!;
  const bm = memoryPerConnection.get('bare')!;
  const rate = (p: PhaseResult) => (p.updates * clientCount) / (p.ms / 1000);
  const hubStats = hub.stats();
  const rows: Row[] = [
    {
      measure: `delivery latency p50, ms (${h.latency.updates} updates one at a time × ${clientCount} clients, 4 alternating rounds)`,
      hub: round(h.latency.p50, 2),
      bare: round(b.latency.p50, 2),
      'hub/bare': percentOf(h.latency.p50, b.latency.p50),
      target: '',
    },
    {
      measure: 'delivery latency p99, ms',
      hub: round(h.latency.p99, 2),
      bare: round(b.latency.p99, 2),
      'hub/bare': percentOf(h.latency.p99, b.latency.p99),
      target: `p99 <= ${TARGET_P99_MS} ms: ${verdict(h.latency.p99 <= TARGET_P99_MS)}`,
    },
    { measure: 'delivery latency max, ms', hub: round(h.latency.max, 2), bare: round(b.latency.max, 2), 'hub/bare': '', target: '' },
    {
      measure: `messages/s delivered (${h.throughput.updates} updates, ${window} in flight, × ${clientCount} clients)`,
      hub: round(rate(h.throughput)),
      bare: round(rate(b.throughput)),
      'hub/bare': percentOf(rate(h.throughput), rate(b.throughput)),
      target: `>= ${TARGET_RATE_RATIO * 100}% of bare: ${verdict(rate(h.throughput) >= TARGET_RATE_RATIO * rate(b.throughput))}`,
    },
    { measure: 'latency p99 at that rate, ms', hub: round(h.throughput.p99, 2), bare: round(b.throughput.p99, 2), 'hub/bare': '', target: '' },
    {
      measure: 'server memory per connection, heap KB (RSS KB), after GC',
      hub: `${round(hm.heap / 1024, 1)} (${round(hm.rss / 1024, 1)})`,
      bare: `${round(bm.heap / 1024, 1)} (${round(bm.rss / 1024, 1)})`,
      'hub/bare': percentOf(hm.heap, bm.heap),
      target: '',
    },
    { measure: `connect (and subscribe + snapshot) ${clientCount} clients, ms`, hub: round(hm.connectMs), bare: round(bm.connectMs), 'hub/bare': '', target: '' },
    {
      measure: 'note',
      hub: `gaps 0, slow-consumer cut-offs ${hubStats.slowConsumerDisconnects}, ${hubStats.published} updates published`,
      bare: 'same bytes (encoded once), no checks',
      'hub/bare': '',
      target: `run ${round(seconds, 1)} s; clients in a child process; latency = client receive time - send stamp`,
    },
  ];
  return { name: `market-data-fanout: one book update to ${clientCount} WebSocket clients, hub vs bare ws broadcast (same run)`, rows };
}

if (require.main === module) {
  runMarketDataFanoutBench()
    .then((result) => console.log(`## ${result.name}\n\n${markdownTable(result.rows)}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
