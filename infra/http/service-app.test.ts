import { describeRoute } from 'hono-openapi';
import pino from 'pino';
import { Writable } from 'node:stream';
import * as v from 'valibot';
import { DomainError } from '../../domain/errors';
import { ErrorEnvelopeSchema } from './errors';
import { createInternalSigner, type InternalRoute, type InternalSigner } from './internal-auth';
import { isAllowedHost } from './request-guards';
import { createServiceApp, DEFAULT_MAX_BODY_BYTES, type ServiceAppOptions } from './service-app';

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

function setup(options: Partial<ServiceAppOptions> = {}) {
  const { logger, lines } = capturingLogger();
  const app = createServiceApp({ logger, readiness: {}, openApi: { title: 'test service', description: 'A service for the test.' }, ...options });
  app.post('/things', describeRoute({ summary: 'Make a thing', responses: { 200: { description: 'made' } } }), async (c) => {
    c.var.logger.info({ size: (await c.req.text()).length }, 'thing.made');
    return c.json({ requestId: c.var.requestId }, 200);
  });
  app.get('/refused', () => {
    throw new DomainError('INSUFFICIENT_BALANCE', 'not enough USD', { asset: 'USD' });
  });
  app.get('/broken', () => {
    throw new Error('the database said no');
  });
  const request = async (path: string, init?: RequestInit) => {
    const response = await app.request(path, init);
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json') === true && text !== '' ? JSON.parse(text) : undefined;
    return { status: response.status, headers: response.headers, text, json };
  };
  return { app, request, lines };
}

/** The routes read bodies as text here; a string body without it would be sent as text/plain (refused, 415). */
const JSON_TYPE = { 'Content-Type': 'application/json' };

const expectEnvelope = (answer: { status: number; headers: Headers; json: any }, status: number, code: string) => {
  expect(answer.status).toBe(status);
  expect(v.safeParse(ErrorEnvelopeSchema, answer.json).success).toBe(true);
  expect(answer.json.error.code).toBe(code);
  expect(answer.json.error.requestId).toBe(answer.headers.get('x-request-id'));
};

describe('createServiceApp', () => {
  it('gives each request an id, takes a sane one from the caller, and logs with it', async () => {
    const { request, lines } = setup();
    const made = await request('/things', { method: 'POST', body: 'x', headers: JSON_TYPE });
    expect(made.status).toBe(200);
    expect(made.json.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.headers.get('x-request-id')).toBe(made.json.requestId);
    expect(lines.find((line) => line.msg === 'thing.made')).toMatchObject({ requestId: made.json.requestId, size: 1 });

    const given = await request('/things', { method: 'POST', headers: { 'X-Request-Id': 'trace-1:a.b' } });
    expect([given.json.requestId, given.headers.get('x-request-id')]).toEqual(['trace-1:a.b', 'trace-1:a.b']);
    const insane = await request('/things', { method: 'POST', headers: { 'X-Request-Id': 'no spaces or ; please' } });
    expect(insane.json.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a known error with its code and status, and anything else with a logged 500 that tells nothing', async () => {
    const { request, lines } = setup();
    const refused = await request('/refused');
    expectEnvelope(refused, 422, 'INSUFFICIENT_BALANCE');
    expect(refused.json.error).toMatchObject({ message: 'not enough USD', details: { asset: 'USD' } });

    const broken = await request('/broken');
    expectEnvelope(broken, 500, 'INTERNAL_ERROR');
    expect(broken.text).not.toContain('database');
    expect(lines.find((line) => line.msg === 'request.failed')).toMatchObject({ requestId: broken.json.error.requestId, path: '/broken', err: { message: 'the database said no' } });
  });

  it('answers an unknown route with NOT_FOUND in the envelope', async () => {
    const { request } = setup();
    const unknown = await request('/nothing-here');
    expectEnvelope(unknown, 404, 'NOT_FOUND');
    expect(unknown.json.error.message).toBe('no route GET /nothing-here');
    expectEnvelope(await request('/nothing-here', { method: 'DELETE' }), 404, 'NOT_FOUND');
    expect((await request('/nothing-here', { method: 'OPTIONS' })).status).toBe(404);
  });

  it('answers a method a path does not have with 405 METHOD_NOT_ALLOWED and Allow, from the routes registered after the factory', async () => {
    const { app, request } = setup();
    // Routes added after the factory returned, one with a path parameter.
    app.get('/things/:id', (c) => c.json({ id: c.req.param('id') }));
    app.delete('/things/:id', (c) => c.body(null, 204));
    const wrong = await request('/health', { method: 'DELETE' });
    expectEnvelope(wrong, 405, 'METHOD_NOT_ALLOWED');
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(wrong.json.error.details).toEqual({ allow: ['GET', 'HEAD', 'OPTIONS'] });

    // POST only: no HEAD.
    const post = await request('/things', { method: 'PUT', body: '{}', headers: JSON_TYPE });
    expectEnvelope(post, 405, 'METHOD_NOT_ALLOWED');
    expect(post.headers.get('allow')).toBe('OPTIONS, POST');
    expect((await request('/things/7/parts', { method: 'PATCH' })).status).toBe(404);
    const patched = await request('/things/7', { method: 'PATCH' });
    expectEnvelope(patched, 405, 'METHOD_NOT_ALLOWED');
    expect(patched.headers.get('allow')).toBe('DELETE, GET, HEAD, OPTIONS');

    // OPTIONS: what the path allows, no body; HEAD where there is a GET is the GET without its body, else 405.
    const options = await request('/things/7', { method: 'OPTIONS' });
    expect([options.status, options.headers.get('allow'), options.text]).toEqual([204, 'DELETE, GET, HEAD, OPTIONS', '']);
    const head = await request('/things/7', { method: 'HEAD' });
    expect([head.status, head.text]).toEqual([200, '']);
    const headOfPost = await request('/things', { method: 'HEAD' });
    expect([headOfPost.status, headOfPost.headers.get('allow')]).toEqual([405, 'OPTIONS, POST']);
  });

  it('refuses a body over the limit with 413 before any route reads it, whether its length is declared or streamed', async () => {
    const { request, lines } = setup({ maxBodyBytes: 100 });
    expect((await request('/things', { method: 'POST', body: 'x'.repeat(100), headers: JSON_TYPE })).status).toBe(200);
    const declared = await request('/things', { method: 'POST', body: 'x'.repeat(101), headers: { 'Content-Length': '101' } });
    expectEnvelope(declared, 413, 'PAYLOAD_TOO_LARGE');
    expect(declared.json.error.message).toBe('the body is over 100 bytes');
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 3; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(40)));
        controller.close();
      },
    });
    const streamed = await request('/things', { method: 'POST', body: chunks, duplex: 'half' });
    expectEnvelope(streamed, 413, 'PAYLOAD_TOO_LARGE');
    expect(lines.filter((line) => line.msg === 'thing.made')).toHaveLength(1);
  });

  it('defaults the body limit to 16 KB', async () => {
    const { request } = setup();
    expect((await request('/things', { method: 'POST', body: 'x'.repeat(DEFAULT_MAX_BODY_BYTES), headers: JSON_TYPE })).status).toBe(200);
    expectEnvelope(await request('/things', { method: 'POST', body: 'x'.repeat(DEFAULT_MAX_BODY_BYTES + 1) }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('serves /health, and /ready with each dependency and why it is not ready', async () => {
    const { request } = setup({
      readiness: {
        mongo: async () => undefined,
        kafka: () => Promise.reject(new Error('no brokers')),
        redis: () => {
          throw new Error('not connected');
        },
      },
    });
    expect(await request('/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect(await request('/ready')).toMatchObject({
      status: 503,
      json: { status: 'not_ready', dependencies: { mongo: { ok: true }, kafka: { ok: false, error: 'no brokers' }, redis: { ok: false, error: 'not connected' } } },
    });
    expect(await setup({ readiness: { mongo: async () => undefined } }).request('/ready')).toMatchObject({ status: 200, json: { status: 'ready', dependencies: { mongo: { ok: true } } } });
  });

  it('is not ready while a dependency does not answer within 2 s', async () => {
    jest.useFakeTimers();
    try {
      const { request } = setup({ readiness: { temporal: () => new Promise<void>(() => undefined) } });
      const answer = request('/ready');
      await jest.advanceTimersByTimeAsync(2_000);
      expect(await answer).toMatchObject({ status: 503, json: { status: 'not_ready', dependencies: { temporal: { ok: false, error: 'no answer within 2000 ms' } } } });
    } finally {
      jest.useRealTimers();
    }
  });

  it("documents the service's routes, added after it was made, in /openapi.json, and serves /docs only when asked", async () => {
    const { request } = setup({ openApi: { title: 'test service', description: 'A service for the test.', extra: { security: [{ bearer: [] }] } } });
    const doc = await request('/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.json.paths).sort()).toEqual(['/health', '/metrics', '/openapi.json', '/ready', '/things']);
    expect(doc.json.info).toMatchObject({ title: 'test service', version: '1.0.0' });
    expect(doc.json.info.description).toMatch(/^A service for the test\. Errors share one envelope/);
    expect(doc.json.security).toEqual([{ bearer: [] }]);
    // The probes and the description are public; a route without its own say needs the credential, and may answer 401.
    for (const path of ['/health', '/ready', '/openapi.json']) expect([path, doc.json.paths[path].get.security]).toEqual([path, []]);
    expect(doc.json.paths['/things'].post.security).toBeUndefined();
    expect(Object.keys(doc.json.paths['/things'].post.responses).sort()).toEqual(['200', '401', '503']);
    expectEnvelope(await request('/docs'), 404, 'NOT_FOUND');

    const docsApp = setup({ docs: async (c) => c.html('<a href="/openapi.json">the API</a>') });
    const withDocs = await docsApp.request('/docs');
    expect((await docsApp.request('/openapi.json')).json.paths['/docs'].get.security).toEqual([]);
    expect(withDocs.status).toBe(200);
    expect(withDocs.headers.get('content-type')).toContain('text/html');
    expect(withDocs.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a Host it does not answer to with 421 HOST_NOT_ALLOWED (DNS rebinding), before reading any body', async () => {
    const { request, lines } = setup({ allowedHosts: ['localhost', 'api', '.svc.cluster.local'] });
    for (const host of ['localhost:5000', 'LOCALHOST', 'api:5000', 'risk.oms.svc.cluster.local:5001', '127.0.0.1:5001', '[::1]:5003', '10.1.2.3']) {
      expect([host, (await request('/health', { headers: { Host: host } })).status]).toEqual([host, 200]);
    }
    for (const host of ['evil.example:5000', 'localhost.evil.example', 'api.evil.example', 'svc.cluster.local.evil', '', 'a b', '127.0.0.1.evil.example']) {
      const refused = await request('/things', { method: 'POST', body: '{}', headers: { ...JSON_TYPE, Host: host } });
      expectEnvelope(refused, 421, 'HOST_NOT_ALLOWED');
    }
    expect(lines.filter((line) => line.msg === 'thing.made')).toHaveLength(0);
    // app.request() sends no Host: its URL's host (localhost) stands for it; the default list is localhost.
    expect((await setup().request('/health')).status).toBe(200);
    expectEnvelope(await setup().request('/health', { headers: { Host: 'evil.example' } }), 421, 'HOST_NOT_ALLOWED');
    expect(isAllowedHost('[::1]', [])).toBe(true);
    expect(isAllowedHost('localhost:5000', [])).toBe(false);
  });

  it('refuses a body that is not declared application/json with 415 UNSUPPORTED_MEDIA_TYPE; a POST without a body needs no type', async () => {
    const { request, lines } = setup();
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-patch+json']) {
      const refused = await request('/things', { method: 'POST', body: '{}', headers: { 'Content-Type': contentType } });
      expectEnvelope(refused, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(refused.json.error.details).toEqual({ contentType });
    }
    // What a page's fetch('/things', { method: 'POST', body: '{}' }) sends: text/plain, so no preflight. Refused.
    expectEnvelope(await request('/things', { method: 'POST', body: '{}' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // A body without any Content-Type.
    const untyped = new Request('http://localhost/things', { method: 'POST', body: new Uint8Array([123, 125]) });
    untyped.headers.delete('content-type');
    expect((await setup().app.request(untyped)).status).toBe(415);
    expect(lines.filter((line) => line.msg === 'thing.made')).toHaveLength(0);

    for (const contentType of ['application/json', 'application/json; charset=utf-8', 'Application/JSON']) {
      expect((await request('/things', { method: 'POST', body: '{}', headers: { 'Content-Type': contentType } })).status).toBe(200);
    }
    expect((await request('/things', { method: 'POST' })).status).toBe(200);
  });

  describe('an internal service (internalAuth)', () => {
    const secret = 's'.repeat(32);
    const apiSecret = 'a'.repeat(32);
    const callers = new Map([
      ['worker', [secret]],
      ['api', [apiSecret]],
    ]);
    // /broken is a route the table leaves out: no caller may call it.
    const internalAuth = {
      callers,
      routes: [
        { method: 'POST', path: '/things', callers: ['worker'] },
        { method: 'GET', path: '/refused', callers: ['worker', 'api'] },
      ] as const satisfies readonly InternalRoute[],
    };
    const signer = createInternalSigner({ caller: 'worker', secrets: [secret] });
    const signedBy = (by: InternalSigner, method: string, path: string, body?: string): RequestInit => ({
      method,
      headers: { ...(body === undefined ? {} : JSON_TYPE), ...by.headers({ method, pathWithQuery: path, body: body ?? '' }) },
      ...(body === undefined ? {} : { body }),
    });
    const signed = (method: string, path: string, body?: string) => signedBy(signer, method, path, body);

    it('answers a signed call, names its caller in the logs, and refuses an unsigned or badly signed one with 401 UNAUTHENTICATED', async () => {
      const { request, lines } = setup({ internalAuth });
      const made = await request('/things', signed('POST', '/things', '{"a":1}'));
      expect(made.status).toBe(200);
      expect(lines.find((line) => line.msg === 'thing.made')).toMatchObject({ caller: 'worker', requestId: made.json.requestId });

      expectEnvelope(await request('/things', { method: 'POST', body: '{"a":1}', headers: JSON_TYPE }), 401, 'UNAUTHENTICATED');
      const tampered = signed('POST', '/things', '{"a":1}');
      expectEnvelope(await request('/things', { ...tampered, body: '{"a":2}' }), 401, 'UNAUTHENTICATED');
      expectEnvelope(await request('/refused'), 401, 'UNAUTHENTICATED');
      // Unknown routes too: nothing about the service is told to an unsigned caller.
      expectEnvelope(await request('/nothing-here'), 401, 'UNAUTHENTICATED');
      expect(lines.filter((line) => line.msg === 'http.internal_auth_refused')).toHaveLength(4);
      expect(lines.filter((line) => line.msg === 'thing.made')).toHaveLength(1);
      // Signed but text/plain: the signature is checked first, then the type.
      const plain = signed('POST', '/things', '{"a":1}');
      expectEnvelope(await request('/things', { ...plain, headers: { ...(plain.headers as Record<string, string>), 'Content-Type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('keeps the probes and the API description public', async () => {
      const { request } = setup({ internalAuth, docs: async (c) => c.html('docs') });
      for (const path of ['/health', '/ready', '/openapi.json', '/docs']) expect([path, (await request(path)).status]).toEqual([path, 200]);
      // The document says so: signed calls by default, none for the public routes; the signed ones may answer 401.
      const doc = (await request('/openapi.json')).json;
      expect(doc.security).toEqual([{ internalSignature: [] }]);
      expect(doc.components.securitySchemes.internalSignature).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-OMS-Signature' });
      for (const path of ['/health', '/ready', '/openapi.json', '/docs']) expect([path, doc.paths[path].get.security]).toEqual([path, []]);
      expect(doc.paths['/things'].post.responses['401']).toBeDefined();
      // Who may call each operation, and the 403 for anyone else.
      expect(doc.paths['/things'].post['x-oms-callers']).toEqual(['worker']);
      expect(doc.paths['/things'].post.description).toMatch(/Callers: worker \(a signed call from another caller is refused with 403\)/);
      expect(doc.paths['/things'].post.responses['403']).toBeDefined();
    });

    it('serves each route only the callers its entry names: another known caller, or any caller on a route the table leaves out, gets 403 FORBIDDEN', async () => {
      const { request, lines } = setup({ internalAuth });
      const api = createInternalSigner({ caller: 'api', secrets: [apiSecret] });
      expectEnvelope(await request('/things', signedBy(api, 'POST', '/things', '{"a":1}')), 403, 'FORBIDDEN');
      expect(lines.filter((line) => line.msg === 'thing.made')).toHaveLength(0);
      expect(lines.find((line) => line.msg === 'http.internal_caller_refused')).toMatchObject({ caller: 'api', method: 'POST', path: '/things' });
      // A route both may call: each gets the route's own answer.
      expectEnvelope(await request('/refused', signedBy(api, 'GET', '/refused')), 422, 'INSUFFICIENT_BALANCE');
      expectEnvelope(await request('/refused', signed('GET', '/refused')), 422, 'INSUFFICIENT_BALANCE');
      // HEAD goes with GET.
      expect((await request('/refused', signedBy(api, 'HEAD', '/refused'))).status).toBe(422);
      // A route the service has but the table does not name: closed to every caller.
      expectEnvelope(await request('/broken', signed('GET', '/broken')), 403, 'FORBIDDEN');
      // An unknown path or method stays 404 or 405 for a caller that signed.
      expectEnvelope(await request('/nothing-here', signed('GET', '/nothing-here')), 404, 'NOT_FOUND');
      expectEnvelope(await request('/things', signed('DELETE', '/things')), 405, 'METHOD_NOT_ALLOWED');
      // A caller the service holds no secret for, whatever it signed with: 401.
      const stranger = createInternalSigner({ caller: 'market-data', secrets: [secret] });
      expectEnvelope(await request('/refused', signedBy(stranger, 'GET', '/refused')), 401, 'UNAUTHENTICATED');
      // The worker's secret does not sign for the API: each caller has its own.
      const posing = createInternalSigner({ caller: 'api', secrets: [secret] });
      expectEnvelope(await request('/refused', signedBy(posing, 'GET', '/refused')), 401, 'UNAUTHENTICATED');
    });

    it('refuses to be made without a caller secret', () => {
      expect(() => setup({ internalAuth: { ...internalAuth, callers: new Map() } })).toThrow(/secret/);
      expect(() => setup({ internalAuth: { ...internalAuth, callers: new Map([['worker', []]]) } })).toThrow(/secret/);
    });
  });
});
