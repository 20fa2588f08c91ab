import { WebSocket, type RawData } from 'ws';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../../infra/logger';
import { withTimeout } from '../../infra/with-timeout';
import { privateOrdersChannel, type ChannelSource } from '../channels';
import type { ChannelHub, ChannelSubscriber } from './channel-hub';
import type { MarketDataWsLimits } from './limits';
import { recordWsMessageSent, wsSlowConsumerDisconnects } from '../metrics';
import {
  ORDERS_CHANNEL,
  ackFrame,
  authAckFrame,
  errorFrame,
  parseClientFrame,
  pongFrame,
  resolveChannels,
  snapshotFrame,
  type AuthFrame,
  type RequestId,
  type ServerFrame,
  type SubscribeFrame,
  type UnsubscribeFrame,
} from './protocol';

/** Who an API key authenticates (its account and key id), or null for an unknown, revoked or malformed key. */
export type Authenticate = (apiKey: string) => Promise<{ readonly accountId: string; readonly keyId: string } | null>;

/** Process-wide counters, shared by every connection (see MarketDataWsStats). */
export interface WsCounters {
  framesReceived: number;
  messagesSent: number;
  errorsSent: number;
  slowConsumerDisconnects: number;
  idleTerminations: number;
  /** Heartbeat ticks that came late because this process stalled; they ping but terminate no one. */
  lateHeartbeats: number;
}

export interface ConnectionDeps {
  readonly hub: ChannelHub;
  readonly source: ChannelSource;
  readonly authenticate: Authenticate;
  readonly knownSymbols: ReadonlySet<string>;
  readonly limits: MarketDataWsLimits;
  readonly logger: Logger;
  readonly counters: WsCounters;
  readonly now: () => number;
}

interface Subscription {
  /** Updates held back while the private snapshot loads; null once it has been sent. */
  pending: Buffer[] | null;
  pendingBytes: number;
  /** The subscribe request's id, for an error about the load. */
  readonly requestId: RequestId;
}

export const SLOW_CONSUMER_CLOSE = { code: 1008, reason: 'slow consumer' } as const;
export const GOING_AWAY_CLOSE = { code: 1001, reason: 'server shutting down' } as const;
/** The key the session authenticated with was revoked (PROTOCOL.md): do not reconnect with it. */
export const KEY_REVOKED_CLOSE = { code: 4001, reason: 'api key revoked' } as const;

const toBuffer = (raw: RawData): Buffer => (Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw));

/**
 * One client: its frames, its subscriptions and what it is sent. Frames are handled in order; while an `auth`
 * is being checked later frames wait (so `auth` then `subscribe orders` sent back to back works).
 */
export class MarketDataConnection implements ChannelSubscriber {
  private accountId: string | null = null;
  /** The key of the last successful auth, kept to recheck it (recheckKey) and to close on its revocation. */
  private apiKey: string | null = null;
  private keyIdValue: string | null = null;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly bucket: { take(now: number): number };
  private busy = false;
  private readonly waiting: Array<{ data: Buffer; isBinary: boolean }> = [];
  private closing = false;
  private closeTimer: NodeJS.Timeout | undefined;
  private lastPongAt: number;
  /** Resolves when the socket has closed (after a close handshake, a terminate or a network error). */
  readonly closed: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress: string,
    private readonly deps: ConnectionDeps,
    bucket: { take(now: number): number },
  ) {
    this.bucket = bucket;
    this.lastPongAt = deps.now();
    ws.on('message', (data, isBinary) => this.onMessage(toBuffer(data), isBinary));
    ws.on('pong', () => {
      this.lastPongAt = this.deps.now();
    });
    // ws reports protocol violations here (a message above maxPayload, invalid UTF-8) and closes the socket itself.
    ws.on('error', (error) => this.deps.logger.debug({ err: error, remoteAddress }, 'market-data.ws.socket-error'));
    this.closed = new Promise((resolve) => {
      ws.once('close', () => {
        this.closing = true;
        clearTimeout(this.closeTimer);
        this.dropAllSubscriptions();
        resolve();
      });
    });
  }

  /** The id of the key the connection authenticated with (null before an auth). */
  get keyId(): string | null {
    return this.keyIdValue;
  }

  /**
   * Asks again whether the session's key is valid (after the revocation channel was down); closes the session with
   * KEY_REVOKED_CLOSE when it is not. A failed check leaves the session open: the next recheck or revocation decides.
   */
  async recheckKey(): Promise<void> {
    const apiKey = this.apiKey;
    if (apiKey === null || this.closing) return;
    const principal = await this.deps.authenticate(apiKey);
    if (principal === null || principal.keyId !== this.keyIdValue) this.revoked();
  }

  /** The session's key was revoked: the client is told why and the connection closes. */
  revoked(): void {
    this.deps.logger.info({ remoteAddress: this.remoteAddress, accountId: this.accountId, keyId: this.keyIdValue }, 'market-data.ws.key-revoked');
    this.close(KEY_REVOKED_CLOSE.code, KEY_REVOKED_CLOSE.reason);
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /**
   * The heartbeat: false (and the socket terminated) when the client has not answered a ping within the idle timeout.
   * `judge` false (the server's own event loop stalled, so pongs may sit unread in socket buffers) only pings.
   */
  heartbeat(now: number, judge = true): boolean {
    // A connection being closed has its own deadline (closeTimeoutMs).
    if (this.closing) return true;
    if (judge && now - this.lastPongAt > this.deps.limits.idleTimeoutMs) {
      this.deps.counters.idleTerminations += 1;
      this.deps.logger.info({ remoteAddress: this.remoteAddress, silentMs: Math.round(now - this.lastPongAt) }, 'market-data.ws.idle-timeout');
      this.closing = true;
      this.dropAllSubscriptions();
      this.ws.terminate();
      return false;
    }
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
    return true;
  }

  /** Sends a close frame and stops sending anything else; the socket is destroyed if the client does not answer in time. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.waiting.length = 0;
    this.dropAllSubscriptions();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    this.closeTimer = setTimeout(() => this.ws.terminate(), this.deps.limits.closeTimeoutMs);
  }

  deliver(hubChannel: string, frame: Buffer): void {
    const subscription = this.subscriptions.get(hubChannel);
    if (subscription === undefined) return;
    if (subscription.pending === null) {
      this.send(frame, hubChannel);
      return;
    }
    subscription.pending.push(frame);
    subscription.pendingBytes += frame.byteLength;
    if (subscription.pendingBytes > this.deps.limits.maxBufferedBytes) {
      this.failPrivateLoad(hubChannel, subscription, 'too many order updates arrived while the orders snapshot was loading');
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    this.deps.counters.framesReceived += 1;
    const waitMs = this.bucket.take(this.deps.now());
    if (waitMs > 0 || (this.busy && this.waiting.length >= this.deps.limits.frameBurst)) {
      const { framesPerSecond, frameBurst } = this.deps.limits;
      this.sendError(
        null,
        new DomainError('RATE_LIMITED', `more than ${framesPerSecond} frames per second (bursts of ${frameBurst}); this frame was dropped`, {
          framesPerSecond,
          frameBurst,
          retryAfterMs: Math.max(waitMs, 1),
        }),
      );
      return;
    }
    if (this.busy) this.waiting.push({ data, isBinary });
    else this.handle(data, isBinary);
  }

  private handle(data: Buffer, isBinary: boolean): void {
    const parsed = parseClientFrame(data, isBinary, this.deps.limits.maxFrameBytes);
    if (!parsed.ok) {
      this.sendError(parsed.id, parsed.error);
      return;
    }
    const frame = parsed.frame;
    switch (frame.op) {
      case 'ping':
        this.sendFrame(pongFrame(frame.id));
        return;
      case 'subscribe':
        this.subscribe(frame);
        return;
      case 'unsubscribe':
        this.unsubscribe(frame);
        return;
      case 'auth':
        this.busy = true;
        void this.auth(frame).finally(() => {
          this.busy = false;
          this.drainWaiting();
        });
        return;
    }
  }

  private drainWaiting(): void {
    while (!this.busy && !this.closing) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      this.handle(next.data, next.isBinary);
    }
  }

  private async auth(frame: AuthFrame): Promise<void> {
    let principal: { readonly accountId: string; readonly keyId: string } | null;
    try {
      principal = await withTimeout(this.deps.authenticate(frame.apiKey), this.deps.limits.lookupTimeoutMs, `the API key check took longer than ${this.deps.limits.lookupTimeoutMs} ms`);
    } catch (error) {
      this.deps.logger.warn({ err: error, remoteAddress: this.remoteAddress }, 'market-data.ws.auth-failed');
      this.sendError(frame.id, new DomainError('SERVICE_UNAVAILABLE', 'the API key could not be checked; try again'));
      return;
    }
    if (principal === null) {
      this.sendError(frame.id, new DomainError('UNAUTHENTICATED', 'unknown API key'));
      return;
    }
    const { accountId } = principal;
    if (this.accountId !== null && this.accountId !== accountId) {
      this.sendError(frame.id, new DomainError('FORBIDDEN', 'this connection is authenticated as another account; open a new connection for this key'));
      return;
    }
    this.accountId = accountId;
    this.apiKey = frame.apiKey;
    this.keyIdValue = principal.keyId;
    this.sendFrame(authAckFrame(frame.id, accountId));
  }

  private subscribe(frame: SubscribeFrame): void {
    const resolved = resolveChannels(frame.channels, this.deps.knownSymbols);
    if (!resolved.ok) {
      this.sendError(frame.id, resolved.error);
      return;
    }
    const channels = resolved.channels;
    const accountId = this.accountId;
    const wantsOrders = channels.some((channel) => channel.kind === 'orders');
    if (wantsOrders && accountId === null) {
      this.sendError(frame.id, new DomainError('AUTH_REQUIRED', 'the orders channel needs an "auth" frame with your API key first', { channel: ORDERS_CHANNEL }));
      return;
    }
    const hubNames = channels.map((channel) => (channel.kind === 'public' ? channel.name : privateOrdersChannel(accountId ?? '')));
    const added = hubNames.filter((name) => !this.subscriptions.has(name)).length;
    const max = this.deps.limits.maxSubscriptionsPerConnection;
    if (this.subscriptions.size + added > max) {
      this.sendError(
        frame.id,
        new DomainError('TOO_MANY_SUBSCRIPTIONS', `a connection may hold ${max} subscriptions; it holds ${this.subscriptions.size} and asked for ${added} more`, {
          maxSubscriptions: max,
          subscribed: this.subscriptions.size,
          requested: added,
        }),
      );
      return;
    }
    // Every snapshot is taken and encoded before anything changes, so a failure refuses the whole request.
    // All of this runs synchronously: no update can be published between a snapshot and its sequence.
    const snapshots: string[] = [];
    const publicNames: string[] = [];
    try {
      for (const channel of channels) {
        if (channel.kind !== 'public') continue;
        const data = this.deps.source.snapshot(channel.channel);
        snapshots.push(JSON.stringify(snapshotFrame(channel.name, this.deps.hub.sequence(channel.name), data)));
        publicNames.push(channel.name);
      }
    } catch (error) {
      this.deps.logger.error({ err: error, channels: frame.channels }, 'market-data.ws.snapshot-failed');
      this.sendError(frame.id, new DomainError('SERVICE_UNAVAILABLE', 'a snapshot could not be taken; try again'));
      return;
    }
    for (const channel of channels) {
      if (channel.kind !== 'public') continue;
      this.deps.hub.subscribe(channel.name, this);
      this.subscriptions.set(channel.name, { pending: null, pendingBytes: 0, requestId: frame.id });
    }
    this.sendFrame(ackFrame(frame.id, 'subscribe', channels.map((channel) => channel.name)));
    for (const [i, snapshot] of snapshots.entries()) this.send(snapshot, publicNames[i]);
    if (wantsOrders && accountId !== null) this.subscribePrivate(accountId, frame.id);
  }

  /**
   * The private snapshot loads asynchronously. Its sequence is the channel's at the request; updates published
   * meanwhile are held and sent after it, so none is lost or overtakes it. Some may already be in the snapshot:
   * each carries the order's version, and a client drops the stale ones.
   */
  private subscribePrivate(accountId: string, requestId: RequestId): void {
    const hubName = privateOrdersChannel(accountId);
    const subscription: Subscription = { pending: [], pendingBytes: 0, requestId };
    // A resubscription replaces the subscription: a load still running for the old one is ignored.
    this.subscriptions.set(hubName, subscription);
    const seq = this.deps.hub.subscribe(hubName, this);
    withTimeout(this.deps.source.privateSnapshot(accountId), this.deps.limits.lookupTimeoutMs, `the orders snapshot took longer than ${this.deps.limits.lookupTimeoutMs} ms`).then(
      (data) => {
        if (this.subscriptions.get(hubName) !== subscription) return;
        let text: string;
        try {
          text = JSON.stringify(snapshotFrame(ORDERS_CHANNEL, seq, data));
        } catch (error) {
          this.deps.logger.error({ err: error, accountId }, 'market-data.ws.private-snapshot-unencodable');
          this.failPrivateLoad(hubName, subscription, 'the orders snapshot could not be encoded');
          return;
        }
        const held = subscription.pending ?? [];
        subscription.pending = null;
        subscription.pendingBytes = 0;
        this.send(text, hubName);
        for (const update of held) this.send(update, hubName);
      },
      (error: unknown) => {
        if (this.subscriptions.get(hubName) !== subscription) return;
        this.deps.logger.warn({ err: error, accountId }, 'market-data.ws.private-snapshot-failed');
        this.failPrivateLoad(hubName, subscription, 'the orders snapshot could not be loaded');
      },
    );
  }

  private failPrivateLoad(hubName: string, subscription: Subscription, why: string): void {
    this.dropSubscription(hubName);
    this.sendError(subscription.requestId, new DomainError('SERVICE_UNAVAILABLE', `${why}; subscribe to orders again`, { channel: ORDERS_CHANNEL }));
  }

  private unsubscribe(frame: UnsubscribeFrame): void {
    const resolved = resolveChannels(frame.channels, this.deps.knownSymbols);
    if (!resolved.ok) {
      this.sendError(frame.id, resolved.error);
      return;
    }
    for (const channel of resolved.channels) {
      if (channel.kind === 'public') this.dropSubscription(channel.name);
      else if (this.accountId !== null) this.dropSubscription(privateOrdersChannel(this.accountId));
    }
    this.sendFrame(ackFrame(frame.id, 'unsubscribe', resolved.channels.map((channel) => channel.name)));
  }

  private dropSubscription(hubName: string): void {
    if (this.subscriptions.delete(hubName)) this.deps.hub.unsubscribe(hubName, this);
  }

  private dropAllSubscriptions(): void {
    for (const hubName of this.subscriptions.keys()) this.deps.hub.unsubscribe(hubName, this);
    this.subscriptions.clear();
  }

  private sendError(id: RequestId | null, error: DomainError): void {
    this.deps.counters.errorsSent += 1;
    this.deps.logger.debug({ code: error.code, id, remoteAddress: this.remoteAddress }, 'market-data.ws.frame-refused');
    this.sendFrame(errorFrame(id, error));
  }

  private sendFrame(frame: ServerFrame): void {
    this.send(JSON.stringify(frame));
  }

  /** Sends unless the client is already too far behind, in which case it is cut off instead of queueing more. */
  private send(frame: Buffer | string, hubChannel?: string): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.deps.limits.maxBufferedBytes) {
      this.deps.counters.slowConsumerDisconnects += 1;
      wsSlowConsumerDisconnects.inc();
      this.deps.logger.warn({ remoteAddress: this.remoteAddress, bufferedAmount: this.ws.bufferedAmount }, 'market-data.ws.slow-consumer');
      this.close(SLOW_CONSUMER_CLOSE.code, SLOW_CONSUMER_CLOSE.reason);
      return;
    }
    this.deps.counters.messagesSent += 1;
    recordWsMessageSent(hubChannel);
    this.ws.send(frame, { binary: false });
  }
}
