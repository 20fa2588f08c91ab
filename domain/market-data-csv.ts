import { DECIMAL_SCALE, tryParseDecimal, type Scaled } from './decimal';

/** One bar of trading: prices and volume exact, time in epoch milliseconds (the bar's open). */
export interface TradeBar {
  timeMs: number;
  open: Scaled;
  high: Scaled;
  low: Scaled;
  close: Scaled;
  volume: Scaled;
}

/** One bar of the best bid and ask. */
export interface QuoteBar {
  timeMs: number;
  bidClose: Scaled;
  bidSize: Scaled;
  askClose: Scaled;
  askSize: Scaled;
}

export type MarketDataFile = { kind: 'trades'; bars: TradeBar[] } | { kind: 'quotes'; bars: QuoteBar[] };

export class MarketDataError extends Error {
  override name = 'MarketDataError';
}

const TRADE_HEADERS = ['timestamp_ms,open,high,low,close,volume', 'datetime,open,high,low,close,volume'];
const QUOTE_HEADER = 'timestamp_ms,bid_open,bid_high,bid_low,bid_close,last_bid_size,ask_open,ask_high,ask_low,ask_close,last_ask_size';
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;
const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses the files of shared/data/market (see its PROVENANCE.md): Coinbase trade bars (`timestamp_ms`), the
 * Bitstamp file (`datetime`, UTC) and Coinbase quote bars. Rows must be in time order. Every number stays a
 * decimal: sizes written with float noise (`0.15000000000000002`) are cut to 18 fractional digits.
 * Pure: the venue's replay and the market data backfill read the files (infra/market-data-file.ts) and parse here.
 */
export function parseMarketDataCsv(text: string, source = 'csv'): MarketDataFile {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').trim();
  const rows: Array<{ line: number; cells: string[] }> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line !== '') rows.push({ line: i + 1, cells: line.split(',') });
  }
  const fail = (line: number, message: string): never => {
    throw new MarketDataError(`${source}:${line}: ${message}`);
  };
  const cell = (row: { line: number; cells: string[] }, index: number, name: string): string => {
    const value = row.cells[index];
    return value === undefined || value === '' ? fail(row.line, `missing ${name}`) : value;
  };
  const decimal = (row: { line: number; cells: string[] }, index: number, name: string): Scaled => {
    const value = parseCsvDecimal(cell(row, index, name));
    return value ?? fail(row.line, `${name} is not a decimal: ${row.cells[index]}`);
  };
  const time = (row: { line: number; cells: string[] }): number => {
    const value = parseTime(cell(row, 0, 'time'));
    return value ?? fail(row.line, `bad time ${row.cells[0]}`);
  };
  const checkOrder = (bars: Array<{ timeMs: number }>, line: number, timeMs: number) => {
    const previous = bars.at(-1);
    if (previous !== undefined && timeMs < previous.timeMs) fail(line, 'rows are not in time order');
  };

  if (TRADE_HEADERS.includes(header)) {
    const bars: TradeBar[] = [];
    for (const row of rows) {
      const timeMs = time(row);
      checkOrder(bars, row.line, timeMs);
      const bar = {
        timeMs,
        open: decimal(row, 1, 'open'),
        high: decimal(row, 2, 'high'),
        low: decimal(row, 3, 'low'),
        close: decimal(row, 4, 'close'),
        volume: decimal(row, 5, 'volume'),
      };
      if (bar.low > bar.high || bar.open < bar.low || bar.open > bar.high || bar.close < bar.low || bar.close > bar.high) {
        fail(row.line, 'open and close must lie between low and high');
      }
      bars.push(bar);
    }
    return { kind: 'trades', bars };
  }
  if (header === QUOTE_HEADER) {
    const bars: QuoteBar[] = [];
    for (const row of rows) {
      const timeMs = time(row);
      checkOrder(bars, row.line, timeMs);
      bars.push({
        timeMs,
        bidClose: decimal(row, 4, 'bid_close'),
        bidSize: decimal(row, 5, 'last_bid_size'),
        askClose: decimal(row, 9, 'ask_close'),
        askSize: decimal(row, 10, 'last_ask_size'),
      });
    }
    return { kind: 'quotes', bars };
  }
  throw new MarketDataError(`${source}: unknown header "${header.slice(0, 120)}" (expected trade bars or quote bars)`);
}

/** A non-negative plain decimal; fractional digits past the 18th are dropped (they are float noise in these files). */
export function parseCsvDecimal(text: string): Scaled | undefined {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return undefined;
  const [, integer = '', fraction = ''] = match;
  const cut = fraction.length > DECIMAL_SCALE ? fraction.slice(0, DECIMAL_SCALE) : fraction;
  const parsed = tryParseDecimal(cut === '' ? integer : `${integer}.${cut}`);
  return parsed.ok ? parsed.value : undefined;
}

function parseTime(text: string): number | undefined {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  const match = DATETIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}
