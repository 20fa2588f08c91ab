import { DomainError } from '../../domain/errors';

/**
 * An opaque page cursor for "newest first" lists: the (timestamp, id) of the last row of a page.
 * Keyset pagination, so inserts between pages never shift rows into duplicates or gaps the way skip would.
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

const CURSOR_TEXT = /^[A-Za-z0-9_-]{1,1024}$/;

export function encodeKeysetCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

export function decodeKeysetCursor(cursor: string): KeysetPosition {
  const invalid = () => new DomainError('VALIDATION_FAILED', 'invalid cursor: pass back the nextCursor of a previous page', { cursor });
  // Node's base64 decoder skips characters it does not know, so the alphabet is checked first.
  if (!CURSOR_TEXT.test(cursor)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid();
  const [at, id] = decoded as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || at === '' || id === '') throw invalid();
  return { at, id };
}

/** The filter for rows strictly after `position` in (time desc, _id desc) order. */
export function afterKeyset(timeField: string, position: KeysetPosition): Record<string, unknown> {
  return { $or: [{ [timeField]: { $lt: position.at } }, { [timeField]: position.at, _id: { $lt: position.id } }] };
}
