import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { DomainError } from '../../domain/errors';
import { normalizeSymbol } from '../../domain/symbols';
import { HTTP_STATUS, errorEnvelope } from '../../infra/http/errors';
import type { Logger } from '../../infra/logger';
import type { ChannelSink, ChannelSource } from '../channels';
import { ChannelHub, type ChannelHubStats } from './channel-hub';
import { GOING_AWAY_CLOSE, MarketDataConnection, type Authenticate, type WsCounters } from './connection';
import { resolveWsLimits, type MarketDataWsLimits } from './limits';
import { wsConnections } from '../metrics';
import { WS_PATH } from './protocol';
import { TokenBucket } from './token-bucket';

export interface MarketDataWebSocketOptions {
  /** Answers the snapshot a new subscriber receives first. */
  readonly source: ChannelSource;
  /** API key to its account and key id (null: unknown, revoked or malformed); the CachedApiKeyStore's findKey fits. */
  readonly authenticate: Authenticate;
  /** Canonical symbols ('BTC-USD') that channels may name. */
  readonly symbols: Iterable<string>;
  readonly logger: Logger;
  /** Overrides of DEFAULT_WS_LIMITS (config.marketDataWs). */
  readonly limits?: Partial<MarketDataWsLimits>;
  /** The hub to fan out from, when the state that publishes into it is built first; else one is created. */
  readonly hub?: ChannelHub;
}

export interface MarketDataWsStats extends WsCounters, ChannelHubStats {
  connections: number;
  /** Upgrades refused: wrong path, a connection limit, or during close. */
  rejectedUpgrades: number;
}

export interface MarketDataWebSocket {
  /** Where the market data state publishes its updates. */
  readonly sink: ChannelSink;
  stats(): MarketDataWsStats;
  /** Closes every session authenticated with this key (4001 "api key revoked"); the number closed. */
  revokeKey(keyId: string): number;
  /** Rechecks every authenticated session's key (after revocations may have been missed) and closes the revoked ones. */
  recheckSessions(): void;
  /** Stops accepting, sends every client a 1001 close frame and resolves when every socket has closed. */
  close(): Promise<void>;
}

// '::ffff:127.0.0.1' and '127.0.0.1' are one client.
const addressKey = (address: string | undefined): string => (address ?? 'unknown').replace(/^::ffff:/, '');

/** Answers an upgrade request with a plain HTTP error in the service's envelope, then closes the socket. */
function refuseUpgrade(socket: Duplex, error: DomainError): void {
  const status = HTTP_STATUS[error.code];
  const body = JSON.stringify(errorEnvelope(error, randomUUID()));
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The market data WebSocket server on the service's own HTTP server: upgrades at /ws/market-data (any other
 * upgrade is answered 404), connection limits, heartbeats, and the hub the state publishes into.
 */
export function attachMarketDataWebSocket(server: Server, options: MarketDataWebSocketOptions): MarketDataWebSocket {
  const limits = resolveWsLimits(options.limits);
  const knownSymbols = new Set<string>();
  for (const symbol of options.symbols) {
    if (normalizeSymbol(symbol) !== symbol) throw new Error(`market data WebSocket: symbol ${symbol} is not canonical (BASE-QUOTE)`);
    knownSymbols.add(symbol);
  }
  const logger = options.logger;
  const hub = options.hub ?? new ChannelHub(logger);
  const counters: WsCounters = { framesReceived: 0, messagesSent: 0, errorsSent: 0, slowConsumerDisconnects: 0, idleTerminations: 0, lateHeartbeats: 0 };
  const now = () => performance.now();
  const deps = { hub, source: options.source, authenticate: options.authenticate, knownSymbols, limits, logger, counters, now };
  // perMessageDeflate off: compressing each copy would undo "encode once, send the same bytes to everyone".
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.hardMaxFrameBytes, perMessageDeflate: false, clientTracking: false });
  const connections = new Set<MarketDataConnection>();
  const perAddress = new Map<string, number>();
  let rejectedUpgrades = 0;
  let closing: Promise<void> | undefined;

  const refuse = (socket: Duplex, error: DomainError, fields: Record<string, unknown>): void => {
    rejectedUpgrades += 1;
    logger.info({ code: error.code, ...fields }, 'market-data.ws.upgrade-refused');
    refuseUpgrade(socket, error);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?', 1)[0];
    const address = addressKey(req.socket.remoteAddress);
    if (path !== WS_PATH) {
      refuse(socket, new DomainError('NOT_FOUND', `no WebSocket endpoint at ${path ?? ''}; market data is at ${WS_PATH}`), { path, address });
      return;
    }
    if (closing !== undefined) {
      refuse(socket, new DomainError('SERVICE_UNAVAILABLE', 'the market data service is shutting down; reconnect shortly'), { address });
      return;
    }
    if (connections.size >= limits.maxConnections) {
      refuse(socket, new DomainError('SERVICE_UNAVAILABLE', 'the market data service is at its connection limit; retry later', { maxConnections: limits.maxConnections }), {
        address,
      });
      return;
    }
    const fromAddress = perAddress.get(address) ?? 0;
    if (fromAddress >= limits.maxConnectionsPerAddress) {
      refuse(
        socket,
        new DomainError('TOO_MANY_CONNECTIONS', `at most ${limits.maxConnectionsPerAddress} connections per client address`, {
          maxConnectionsPerAddress: limits.maxConnectionsPerAddress,
        }),
        { address },
      );
      return;
    }
    // Without verifyClient, ws completes the handshake synchronously, so the limits checked above still hold here.
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new MarketDataConnection(ws, address, deps, new TokenBucket(limits.framesPerSecond, limits.frameBurst, now()));
      connections.add(connection);
      wsConnections.inc();
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      void connection.closed.then(() => {
        connections.delete(connection);
        wsConnections.dec();
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left === 0) perAddress.delete(address);
        else perAddress.set(address, left);
      });
    });
  };
  server.on('upgrade', onUpgrade);

  // A tick that comes late means this process stalled (GC, a blocked loop): timers run before pending socket reads, so
  // every client's pong may be sitting unread and silence would be the server's fault. Such a tick pings and judges no
  // one; the next on-time tick judges, after the reads.
  let lastTickAt = now();
  const heartbeat = setInterval(() => {
    const at = now();
    const sinceLast = at - lastTickAt;
    lastTickAt = at;
    const onTime = sinceLast <= 2 * limits.heartbeatIntervalMs;
    if (!onTime) {
      counters.lateHeartbeats += 1;
      logger.warn({ sinceLastMs: Math.round(sinceLast), intervalMs: limits.heartbeatIntervalMs }, 'market-data.ws.heartbeat-late');
    }
    for (const connection of connections) connection.heartbeat(at, onTime);
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();

  return {
    sink: hub,
    stats: () => ({ ...counters, ...hub.stats(), connections: connections.size, rejectedUpgrades }),
    revokeKey: (keyId) => {
      let closed = 0;
      for (const connection of connections) {
        if (connection.keyId !== keyId) continue;
        connection.revoked();
        closed += 1;
      }
      return closed;
    },
    recheckSessions: () => {
      for (const connection of connections) {
        void connection.recheckKey().catch((error: unknown) => logger.warn({ err: error }, 'market-data.ws.recheck-failed'));
      }
    },
    close: () => {
      closing ??= (async () => {
        clearInterval(heartbeat);
        const all = [...connections];
        for (const connection of all) connection.close(GOING_AWAY_CLOSE.code, GOING_AWAY_CLOSE.reason);
        await Promise.all(all.map((connection) => connection.closed));
        server.off('upgrade', onUpgrade);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        logger.info({ connections: all.length }, 'market-data.ws.closed');
      })();
      return closing;
    },
  };
}
