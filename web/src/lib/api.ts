/**
 * The order API at this page's own origin. The API key goes in the Authorization header of same-origin requests
 * only (relative URLs; the Content-Security-Policy's connect-src keeps it so).
 */

/** The API answered with its error envelope (or at least a status). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** No answer came (the request may or may not have reached the API). */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

/** The error envelope `{"error":{"code","message","details"}}`, or a generic HTTP_<status> when the body is not one. */
export function parseErrorBody(status: number, text: string): ApiError {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const error = parsed.error;
    if (error !== undefined && typeof error.code === 'string') {
      const details = typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : {};
      return new ApiError(status, error.code, typeof error.message === 'string' ? error.message : error.code, details);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(status, `HTTP_${status}`, text.slice(0, 200) || `HTTP ${status}`);
}

export interface RequestOptions {
  apiKey?: string | null;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  if (!path.startsWith('/')) throw new Error('same-origin paths only');
  const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
  if (options.apiKey) headers.Authorization = `Bearer ${options.apiKey}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      credentials: 'omit',
      cache: 'no-store',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError(error instanceof Error ? error.message : 'network error');
  }
  const text = await response.text().catch(() => {
    throw new NetworkError('the answer was cut off');
  });
  if (!response.ok) throw parseErrorBody(response.status, text);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Runtime settings the API serves at /dashboard-config.json (one build works locally, in compose and behind an ingress). */
export interface DashboardConfig {
  /** Absolute ws:// or wss:// URL, or a path on this origin ("/ws/market-data"). */
  wsUrl: string;
  /** The REST base of the market data service as the page reaches it (same origin). */
  marketDataPath: string;
}

export function resolveWsUrl(wsUrl: string, location: { protocol: string; host: string }): string {
  if (/^wss?:\/\//.test(wsUrl)) return wsUrl;
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${wsUrl.startsWith('/') ? '' : '/'}${wsUrl}`;
}
