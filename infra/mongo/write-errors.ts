import { MongoBulkWriteError, MongoServerError } from 'mongodb';

/** MongoDB's error code for a unique key that is taken already. */
export const DUPLICATE_KEY = 11000;

/** A single write refused because its unique key is taken. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** An unordered bulk write whose every failed operation failed on a taken unique key (the others went through). */
export function allDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const given: unknown = error.writeErrors;
  const errors: unknown[] = Array.isArray(given) ? given : [given];
  return errors.length > 0 && errors.every((e) => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === DUPLICATE_KEY);
}
