import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../infra/metrics/registry';

export const wsConnections = new Gauge({
  name: 'oms_ws_connections',
  help: 'Open market data WebSocket connections',
  registers: [metricsRegistry],
});

const messagesSent = new Counter({
  name: 'oms_ws_messages_sent_total',
  help: 'WebSocket frames sent, by channel kind (ticker|book|trades|candles|orders; control for acks, errors, pongs)',
  labelNames: ['channel'] as const,
  registers: [metricsRegistry],
});

export const wsSlowConsumerDisconnects = new Counter({
  name: 'oms_ws_slow_consumer_disconnects_total',
  help: 'WebSocket clients cut off because their send buffer was over the limit',
  registers: [metricsRegistry],
});

const bookResyncs = new Counter({
  name: 'oms_market_data_book_resyncs_total',
  help: 'Book snapshots fetched from the venue and applied (at start, after a gap in the feed)',
  labelNames: ['symbol'] as const,
  registers: [metricsRegistry],
});

const CHANNEL_KINDS: ReadonlySet<string> = new Set(['ticker', 'book', 'trades', 'candles', 'orders']);

/** The channel label: the kind of a hub channel name (`book:BTC-USD` is book, `orders:<accountId>` is orders), never the account. */
export function channelKind(hubChannel: string | undefined): string {
  if (hubChannel === undefined) return 'control';
  const kind = hubChannel.split(':', 1)[0] ?? '';
  return CHANNEL_KINDS.has(kind) ? kind : 'control';
}

export function recordWsMessageSent(hubChannel: string | undefined): void {
  messagesSent.inc({ channel: channelKind(hubChannel) });
}

export function recordBookResync(symbol: string): void {
  bookResyncs.inc({ symbol });
}
