import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import type { InternalSigner } from '../../infra/http/internal-auth';
import { connectMongo } from '../../infra/mongo/client';
import { internalFetch } from './internal-calls';
import { startSystemProcess, waitForOutput, type SystemProcess } from './processes';
import { freePort, readTopicFrom, topicOffsets } from './system';

/**
 * The venue as its own process on the real stack, for the integration tests: its own Mongo database and
 * port, the replay off unless asked. Talks HTTP to it like the order workflow's activities do.
 */
export class VenueTestProcess {
  proc: SystemProcess | undefined;
  readonly env: Record<string, string>;
  readonly baseUrl: string;

  private constructor(
    readonly name: string,
    port: number,
    env: Record<string, string>,
  ) {
    this.env = { MONGO_DB: `test_venue_${name}_${randomUUID().slice(0, 8)}`, VENUE_PORT: String(port), VENUE_REPLAY: 'off', OMS_ENV: 'test', ...env };
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  static async create(name: string, env: Record<string, string> = {}): Promise<VenueTestProcess> {
    return new VenueTestProcess(name, await freePort(), env);
  }

  async start(): Promise<SystemProcess> {
    this.proc = startSystemProcess(`venue-${this.name}`, 'workers/venue.ts', this.env);
    await waitForOutput(this.proc, 'venue.ready');
    return this.proc;
  }

  /** Signed like the worker's calls (options.signer: another signer, or null for none). */
  async request(method: string, path: string, body?: unknown, raw?: string, options: { signer?: InternalSigner | null; headers?: Record<string, string> } = {}) {
    const text = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const init = { method, ...(text === undefined ? {} : { body: text }), ...(options.headers === undefined ? {} : { headers: options.headers }) };
    const response =
      options.signer === null
        ? await fetch(`${this.baseUrl}${path}`, { ...init, headers: { ...(text === undefined ? {} : { 'Content-Type': 'application/json' }), ...(options.headers ?? {}) } })
        : await internalFetch(`${this.baseUrl}${path}`, { ...init, ...(options.signer === undefined ? {} : { signer: options.signer }) });
    const answer = await response.text();
    let json: any;
    try {
      json = JSON.parse(answer);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json };
  }

  submit(order: Record<string, unknown>) {
    return this.request('POST', '/venue/orders', order);
  }

  /** Stops the process and drops its database. */
  async dispose(): Promise<void> {
    await this.proc?.stop();
    const mongo = await connectMongo({ url: loadConfig().mongo.url, db: this.env.MONGO_DB! });
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.client.close();
  }
}

/** A valid submit body; orderIds are unique per call of `ids()`. */
export function orderBody(orderId: string, accountId: string, side: 'BUY' | 'SELL', price: string | null, quantity: string, extra: Record<string, unknown> = {}) {
  return {
    orderId,
    accountId,
    symbol: 'BTC-USD',
    side,
    type: price === null ? 'MARKET' : 'LIMIT',
    quantity,
    price,
    timeInForce: price === null ? 'IOC' : 'GTC',
    postOnly: false,
    ...extra,
  };
}

export { readTopicFrom, topicOffsets };

/** Messages of `topic` published after `from` whose key field is one of ours, parsed. */
export async function readOurs(
  topic: string,
  from: Array<{ partition: number; offset: string }>,
  ours: (event: any) => boolean,
  done: (events: any[]) => boolean,
  timeoutMs = 30_000,
): Promise<any[]> {
  const parse = (values: string[]) => values.map((v) => JSON.parse(v) as unknown).filter(ours);
  return parse(await readTopicFrom(topic, from, (values) => done(parse(values)), timeoutMs));
}
