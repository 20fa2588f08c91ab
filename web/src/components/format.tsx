import { formatAmount, isDecimal, placesOf, toFixed } from '../lib/decimal';
import type { OrderStatus } from '../lib/types';

/** A price at the symbol's tick precision, grouped: "12,345.67". Null or bad input shows a dash. */
export function price(value: string | null | undefined, tickSize: string | undefined): string {
  if (value === null || value === undefined || !isDecimal(value)) return '—';
  return formatAmount(value, tickSize === undefined ? 2 : placesOf(tickSize));
}

/** A quantity at the lot's precision (at most 8 places shown). */
export function quantity(value: string | null | undefined, lotSize: string | undefined): string {
  if (value === null || value === undefined || !isDecimal(value)) return '—';
  return toFixed(value, Math.min(8, lotSize === undefined ? 8 : placesOf(lotSize)));
}

/** An amount with its exact digits, only grouped (balances are shown to the last unit). */
export function exact(value: string | null | undefined): string {
  if (value === null || value === undefined || !isDecimal(value)) return '—';
  const [whole = '0', fraction] = value.split('.');
  const negative = whole.startsWith('-');
  const grouped = (negative ? whole.slice(1) : whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

export function money(value: string | null | undefined, places = 2): string {
  if (value === null || value === undefined || !isDecimal(value)) return '—';
  return formatAmount(value, places);
}

export function time(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleTimeString([], { hour12: false });
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.toLocaleDateString([], { month: '2-digit', day: '2-digit' })} ${d.toLocaleTimeString([], { hour12: false })}`;
}

const STATUS_TONE: Record<OrderStatus, string> = {
  NEW: 'pending',
  ACCEPTED: 'open',
  PARTIALLY_FILLED: 'open',
  PENDING_CANCEL: 'pending',
  FILLED: 'done',
  SETTLED: 'done',
  CANCELLED: 'muted',
  EXPIRED: 'muted',
  REJECTED: 'bad',
};

/** The status as text (colour only repeats it). */
export function StatusText({ status }: { status: OrderStatus }) {
  return <span className={`status status-${STATUS_TONE[status] ?? 'muted'}`}>{status}</span>;
}

export function SideText({ side }: { side: 'BUY' | 'SELL' }) {
  return <span className={side === 'BUY' ? 'buy' : 'sell'}>{side === 'BUY' ? 'Buy' : 'Sell'}</span>;
}
