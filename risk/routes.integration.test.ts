import { RiskTestApp } from '../test/harness/risk-test-app';

describe('risk engine routes (real store)', () => {
  let risk: RiskTestApp;

  beforeAll(async () => {
    risk = await RiskTestApp.start();
  });
  afterAll(async () => {
    await risk?.stop();
  });

  const limitBuy = (accountId: string, extra: Record<string, unknown> = {}) => ({
    accountId,
    symbol: 'BTC-USD',
    side: 'BUY',
    type: 'LIMIT',
    quantity: '0.01',
    price: '10000',
    ...extra,
  });

  function expectError(response: { status: number; json: any; headers: Headers }, status: number, code: string) {
    expect({ status: response.status, code: response.json?.error?.code }).toEqual({ status, code });
    expect(response.json.error).toEqual({
      code,
      message: expect.any(String),
      ...(response.json.error.details === undefined ? {} : { details: expect.any(Object) }),
      requestId: response.headers.get('X-Request-Id'),
    });
  }

  describe('GET /health, /ready, /openapi.json', () => {
    it('answers health and readiness', async () => {
      expect(await risk.request('GET', '/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
      expect(await risk.request('GET', '/ready')).toMatchObject({ status: 200, json: { status: 'ready', dependencies: { mongo: { ok: true } } } });
    });

    it('describes every route in the OpenAPI document', async () => {
      const { status, json } = await risk.request('GET', '/openapi.json');
      expect(status).toBe(200);
      expect(Object.keys(json.paths).sort()).toEqual([
        '/health',
        '/metrics',
        '/openapi.json',
        '/ready',
        '/risk/accounts/{accountId}/balances',
        '/risk/accounts/{accountId}/positions',
        '/risk/accounts/{accountId}/trading',
        '/risk/orders/{orderId}/fills',
        '/risk/orders/{orderId}/hold',
        '/risk/orders/{orderId}/release',
        '/risk/symbols/{symbol}/status',
      ]);
      const hold = json.paths['/risk/orders/{orderId}/hold'].post;
      // 401 (a signed call is needed), 403 (a caller the route does not serve), 415 (JSON bodies only) and 503 (a
      // dependency down) come from the service factory, for every such route.
      expect(Object.keys(hold.responses).sort()).toEqual(['200', '400', '401', '403', '404', '413', '415', '422', '503']);
      expect(hold['x-oms-callers']).toEqual(['worker']);
      expect(hold.requestBody.content['application/json'].schema.properties).not.toHaveProperty('referencePrice');
      expect(hold.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
      expect(hold.responses['200'].content['application/json'].schema.properties).toHaveProperty('protectionPrice');
      const positions = json.paths['/risk/accounts/{accountId}/positions'].get;
      expect(Object.keys(positions.responses).sort()).toEqual(['200', '400', '401', '403', '404', '503']);
      expect(positions['x-oms-callers']).toEqual(['api']);
      expect(Object.keys(positions.responses['200'].content['application/json'].schema.items.properties)).toEqual(
        expect.arrayContaining(['symbol', 'quantity', 'averageEntryPrice', 'realizedPnl', 'markPrice', 'unrealizedPnl', 'version']),
      );
    });

    it('answers an unknown route with the error envelope and keeps a given request id', async () => {
      const response = await risk.request('GET', '/risk/nothing', undefined, { headers: { 'X-Request-Id': 'req-123' } });
      expectError(response, 404, 'NOT_FOUND');
      expect(response.json.error.requestId).toBe('req-123');
    });
  });

  describe('POST /risk/orders/:orderId/hold', () => {
    it('holds and answers the hold', async () => {
      const accountId = await risk.createAccount('hold-ok', { USD: '1000' });
      const response = await risk.hold('o-ok', limitBuy(accountId));
      expect(response).toMatchObject({ status: 200, json: { orderId: 'o-ok', asset: 'USD', amount: '100.2', alreadyHeld: false, protectionPrice: null } });
      expect(response.headers.get('X-Request-Id')).toEqual(expect.any(String));
    });

    it('accepts BTC/USD for BTC-USD', async () => {
      const accountId = await risk.createAccount('hold-slash', { BTC: '1' });
      const response = await risk.hold('o-slash', { ...limitBuy(accountId), symbol: 'btc/usd', side: 'SELL' });
      expect(response).toMatchObject({ status: 200, json: { asset: 'BTC', amount: '0.01' } });
    });

    it.each([
      ['a number for a decimal', { quantity: 0.01 }, 'VALIDATION_FAILED'],
      ['an unknown field', { leverage: '10' }, 'VALIDATION_FAILED'],
      ['a missing price key', { price: undefined }, 'VALIDATION_FAILED'],
      ['an unknown side', { side: 'HOLD' }, 'VALIDATION_FAILED'],
      ['an unknown type', { type: 'STOP' }, 'VALIDATION_FAILED'],
      ['a negative quantity', { quantity: '-0.01' }, 'VALIDATION_FAILED'],
      ['a zero price', { price: '0' }, 'VALIDATION_FAILED'],
      ['an exponent', { quantity: '1e-2' }, 'INVALID_DECIMAL'],
      ['text for a decimal', { price: 'ten' }, 'INVALID_DECIMAL'],
      ['19 fractional digits', { quantity: '0.0000000000000000001' }, 'TOO_PRECISE'],
      ['an unknown symbol', { symbol: 'DOGE-USD' }, 'UNKNOWN_SYMBOL'],
      ['a LIMIT without a price', { price: null }, 'PRICE_REQUIRED'],
      ['a MARKET with a price', { type: 'MARKET' }, 'PRICE_NOT_ALLOWED'],
      ['a quantity off the lot size', { quantity: '0.000000001' }, 'INVALID_QUANTITY_LOT'],
      ['a price off the tick', { price: '10000.001' }, 'INVALID_PRICE_TICK'],
      ['an account id that cannot be a key', { accountId: 'a.b' }, 'VALIDATION_FAILED'],
      ['a reference price (the engine uses its own mark)', { referencePrice: '10000' }, 'VALIDATION_FAILED'],
    ])('refuses %s with 400', async (_what, change, code) => {
      const accountId = await risk.createAccount('hold-bad', { USD: '1000' });
      const before = await risk.balances(accountId);
      expectError(await risk.hold('o-bad', limitBuy(accountId, change)), 400, code);
      expect(await risk.balances(accountId)).toEqual(before);
    });

    it('refuses malformed JSON, a non-object body, a bad order id and an oversized body', async () => {
      expectError(await risk.request('POST', '/risk/orders/o-1/hold', undefined, { raw: '{"accountId":' }), 400, 'MALFORMED_JSON');
      expectError(await risk.request('POST', '/risk/orders/o-1/hold', ['x']), 400, 'VALIDATION_FAILED');
      expectError(await risk.hold('o$1', limitBuy('a')), 400, 'VALIDATION_FAILED');
      expectError(await risk.hold('o-1', limitBuy('a', { pad: 'x'.repeat(20_000) })), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 404 NOT_FOUND for an unknown account', async () => {
      expectError(await risk.hold('o-1', limitBuy('nobody')), 404, 'NOT_FOUND');
    });
  });

  describe('POST /risk/orders/:orderId/fills', () => {
    const buyFill = (accountId: string, extra: Record<string, unknown> = {}) => ({
      fillId: 'f-1',
      accountId,
      symbol: 'BTC-USD',
      side: 'BUY',
      quantity: '0.01',
      price: '10000',
      liquidity: 'TAKER',
      ...extra,
    });

    it('settles a fill', async () => {
      const accountId = await risk.createAccount('fill-ok', { USD: '1000' });
      await risk.holdForFill('o-1', buyFill(accountId));
      const response = await risk.fill('o-1', buyFill(accountId));
      expect(response).toMatchObject({
        status: 200,
        json: {
          fillId: 'f-1',
          applied: true,
          fee: { asset: 'USD', amount: '0.2' },
          balances: [
            { asset: 'BTC', total: '0.01', available: '0.01', held: '0' },
            { asset: 'USD', total: '899.8', available: '899.8', held: '0' },
          ],
        },
      });
    });

    it('refuses with 409 FILL_NOT_HELD a fill of an order the engine holds nothing for', async () => {
      const accountId = await risk.createAccount('fill-unheld', { USD: '1000' });
      expectError(await risk.fill('o-1', buyFill(accountId)), 409, 'FILL_NOT_HELD');
      expect(await risk.balances(accountId)).toEqual({ USD: { total: '1000', available: '1000', held: '0' } });
    });

    it.each([
      ['a missing fillId', { fillId: undefined }, 'VALIDATION_FAILED'],
      ['a fillId that cannot be a key', { fillId: 'f.1' }, 'VALIDATION_FAILED'],
      ['an unknown liquidity', { liquidity: 'BOTH' }, 'VALIDATION_FAILED'],
      ['an unknown field', { fee: '1' }, 'VALIDATION_FAILED'],
      ['a number for the price', { price: 10000 }, 'VALIDATION_FAILED'],
      ['a zero quantity', { quantity: '0' }, 'VALIDATION_FAILED'],
      ['a negative price', { price: '-10000' }, 'VALIDATION_FAILED'],
      ['19 fractional digits', { price: '1.0000000000000000001' }, 'TOO_PRECISE'],
      ['a cost that needs rounding', { price: '0.000000001', quantity: '0.0000000001' }, 'TOO_PRECISE'],
      ['an exponent', { quantity: '1E3' }, 'INVALID_DECIMAL'],
      ['an unknown symbol', { symbol: 'XYZ-USD' }, 'UNKNOWN_SYMBOL'],
    ])('refuses %s with 400', async (_what, change, code) => {
      const accountId = await risk.createAccount('fill-bad', { USD: '1000' });
      expectError(await risk.fill('o-1', buyFill(accountId, change)), 400, code);
      expect(await risk.balances(accountId)).toEqual({ USD: { total: '1000', available: '1000', held: '0' } });
    });

    it('answers 404 NOT_FOUND for an unknown account', async () => {
      expectError(await risk.fill('o-1', buyFill('nobody')), 404, 'NOT_FOUND');
    });
  });

  describe('POST /risk/orders/:orderId/release', () => {
    it('releases a hold once', async () => {
      const accountId = await risk.createAccount('release-ok', { USD: '1000' });
      await risk.hold('o-rel', limitBuy(accountId));
      expect(await risk.release('o-rel', accountId)).toMatchObject({ status: 200, json: { released: true, asset: 'USD', amount: '100.2' } });
      expect(await risk.release('o-rel', accountId)).toMatchObject({ status: 200, json: { released: false } });
      expect(await risk.balances(accountId)).toEqual({ USD: { total: '1000', available: '1000', held: '0' } });
    });

    it('refuses bad bodies and unknown accounts', async () => {
      expectError(await risk.request('POST', '/risk/orders/o-1/release', {}), 400, 'VALIDATION_FAILED');
      expectError(await risk.request('POST', '/risk/orders/o-1/release', { accountId: 42 }), 400, 'VALIDATION_FAILED');
      expectError(await risk.request('POST', '/risk/orders/o-1/release', { accountId: 'a', orderId: 'o-1' }), 400, 'VALIDATION_FAILED');
      expectError(await risk.request('POST', '/risk/orders/o-1/release', undefined, { raw: 'nope' }), 400, 'MALFORMED_JSON');
      expectError(await risk.release('o-1', 'nobody'), 404, 'NOT_FOUND');
    });
  });

  describe('GET /risk/accounts/:accountId/balances', () => {
    it('lists the balances per asset, sorted', async () => {
      const accountId = await risk.createAccount('balances', { USD: '1000.5', BTC: '2' });
      await risk.hold('o-bal', { ...limitBuy(accountId), side: 'SELL', quantity: '0.5' });
      expect(await risk.request('GET', `/risk/accounts/${accountId}/balances`)).toMatchObject({
        status: 200,
        json: [
          { asset: 'BTC', total: '2', available: '1.5', held: '0.5' },
          { asset: 'USD', total: '1000.5', available: '1000.5', held: '0' },
        ],
      });
    });

    it('answers 404 for an unknown account and 400 for an id that cannot be one', async () => {
      expectError(await risk.request('GET', '/risk/accounts/nobody/balances'), 404, 'NOT_FOUND');
      expectError(await risk.request('GET', '/risk/accounts/a%24b/balances'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('GET /risk/accounts/:accountId/positions', () => {
    it('answers [] for an account without fills, 404 for an unknown account and 400 for an id that cannot be one', async () => {
      const accountId = await risk.createAccount('no-positions', { USD: '1000' });
      expect(await risk.positions(accountId)).toMatchObject({ status: 200, json: [] });
      expectError(await risk.positions('nobody'), 404, 'NOT_FOUND');
      expectError(await risk.request('GET', '/risk/accounts/a%24b/positions'), 400, 'VALIDATION_FAILED');
    });
  });
});
