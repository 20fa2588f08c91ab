import { createHash } from 'node:crypto';

/**
 * The order id is derived from (account, idempotency key), so a retried request names the same order
 * even if Redis lost the idempotency record: its workflow id then already exists and the duplicate is
 * refused by Temporal. Formatted as an RFC 9562 UUIDv8 (custom, hash-based).
 */
export function deriveOrderId(accountId: string, idempotencyKey: string): string {
  const hash = createHash('sha256').update(`crypto-oms/order/v1\u0000${accountId}\u0000${idempotencyKey}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x80; // version 8
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The fingerprint of a request: the same normalized order hashes the same, whatever the JSON spelling. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
