import fc from 'fast-check';
import * as v from 'valibot';
import { DomainError } from '../../domain/errors';
import { CANDLE_INTERVALS } from '../channels';
import {
  CLIENT_OPS,
  ServerFrameSchema,
  ackFrame,
  authAckFrame,
  errorFrame,
  hubChannel,
  parseClientFrame,
  pongFrame,
  resolveChannel,
  resolveChannels,
  snapshotFrame,
  updateFrame,
  wireChannel,
  type FrameParse,
} from './protocol';

const MAX = 1024;
const SYMBOLS: ReadonlySet<string> = new Set(['BTC-USD', 'ETH-USD']);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const parse = (value: unknown, max = MAX): FrameParse => parseClientFrame(bytes(typeof value === 'string' ? value : JSON.stringify(value)), false, max);

function refused(result: FrameParse): { id: string | number | null; code: string; message: string; details: Record<string, unknown> | undefined } {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.frame)}`);
  return { id: result.id, code: result.error.code, message: result.error.message, details: result.error.details };
}

describe('parseClientFrame: valid frames', () => {
  it.each([
    [{ op: 'subscribe', id: '1', channels: ['book:BTC-USD', 'trades:BTC/USD'] }],
    [{ op: 'unsubscribe', id: 'a-b', channels: ['orders'] }],
    [{ op: 'auth', id: '2', apiKey: 'k'.repeat(256) }],
    [{ op: 'ping', id: 'x'.repeat(64) }],
  ])('accepts %j as it is', (frame) => {
    expect(parse(frame)).toEqual({ ok: true, frame });
  });

  it.each([1, 0, -7, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER])('accepts the numeric id %d and keeps it a number', (id) => {
    expect(parse({ op: 'subscribe', id, channels: ['book:BTC-USD'] })).toEqual({ ok: true, frame: { op: 'subscribe', id, channels: ['book:BTC-USD'] } });
    expect(parse(`{"op":"ping","id":${id}}`)).toEqual({ ok: true, frame: { op: 'ping', id } });
  });

  it('echoes a numeric id on a refusal as the number it was', () => {
    expect(refused(parse({ op: 'subscribe', id: 12 }))).toMatchObject({ id: 12, code: 'VALIDATION_FAILED' });
    expect(refused(parse({ op: 'nope', id: 13 }))).toMatchObject({ id: 13, code: 'UNKNOWN_OP' });
  });

  it('ignores fields it does not know (a newer client stays compatible)', () => {
    expect(parse({ op: 'ping', id: '3', extra: { nested: true } })).toEqual({ ok: true, frame: { op: 'ping', id: '3' } });
  });

  it('leaves channel names as written (resolveChannels canonicalizes them)', () => {
    const result = parse({ op: 'subscribe', id: '1', channels: ['book:btc/usd'] });
    expect(result.ok && result.frame.op === 'subscribe' && result.frame.channels).toEqual(['book:btc/usd']);
  });
});

describe('parseClientFrame: refusals', () => {
  it('refuses a binary frame with BAD_FRAME', () => {
    expect(refused(parseClientFrame(bytes('{"op":"ping","id":"1"}'), true, MAX))).toMatchObject({ id: null, code: 'BAD_FRAME' });
  });

  it('counts bytes, not characters, against the frame limit', () => {
    const frame = (pad: string) => JSON.stringify({ op: 'ping', id: '1', pad });
    const base = bytes(frame('')).byteLength;
    expect(parse(frame('a'.repeat(MAX - base))).ok).toBe(true);
    expect(refused(parse(frame('a'.repeat(MAX - base + 1))))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { maxFrameBytes: MAX, frameBytes: MAX + 1 } });
    // 'é' is two bytes in UTF-8: half as many characters reach the same limit.
    expect(refused(parse(frame('é'.repeat((MAX - base) / 2 + 1)))).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a too-large frame before reading it, so its id is unknown', () => {
    expect(refused(parse({ op: 'ping', id: '7', pad: 'x'.repeat(MAX) })).id).toBeNull();
  });

  it.each(['', 'nope', '{"op":"ping"', "{'op':'ping'}", '{"op":"ping",}', 'undefined'])('refuses %j as MALFORMED_JSON', (text) => {
    expect(refused(parse(text))).toMatchObject({ id: null, code: 'MALFORMED_JSON' });
  });

  it('refuses bytes that are not UTF-8 as MALFORMED_JSON', () => {
    expect(refused(parseClientFrame(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), false, MAX)).code).toBe('MALFORMED_JSON');
  });

  it.each(['[]', '[{"op":"ping","id":"1"}]', 'null', '42', '"ping"', 'true'])('refuses JSON %s that is not an object as VALIDATION_FAILED', (text) => {
    expect(refused(parse(text))).toMatchObject({ id: null, code: 'VALIDATION_FAILED' });
  });

  it('refuses a missing or non-string op as VALIDATION_FAILED, echoing the id', () => {
    expect(refused(parse({ id: '5' }))).toMatchObject({ id: '5', code: 'VALIDATION_FAILED', details: { ops: CLIENT_OPS } });
    expect(refused(parse({ id: '5', op: 1 }))).toMatchObject({ id: '5', code: 'VALIDATION_FAILED' });
    expect(refused(parse({ id: '5', op: null }))).toMatchObject({ id: '5', code: 'VALIDATION_FAILED' });
  });

  it.each(['publish', 'SUBSCRIBE', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty'])('refuses op %j as UNKNOWN_OP', (op) => {
    expect(refused(parse({ op, id: '6' }))).toMatchObject({ id: '6', code: 'UNKNOWN_OP', details: { op, ops: CLIENT_OPS } });
  });

  it('shortens a long unknown op in the answer', () => {
    const { message, details } = refused(parse({ op: 'x'.repeat(500), id: '6' }));
    expect(message.length).toBeLessThan(200);
    expect((details?.op as string).length).toBe(65);
  });

  it.each([
    ['no id', { op: 'ping' }, null, 'id'],
    ['an empty id', { op: 'ping', id: '' }, null, 'id'],
    ['a fractional id', { op: 'ping', id: 3.5 }, null, 'id'],
    ['an id beyond the safe integers', { op: 'ping', id: 2 ** 53 }, null, 'id'],
    ['an id of 1e400 (Infinity once parsed)', '{"op":"ping","id":1e400}', null, 'id'],
    ['a boolean id', { op: 'ping', id: true }, null, 'id'],
    ['an object id', { op: 'ping', id: { n: 1 } }, null, 'id'],
    ['an id over 64 characters', { op: 'ping', id: 'x'.repeat(65) }, null, 'id'],
    ['no channels', { op: 'subscribe', id: '1' }, '1', 'channels'],
    ['channels as a string', { op: 'subscribe', id: '1', channels: 'book:BTC-USD' }, '1', 'channels'],
    ['no channel', { op: 'subscribe', id: '1', channels: [] }, '1', 'channels'],
    ['a channel that is not a string', { op: 'unsubscribe', id: '1', channels: ['book:BTC-USD', 7] }, '1', 'channels.1'],
    ['an empty channel', { op: 'subscribe', id: '1', channels: [''] }, '1', 'channels.0'],
    ['a channel over 64 characters', { op: 'subscribe', id: '1', channels: [`book:${'A'.repeat(60)}`] }, '1', 'channels.0'],
    ['no apiKey', { op: 'auth', id: '2' }, '2', 'apiKey'],
    ['an empty apiKey', { op: 'auth', id: '2', apiKey: '' }, '2', 'apiKey'],
    ['an apiKey that is not a string', { op: 'auth', id: '2', apiKey: 12 }, '2', 'apiKey'],
    ['an apiKey over 256 characters', { op: 'auth', id: '2', apiKey: 'k'.repeat(257) }, '2', 'apiKey'],
  ])('refuses %s as VALIDATION_FAILED naming the field', (_what, frame, id, path) => {
    const result = refused(parse(frame));
    expect(result).toMatchObject({ id, code: 'VALIDATION_FAILED' });
    expect(result.message.startsWith(`${path}: `)).toBe(true);
    expect(result.details?.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });
});

describe('resolveChannel', () => {
  const resolved = (input: string) => {
    const result = resolveChannel(input, SYMBOLS);
    if (!result.ok) throw new Error(`${input}: ${result.error.message}`);
    return result.channel;
  };
  const unknown = (input: string) => {
    const result = resolveChannel(input, SYMBOLS);
    if (result.ok) throw new Error(`${input} resolved to ${result.channel.name}`);
    expect(result.error.code).toBe('UNKNOWN_CHANNEL');
    return result.error;
  };

  it.each([
    ['ticker:BTC-USD', { kind: 'public', name: 'ticker:BTC-USD', channel: { kind: 'ticker', symbol: 'BTC-USD' } }],
    ['book:BTC/USD', { kind: 'public', name: 'book:BTC-USD', channel: { kind: 'book', symbol: 'BTC-USD' } }],
    ['trades:eth-usd', { kind: 'public', name: 'trades:ETH-USD', channel: { kind: 'trades', symbol: 'ETH-USD' } }],
    ['candles:eth/Usd:5m', { kind: 'public', name: 'candles:ETH-USD:5m', channel: { kind: 'candles', symbol: 'ETH-USD', interval: '5m' } }],
    ['orders', { kind: 'orders', name: 'orders' }],
  ])('resolves %s', (input, expected) => {
    expect(resolved(input)).toEqual(expected);
  });

  it.each(CANDLE_INTERVALS)('knows the candle interval %s', (interval) => {
    expect(resolved(`candles:BTC-USD:${interval}`).name).toBe(`candles:BTC-USD:${interval}`);
  });

  it.each(['depth:BTC-USD', 'Book:BTC-USD', 'BOOK:BTC-USD', 'ORDERS', 'orders:acc-1', 'book', 'book:', ':BTC-USD', 'book:BTC-USD:1m', 'ticker:BTC-USD:', 'candles:BTC-USD', 'candles:BTC-USD:1m:x', ''])(
    'refuses the channel %j naming the forms it knows',
    (input) => {
      expect(unknown(input).message).toContain('expected ticker:SYMBOL');
    },
  );

  it.each(['book:DOGE-USD', 'trades:BTC-EUR', 'book:BTCUSD', 'book:B-USD', 'ticker:BTC_USD', 'candles:XRP-USD:1m'])('refuses %s naming its unknown symbol', (input) => {
    const error = unknown(input);
    expect(error.message).toContain('unknown symbol');
    expect(error.details).toMatchObject({ channel: input, symbols: ['BTC-USD', 'ETH-USD'] });
  });

  it.each(['1M', '2m', '1H', '15m', '', '1d '])('refuses the candle interval %j listing the valid ones', (interval) => {
    expect(unknown(`candles:BTC-USD:${interval}`).details).toMatchObject({ interval, intervals: CANDLE_INTERVALS });
  });

  it('never throws, and a resolved name resolves to itself', () => {
    const piece = fc.oneof(fc.constantFrom('ticker', 'book', 'trades', 'candles', 'orders', 'BTC-USD', 'btc/usd', 'ETH-USD', '1m', '1d', ''), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.oneof(fc.array(piece, { maxLength: 4 }).map((parts) => parts.join(':')), fc.string()), (input) => {
        const result = resolveChannel(input, SYMBOLS);
        if (result.ok) expect(resolved(result.channel.name)).toEqual(result.channel);
        else expect(result.error.code).toBe('UNKNOWN_CHANNEL');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('resolveChannels', () => {
  it('canonicalizes and drops repeats, keeping the first order', () => {
    const result = resolveChannels(['book:BTC/USD', 'trades:BTC-USD', 'book:btc-usd', 'orders', 'orders'], SYMBOLS);
    expect(result.ok && result.channels.map((c) => c.name)).toEqual(['book:BTC-USD', 'trades:BTC-USD', 'orders']);
  });

  it('refuses the whole list for its first unknown channel', () => {
    const result = resolveChannels(['book:BTC-USD', 'book:DOGE-USD', 'nope'], SYMBOLS);
    expect(!result.ok && [result.error.code, result.error.details?.channel]).toEqual(['UNKNOWN_CHANNEL', 'book:DOGE-USD']);
  });
});

describe('channel names between hub and wire', () => {
  it('keeps public names and keys orders per account', () => {
    const orders = resolveChannel('orders', SYMBOLS);
    const book = resolveChannel('book:BTC/USD', SYMBOLS);
    if (!orders.ok || !book.ok) throw new Error('unexpected');
    expect(hubChannel(book.channel, 'acc-1')).toBe('book:BTC-USD');
    expect(hubChannel(orders.channel, 'acc-1')).toBe('orders:acc-1');
    expect(wireChannel('orders:acc-1')).toBe('orders');
    expect(wireChannel('book:BTC-USD')).toBe('book:BTC-USD');
  });
});

describe('server frames', () => {
  it('match ServerFrameSchema', () => {
    const frames = [
      ackFrame('1', 'subscribe', ['book:BTC-USD']),
      ackFrame('1', 'unsubscribe', []),
      authAckFrame('2', 'acc-1'),
      snapshotFrame('book:BTC-USD', 0, { bids: [], asks: [] }),
      updateFrame('orders', 7, { orderId: 'o-1', version: 3 }),
      pongFrame('3'),
      pongFrame(3),
      ackFrame(42, 'subscribe', ['book:BTC-USD']),
      errorFrame(-1, new DomainError('UNKNOWN_OP', 'nope')),
      errorFrame(null, new DomainError('MALFORMED_JSON', 'nope')),
      errorFrame('9', new DomainError('UNKNOWN_CHANNEL', 'nope', { channel: 'x' })),
    ];
    for (const frame of frames) expect(v.parse(ServerFrameSchema, JSON.parse(JSON.stringify(frame)))).toEqual(frame);
  });

  it('always give an error its details object', () => {
    expect(errorFrame('1', new DomainError('BAD_FRAME', 'binary'))).toEqual({ type: 'error', id: '1', code: 'BAD_FRAME', message: 'binary', details: {} });
  });
});

describe('parseClientFrame on arbitrary input', () => {
  const CODES = ['BAD_FRAME', 'PAYLOAD_TOO_LARGE', 'MALFORMED_JSON', 'VALIDATION_FAILED', 'UNKNOWN_OP'];
  const check = (result: FrameParse) => {
    if (result.ok) expect(CLIENT_OPS).toContain(result.frame.op);
    else {
      expect(CODES).toContain(result.error.code);
      expect(result.id === null || (typeof result.id === 'string' && result.id.length <= 64) || Number.isSafeInteger(result.id)).toBe(true);
    }
  };

  it('never throws on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.integer({ min: 0, max: 400 }), (data, isBinary, max) => {
        check(parseClientFrame(data, isBinary, max));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on any JSON, and accepts exactly the well-formed frames', () => {
    const id = fc.oneof(fc.string({ maxLength: 70 }), fc.integer(), fc.constant(undefined));
    const frameLike = fc.record(
      {
        op: fc.oneof(fc.constantFrom(...CLIENT_OPS), fc.string({ maxLength: 10 }), fc.integer()),
        id,
        channels: fc.oneof(fc.array(fc.oneof(fc.string({ maxLength: 70 }), fc.integer()), { maxLength: 4 }), fc.string()),
        apiKey: fc.oneof(fc.string({ maxLength: 300 }), fc.constant(null)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(frameLike, fc.jsonValue()), (value) => {
        const text = JSON.stringify(value) ?? 'null';
        const result = parseClientFrame(bytes(text), false, 4096);
        check(result);
        if (result.ok) expect(JSON.parse(text)).toMatchObject(result.frame);
      }),
      { numRuns: 3000 },
    );
  });
});
