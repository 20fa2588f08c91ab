import { createHmac } from 'node:crypto';
import { bodyDigest, canonicalRequest, checkRouteTable, createInternalSigner, INTERNAL_AUTH_HEADERS, MAX_SKEW_SECONDS, routeCallers, verifyInternalRequest, type SignedRequest } from './internal-auth';

const OLD = 'o'.repeat(32);
const NEW = 'n'.repeat(32);
const NOW = Date.UTC(2026, 11, 4, 20, 0, 0);
const hold: SignedRequest = { method: 'POST', pathWithQuery: '/risk/orders/o-1/hold', body: '{"accountId":"a"}' };

const sign = (request: SignedRequest, options: { secrets?: string[]; at?: number; caller?: string } = {}) =>
  new Headers(createInternalSigner({ caller: options.caller ?? 'worker', secrets: options.secrets ?? [NEW], now: () => options.at ?? NOW }).headers(request));
const verify = (headers: Headers, request: SignedRequest, secrets: string[] = [NEW], nowMs = NOW) => verifyInternalRequest(headers, request, { callers: new Map([
    ['worker', secrets],
    ['market-data', secrets],
  ]), nowMs });

describe('signed internal calls', () => {
  it('signs the caller, the time, the method, the path with its query and the body digest with HMAC-SHA-256', () => {
    const headers = sign(hold);
    const timestamp = String(NOW / 1_000);
    expect(headers.get(INTERNAL_AUTH_HEADERS.caller)).toBe('worker');
    expect(headers.get(INTERNAL_AUTH_HEADERS.timestamp)).toBe(timestamp);
    const text = `OMS-HMAC-SHA256\nworker\n${timestamp}\nPOST\n/risk/orders/o-1/hold\n${bodyDigest(hold.body)}`;
    expect(canonicalRequest('worker', timestamp, { method: 'post', pathWithQuery: hold.pathWithQuery, bodyDigest: bodyDigest(hold.body) })).toBe(text);
    expect(headers.get(INTERNAL_AUTH_HEADERS.signature)).toBe(createHmac('sha256', NEW).update(text).digest('hex'));
    // The digest of no body is the digest of the empty string, whatever form it takes.
    expect(bodyDigest('')).toBe(bodyDigest(new Uint8Array(0)));
    expect(bodyDigest(new TextEncoder().encode(hold.body as string))).toBe(bodyDigest(hold.body));
  });

  it('accepts its own signature, the caller named', () => {
    expect(verify(sign(hold), hold)).toEqual({ ok: true, caller: 'worker' });
    const book = { method: 'GET', pathWithQuery: '/venue/book/BTC-USD?depth=1000', body: '' };
    expect(verify(sign(book, { caller: 'market-data' }), book)).toEqual({ ok: true, caller: 'market-data' });
  });

  it('refuses a call without the headers, or with malformed ones', () => {
    expect(verify(new Headers(), hold)).toMatchObject({ ok: false, reason: expect.stringContaining('must be signed') });
    const headers = sign(hold);
    headers.set(INTERNAL_AUTH_HEADERS.signature, 'zz');
    expect(verify(headers, hold)).toEqual({ ok: false, reason: 'malformed signature headers' });
    const badCaller = sign(hold);
    badCaller.set(INTERNAL_AUTH_HEADERS.caller, 'Worker 1');
    expect(verify(badCaller, hold)).toEqual({ ok: false, reason: 'malformed signature headers' });
  });

  it.each([
    ['the body', { ...hold, body: '{"accountId":"b"}' }],
    ['the path', { ...hold, pathWithQuery: '/risk/orders/o-2/hold' }],
    ['the query', { method: 'GET', pathWithQuery: '/venue/book/BTC-USD?depth=5', body: '' }],
    ['the method', { ...hold, method: 'PUT' }],
  ])('refuses a call whose %s changed after signing', (_what, changed: SignedRequest) => {
    const original = _what === 'the query' ? { method: 'GET', pathWithQuery: '/venue/book/BTC-USD?depth=1000', body: '' } : hold;
    expect(verify(sign(original), original).ok).toBe(true);
    expect(verify(sign(original), changed)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('refuses a call relabelled with another caller, or signed under another secret', () => {
    const relabelled = sign(hold);
    relabelled.set(INTERNAL_AUTH_HEADERS.caller, 'api');
    expect(verify(relabelled, hold)).toEqual({ ok: false, reason: 'unknown caller api' });
    const posing = sign(hold);
    posing.set(INTERNAL_AUTH_HEADERS.caller, 'market-data');
    expect(verify(posing, hold)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verify(sign(hold, { secrets: ['x'.repeat(32)] }), hold)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it(`accepts a clock ${MAX_SKEW_SECONDS} s off either way, and no further`, () => {
    for (const skew of [-MAX_SKEW_SECONDS, 0, MAX_SKEW_SECONDS]) expect(verify(sign(hold, { at: NOW + skew * 1_000 }), hold).ok).toBe(true);
    for (const skew of [-MAX_SKEW_SECONDS - 1, MAX_SKEW_SECONDS + 1, -3_600]) {
      expect(verify(sign(hold, { at: NOW + skew * 1_000 }), hold)).toMatchObject({ ok: false, reason: expect.stringContaining('clock skew') });
    }
  });

  it('rotates: signs with the first secret, accepts any configured one', () => {
    const signedOld = sign(hold, { secrets: [OLD] });
    expect(verify(signedOld, hold, [NEW, OLD]).ok).toBe(true);
    expect(verify(signedOld, hold, [NEW]).ok).toBe(false);
    const signedByBoth = sign(hold, { secrets: [NEW, OLD] });
    expect(verify(signedByBoth, hold, [NEW]).ok).toBe(true);
    expect(verify(signedByBoth, hold, [OLD]).ok).toBe(false);
  });

  it('will not sign without a secret or under an odd caller name', () => {
    expect(() => createInternalSigner({ caller: 'worker', secrets: [] })).toThrow(/no secret/);
    expect(() => createInternalSigner({ caller: 'Worker\n', secrets: [NEW] })).toThrow(/caller name/);
  });

  it('reads who may call a route off a table of route patterns, HEAD with GET; a path it does not name has no entry', () => {
    const callersOf = routeCallers([
      { method: 'POST', path: '/venue/orders', callers: ['worker'] },
      { method: 'GET', path: '/venue/orders/:orderId', callers: ['worker', 'risk'] },
      { method: 'GET', path: '/venue/book/:symbol', callers: ['market-data'] },
    ]);
    expect(callersOf('POST', '/venue/orders')).toEqual(new Set(['worker']));
    expect(callersOf('GET', '/venue/orders/o-1')).toEqual(new Set(['worker', 'risk']));
    expect(callersOf('HEAD', '/venue/book/BTC-USD')).toEqual(new Set(['market-data']));
    expect(callersOf('GET', '/venue/orders')).toBeUndefined();
    expect(callersOf('POST', '/venue/orders/o-1/cancel')).toBeUndefined();
    expect(callersOf('DELETE', '/venue/orders/o-1')).toBeUndefined();
  });

  it('checks a route table against the routes a service has: every route named, no entry without a route', () => {
    const routes = [
      { method: 'ALL', path: '/*' },
      { method: 'GET', path: '/health' },
      { method: 'POST', path: '/venue/orders' },
      { method: 'GET', path: '/venue/orders/:orderId' },
    ];
    expect(() =>
      checkRouteTable(routes, [
        { method: 'POST', path: '/venue/orders', callers: ['worker'] },
        { method: 'GET', path: '/venue/orders/:orderId', callers: ['worker'] },
      ]),
    ).not.toThrow();
    expect(() => checkRouteTable(routes, [{ method: 'POST', path: '/venue/orders', callers: ['worker'] }])).toThrow(/no callers named: GET \/venue\/orders\/:orderId; no such route: none/);
    expect(() =>
      checkRouteTable(routes, [
        { method: 'POST', path: '/venue/orders', callers: ['worker'] },
        { method: 'GET', path: '/venue/orders/:orderId', callers: ['worker'] },
        { method: 'GET', path: '/venue/book/:symbol', callers: ['market-data'] },
      ]),
    ).toThrow(/no such route: GET \/venue\/book\/:symbol/);
  });
});
