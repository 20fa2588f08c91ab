import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dependencyUnavailable } from '../dependency-errors';
import { callJson, UpstreamServiceError, type ServiceEndpoint } from './http-json';
import { createInternalSigner, verifyInternalRequest } from './internal-auth';

const SECRET = 'test-internal-secret-of-some-length';

/** A service on loopback answering `reply` for every request, after checking its signature as the services do. */
async function serve(reply: (request: { method: string; path: string; body: string; verified: boolean }, response: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = { get: (name: string) => request.headers[name.toLowerCase()] as string | undefined };
      const verified = verifyInternalRequest(headers, { method: request.method!, pathWithQuery: request.url!, body }, { callers: new Map([['worker', [SECRET]]]), nowMs: Date.now() }).ok;
      reply({ method: request.method!, path: request.url!, body, verified }, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

describe('callJson (a signed JSON call to an internal service, over undici)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });
  const endpoint = async (reply: Parameters<typeof serve>[0]): Promise<ServiceEndpoint> => {
    const { server, url } = await serve(reply);
    servers.push(server);
    return { url, signer: createInternalSigner({ caller: 'worker', secrets: [SECRET] }) };
  };

  it('sends a signed JSON body the service verifies, and answers its JSON with the status; a 4xx is returned', async () => {
    const seen: Array<{ method: string; path: string; body: string; verified: boolean }> = [];
    const service = await endpoint((request, response) => {
      seen.push(request);
      if (request.path.startsWith('/missing')) json(response, 404, { error: { code: 'ORDER_NOT_FOUND', message: 'no' } });
      else json(response, 200, { echoed: JSON.parse(request.body || 'null') as unknown });
    });
    expect(await callJson(service, 'POST', '/risk/orders/o-1/hold?x=1', { quantity: '0.5' })).toEqual({ status: 200, body: { echoed: { quantity: '0.5' } } });
    expect(await callJson(service, 'GET', '/missing/o-2')).toEqual({ status: 404, body: { error: { code: 'ORDER_NOT_FOUND', message: 'no' } } });
    expect(seen.map(({ method, path, verified }) => ({ method, path, verified }))).toEqual([
      { method: 'POST', path: '/risk/orders/o-1/hold?x=1', verified: true },
      { method: 'GET', path: '/missing/o-2', verified: true },
    ]);
  });

  it('throws on a 5xx (retried by the activity) and on a body that is not JSON', async () => {
    const service = await endpoint((request, response) => {
      if (request.path === '/down') json(response, 503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'later' } });
      else {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('not json');
      }
    });
    const down = callJson(service, 'GET', '/down');
    await expect(down).rejects.toBeInstanceOf(UpstreamServiceError);
    await expect(down).rejects.toMatchObject({ status: 503 });
    await expect(callJson(service, 'GET', '/text')).rejects.toThrow('GET /text answered 200 with a body that is not JSON');
  });

  it('fails as a network failure on a closed port, and as a timeout when the service never answers', async () => {
    const closed = await endpoint(() => undefined);
    const port = new URL(closed.url).port;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const refused = await callJson({ ...closed, url: `http://127.0.0.1:${port}` }, 'GET', '/x').catch((error: unknown) => error);
    expect(dependencyUnavailable(refused)).toBe('network');

    const silent = await endpoint(() => undefined);
    const started = Date.now();
    const timedOut = await callJson(silent, 'GET', '/x', undefined, 200).catch((error: unknown) => error);
    expect(dependencyUnavailable(timedOut)).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
