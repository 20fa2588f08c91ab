import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OrderView } from '../../domain/order';
import type { OrderSnapshot } from '../../domain/order-snapshot';
import type { CancelRequest, ReconcileRequest, ReconcileTiming } from '../../workflows/order-contract';
import type { TemporalTls } from '../config';
import { connectTemporal } from './client';
import { TemporalOrderWorkflowGateway, type OrderWorkflowGateway } from './order-workflows';

/**
 * The order API's Temporal calls: a cancel (signal or signal-with-start), a reconcile, a query, the readiness ping.
 *
 * Why a worker thread: `@temporalio/client`'s Connection runs every call in an AsyncLocalStorage (the namespace
 * header, deadlines), which turns Node's promise hooks on for the whole process, for good. The API's hot path (a
 * POST: Redis, Kafka) never calls Temporal, yet paid the hooks on every promise: in alternating ingest runs the API
 * served about 16% more requests at saturation, at about 19% less CPU per answer, with them off. In a thread of its
 * own the client's hooks are that thread's. With tracing on, OpenTelemetry's context manager turns the hooks on in
 * the main thread anyway, and the workflow calls must carry the request's trace context: the client then stays in
 * the process (inProcess).
 */
export interface ApiWorkflows extends Pick<OrderWorkflowGateway, 'requestCancel' | 'requestReconcile' | 'query'> {
  /** Resolves when the Temporal frontend answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ApiWorkflowsSettings {
  readonly temporal: { readonly address: string; readonly namespace: string; readonly tls?: TemporalTls | undefined };
  readonly taskQueue: string;
  readonly reconcile?: ReconcileTiming | undefined;
  /** How long a cancel may take before it fails (gRPC DEADLINE_EXCEEDED: a 503). */
  readonly callDeadlineMs?: number | undefined;
}

/** The client in this process: for tracing, and the shape the thread runs. */
export async function inProcessApiWorkflows(settings: ApiWorkflowsSettings): Promise<ApiWorkflows> {
  const client = await connectTemporal(settings.temporal);
  const gateway = new TemporalOrderWorkflowGateway(client, settings.taskQueue, settings.reconcile, settings.callDeadlineMs === undefined ? {} : { callDeadlineMs: settings.callDeadlineMs });
  return {
    requestCancel: (orderId, request, startFrom) => gateway.requestCancel(orderId, request, startFrom),
    requestReconcile: (orderId, request) => gateway.requestReconcile(orderId, request),
    query: (orderId) => gateway.query(orderId),
    ping: async () => {
      await client.workflowService.getSystemInfo({});
    },
    close: () => client.connection.close(),
  };
}

/** An error as it crosses the thread: what the HTTP error mapping reads (infra/dependency-errors.ts duck-types it). */
export interface CrossedError {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: number | string | undefined;
  details?: string | undefined;
  /** A gRPC status error carries metadata; only its presence matters here. */
  grpcStatus?: boolean;
  cause?: CrossedError | undefined;
}

export function crossError(error: unknown, depth = 0): CrossedError {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error) };
  const e = error as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; details?: unknown; metadata?: unknown; cause?: unknown };
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : 'a thrown value without a message',
    ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
    ...(typeof e.code === 'number' || typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.details === 'string' ? { details: e.details } : {}),
    ...(typeof e.metadata === 'object' && e.metadata !== null ? { grpcStatus: true } : {}),
    ...(e.cause !== undefined && depth < 8 ? { cause: crossError(e.cause, depth + 1) } : {}),
  };
}

export function uncrossError(crossed: CrossedError): Error {
  const error = new Error(crossed.message, crossed.cause === undefined ? undefined : { cause: uncrossError(crossed.cause) });
  error.name = crossed.name;
  if (crossed.stack !== undefined) error.stack = crossed.stack;
  Object.assign(error, {
    ...(crossed.code === undefined ? {} : { code: crossed.code }),
    ...(crossed.details === undefined ? {} : { details: crossed.details }),
    ...(crossed.grpcStatus === true ? { metadata: {} } : {}),
  });
  return error;
}

type Call =
  | { op: 'requestCancel'; args: [string, CancelRequest, OrderSnapshot | undefined] }
  | { op: 'requestReconcile'; args: [string, ReconcileRequest] }
  | { op: 'query'; args: [string] }
  | { op: 'ping'; args: [] };
export type ThreadRequest = ({ id: number } & Call) | { id: number; op: 'close' };
export type ThreadMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: CrossedError }
  | { type: 'answer'; id: number; ok: true; value: unknown }
  | { type: 'answer'; id: number; ok: false; error: CrossedError };

/** What a call gets once the thread is gone: gRPC UNAVAILABLE, so the caller answers 503 like any Temporal outage. */
function threadGone(reason: string): Error {
  return uncrossError({ name: 'ServiceError', message: `the API's Temporal thread ${reason}`, cause: { name: 'Error', message: reason, code: 14, details: reason, grpcStatus: true } });
}

/**
 * The client in a worker thread (infra/temporal/api-workflows-thread.ts), called by messages. `onLost` is told when
 * the thread ends without being closed: the process cannot cancel orders any more, so the API exits and is restarted.
 */
export async function threadedApiWorkflows(settings: ApiWorkflowsSettings, onLost: (error: Error) => void): Promise<ApiWorkflows & { crashThread(): Promise<void> }> {
  // The thread's file beside this one: .js in the image; .ts from a checkout, loaded through tsx's require hook (in
  // Node 20 a worker thread does not get the ESM loader `--import tsx` registers, so a .ts entry would not load).
  const file = join(__dirname, `api-workflows-thread${extname(__filename)}`);
  const worker = file.endsWith('.ts')
    ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`, { eval: true, workerData: settings })
    : new Worker(file, { workerData: settings });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let gone: Error | undefined;
  let closing = false;

  await new Promise<void>((resolve, reject) => {
    // A thread that did not connect is ended: its connection attempt must not keep it (and the process) alive.
    const refuse = (error: Error) => {
      void worker.terminate();
      reject(error);
    };
    worker.once('error', refuse);
    worker.once('exit', (code) => reject(new Error(`the API's Temporal thread exited with ${code} before it connected`)));
    worker.once('message', (message: ThreadMessage) => {
      worker.off('error', refuse);
      worker.removeAllListeners('exit');
      if (message.type === 'ready') resolve();
      else if (message.type === 'failed') refuse(uncrossError(message.error));
      else refuse(new Error(`the API's Temporal thread said ${message.type} first`));
    });
  });

  const end = (reason: string) => {
    if (gone !== undefined) return;
    gone = threadGone(reason);
    for (const call of pending.values()) call.reject(gone);
    pending.clear();
    if (!closing) onLost(gone);
  };
  worker.on('message', (message: ThreadMessage) => {
    if (message.type !== 'answer') return;
    const call = pending.get(message.id);
    if (call === undefined) return;
    pending.delete(message.id);
    if (message.ok) call.resolve(message.value);
    else call.reject(uncrossError(message.error));
  });
  worker.on('error', (error) => end(`failed: ${error.message}`));
  worker.on('exit', (code) => end(`exited with ${code}`));

  const call = <T>(request: Call): Promise<T> => {
    if (gone !== undefined) return Promise.reject(gone);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, ...request } satisfies ThreadRequest);
    });
  };

  return {
    requestCancel: (orderId, request, startFrom) => call({ op: 'requestCancel', args: [orderId, request, startFrom] }),
    requestReconcile: (orderId, request) => call({ op: 'requestReconcile', args: [orderId, request] }),
    query: (orderId) => call<OrderView | null>({ op: 'query', args: [orderId] }),
    ping: () => call<void>({ op: 'ping', args: [] }),
    /** Ends the thread as a crash would (for tests): calls in flight fail, `onLost` is told. */
    crashThread: async () => {
      await worker.terminate();
    },
    close: async () => {
      if (gone !== undefined) return;
      closing = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ id: 0, op: 'close' } satisfies ThreadRequest);
      // A thread whose connection does not let go in time is ended.
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
