import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { InternalSigner } from '../../infra/http/internal-auth';
import { testSigner } from './internal-calls';

/**
 * A reverse proxy in the test process that signs every request it forwards to an internal service (risk engine,
 * venue) the way the system's processes do (as the caller the route serves), over the exact bytes it received, when the request carries an
 * X-OMS-Signature header of any value: a client that cannot sign (an API fuzzer) reaches the routes behind the
 * signed-call check, and a request without the header still meets the check. Forwards any method, the path and query, the headers
 * (but any signature headers of the client's) and the body unchanged; answers with the service's status, headers and body.
 */
export interface SigningProxy {
  readonly url: string;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startSigningProxy(target: string, signer: InternalSigner = testSigner()): Promise<SigningProxy> {
  const { hostname, port } = new URL(target);
  const server: Server = createServer((incoming, response) => {
    void (async () => {
      const body = await readBody(incoming);
      const method = incoming.method ?? 'GET';
      const path = incoming.url ?? '/';
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined && !name.startsWith('x-oms-') && name !== 'content-length') headers[name] = value;
      }
      // The client says it wants a signed call by sending X-OMS-Signature (any value, e.g. what a fuzzer generates
      // for the document's security scheme); without it the call goes unsigned, so refusing it stays testable.
      if (incoming.headers['x-oms-signature'] !== undefined) Object.assign(headers, signer.headers({ method, pathWithQuery: path, body: new Uint8Array(body) }));
      if (body.length > 0) headers['content-length'] = body.length;
      const outgoing = httpRequest({ hostname, port, method, path, headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      outgoing.on('error', (error) => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`signing proxy: ${error.message}`);
      });
      outgoing.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('signing proxy: no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
