export interface JsonResponse {
  status: number;
  body: unknown;
}

/** The error envelope every service answers with. */
export interface ServiceError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * One JSON call to an internal service. A transport error, a timeout or a 5xx throws a plain error,
 * which the activity's retry policy retries; 4xx answers are returned for the caller to decide.
 */
export async function callJson(baseUrl: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 10_000): Promise<JsonResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (response.status >= 500) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path} answered ${response.status} with a body that is not JSON`);
  }
  return { status: response.status, body: parsed };
}

export function serviceError(response: JsonResponse): ServiceError {
  const error = (response.body as { error?: ServiceError } | undefined)?.error;
  return error ?? { code: 'INTERNAL_ERROR', message: `status ${response.status} without an error envelope` };
}
