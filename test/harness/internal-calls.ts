import { loadConfig } from '../../infra/config';
import { signedFetch } from '../../infra/http/http-json';
import { createInternalSigner, type InternalSigner } from '../../infra/http/internal-auth';

/**
 * Tests call the internal services (risk engine, venue) the way the system's processes do: signed, with the secret
 * the processes they start inherit (INTERNAL_AUTH_SECRETS, else the development one).
 */
export function testSigner(options: { secrets?: readonly string[]; now?: () => number; caller?: string } = {}): InternalSigner {
  return createInternalSigner({
    caller: options.caller ?? 'test',
    secrets: options.secrets ?? loadConfig().internalAuth.secrets,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

/** fetch() of an internal service's URL, signed; `body` is sent as application/json. */
export function internalFetch(url: string, init: { method?: string; body?: string; headers?: Record<string, string>; signer?: InternalSigner } = {}): Promise<Response> {
  const { origin, pathname, search } = new URL(url);
  return signedFetch({ url: origin, signer: init.signer ?? testSigner() }, init.method ?? 'GET', pathname + search, init.body, init.headers === undefined ? {} : { headers: init.headers });
}
