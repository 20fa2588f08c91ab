import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '../../domain/errors';
import type { ServiceEnv } from './context';

/**
 * What a web page must not be able to make one of our services do, whatever the page's origin (createServiceApp
 * applies both to every service).
 */

/** The names every service answers to without configuration: this machine. */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = Object.freeze(['localhost']);

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;

/** The host name of a Host header without its port, lower case ('[::1]' keeps its brackets); undefined when malformed. */
export function hostName(host: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(host.trim());
  return match?.[1]?.toLowerCase().replace(/\.$/, '');
}

/**
 * Whether a Host header names this service. An IP literal always does: a browser sends one only when it connects to
 * that address itself, so it cannot be the fruit of DNS rebinding (and probes such as the kubelet's send the pod's
 * IP). A name must be on the list: exactly, or below an entry that starts with a dot (`.svc.cluster.local`). The
 * port is not compared: rebinding changes the name, never the port a page can reach.
 */
export function isAllowedHost(host: string, allowed: readonly string[]): boolean {
  const name = hostName(host);
  if (name === undefined) return false;
  if (IPV4.test(name) || IPV6.test(name)) return true;
  return allowed.some((entry) => {
    const wanted = entry.toLowerCase();
    return wanted.startsWith('.') ? name.endsWith(wanted) || name === wanted.slice(1) : name === wanted;
  });
}

/**
 * DNS rebinding: a page of evil.example whose name then resolves to 127.0.0.1 reaches a service on this machine as
 * "same origin", so the browser lets it read the answers. The Host header still says evil.example: refuse it with
 * 421 HOST_NOT_ALLOWED (the request is "misdirected": this server does not serve that name).
 */
export function allowedHosts(allowed: readonly string[]): MiddlewareHandler<ServiceEnv> {
  return async (c, next) => {
    // app.request() in tests builds requests without a Host header: their URL's host (localhost) stands for it.
    const host = c.req.header('Host') ?? new URL(c.req.url).host;
    if (!isAllowedHost(host, allowed)) {
      c.var.logger.warn({ host: host.slice(0, 256), path: c.req.path }, 'http.host_refused');
      throw new DomainError('HOST_NOT_ALLOWED', 'this service does not answer to that Host; see HTTP_ALLOWED_HOSTS', { host: host.slice(0, 256) });
    }
    await next();
  };
}

const WITHOUT_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `application/json`, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(contentType: string): boolean {
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/**
 * Every body our routes read is JSON, and a page can send a cross-origin POST without a preflight only as text/plain,
 * form data or url-encoded. So a request that declares any other Content-Type is refused with 415
 * UNSUPPORTED_MEDIA_TYPE, and so is a body without one; a POST without a body (a cancel) needs none. Runs after the
 * body limit, so reading the body here reads at most that much.
 */
export function jsonBodiesOnly(): MiddlewareHandler<ServiceEnv> {
  return async (c, next) => {
    if (WITHOUT_BODY.has(c.req.method)) return next();
    const contentType = c.req.header('Content-Type');
    if (contentType !== undefined ? !isJsonContentType(contentType) : (await c.req.arrayBuffer()).byteLength > 0) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'a body must be JSON, sent as Content-Type: application/json', {
        contentType: contentType === undefined ? null : contentType.slice(0, 128),
      });
    }
    await next();
  };
}

/**
 * A body over `maxBytes` is refused (413) before any route reads it. A request that states its Content-Length (and no
 * Transfer-Encoding, which would override it) is judged by that header alone, as Hono's bodyLimit judges it; only a
 * chunked body goes through Hono's bodyLimit, which counts the bytes as they stream. Asking Hono first would build a
 * web Request with a ReadableStream for every request (`c.req.raw.body`), a large share of an order's CPU, where
 * @hono/node-server otherwise reads the body straight from Node's stream.
 */
export function limitBodySize(maxBytes: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const streamed = bodyLimit({ maxSize: maxBytes, onError });
  return async (c, next) => {
    const length = c.req.header('Content-Length');
    if (length !== undefined && !WITHOUT_BODY.has(c.req.method) && c.req.header('Transfer-Encoding') === undefined) {
      if (parseInt(length, 10) > maxBytes) return onError(c);
      await next();
      return;
    }
    return streamed(c, next);
  };
}
