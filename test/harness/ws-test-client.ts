import type { IncomingMessage } from 'node:http';
import * as v from 'valibot';
import { WebSocket, type ClientOptions } from 'ws';
import { ServerFrameSchema, type ServerFrame } from '../../market-data/ws/protocol';

/**
 * A real `ws` client for the WebSocket integration tests: records every server frame (checked against
 * ServerFrameSchema) and lets a test await a frame or the close without sleeping.
 */
export class WsTestClient {
  readonly frames: ServerFrame[] = [];
  /** Frames that were binary, not JSON or not a ServerFrame (a test expects none). */
  readonly problems: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw, isBinary) => {
      const data = (Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer)).toString();
      try {
        if (isBinary) throw new Error('a binary frame');
        this.frames.push(v.parse(ServerFrameSchema, JSON.parse(data)));
      } catch (error) {
        this.problems.push(`${(error as Error).message}: ${data.slice(0, 200)}`);
      }
      for (const waiter of this.waiters) waiter();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const waiter of this.waiters) waiter();
      });
    });
  }

  static async connect(url: string, options: ClientOptions = {}): Promise<WsTestClient> {
    const ws = new WebSocket(url, options);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res: IncomingMessage) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
    return new WsTestClient(ws);
  }

  /** An upgrade the server refuses: its HTTP status and JSON body. */
  static async refused(url: string, options: ClientOptions = {}): Promise<{ status: number; body: unknown }> {
    const ws = new WebSocket(url, options);
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.terminate();
        reject(new Error('the upgrade was accepted'));
      });
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      });
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** The first frame (at or after `from`) that matches; waits for it up to `timeoutMs`. */
  async waitFor(what: string, match: (frame: ServerFrame) => boolean, from = 0, timeoutMs = 5_000): Promise<ServerFrame> {
    const found = () => this.frames.slice(from).find(match);
    const now = found();
    if (now !== undefined) return now;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      const check = () => {
        const frame = found();
        if (frame === undefined && this.ws.readyState !== WebSocket.CLOSED) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        if (frame !== undefined) resolve(frame);
        else reject(new Error(`the connection closed while waiting for ${what}`));
      };
      this.waiters.add(check);
    });
  }

  /** Sends a request and waits for its ack, pong or error (frames carrying its id). */
  async request(frame: { op: string; id: string | number } & Record<string, unknown>, timeoutMs = 5_000): Promise<ServerFrame> {
    const from = this.frames.length;
    this.send(frame);
    return this.waitFor(`the answer to ${frame.op} ${frame.id}`, (f) => 'id' in f && f.id === frame.id, from, timeoutMs);
  }

  /** The frames on one channel (snapshots and updates), in arrival order. */
  channel(name: string): Array<Extract<ServerFrame, { type: 'snapshot' | 'update' }>> {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: 'snapshot' | 'update' }> => (f.type === 'snapshot' || f.type === 'update') && f.channel === name);
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}
