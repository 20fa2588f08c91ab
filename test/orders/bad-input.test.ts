import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import { TestSystem, topicEndOffset } from '../harness/system';

const valid = { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.5', price: '30000' };

/** Every bad request gets its stable code in the error envelope, and nothing is published or stored. */
describe('order API: bad input', () => {
  const { topics } = loadConfig().kafka;
  let system: TestSystem;
  let apiKey: string;
  let accountId: string;
  let offsetBefore: bigint;

  beforeAll(async () => {
    system = await TestSystem.create('badinput');
    ({ apiKey, accountId } = await system.createAccount({ USD: '1000000', BTC: '10' }));
    await system.startApi();
    offsetBefore = await topicEndOffset(topics.orders);
  }, 120_000);
  afterAll(() => system?.stop(), 60_000);

  /** `key: null` sends no API key at all. */
  const post = (body: string, headers: Record<string, string> = {}, key: string | null = apiKey) =>
    system.request('POST', '/api/orders', {
      rawBody: body,
      headers: { 'Idempotency-Key': randomUUID(), ...headers },
      ...(key === null ? {} : { apiKey: key }),
    });

  const cases: Array<[string, string, number, string]> = [
    ['malformed JSON', '{"symbol": "BTC-USD",', 400, 'MALFORMED_JSON'],
    ['a duplicate JSON key', '{"symbol":"BTC-USD","symbol":"ETH-USD"}', 400, 'MALFORMED_JSON'],
    ['a JSON array', '[]', 400, 'VALIDATION_FAILED'],
    ['a missing quantity', JSON.stringify({ ...valid, quantity: undefined }), 400, 'VALIDATION_FAILED'],
    ['a boolean quantity', JSON.stringify({ ...valid, quantity: true }), 400, 'VALIDATION_FAILED'],
    ['an unknown side', JSON.stringify({ ...valid, side: 'HOLD' }), 400, 'VALIDATION_FAILED'],
    ['an unknown field', JSON.stringify({ ...valid, leverage: '100' }), 400, 'VALIDATION_FAILED'],
    ['no type at all', JSON.stringify({ ...valid, type: undefined }), 400, 'VALIDATION_FAILED'],
    ['a zero quantity', JSON.stringify({ ...valid, quantity: '0' }), 400, 'INVALID_QUANTITY_LOT'],
    ['a negative quantity', JSON.stringify({ ...valid, quantity: '-0.5' }), 400, 'INVALID_QUANTITY_LOT'],
    ['a quantity finer than the lot size', JSON.stringify({ ...valid, quantity: '0.123456789' }), 400, 'INVALID_QUANTITY_LOT'],
    ['a quantity with 19 decimals', JSON.stringify({ ...valid, quantity: '0.1234567890123456789' }), 400, 'TOO_PRECISE'],
    ['a JSON number with 19 decimals', '{"symbol":"BTC-USD","side":"BUY","type":"LIMIT","quantity":0.1234567890123456789,"price":"30000"}', 400, 'TOO_PRECISE'],
    ['a quantity in exponent form', JSON.stringify({ ...valid, quantity: '5e-1' }), 400, 'INVALID_DECIMAL'],
    ['a quantity below the minimum', JSON.stringify({ ...valid, quantity: '0.000001' }), 400, 'QUANTITY_TOO_SMALL'],
    ['a quantity above the maximum', JSON.stringify({ ...valid, quantity: '1000.00000001' }), 400, 'QUANTITY_TOO_LARGE'],
    ['a price off the tick', JSON.stringify({ ...valid, price: '30000.005' }), 400, 'INVALID_PRICE_TICK'],
    ['a negative price', JSON.stringify({ ...valid, price: '-1' }), 400, 'INVALID_PRICE_TICK'],
    ['a notional under the minimum', JSON.stringify({ ...valid, quantity: '0.00001', price: '1.00' }), 400, 'NOTIONAL_TOO_SMALL'],
    ['a LIMIT without price', JSON.stringify({ ...valid, price: undefined }), 400, 'PRICE_REQUIRED'],
    ['a MARKET with a price', JSON.stringify({ ...valid, type: 'MARKET' }), 400, 'PRICE_NOT_ALLOWED'],
    ['an unknown symbol', JSON.stringify({ ...valid, symbol: 'DOGE-EUR' }), 400, 'UNKNOWN_SYMBOL'],
    ['a GTD without expireAt', JSON.stringify({ ...valid, timeInForce: 'GTD' }), 400, 'EXPIRE_AT_REQUIRED'],
    ['a GTD in the past', JSON.stringify({ ...valid, timeInForce: 'GTD', expireAt: '2020-01-01T00:00:00Z' }), 400, 'EXPIRE_AT_IN_PAST'],
    ['expireAt without GTD', JSON.stringify({ ...valid, expireAt: '2099-01-01T00:00:00Z' }), 400, 'EXPIRE_AT_NOT_ALLOWED'],
    ['post-only IOC', JSON.stringify({ ...valid, timeInForce: 'IOC', postOnly: true }), 400, 'POST_ONLY_REQUIRES_LIMIT'],
    ['a body over 16 KB', JSON.stringify({ ...valid, clientOrderId: 'x'.repeat(17_000) }), 413, 'PAYLOAD_TOO_LARGE'],
  ];

  it.each(cases)('refuses %s', async (_what, body, status, code) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(response.json.error.code).toBe(code);
    expect(typeof response.json.error.message).toBe('string');
    expect(response.json.error.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('refuses a missing or unknown API key with 401 UNAUTHENTICATED', async () => {
    const missing = await post(JSON.stringify(valid), {}, null);
    expect([missing.status, missing.json.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const unknown = await post(JSON.stringify(valid), {}, 'not-a-key');
    expect([unknown.status, unknown.json.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const viaHeader = await system.request('GET', '/api/orders', { headers: { 'X-API-Key': 'not-a-key' } });
    expect(viaHeader.status).toBe(401);
  });

  it('refuses a missing or malformed idempotency key with 400', async () => {
    const missing = await system.request('POST', '/api/orders', { apiKey, body: valid });
    expect([missing.status, missing.json.error.code]).toEqual([400, 'IDEMPOTENCY_KEY_REQUIRED']);
    for (const key of ['has spaces', 'x'.repeat(129), 'semi;colon']) {
      const bad = await post(JSON.stringify(valid), { 'Idempotency-Key': key });
      expect([bad.status, bad.json.error.code]).toEqual([400, 'IDEMPOTENCY_KEY_INVALID']);
    }
  });

  it('answers unknown routes with the error envelope', async () => {
    const response = await system.request('GET', '/api/nothing-here', { apiKey });
    expect([response.status, response.json.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('documents every route in /openapi.json from the same schemas that validate, and serves /docs', async () => {
    const doc = await system.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.json.paths).sort()).toEqual([
      '/api/accounts/me/balances',
      '/api/accounts/me/positions',
      '/api/admin/accounts/{accountId}/cancel-all',
      '/api/admin/accounts/{accountId}/trading',
      '/api/admin/api-keys',
      '/api/admin/api-keys/{keyId}',
      '/api/admin/dlq/{topic}',
      '/api/admin/dlq/{topic}/replay',
      '/api/admin/orders/stuck',
      '/api/admin/orders/{orderId}/reconcile',
      '/api/admin/symbols/{symbol}/status',
      '/api/fills',
      '/api/orders',
      '/api/orders/{orderId}',
      '/api/orders/{orderId}/cancel',
      '/api/orders/{orderId}/fills',
      '/docs',
      '/health',
      '/metrics',
      '/openapi.json',
      '/ready',
    ]);
    expect(Object.keys(doc.json.paths['/api/orders'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.json.paths['/api/orders/{orderId}'])).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(Object.keys(doc.json.paths['/api/admin/api-keys'])).toEqual(['post']);
    expect(Object.keys(doc.json.paths['/api/admin/api-keys/{keyId}'])).toEqual(['delete']);
    const issueBody = doc.json.paths['/api/admin/api-keys'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(issueBody.properties).sort()).toEqual(['accountId', 'label', 'role']);
    expect(issueBody.additionalProperties).toBe(false);
    expect(Object.keys(doc.json.paths['/api/admin/api-keys'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404']));
    const body = doc.json.paths['/api/orders'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(['symbol', 'side', 'type', 'orderType', 'quantity', 'price', 'timeInForce', 'expireAt', 'postOnly', 'clientOrderId']),
    );
    expect(body.properties.quantity.type).toBe('string');
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(doc.json.paths['/api/orders'].post.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '409', '413', '422', '503']));
    const docs = await system.request('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');

    // Public routes declare no security; every other operation needs a key (the document's default) and may answer 401.
    expect(doc.json.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    for (const path of ['/health', '/ready', '/metrics', '/openapi.json', '/docs']) expect([path, doc.json.paths[path].get.security]).toEqual([path, []]);
    for (const [path, operations] of Object.entries<Record<string, { security?: unknown; responses: Record<string, unknown> }>>(doc.json.paths)) {
      if (!path.startsWith('/api/')) continue;
      for (const [method, operation] of Object.entries(operations)) expect([path, method, operation.security, '401' in operation.responses]).toEqual([path, method, undefined, true]);
    }
  });

  it('documents the query constraints it enforces: an empty or malformed symbol is refused, and the document says so', async () => {
    const parameters = (await system.request('GET', '/openapi.json')).json.paths['/api/orders'].get.parameters;
    const symbol = parameters.find((p: { name: string }) => p.name === 'symbol');
    expect(symbol.schema.pattern).toBeDefined();
    expect(parameters.find((p: { name: string }) => p.name === 'limit').schema).toEqual({ type: 'integer', minimum: 1, maximum: 500, default: 100 });
    for (const given of ['', 'BTC', '%20']) {
      expect(new RegExp(symbol.schema.pattern).test(decodeURIComponent(given))).toBe(false);
      for (const path of ['/api/orders', '/api/fills']) {
        const refused = await system.request('GET', `${path}?symbol=${given}`, { apiKey });
        expect([path, given, refused.status, refused.json.error.code]).toEqual([path, given, 400, 'VALIDATION_FAILED']);
      }
    }
    // Well-formed filters are accepted: a symbol with no orders is an empty page.
    expect((await system.request('GET', '/api/orders?symbol=btc/usd&limit=500', { apiKey })).status).toBe(200);
  });

  it('answers a method a path does not have with 405 and Allow, after authentication', async () => {
    const put = await system.request('PUT', '/api/orders', { apiKey, body: {} });
    expect([put.status, put.json.error.code, put.headers.get('allow')]).toEqual([405, 'METHOD_NOT_ALLOWED', 'GET, HEAD, OPTIONS, POST']);
    const patch = await system.request('PATCH', '/api/orders/some-order', { apiKey, body: {} });
    expect([patch.status, patch.headers.get('allow')]).toEqual([405, 'DELETE, GET, HEAD, OPTIONS']);
    expect((await system.request('PUT', '/api/orders', { body: {} })).status).toBe(401);
    const options = await system.request('OPTIONS', '/health');
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, HEAD, OPTIONS']);
    expect((await system.request('DELETE', '/api/nothing-here', { apiKey })).status).toBe(404);
  });

  it('published nothing and stored nothing for any of them', async () => {
    expect(await topicEndOffset(topics.orders)).toBe(offsetBefore);
    const page = await system.orders.listForAccount(accountId, { limit: 10 });
    expect(page.orders).toEqual([]);
    expect(await system.balances(accountId)).toMatchObject({ USD: { held: '0' }, BTC: { held: '0' } });
  });

  it('accepts a JSON number that converts exactly (the control: this one is published)', async () => {
    const response = await post('{"symbol":"BTC-USD","side":"SELL","type":"LIMIT","quantity":0.25,"price":30000.10}');
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({ quantity: '0.25', price: '30000.1', status: 'NEW' });
    expect(await topicEndOffset(topics.orders)).toBe(offsetBefore + 1n);
  });
});
