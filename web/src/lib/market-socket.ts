import { SequenceTracker } from './sequence';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface SocketHandlers {
  onState(state: ConnectionState): void;
  onSnapshot(channel: string, data: unknown): void;
  onUpdate(channel: string, data: unknown): void;
  /** An error frame of the server (bad API key, a refused subscription...). */
  onError(code: string, message: string, details: Record<string, unknown>): void;
  onAuth?(accountId: string): void;
  /** A sequence gap was found on `channel`; a fresh snapshot has been asked for. */
  onGap?(channel: string): void;
}

interface ServerFrame {
  type: 'ack' | 'snapshot' | 'update' | 'error' | 'pong';
  id?: string | null;
  op?: string;
  channel?: string;
  seq?: number;
  data?: unknown;
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
  accountId?: string;
}

/**
 * The market data WebSocket (market-data/ws/PROTOCOL.md): subscribes the wanted channels, authenticates for the
 * private `orders` channel, checks every channel's sequence and resubscribes on a gap, and reconnects with
 * backoff (then resubscribes everything, trusting the new snapshots' numbers).
 */
export class MarketSocket {
  private ws: WebSocket | null = null;
  private readonly wanted = new Set<string>();
  private readonly tracker = new SequenceTracker();
  private apiKey: string | null = null;
  private nextId = 1;
  private attempt = 0;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: SocketHandlers,
  ) {}

  start(): void {
    this.closed = false;
    this.connect();
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'bye');
    this.ws = null;
  }

  setChannels(channels: readonly string[]): void {
    const next = new Set(channels);
    const removed = [...this.wanted].filter((c) => !next.has(c));
    const added = [...next].filter((c) => !this.wanted.has(c));
    for (const c of removed) {
      this.wanted.delete(c);
      this.tracker.forget(c);
    }
    for (const c of added) this.wanted.add(c);
    if (!this.isOpen()) return;
    if (removed.length > 0) this.send({ op: 'unsubscribe', channels: removed });
    this.subscribe(added);
  }

  /** Authenticates the connection (and keeps the key for reconnects); null signs out by reconnecting without it. */
  setApiKey(apiKey: string | null): void {
    const changed = this.apiKey !== apiKey;
    this.apiKey = apiKey;
    if (!changed || !this.isOpen()) return;
    if (apiKey === null) {
      // A connection stays bound to its account: start a fresh one.
      this.ws?.close(1000, 'signed out');
      return;
    }
    this.send({ op: 'auth', apiKey });
    if (this.wanted.has('orders')) this.subscribe(['orders']);
  }

  private isOpen(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  private connect(): void {
    this.handlers.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.tracker.reset();
      this.handlers.onState('live');
      if (this.apiKey !== null) this.send({ op: 'auth', apiKey: this.apiKey });
      this.subscribe([...this.wanted].filter((c) => c !== 'orders' || this.apiKey !== null));
    };
    ws.onmessage = (event: MessageEvent) => {
      if (typeof event.data === 'string') this.receive(event.data);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closed) {
        this.handlers.onState('offline');
        return;
      }
      this.attempt += 1;
      this.handlers.onState('reconnecting');
      const delay = Math.min(10_000, 500 * 2 ** Math.min(this.attempt - 1, 5)) * (0.75 + Math.random() * 0.5);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  private subscribe(channels: string[]): void {
    const allowed = channels.filter((c) => c !== 'orders' || this.apiKey !== null);
    if (allowed.length === 0) return;
    for (const c of allowed) this.tracker.resubscribing(c);
    this.send({ op: 'subscribe', channels: allowed });
  }

  private send(frame: Record<string, unknown>): void {
    this.ws?.send(JSON.stringify({ ...frame, id: String(this.nextId++) }));
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    const channel = frame.channel;
    switch (frame.type) {
      case 'snapshot':
        if (channel === undefined || !this.wanted.has(channel)) return;
        this.tracker.snapshot(channel, frame.seq ?? 0);
        this.handlers.onSnapshot(channel, frame.data);
        return;
      case 'update': {
        if (channel === undefined || !this.wanted.has(channel)) return;
        const verdict = this.tracker.update(channel, frame.seq ?? -1);
        if (verdict === 'apply') this.handlers.onUpdate(channel, frame.data);
        else if (verdict === 'gap') {
          this.handlers.onGap?.(channel);
          this.send({ op: 'subscribe', channels: [channel] });
        }
        return;
      }
      case 'ack':
        if (frame.op === 'auth' && frame.accountId !== undefined) this.handlers.onAuth?.(frame.accountId);
        return;
      case 'error': {
        const details = frame.details ?? {};
        // The private snapshot could not be loaded in time: the subscription is gone, ask again shortly.
        if (frame.code === 'SERVICE_UNAVAILABLE' && details.channel === 'orders' && this.wanted.has('orders')) {
          setTimeout(() => this.isOpen() && this.subscribe(['orders']), 2_000);
        }
        this.handlers.onError(frame.code ?? 'ERROR', frame.message ?? '', details);
        return;
      }
      default:
        return;
    }
  }
}
