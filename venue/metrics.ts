import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../infra/metrics/registry';

const orders = new Counter({
  name: 'oms_venue_orders_total',
  help: 'User orders the venue took in (a repeat by orderId not counted), by order type and outcome (accepted|rejected)',
  labelNames: ['type', 'outcome'] as const,
  registers: [metricsRegistry],
});

const trades = new Counter({
  name: 'oms_venue_trades_total',
  help: 'Trades the matching engine made (user and simulated liquidity), by symbol',
  labelNames: ['symbol'] as const,
  registers: [metricsRegistry],
});

/** What the gauges read at scrape time: the venue the process runs (none until observeVenue). */
interface VenueGauges {
  bookDepths(): ReadonlyArray<{ symbol: string; bids: number; asks: number }>;
  stats(): { relayBacklog: number; knownOrders: number };
  engineSizes(): ReadonlyArray<{ symbol: string; resting: number }>;
}
let observed: VenueGauges | undefined;

new Gauge({
  name: 'oms_venue_book_levels',
  help: 'Price levels in the venue book, by symbol and side (BUY|SELL)',
  labelNames: ['symbol', 'side'] as const,
  registers: [metricsRegistry],
  collect() {
    if (observed === undefined) return;
    for (const { symbol, bids, asks } of observed.bookDepths()) {
      this.set({ symbol, side: 'BUY' }, bids);
      this.set({ symbol, side: 'SELL' }, asks);
    }
  },
});

new Gauge({
  name: 'oms_venue_outbox_backlog',
  help: 'Venue commits not yet relayed to venue-reports',
  registers: [metricsRegistry],
  collect() {
    if (observed !== undefined) this.set(observed.stats().relayBacklog);
  },
});

new Gauge({
  name: 'oms_venue_resting_orders',
  help: 'Orders resting on the venue book, by symbol: all the orders its matching engine holds',
  labelNames: ['symbol'] as const,
  registers: [metricsRegistry],
  collect() {
    if (observed === undefined) return;
    for (const { symbol, resting } of observed.engineSizes()) this.set({ symbol }, resting);
  },
});

new Gauge({
  name: 'oms_venue_known_orders',
  help: 'User orders the venue process holds in memory (its order records)',
  registers: [metricsRegistry],
  collect() {
    if (observed !== undefined) this.set(observed.stats().knownOrders);
  },
});

/** The venue the book and backlog gauges read when scraped (the venue process calls it once). */
export function observeVenue(venue: VenueGauges): void {
  observed = venue;
}

export function recordVenueOrder(type: string, outcome: 'accepted' | 'rejected'): void {
  orders.inc({ type, outcome });
}

export function recordVenueTrades(symbol: string, count: number): void {
  if (count > 0) trades.inc({ symbol }, count);
}
