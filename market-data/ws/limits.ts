/**
 * The WebSocket server's limits. Defaults live here only; infra/config.ts reads the MARKET_DATA_WS_* variables
 * that are set and resolveWsLimits() fills in the rest.
 */
export interface MarketDataWsLimits {
  /** Open connections on this process; the next upgrade is refused with 503. */
  readonly maxConnections: number;
  /** Open connections from one remote address; the next upgrade is refused with 429. */
  readonly maxConnectionsPerAddress: number;
  /** Channels one connection may hold at once (public ones and `orders`). */
  readonly maxSubscriptionsPerConnection: number;
  /** Text frames above this get a PAYLOAD_TOO_LARGE error; the connection stays. */
  readonly maxFrameBytes: number;
  /**
   * ws's maxPayload: a message above it is never buffered; ws closes the connection with 1009. Without this
   * cap a client could make the server hold up to ws's default of 100 MiB per connection before we see it.
   */
  readonly hardMaxFrameBytes: number;
  /** Sustained client frames per second per connection (token bucket refill rate). */
  readonly framesPerSecond: number;
  /** Frames a connection may send in a burst (token bucket capacity). */
  readonly frameBurst: number;
  /** Bytes queued towards one client (ws bufferedAmount) above which it is cut off as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** The server pings every connection this often. */
  readonly heartbeatIntervalMs: number;
  /** A connection that has not answered a ping (pong) for this long is terminated. */
  readonly idleTimeoutMs: number;
  /** After the server sends a close frame, how long it waits for the client's before destroying the socket. */
  readonly closeTimeoutMs: number;
  /** How long an `auth` key check or the private `orders` snapshot may take before it fails with SERVICE_UNAVAILABLE. */
  readonly lookupTimeoutMs: number;
}

export const DEFAULT_WS_LIMITS: MarketDataWsLimits = Object.freeze({
  maxConnections: 10_000,
  maxConnectionsPerAddress: 100,
  maxSubscriptionsPerConnection: 100,
  maxFrameBytes: 16 * 1024,
  hardMaxFrameBytes: 256 * 1024,
  framesPerSecond: 20,
  frameBurst: 50,
  maxBufferedBytes: 4 * 1024 * 1024,
  heartbeatIntervalMs: 15_000,
  idleTimeoutMs: 40_000,
  closeTimeoutMs: 5_000,
  lookupTimeoutMs: 10_000,
});

/** The defaults overridden by `given`; throws on a combination that cannot work (a typo should stop startup). */
export function resolveWsLimits(given: Partial<MarketDataWsLimits> = {}): MarketDataWsLimits {
  const limits: MarketDataWsLimits = { ...DEFAULT_WS_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw new Error(`invalid WebSocket limit ${name}: ${String(value)} (a positive integer)`);
  }
  if (limits.hardMaxFrameBytes < limits.maxFrameBytes) throw new Error('invalid WebSocket limits: hardMaxFrameBytes must be >= maxFrameBytes');
  if (limits.maxConnectionsPerAddress > limits.maxConnections) {
    throw new Error('invalid WebSocket limits: maxConnectionsPerAddress must be <= maxConnections');
  }
  if (limits.idleTimeoutMs <= limits.heartbeatIntervalMs) {
    throw new Error('invalid WebSocket limits: idleTimeoutMs must be longer than heartbeatIntervalMs (a client needs a ping to answer)');
  }
  return Object.freeze(limits);
}
