import * as v from 'valibot';
import { DomainError, type ErrorCode } from '../../domain/errors';
import { normalizeSymbol } from '../../domain/symbols';
import { validationFailed } from '../../domain/validation-issues';
import { CANDLE_INTERVALS, privateOrdersChannel, publicChannelName, type CandleInterval, type PublicChannel } from '../channels';

/**
 * The market data WebSocket protocol (PROTOCOL.md beside this file): parsing and validation of client frames
 * and the shapes of server frames. Pure: no sockets, no clock.
 */
export const WS_PATH = '/ws/market-data';
export const ORDERS_CHANNEL = 'orders';
export const CLIENT_OPS = ['subscribe', 'unsubscribe', 'auth', 'ping'] as const;
export type ClientOp = (typeof CLIENT_OPS)[number];

const MAX_ID_LENGTH = 64;
const MAX_CHANNEL_LENGTH = 64;
const MAX_API_KEY_LENGTH = 256;

/**
 * A request id as the client sent it, echoed unchanged in the answer: a string of 1-64 characters, or a safe integer
 * (JSON-RPC and Binance clients number their requests). A number stays a number; 1.5, 2^53 or 1e400 are refused,
 * since the echo could not be exact.
 */
export type RequestId = string | number;
const IdSchema = v.union(
  [
    v.pipe(
      v.string(),
      v.minLength(1, 'id must not be empty'),
      v.maxLength(MAX_ID_LENGTH, `id must be at most ${MAX_ID_LENGTH} characters`),
    ),
    v.pipe(v.number(), v.safeInteger('a numeric id must be a safe integer (|id| <= 2^53 - 1)')),
  ],
  'id must be a string or an integer',
);
/** The id of a frame that may be refused, when it can be echoed; null otherwise. */
function readableId(id: unknown): RequestId | null {
  if (typeof id === 'string') return id.length >= 1 && id.length <= MAX_ID_LENGTH ? id : null;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}
const ChannelListSchema = v.pipe(
  v.array(
    v.pipe(
      v.string('a channel must be a string'),
      v.minLength(1, 'a channel must not be empty'),
      v.maxLength(MAX_CHANNEL_LENGTH, `a channel must be at most ${MAX_CHANNEL_LENGTH} characters`),
    ),
    'channels must be an array of channel names',
  ),
  v.minLength(1, 'channels must name at least one channel'),
);

export const SubscribeFrameSchema = v.object({ op: v.literal('subscribe'), id: IdSchema, channels: ChannelListSchema });
export const UnsubscribeFrameSchema = v.object({ op: v.literal('unsubscribe'), id: IdSchema, channels: ChannelListSchema });
export const AuthFrameSchema = v.object({
  op: v.literal('auth'),
  id: IdSchema,
  apiKey: v.pipe(
    v.string('apiKey must be a string'),
    v.minLength(1, 'apiKey must not be empty'),
    v.maxLength(MAX_API_KEY_LENGTH, `apiKey must be at most ${MAX_API_KEY_LENGTH} characters`),
  ),
});
export const PingFrameSchema = v.object({ op: v.literal('ping'), id: IdSchema });
const FRAME_SCHEMAS = { subscribe: SubscribeFrameSchema, unsubscribe: UnsubscribeFrameSchema, auth: AuthFrameSchema, ping: PingFrameSchema } as const;

export type SubscribeFrame = v.InferOutput<typeof SubscribeFrameSchema>;
export type UnsubscribeFrame = v.InferOutput<typeof UnsubscribeFrameSchema>;
export type AuthFrame = v.InferOutput<typeof AuthFrameSchema>;
export type PingFrame = v.InferOutput<typeof PingFrameSchema>;
export type ClientFrame = SubscribeFrame | UnsubscribeFrame | AuthFrame | PingFrame;

export type FrameParse = { ok: true; frame: ClientFrame } | { ok: false; id: RequestId | null; error: DomainError };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
// Enough to recognise a value in an error without echoing a large one back.
const shown = (text: string): string => (text.length > 64 ? `${text.slice(0, 64)}…` : text);
const refuse = (id: RequestId | null, code: ErrorCode, message: string, details?: Record<string, unknown>): FrameParse => ({
  ok: false,
  id,
  error: new DomainError(code, message, details),
});

/**
 * One client frame as received (ws hands over the bytes and whether it was binary). Never throws: every input
 * is either a frame or an error with the request's id when it could be read.
 */
export function parseClientFrame(data: Uint8Array, isBinary: boolean, maxFrameBytes: number): FrameParse {
  if (isBinary) return refuse(null, 'BAD_FRAME', 'binary frames are not supported: send JSON text frames');
  if (data.byteLength > maxFrameBytes) {
    return refuse(null, 'PAYLOAD_TOO_LARGE', `the frame is ${data.byteLength} bytes; the limit is ${maxFrameBytes}`, {
      maxFrameBytes,
      frameBytes: data.byteLength,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(data)) as unknown;
  } catch (error) {
    return refuse(null, 'MALFORMED_JSON', `the frame is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(value)) return refuse(null, 'VALIDATION_FAILED', 'a frame is a JSON object with an "op"', { issues: [{ path: '(frame)', message: 'not an object' }] });
  const id = readableId(value.id);
  const op = value.op;
  if (typeof op !== 'string') {
    return refuse(id, 'VALIDATION_FAILED', 'op: a frame needs an "op" string', { issues: [{ path: 'op', message: 'missing or not a string' }], ops: CLIENT_OPS });
  }
  if (!Object.hasOwn(FRAME_SCHEMAS, op)) {
    return refuse(id, 'UNKNOWN_OP', `unknown op "${shown(op)}": expected one of ${CLIENT_OPS.join(', ')}`, { op: shown(op), ops: CLIENT_OPS });
  }
  const parsed = v.safeParse(FRAME_SCHEMAS[op as ClientOp], value);
  if (parsed.success) return { ok: true, frame: parsed.output };
  return { ok: false, id, error: validationFailed(parsed.issues, 'frame') };
}

/** A channel a client may name: a public one, or its own private `orders`. */
export type ResolvedChannel = { kind: 'public'; name: string; channel: PublicChannel } | { kind: 'orders'; name: typeof ORDERS_CHANNEL };

const CHANNEL_FORMS = 'ticker:SYMBOL, book:SYMBOL, trades:SYMBOL, candles:SYMBOL:INTERVAL or orders';
const isCandleInterval = (value: string): value is CandleInterval => (CANDLE_INTERVALS as readonly string[]).includes(value);

/** A channel name as a client wrote it ('book:btc/usd') to its canonical form ('book:BTC-USD'), or UNKNOWN_CHANNEL. */
export function resolveChannel(input: string, knownSymbols: ReadonlySet<string>): { ok: true; channel: ResolvedChannel } | { ok: false; error: DomainError } {
  const unknown = (message: string, details: Record<string, unknown> = {}) => ({
    ok: false as const,
    error: new DomainError('UNKNOWN_CHANNEL', message, { channel: shown(input), ...details }),
  });
  if (input === ORDERS_CHANNEL) return { ok: true, channel: { kind: 'orders', name: ORDERS_CHANNEL } };
  const parts = input.split(':');
  const [kind, symbolText, interval] = parts;
  const expectedParts = kind === 'candles' ? 3 : 2;
  if (!(kind === 'ticker' || kind === 'book' || kind === 'trades' || kind === 'candles') || parts.length !== expectedParts || !symbolText) {
    return unknown(`unknown channel "${shown(input)}": expected ${CHANNEL_FORMS}`);
  }
  const symbol = normalizeSymbol(symbolText);
  if (symbol === undefined || !knownSymbols.has(symbol)) {
    return unknown(`unknown symbol "${shown(symbolText)}" in channel "${shown(input)}"`, { symbol: shown(symbolText), symbols: [...knownSymbols] });
  }
  let channel: PublicChannel;
  if (kind === 'candles') {
    if (interval === undefined || !isCandleInterval(interval)) {
      return unknown(`unknown candle interval "${shown(interval ?? '')}": expected one of ${CANDLE_INTERVALS.join(', ')}`, {
        interval: shown(interval ?? ''),
        intervals: CANDLE_INTERVALS,
      });
    }
    channel = { kind, symbol, interval };
  } else {
    channel = { kind, symbol };
  }
  return { ok: true, channel: { kind: 'public', name: publicChannelName(channel), channel } };
}

/** All of a request's channels, canonical and without repeats (first spelling wins), or the first unknown one. */
export function resolveChannels(
  inputs: readonly string[],
  knownSymbols: ReadonlySet<string>,
): { ok: true; channels: ResolvedChannel[] } | { ok: false; error: DomainError } {
  const byName = new Map<string, ResolvedChannel>();
  for (const input of inputs) {
    const resolved = resolveChannel(input, knownSymbols);
    if (!resolved.ok) return resolved;
    if (!byName.has(resolved.channel.name)) byName.set(resolved.channel.name, resolved.channel);
  }
  return { ok: true, channels: [...byName.values()] };
}

/** The hub's channel key: a public channel by its name, `orders` per account. */
export const hubChannel = (channel: ResolvedChannel, accountId: string | null): string =>
  channel.kind === 'public' ? channel.name : privateOrdersChannel(accountId ?? '');

/** The name a client sees for a hub channel: `orders:<accountId>` is just `orders` on that account's connections. */
export const wireChannel = (hubName: string): string => (hubName.startsWith(`${ORDERS_CHANNEL}:`) ? ORDERS_CHANNEL : hubName);

// Server frames. The schema documents them and lets clients and tests check what they receive.
const Seq = v.pipe(v.number(), v.integer(), v.minValue(0));
const WireId = v.union([v.string(), v.pipe(v.number(), v.safeInteger())]);
export const ServerFrameSchema = v.variant('type', [
  v.object({
    type: v.literal('ack'),
    id: WireId,
    op: v.picklist(CLIENT_OPS),
    channels: v.optional(v.array(v.string())),
    accountId: v.optional(v.string()),
  }),
  v.object({ type: v.literal('snapshot'), channel: v.string(), seq: Seq, data: v.unknown() }),
  v.object({ type: v.literal('update'), channel: v.string(), seq: Seq, data: v.unknown() }),
  v.object({ type: v.literal('error'), id: v.nullable(WireId), code: v.string(), message: v.string(), details: v.record(v.string(), v.unknown()) }),
  v.object({ type: v.literal('pong'), id: WireId }),
]);
export type ServerFrame = v.InferOutput<typeof ServerFrameSchema>;

export const ackFrame = (id: RequestId, op: 'subscribe' | 'unsubscribe', channels: readonly string[]): ServerFrame => ({ type: 'ack', id, op, channels: [...channels] });
export const authAckFrame = (id: RequestId, accountId: string): ServerFrame => ({ type: 'ack', id, op: 'auth', accountId });
export const snapshotFrame = (channel: string, seq: number, data: unknown): ServerFrame => ({ type: 'snapshot', channel, seq, data });
export const updateFrame = (channel: string, seq: number, data: unknown): ServerFrame => ({ type: 'update', channel, seq, data });
export const pongFrame = (id: RequestId): ServerFrame => ({ type: 'pong', id });
export const errorFrame = (id: RequestId | null, error: DomainError): ServerFrame => ({
  type: 'error',
  id,
  code: error.code,
  message: error.message,
  details: error.details ?? {},
});
