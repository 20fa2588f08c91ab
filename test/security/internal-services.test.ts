import { request as httpRequest } from 'node:http';
import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../../domain/decimal';
import { loadConfig } from '../../infra/config';
import { INTERNAL_AUTH_HEADERS, type InternalSigner } from '../../infra/http/internal-auth';
import { MongoAccountStore } from '../../infra/mongo/account-store';
import { connectMongo, ensureIndexes } from '../../infra/mongo/client';
import { internalFetch, testSigner } from '../harness/internal-calls';
import { MarketDataTestProcess } from '../harness/market-data-test-process';
import { clearPrices } from '../harness/prices';
import { startSystemProcess, waitForOutput, type SystemProcess } from '../harness/processes';
import { freePort, TestSystem } from '../harness/system';
import { orderBody, VenueTestProcess } from '../harness/venue-test-process';

/**
 * Issue 11, items 1 and 2, against the real processes: the risk engine and the venue answer only signed calls, each
 * route only from the callers it names (issue 15's note: one secret per caller);
 * every service refuses a foreign Host (DNS rebinding) and a body that is not JSON (a page's preflight-free POST).
 */

interface Answer {
  status: number;
  json: any;
}

/**
 * One HTTP request with full control of the headers (fetch drops a Host header it is given: it is the browser's to
 * set, which is exactly what DNS rebinding exploits).
 */
function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** A signed request, sent raw so a test can change what it sends after signing. */
function signedRaw(signer: InternalSigner, url: string, method: string, body: string | undefined, change: { body?: string; headers?: Record<string, string> } = {}) {
  const { pathname, search } = new URL(url);
  const headers = { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...signer.headers({ method, pathWithQuery: pathname + search, body: body ?? '' }), ...(change.headers ?? {}) };
  const sent = change.body ?? body;
  return rawRequest(url, { method, headers, ...(sent === undefined ? {} : { body: sent }) });
}

const code = (answer: Answer) => [answer.status, answer.json?.error?.code];

const OLD_SECRET = `old-${'o'.repeat(40)}`;
const NEW_SECRET = `new-${'n'.repeat(40)}`;

/** The refusals every internal service owes an unsigned or badly signed call, for one signed-route call. */
async function expectSignedOnly(url: string, method: 'GET' | 'POST', body: string | undefined, altered?: string) {
  const signer = testSigner({ caller: 'worker' });
  // Without any credential.
  expect(code(await rawRequest(url, { method, ...(body === undefined ? {} : { body, headers: { 'Content-Type': 'application/json' } }) }))).toEqual([401, 'UNAUTHENTICATED']);
  // Signed under a secret the service does not hold.
  expect(code(await signedRaw(testSigner({ secrets: ['x'.repeat(40)] }), url, method, body))).toEqual([401, 'UNAUTHENTICATED']);
  // A garbled signature.
  expect(code(await signedRaw(signer, url, method, body, { headers: { [INTERNAL_AUTH_HEADERS.signature]: '0'.repeat(64) } }))).toEqual([401, 'UNAUTHENTICATED']);
  // Signed a minute ago: outside the 30 s the service accepts.
  expect(code(await signedRaw(testSigner({ now: () => Date.now() - 60_000 }), url, method, body))).toEqual([401, 'UNAUTHENTICATED']);
  // Signed by another caller name than the one sent.
  expect(code(await signedRaw(signer, url, method, body, { headers: { [INTERNAL_AUTH_HEADERS.caller]: 'api' } }))).toEqual([401, 'UNAUTHENTICATED']);
  if (altered !== undefined) {
    // The body changed after signing.
    expect(code(await signedRaw(signer, url, method, body, { body: altered }))).toEqual([401, 'UNAUTHENTICATED']);
  } else {
    // The query changed after signing.
    const { pathname, search } = new URL(url);
    const headers = signer.headers({ method, pathWithQuery: pathname + search, body: '' });
    expect(code(await rawRequest(`${url}${search === '' ? '?' : '&'}depth=1`, { method, headers }))).toEqual([401, 'UNAUTHENTICATED']);
  }
}

/** Public on every service: the probes and the API description. */
async function expectPublicProbes(baseUrl: string) {
  for (const path of ['/health', '/ready', '/openapi.json']) expect([path, (await rawRequest(`${baseUrl}${path}`)).status]).toEqual([path, 200]);
}

/** A foreign Host is refused with 421, on a public route too; localhost and the loopback address pass. */
async function expectHostChecked(baseUrl: string, port: number) {
  for (const host of [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`]) {
    expect([host, ...code(await rawRequest(`${baseUrl}/health`, { headers: { Host: host } }))]).toEqual([host, 421, 'HOST_NOT_ALLOWED']);
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) expect([host, (await rawRequest(`${baseUrl}/health`, { headers: { Host: host } })).status]).toEqual([host, 200]);
}

describe('the risk engine (workers/risk.ts) answers only signed calls', () => {
  const dbName = `test_sec_risk_${randomUUID().slice(0, 8)}`;
  let mongo: { client: MongoClient; db: Db } | undefined;
  let proc: SystemProcess | undefined;
  let baseUrl: string;
  let port: number;
  let accounts: MongoAccountStore;

  beforeAll(async () => {
    mongo = await connectMongo({ url: loadConfig().mongo.url, db: dbName });
    await ensureIndexes(mongo.db);
    accounts = new MongoAccountStore(mongo.db);
    // No mark: the LIMIT hold below is not banded by what earlier test files published.
    await clearPrices(['BTC-USD']);
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    proc = startSystemProcess('security-risk', 'workers/risk.ts', { RISK_PORT: String(port), MONGO_DB: dbName, OMS_ENV: 'test' });
    await waitForOutput(proc, 'risk.ready');
  }, 90_000);
  afterAll(async () => {
    await proc?.stop();
    if (mongo === undefined) return;
    await mongo.db.dropDatabase();
    await mongo.client.close();
  });

  it("refuses the issue's fill for anyone who can reach it: unsigned, badly signed, stale or altered; the balances stay", async () => {
    await accounts.createAccount({ accountId: 'victim', name: 'V', balances: { USD: parseDecimal('1000'), BTC: parseDecimal('1') } });
    const fill = (price: string) => JSON.stringify({ fillId: 'a', accountId: 'victim', symbol: 'BTC-USD', side: 'SELL', quantity: '0.00000001', price, liquidity: 'MAKER' });
    // A fill signed at one price, sent at another.
    await expectSignedOnly(`${baseUrl}/risk/orders/o-x/fills`, 'POST', fill('30000'), fill('99999999999999999999'));
    const hold = JSON.stringify({ accountId: 'victim', symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '10000' });
    await expectSignedOnly(`${baseUrl}/risk/orders/o-1/hold`, 'POST', hold, hold.replace('0.01', '0.02'));
    await expectSignedOnly(`${baseUrl}/risk/orders/o-1/release`, 'POST', JSON.stringify({ accountId: 'victim' }), JSON.stringify({ accountId: 'victin' }));
    await expectSignedOnly(`${baseUrl}/risk/accounts/victim/balances`, 'GET', undefined);
    await expectSignedOnly(`${baseUrl}/risk/accounts/victim/positions`, 'GET', undefined);
    expect(await accounts.getBalances('victim')).toEqual([
      { asset: 'BTC', total: '1', available: '1', held: '0' },
      { asset: 'USD', total: '1000', available: '1000', held: '0' },
    ]);
    expect(proc!.output()).toContain('http.internal_auth_refused');

    // Signed, as the worker and the API sign: served.
    const held = await signedRaw(testSigner({ caller: 'worker' }), `${baseUrl}/risk/orders/o-1/hold`, 'POST', hold);
    expect(held).toMatchObject({ status: 200, json: { orderId: 'o-1', asset: 'USD', amount: '100.2' } });
    const balances = await internalFetch(`${baseUrl}/risk/accounts/victim/balances`, { signer: testSigner({ caller: 'api' }) });
    expect(balances.status).toBe(200);
    expect(await balances.json()).toContainEqual({ asset: 'USD', total: '1000', available: '899.8', held: '100.2' });
  });

  it('serves each route only the callers it names: the order API cannot hold, settle or release, the worker cannot read balances or halt a symbol', async () => {
    await accounts.createAccount({ accountId: 'victim2', name: 'V', balances: { USD: parseDecimal('1000'), BTC: parseDecimal('1') } });
    const asApi = testSigner({ caller: 'api' });
    const asWorker = testSigner({ caller: 'worker' });
    const fill = JSON.stringify({ fillId: 'f-api', accountId: 'victim2', symbol: 'BTC-USD', side: 'SELL', quantity: '0.5', price: '1', liquidity: 'MAKER' });
    const hold = JSON.stringify({ accountId: 'victim2', symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '10000' });
    // The order API faces the internet: with its secret, no money moves.
    expect(code(await signedRaw(asApi, `${baseUrl}/risk/orders/o-api/fills`, 'POST', fill))).toEqual([403, 'FORBIDDEN']);
    expect(code(await signedRaw(asApi, `${baseUrl}/risk/orders/o-api/hold`, 'POST', hold))).toEqual([403, 'FORBIDDEN']);
    expect(code(await signedRaw(asApi, `${baseUrl}/risk/orders/o-api/release`, 'POST', JSON.stringify({ accountId: 'victim2' })))).toEqual([403, 'FORBIDDEN']);
    // Market data reads the venue's book, nothing here.
    expect(code(await signedRaw(testSigner({ caller: 'market-data' }), `${baseUrl}/risk/accounts/victim2/balances`, 'GET', undefined))).toEqual([403, 'FORBIDDEN']);
    // The worker settles, but the accounts' reads and the admin switches are the API's.
    expect(code(await signedRaw(asWorker, `${baseUrl}/risk/accounts/victim2/balances`, 'GET', undefined))).toEqual([403, 'FORBIDDEN']);
    expect(code(await signedRaw(asWorker, `${baseUrl}/risk/symbols/BTC-USD/status`, 'PUT', JSON.stringify({ status: 'HALTED' })))).toEqual([403, 'FORBIDDEN']);
    expect(code(await signedRaw(asWorker, `${baseUrl}/risk/accounts/victim2/trading`, 'PUT', JSON.stringify({ enabled: false })))).toEqual([403, 'FORBIDDEN']);
    // A caller the engine holds no secret for (the venue never calls it): 401, whatever it signed with.
    expect(code(await signedRaw(testSigner({ caller: 'venue', secrets: ['v'.repeat(40)] }), `${baseUrl}/risk/orders/o-api/fills`, 'POST', fill))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await accounts.getBalances('victim2')).toEqual([
      { asset: 'BTC', total: '1', available: '1', held: '0' },
      { asset: 'USD', total: '1000', available: '1000', held: '0' },
    ]);
    expect(proc!.output()).toContain('http.internal_caller_refused');
    // Each on its own routes: served.
    expect((await signedRaw(asWorker, `${baseUrl}/risk/orders/o-w/hold`, 'POST', hold)).status).toBe(200);
    expect((await signedRaw(asApi, `${baseUrl}/risk/accounts/victim2/balances`, 'GET', undefined)).json).toContainEqual({ asset: 'USD', total: '1000', available: '899.8', held: '100.2' });
  });

  it('refuses a signed text/plain body with 415, keeps its probes public and checks the Host', async () => {
    const body = JSON.stringify({ accountId: 'victim' });
    expect(code(await signedRaw(testSigner(), `${baseUrl}/risk/orders/o-1/release`, 'POST', body, { headers: { 'Content-Type': 'text/plain' } }))).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    // Unsigned text/plain (a page's preflight-free POST): the credential is what is missing.
    expect(code(await rawRequest(`${baseUrl}/risk/orders/o-1/release`, { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } }))).toEqual([401, 'UNAUTHENTICATED']);
    await expectPublicProbes(baseUrl);
    // Its document names each operation's callers.
    const doc = (await rawRequest(`${baseUrl}/openapi.json`)).json;
    expect(doc.paths['/risk/orders/{orderId}/fills'].post['x-oms-callers']).toEqual(['worker']);
    expect(doc.paths['/risk/accounts/{accountId}/balances'].get['x-oms-callers']).toEqual(['api']);
    expect(doc.paths['/risk/orders/{orderId}/fills'].post.responses['403']).toBeDefined();
    await expectHostChecked(baseUrl, port);
    // Signed but rebound: refused before the signature is even looked at.
    expect(code(await signedRaw(testSigner(), `${baseUrl}/risk/accounts/victim/balances`, 'GET', undefined, { headers: { Host: `evil.example:${port}` } }))).toEqual([421, 'HOST_NOT_ALLOWED']);
  });
});

describe('the venue (workers/venue.ts) answers only signed calls from its own callers, and rotates their secrets one by one', () => {
  let venue: VenueTestProcess;
  let port: number;
  const WORKER_SECRET = `worker-${'w'.repeat(40)}`;
  /** What the venue accepts: the worker's and the risk engine's secrets, and market data's (rotating in the last test). */
  const callerSecrets = (marketData: string[]) => JSON.stringify({ worker: [WORKER_SECRET], risk: [`risk-${'r'.repeat(40)}`], 'market-data': marketData });
  const asWorker = testSigner({ caller: 'worker', secrets: [WORKER_SECRET] });
  const asMarketData = testSigner({ caller: 'market-data', secrets: [NEW_SECRET] });

  beforeAll(async () => {
    venue = await VenueTestProcess.create('security', { INTERNAL_AUTH_CALLER_SECRETS: callerSecrets([NEW_SECRET, OLD_SECRET]) });
    port = Number(venue.env.VENUE_PORT);
    await venue.start();
  }, 90_000);
  afterAll(async () => {
    await venue?.dispose();
  });

  it('refuses unsigned, badly signed, stale and altered submits, cancels and reads; serves signed ones', async () => {
    const submit = JSON.stringify(orderBody(`sec-${randomUUID()}`, 'someone', 'BUY', '30000', '0.1'));
    await expectSignedOnly(`${venue.baseUrl}/venue/orders`, 'POST', submit, submit.replace('"BUY"', '"SELL"'));
    // Anyone could cancel anything, the venue's own liquidity included.
    await expectSignedOnly(`${venue.baseUrl}/venue/orders/venue-1-1/cancel`, 'POST', JSON.stringify({ reason: 'USER' }), JSON.stringify({ reason: 'GTD_EXPIRED' }));
    await expectSignedOnly(`${venue.baseUrl}/venue/orders/anything`, 'GET', undefined);
    await expectSignedOnly(`${venue.baseUrl}/venue/book/BTC-USD?depth=5`, 'GET', undefined);
    expect(venue.proc!.output()).not.toContain('venue.order_submitted');

    const signer = asWorker;
    const orderId = `sec-${randomUUID()}`;
    // Market data faces the internet: with its secret, it reads the book and nothing else.
    const forbidden = await venue.request('POST', '/venue/orders', orderBody(orderId, 'someone', 'BUY', '30000', '0.1'), undefined, { signer: asMarketData });
    expect(code(forbidden)).toEqual([403, 'FORBIDDEN']);
    expect(venue.proc!.output()).not.toContain('venue.order_submitted');
    const placed = await venue.request('POST', '/venue/orders', orderBody(orderId, 'someone', 'BUY', '30000', '0.1'), undefined, { signer });
    expect(placed).toMatchObject({ status: 200, json: { orderId, status: 'OPEN' } });
    expect(code(await venue.request('POST', `/venue/orders/${orderId}/cancel`, { reason: 'USER' }, undefined, { signer: asMarketData }))).toEqual([403, 'FORBIDDEN']);
    expect(code(await venue.request('GET', `/venue/orders/${orderId}`, undefined, undefined, { signer: asMarketData }))).toEqual([403, 'FORBIDDEN']);
    expect((await venue.request('GET', `/venue/orders/${orderId}`, undefined, undefined, { signer })).status).toBe(200);
    // The book is market data's: the worker has no business there.
    expect(code(await venue.request('GET', '/venue/book/BTC-USD?depth=5', undefined, undefined, { signer }))).toEqual([403, 'FORBIDDEN']);
    expect((await venue.request('GET', '/venue/book/BTC-USD?depth=5', undefined, undefined, { signer: asMarketData })).json).toMatchObject({ bids: [{ price: '30000', quantity: '0.1' }] });
    expect((await venue.request('POST', `/venue/orders/${orderId}/cancel`, { reason: 'USER' }, undefined, { signer })).json).toMatchObject({ orderId, status: 'CANCELLED' });
    // The development secrets (what the other tests' processes hold) are not this venue's.
    expect(code(await venue.request('GET', `/venue/orders/${orderId}`, undefined, undefined, { signer: testSigner({ caller: 'worker' }) }))).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('refuses a signed text/plain body with 415 and a cancel body over the limit with 413; keeps its probes public and checks the Host', async () => {
    const signer = asWorker;
    const body = JSON.stringify(orderBody(`sec-${randomUUID()}`, 'someone', 'BUY', '30000', '0.1'));
    expect(code(await signedRaw(signer, `${venue.baseUrl}/venue/orders`, 'POST', body, { headers: { 'Content-Type': 'text/plain;charset=UTF-8' } }))).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const huge = JSON.stringify({ reason: 'USER', pad: 'x'.repeat(20_000) });
    expect(code(await signedRaw(signer, `${venue.baseUrl}/venue/orders/anything/cancel`, 'POST', huge))).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    await expectPublicProbes(venue.baseUrl);
    await expectHostChecked(venue.baseUrl, port);
  });

  it("accepts a caller's old secret while both are configured, and refuses it once it is removed; the other callers' stay", async () => {
    const old = testSigner({ caller: 'market-data', secrets: [OLD_SECRET] });
    const read = (signer: InternalSigner) => venue.request('GET', '/venue/book/BTC-USD?depth=1', undefined, undefined, { signer });
    expect((await read(old)).status).toBe(200);
    expect((await read(asMarketData)).status).toBe(200);

    await venue.proc!.stop();
    venue.env.INTERNAL_AUTH_CALLER_SECRETS = callerSecrets([NEW_SECRET]);
    await venue.start();
    expect(code(await read(old))).toEqual([401, 'UNAUTHENTICATED']);
    expect((await read(asMarketData)).status).toBe(200);
    expect(code(await venue.request('GET', '/venue/orders/never-placed', undefined, undefined, { signer: asWorker }))).toEqual([404, 'ORDER_NOT_FOUND']);
  }, 90_000);
});

describe('the order API and market data refuse foreign Hosts and non-JSON bodies', () => {
  let system: TestSystem;
  let md: MarketDataTestProcess;

  beforeAll(async () => {
    system = await TestSystem.create('security');
    md = await MarketDataTestProcess.create('security', { MARKET_DATA_BACKFILL_FILES: 'none' });
    await Promise.all([system.startApi(), md.start('serving')]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([system?.stop(), md?.dispose()]);
  });

  it('the order API: 415 to a text/plain order, 421 to a foreign Host, the dashboard reachable as localhost:5000 would be', async () => {
    const { apiKey } = await system.createAccount({ USD: '1000' });
    const port = Number(system.env.API_PORT);
    const order = JSON.stringify({ symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '30000' });
    const headers = { Authorization: `Bearer ${apiKey}`, 'Idempotency-Key': randomUUID() };
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect([contentType, ...code(await rawRequest(`${system.baseUrl}/api/orders`, { method: 'POST', body: order, headers: { ...headers, 'Content-Type': contentType } }))]).toEqual([
        contentType,
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ]);
    }
    expect((await system.request('GET', '/api/orders', { apiKey })).json.orders).toEqual([]);
    expect(code(await rawRequest(`${system.baseUrl}/api/orders`, { method: 'POST', body: order, headers: { ...headers, 'Content-Type': 'application/json', Host: `evil.example:${port}` } }))).toEqual([
      421,
      'HOST_NOT_ALLOWED',
    ]);
    await expectHostChecked(system.baseUrl, port);
    // What a browser on the dashboard sends (npm start's port 5000, or any port the API is given).
    expect((await rawRequest(`${system.baseUrl}/health`, { headers: { Host: 'localhost:5000' } })).status).toBe(200);
    const accepted = await rawRequest(`${system.baseUrl}/api/orders`, { method: 'POST', body: order, headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8', Host: `localhost:${port}` } });
    expect(accepted.status).toBe(202);
  });

  it('market data: public REST, but only under its own names', async () => {
    const port = Number(md.env.MARKET_DATA_PORT);
    expect((await rawRequest(`${md.baseUrl}/api/market/symbols`)).status).toBe(200);
    expect(code(await rawRequest(`${md.baseUrl}/api/market/symbols`, { headers: { Host: `evil.example:${port}` } }))).toEqual([421, 'HOST_NOT_ALLOWED']);
    await expectHostChecked(md.baseUrl, port);
  });

  it('HTTP_ALLOWED_HOSTS adds the names a deployment reaches the services by', async () => {
    const port = await freePort();
    const dbName = `test_sec_hosts_${randomUUID().slice(0, 8)}`;
    const proc = startSystemProcess('security-risk-hosts', 'workers/risk.ts', {
      RISK_PORT: String(port),
      MONGO_DB: dbName,
      OMS_ENV: 'test',
      HTTP_ALLOWED_HOSTS: 'risk,.svc.cluster.local',
    });
    try {
      await waitForOutput(proc, 'risk.ready');
      const url = `http://127.0.0.1:${port}/health`;
      for (const host of [`risk:${port}`, `risk.oms.svc.cluster.local:${port}`, `localhost:${port}`]) expect([host, (await rawRequest(url, { headers: { Host: host } })).status]).toEqual([host, 200]);
      expect(code(await rawRequest(url, { headers: { Host: `api:${port}` } }))).toEqual([421, 'HOST_NOT_ALLOWED']);
    } finally {
      await proc.stop();
      const mongo = await connectMongo({ url: loadConfig().mongo.url, db: dbName });
      await mongo.db.dropDatabase();
      await mongo.client.close();
    }
  }, 90_000);
});
