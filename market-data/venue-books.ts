import * as v from 'valibot';
import { parseDecimal } from '../domain/decimal';
import { DecimalStringSchema } from '../domain/events';
import { callJson, serviceError, type ServiceEndpoint } from '../infra/http/http-json';
import type { BookSnapshot } from './book-sync';

/** The deepest book the venue serves (GET /venue/book/:symbol?depth=, at most 1000). */
export const VENUE_MAX_DEPTH = 1000;

const LevelSchema = v.object({ price: DecimalStringSchema, quantity: DecimalStringSchema, orderCount: v.pipe(v.number(), v.integer(), v.minValue(0)) });
const VenueBookSchema = v.object({
  symbol: v.string(),
  sequence: v.pipe(v.number(), v.integer(), v.minValue(0)),
  bids: v.array(LevelSchema),
  asks: v.array(LevelSchema),
});

/** The venue's L2 snapshot of a symbol at full depth; `sequence` is the last price-feeds version it includes. */
export async function fetchVenueBook(venue: ServiceEndpoint, symbol: string, timeoutMs = 5_000): Promise<BookSnapshot & { truncated: boolean }> {
  const response = await callJson(venue, 'GET', `/venue/book/${encodeURIComponent(symbol)}?depth=${VENUE_MAX_DEPTH}`, undefined, timeoutMs);
  if (response.status !== 200) throw new Error(`venue book ${symbol} answered ${response.status}: ${serviceError(response).message}`);
  const parsed = v.safeParse(VenueBookSchema, response.body);
  if (!parsed.success) throw new Error(`venue book ${symbol} is not a book: ${parsed.issues[0]?.message ?? 'invalid'}`);
  const level = (l: v.InferOutput<typeof LevelSchema>) => ({ price: parseDecimal(l.price), quantity: parseDecimal(l.quantity), orderCount: l.orderCount });
  const { sequence, bids, asks } = parsed.output;
  return { sequence, bids: bids.map(level), asks: asks.map(level), truncated: bids.length >= VENUE_MAX_DEPTH || asks.length >= VENUE_MAX_DEPTH };
}
