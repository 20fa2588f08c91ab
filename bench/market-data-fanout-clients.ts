// The clients of the market-data-fanout benchmark, in their own process (forked by market-data-fanout.bench.ts
// over IPC) so that they do not share the server's event loop. Each connection checks that its sequence has no
// gap and records the delivery latency of every update from the send timestamp inside it.
import { WebSocket } from 'ws';

export type ClientCommand =
  | { cmd: 'connect'; group: string; url: string; count: number; subscribe: string | null }
  | { cmd: 'phase'; group: string; capacity: number }
  | { cmd: 'report'; group: string }
  | { cmd: 'disconnect'; group: string };

export type ClientEvent =
  | { event: 'connected'; group: string; ms: number }
  | { event: 'delivered'; group: string; n: number }
  | { event: 'report'; group: string; latencies: { p50: number; p99: number; max: number; count: number }; gaps: number; closed: number }
  | { event: 'disconnected'; group: string }
  | { event: 'failed'; message: string };

interface Group {
  sockets: WebSocket[];
  /** Per update number, how many sockets received it; 'delivered' goes out when all did. */
  received: Map<number, number>;
  latencies: Float64Array;
  latencyCount: number;
  gaps: number;
  closed: number;
}

const groups = new Map<string, Group>();
const wallClock = () => performance.timeOrigin + performance.now();
const send = (event: ClientEvent) => process.send?.(event);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function connect(command: Extract<ClientCommand, { cmd: 'connect' }>): Promise<void> {
  const group: Group = { sockets: [], received: new Map(), latencies: new Float64Array(0), latencyCount: 0, gaps: 0, closed: 0 };
  groups.set(command.group, group);
  const began = performance.now();
  const open = async (): Promise<void> => {
    const ws = new WebSocket(command.url, { perMessageDeflate: false });
    let lastSeq = -1;
    ws.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString()) as { type: string; seq?: number; data?: { n?: number; sentAt?: number } };
      if (frame.type !== 'update' && frame.type !== 'snapshot') return;
      const seq = frame.seq ?? -1;
      if (lastSeq >= 0 && seq !== lastSeq + 1) group.gaps += 1;
      lastSeq = seq;
      if (frame.type !== 'update' || frame.data?.n === undefined || frame.data.sentAt === undefined) return;
      if (group.latencyCount < group.latencies.length) group.latencies[group.latencyCount++] = wallClock() - frame.data.sentAt;
      const n = frame.data.n;
      const count = (group.received.get(n) ?? 0) + 1;
      if (count === group.sockets.length) {
        group.received.delete(n);
        send({ event: 'delivered', group: command.group, n });
      } else group.received.set(n, count);
    });
    ws.on('close', () => (group.closed += 1));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    if (command.subscribe !== null) {
      const subscribed = new Promise<void>((resolve) => {
        const onSnapshot = (raw: Buffer) => {
          if (raw.toString().startsWith('{"type":"snapshot"')) {
            ws.off('message', onSnapshot);
            resolve();
          }
        };
        ws.on('message', onSnapshot);
      });
      ws.send(JSON.stringify({ op: 'subscribe', id: '1', channels: [command.subscribe] }));
      await subscribed;
    }
    group.sockets.push(ws);
  };
  // In batches, so the listen backlog never overflows.
  for (let i = 0; i < command.count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, command.count - i) }, open));
  }
  send({ event: 'connected', group: command.group, ms: performance.now() - began });
}

async function disconnect(name: string): Promise<void> {
  const group = groups.get(name);
  if (group === undefined) return;
  await Promise.all(
    group.sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close();
        }),
    ),
  );
  groups.delete(name);
  send({ event: 'disconnected', group: name });
}

process.on('message', (message: ClientCommand) => {
  const run = async () => {
    const group = groups.get(message.group);
    switch (message.cmd) {
      case 'connect':
        return connect(message);
      case 'phase':
        if (group === undefined) throw new Error(`no group ${message.group}`);
        group.latencies = new Float64Array(message.capacity);
        group.latencyCount = 0;
        return;
      case 'report': {
        if (group === undefined) throw new Error(`no group ${message.group}`);
        const sorted = group.latencies.slice(0, group.latencyCount).sort();
        send({
          event: 'report',
          group: message.group,
          latencies: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100), count: sorted.length },
          gaps: group.gaps,
          closed: group.closed,
        });
        return;
      }
      case 'disconnect':
        return disconnect(message.group);
    }
  };
  run().catch((error: unknown) => send({ event: 'failed', message: error instanceof Error ? error.message : String(error) }));
});
process.on('disconnect', () => process.exit(0));
