import type { Context } from 'hono';
import { tryParseDecimal, type Scaled } from '../../domain/decimal';
import { DomainError } from '../../domain/errors';
import type { ServiceEnv } from './context';

/**
 * The body as JSON. Plain JSON.parse is safe for the internal services, unlike in the order API: their schemas
 * take decimals as strings only, so a JSON number is refused as the wrong type and never reaches any maths.
 */
export async function readJsonBody<E extends ServiceEnv>(c: Context<E>): Promise<unknown> {
  return parseJson(await c.req.text());
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DomainError('MALFORMED_JSON', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

// Enough to recognise the value in an answer without echoing a huge one back.
const shown = (text: string) => (text.length > 64 ? `${text.slice(0, 64)}…` : text);

/** A positive decimal: INVALID_DECIMAL or TOO_PRECISE for the text itself, VALIDATION_FAILED for zero or a negative. */
export function positiveDecimal(field: string, text: string): Scaled {
  const parsed = tryParseDecimal(text);
  if (!parsed.ok) throw new DomainError(parsed.code, `${field}: ${parsed.message}`, { field, value: shown(text) });
  if (parsed.value <= 0n) throw new DomainError('VALIDATION_FAILED', `${field} must be positive`, { field, value: shown(text) });
  return parsed.value;
}
