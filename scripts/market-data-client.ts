// An example market data client: subscribes to a symbol's book and trades, keeps the book from its snapshot and
// deltas, prints the top of book and each trade live, resubscribes when a channel's sequence has a gap, and
// reconnects with backoff when the connection drops.
//
//   npx tsx scripts/market-data-client.ts [--url ws://localhost:5002/ws/market-data] [SYMBOL]
import * as v from 'valibot';
import { WebSocket } from 'ws';
import { formatDecimal, parseDecimal, type Scaled } from '../domain/decimal';
import { normalizeSymbol } from '../domain/symbols';
import { loadConfig } from '../infra/config';
import { ServerFrameSchema, type ServerFrame } from '../market-data/ws/protocol';

// The data of the book and trades channels (the state's BookUpdate and TradeView); loose, so new fields pass.
const LevelSchema = v.looseObject({ price: v.string(), quantity: v.string() });
const BookSnapshotSchema = v.looseObject({ type: v.literal('snapshot'), bids: v.array(LevelSchema), asks: v.array(LevelSchema) });
const BookDeltaSchema = v.looseObject({ type: v.literal('delta'), side: v.picklist(['BUY', 'SELL']), price: v.string(), quantity: v.string() });
const BookDataSchema = v.variant('type', [BookSnapshotSchema, BookDeltaSchema]);
const TradeSchema = v.looseObject({ price: v.string(), quantity: v.string(), takerSide: v.string(), time: v.string() });
const TradesSnapshotSchema = v.looseObject({ trades: v.array(TradeSchema) });

export type Level = v.InferOutput<typeof LevelSchema>;
export type Trade = v.InferOutput<typeof TradeSchema>;

/** An L2 book from a snapshot and deltas (a delta's quantity is the level's new total; 0 removes it). Exact: decimal strings to bigints. */
export class LocalBook {
  private readonly sides = { BUY: new Map<Scaled, Level>(), SELL: new Map<Scaled, Level>() };

  reset(bids: readonly Level[], asks: readonly Level[]): void {
    this.sides.BUY.clear();
    this.sides.SELL.clear();
    for (const level of bids) this.apply('BUY', level.price, level.quantity);
    for (const level of asks) this.apply('SELL', level.price, level.quantity);
  }

  apply(side: 'BUY' | 'SELL', price: string, quantity: string): void {
    const key = parseDecimal(price);
    if (parseDecimal(quantity) === 0n) this.sides[side].delete(key);
    else this.sides[side].set(key, { price, quantity });
  }

  /** The best bid (highest) and ask (lowest), and the spread when both exist. */
  top(): { bid: Level | undefined; ask: Level | undefined; spread: string | undefined } {
    const best = (side: 'BUY' | 'SELL') => {
      let bestKey: Scaled | undefined;
      for (const key of this.sides[side].keys()) {
        if (bestKey === undefined || (side === 'BUY' ? key > bestKey : key < bestKey)) bestKey = key;
      }
      return bestKey === undefined ? undefined : { key: bestKey, level: this.sides[side].get(bestKey)! };
    };
    const bid = best('BUY');
    const ask = best('SELL');
    return { bid: bid?.level, ask: ask?.level, spread: bid && ask ? formatDecimal(ask.key - bid.key) : undefined };
  }
}

export type SequenceOutcome = { kind: 'snapshot' } | { kind: 'next' } | { kind: 'gap'; expected: number; got: number } | { kind: 'waiting' };

/**
 * Per channel, the sequence a client expects next. After a gap the channel's updates are ignored until the
 * snapshot of the resubscription arrives.
 */
export class ChannelSequences {
  private readonly last = new Map<string, number | 'waiting'>();

  onFrame(frame: Extract<ServerFrame, { type: 'snapshot' | 'update' }>): SequenceOutcome {
    if (frame.type === 'snapshot') {
      this.last.set(frame.channel, frame.seq);
      return { kind: 'snapshot' };
    }
    const last = this.last.get(frame.channel);
    if (last === undefined || last === 'waiting') return { kind: 'waiting' };
    if (frame.seq === last + 1) {
      this.last.set(frame.channel, frame.seq);
      return { kind: 'next' };
    }
    this.last.set(frame.channel, 'waiting');
    return { kind: 'gap', expected: last + 1, got: frame.seq };
  }

  /** A new connection knows nothing yet. */
  clear(): void {
    this.last.clear();
  }
}

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... up to 10 s. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base / 2 + random() * (base / 2));
}

function parseArgs(argv: readonly string[]): { url: string; symbol: string } {
  let url = `ws://localhost:${loadConfig().marketData.port}/ws/market-data`;
  let symbolText = 'BTC-USD';
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--url') url = argv[++i] ?? url;
    else if (arg.startsWith('--url=')) url = arg.slice('--url='.length);
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: npx tsx scripts/market-data-client.ts [--url ws://localhost:5002/ws/market-data] [SYMBOL]');
      process.exit(0);
    } else symbolText = arg;
  }
  const symbol = normalizeSymbol(symbolText);
  if (symbol === undefined) throw new Error(`not a symbol: ${symbolText} (BASE-QUOTE, e.g. BTC-USD or BTC/USD)`);
  return { url, symbol };
}

function main(): void {
  const { url, symbol } = parseArgs(process.argv.slice(2));
  const bookChannel = `book:${symbol}`;
  const tradesChannel = `trades:${symbol}`;
  const book = new LocalBook();
  const sequences = new ChannelSequences();
  let attempt = 0;
  let requestId = 0;
  let stopping = false;
  let socket: WebSocket | undefined;
  let lastTop = '';

  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 23)}  ${line}`);
  const printTop = () => {
    const { bid, ask, spread } = book.top();
    const side = (level: Level | undefined) => (level ? `${level.quantity} @ ${level.price}` : '-');
    const line = `${symbol}  bid ${side(bid)}  |  ask ${side(ask)}${spread === undefined ? '' : `  spread ${spread}`}`;
    if (line !== lastTop) log(line);
    lastTop = line;
  };
  const printTrade = (trade: Trade) => log(`${symbol}  trade ${trade.takerSide.padEnd(4)} ${trade.quantity} @ ${trade.price}  (${trade.time})`);

  const onData = (channel: string, data: unknown) => {
    if (channel === bookChannel) {
      const parsed = v.safeParse(BookDataSchema, data);
      if (!parsed.success) return log(`unexpected book data: ${JSON.stringify(data).slice(0, 200)}`);
      if (parsed.output.type === 'snapshot') book.reset(parsed.output.bids, parsed.output.asks);
      else book.apply(parsed.output.side, parsed.output.price, parsed.output.quantity);
      printTop();
    } else if (channel === tradesChannel) {
      const trade = v.safeParse(TradeSchema, data);
      if (trade.success) return printTrade(trade.output);
      const snapshot = v.safeParse(TradesSnapshotSchema, data);
      if (!snapshot.success) return log(`unexpected trades data: ${JSON.stringify(data).slice(0, 200)}`);
      log(`${symbol}  ${snapshot.output.trades.length} recent trades; latest:`);
      for (const recent of snapshot.output.trades.slice(0, 5)) printTrade(recent);
    }
  };

  const subscribe = (ws: WebSocket, channels: string[]) => ws.send(JSON.stringify({ op: 'subscribe', id: String(++requestId), channels }));

  const connect = () => {
    log(`connecting to ${url} ...`);
    const ws = new WebSocket(url);
    socket = ws;
    // The server pings every few seconds; silence for long means a dead link that TCP has not noticed.
    let silence: NodeJS.Timeout | undefined;
    const alive = () => {
      clearTimeout(silence);
      silence = setTimeout(() => {
        log('no ping from the server for 60 s; reconnecting');
        ws.terminate();
      }, 60_000);
    };
    ws.on('open', () => {
      log(`connected; subscribing to ${bookChannel} and ${tradesChannel}`);
      sequences.clear();
      alive();
      subscribe(ws, [bookChannel, tradesChannel]);
    });
    ws.on('ping', alive);
    ws.on('message', (raw: Buffer) => {
      alive();
      let json: unknown;
      try {
        json = JSON.parse(raw.toString());
      } catch {
        json = undefined;
      }
      const parsed = v.safeParse(ServerFrameSchema, json);
      if (!parsed.success) return log(`unexpected frame: ${raw.toString().slice(0, 200)}`);
      const frame = parsed.output;
      if (frame.type === 'error') return log(`error ${frame.code} (request ${frame.id ?? '-'}): ${frame.message}`);
      if (frame.type !== 'snapshot' && frame.type !== 'update') return;
      const outcome = sequences.onFrame(frame);
      if (outcome.kind === 'gap') {
        log(`gap on ${frame.channel}: expected seq ${outcome.expected}, got ${outcome.got}; resubscribing for a fresh snapshot`);
        subscribe(ws, [frame.channel]);
        return;
      }
      if (outcome.kind === 'waiting') return;
      if (outcome.kind === 'snapshot') attempt = 0;
      onData(frame.channel, frame.data);
    });
    ws.on('error', (error) => log(`connection error: ${error.message}`));
    ws.on('close', (code, reason) => {
      clearTimeout(silence);
      if (stopping) return;
      const delay = backoffMs(attempt++);
      log(`disconnected (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}); reconnecting in ${delay} ms`);
      setTimeout(connect, delay);
    });
  };

  process.on('SIGINT', () => {
    stopping = true;
    socket?.close(1000, 'client exit');
    setTimeout(() => process.exit(0), 500).unref();
  });
  connect();
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
