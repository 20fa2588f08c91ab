import { internalCallerSecrets, loadConfig } from '../../infra/config';
import { signedFetch } from '../../infra/http/http-json';
import { createInternalSigner, routeCallers, type InternalSigner } from '../../infra/http/internal-auth';
import { RISK_ROUTES } from '../../risk/app';
import { VENUE_ROUTES } from '../../venue/app';

const routeOwners = routeCallers([...RISK_ROUTES, ...VENUE_ROUTES]);

/**
 * Tests call the internal services (risk engine, venue) the way the system's processes do: signed by the caller the
 * service's route table names for the route (RISK_ROUTES, VENUE_ROUTES: the worker for a hold, market data for the
 * book, ...), under that caller's secret as the processes the tests start accept it (INTERNAL_AUTH_CALLER_SECRETS,
 * else the development ones). A path no table names is signed as the worker.
 * `caller`: sign as this caller whatever the route; `secrets`: sign under these instead of the caller's own.
 */
export function testSigner(options: { secrets?: readonly string[]; now?: () => number; caller?: string } = {}): InternalSigner {
  const accepted = internalCallerSecrets(loadConfig());
  const signers = new Map<string, InternalSigner>();
  const signerFor = (caller: string): InternalSigner => {
    let signer = signers.get(caller);
    if (signer === undefined) {
      const secrets = options.secrets ?? accepted.get(caller as never);
      if (secrets === undefined) throw new Error(`testSigner: no secret for caller ${caller}: pass secrets`);
      signer = createInternalSigner({ caller, secrets, ...(options.now === undefined ? {} : { now: options.now }) });
      signers.set(caller, signer);
    }
    return signer;
  };
  return {
    headers(request) {
      const owners = routeOwners(request.method.toUpperCase(), request.pathWithQuery.split('?')[0]!);
      const caller = options.caller ?? (owners === undefined ? 'worker' : [...owners][0]!);
      return signerFor(caller).headers(request);
    },
  };
}

/** fetch() of an internal service's URL, signed; `body` is sent as application/json. */
export function internalFetch(url: string, init: { method?: string; body?: string; headers?: Record<string, string>; signer?: InternalSigner } = {}): Promise<Response> {
  const { origin, pathname, search } = new URL(url);
  return signedFetch({ url: origin, signer: init.signer ?? testSigner() }, init.method ?? 'GET', pathname + search, init.body, init.headers === undefined ? {} : { headers: init.headers });
}

/**
 * For a deployment's environments (compose's, the Helm chart's): every route's callers sign with a secret the service
 * behind the route accepts from them, each secret strong enough for production. The problems found, empty when none.
 * `envOf(process)`: the environment of the process named like the caller (api, worker, risk, market-data, venue).
 */
export function internalSecretProblems(envOf: (process: string) => Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const [service, routes] of [['risk', RISK_ROUTES], ['venue', VENUE_ROUTES]] as const) {
    const accepted = internalCallerSecrets(loadConfig({ ...envOf(service), OMS_ENV: 'production' }));
    for (const route of routes) {
      for (const caller of route.callers) {
        const own = loadConfig({ ...envOf(caller), OMS_ENV: 'production' }).internalAuth.secrets?.[0];
        if (own === undefined) problems.push(`${caller} has no INTERNAL_AUTH_SECRETS (it calls ${service} ${route.method} ${route.path})`);
        else if (!(accepted.get(caller) ?? []).includes(own)) problems.push(`${service} does not accept ${caller}'s secret (${route.method} ${route.path})`);
      }
    }
  }
  return problems;
}
