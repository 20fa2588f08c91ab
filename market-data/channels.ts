/**
 * The seam between the market data state (books, tickers, trades, candles, private order updates) and the
 * WebSocket hub that fans them out. The state publishes into a ChannelSink; the hub asks a ChannelSource
 * for the snapshot a new subscriber receives first. Everything runs on one event loop, so a snapshot taken
 * synchronously at subscribe time contains exactly the updates published before it: the hub stamps the
 * snapshot with the channel's current sequence and every later update with the next one.
 *
 * Channel names (DESIGN.md, Contracts: WebSocket): `ticker:BTC-USD`, `book:BTC-USD`, `trades:BTC-USD`,
 * `candles:BTC-USD:1m` (1m, 5m, 1h, 1d), and the private `orders` channel, which the hub keeps per account
 * internally as `orders:<accountId>`.
 */
export const CANDLE_INTERVALS = ['1m', '5m', '1h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export type PublicChannel =
  | { kind: 'ticker'; symbol: string }
  | { kind: 'book'; symbol: string }
  | { kind: 'trades'; symbol: string }
  | { kind: 'candles'; symbol: string; interval: CandleInterval };

export const privateOrdersChannel = (accountId: string): string => `orders:${accountId}`;

export function publicChannelName(channel: PublicChannel): string {
  return channel.kind === 'candles' ? `candles:${channel.symbol}:${channel.interval}` : `${channel.kind}:${channel.symbol}`;
}

export interface ChannelSink {
  /** One update on a channel (public name, or `orders:<accountId>` for the private channel). Never blocks. */
  publish(channel: string, data: unknown): void;
}

export interface ChannelSource {
  /** The current state of a public channel (e.g. the L2 book at full depth, the ticker, recent trades, recent candles). */
  snapshot(channel: PublicChannel): unknown;
  /** What a client that subscribes to `orders` receives first: that account's open orders and positions. */
  privateSnapshot(accountId: string): Promise<unknown>;
}
