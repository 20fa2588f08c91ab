import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { BalancesPanel } from './components/BalancesPanel';
import { CandleChart } from './components/CandleChart';
import { Header } from './components/Header';
import { OrderBookPanel } from './components/OrderBookPanel';
import { OrderEntry } from './components/OrderEntry';
import { AccountTabs } from './components/AccountTabs';
import { SignIn } from './components/SignIn';
import { TradesPanel } from './components/TradesPanel';
import { ApiError, apiRequest, resolveWsUrl, type DashboardConfig } from './lib/api';
import { OrderBook, type BookFrame, type BookView } from './lib/book';
import { Emitter } from './lib/emitter';
import { FrameStore } from './lib/frame-store';
import { MarketSocket, type ConnectionState } from './lib/market-socket';
import { isOpen, upsertOrder, upsertPosition } from './lib/orders';
import type { Balance, Candle, ExecutionReport, OrderView, Position, PrivateSnapshot, PrivateUpdate, SymbolRules, Ticker, Trade } from './lib/types';
import { loadApiKey, saveApiKey } from './session';

export const INTERVALS = ['1m', '5m', '1h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];
const BOOK_DEPTH = 15;
const MAX_TRADES = 60;

export function App() {
  const [config, setConfig] = useState<DashboardConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    apiRequest<DashboardConfig>('/dashboard-config.json').then(setConfig, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  if (error !== null) return <p role="alert" className="fatal">The dashboard could not load its configuration: {error}</p>;
  if (config === null) return <p className="loading">Loading…</p>;
  return <Dashboard config={config} />;
}

export interface Account {
  apiKey: string;
  accountId: string;
}

function Dashboard({ config }: { config: DashboardConfig }) {
  const [symbols, setSymbols] = useState<SymbolRules[]>([]);
  const [symbol, setSymbol] = useState('BTC-USD');
  const [interval, setCandleInterval] = useState<Interval>('1m');
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [resyncs, setResyncs] = useState(0);
  const [tickers, setTickers] = useState<Record<string, Ticker>>({});
  const [account, setAccount] = useState<Account | null>(null);
  const [checkingStoredKey, setCheckingStoredKey] = useState(() => loadApiKey() !== null);
  const [openOrders, setOpenOrders] = useState<OrderView[]>([]);
  const [positions, setPositions] = useState<Position[]>([]);
  const [balances, setBalances] = useState<Balance[] | null>(null);
  const [pickedPrice, setPickedPrice] = useState<{ price: string; at: number } | null>(null);

  const book = useMemo(() => new FrameStore<OrderBook, BookView>(new OrderBook(), (b) => b.view(BOOK_DEPTH)), []);
  const trades = useMemo(() => new FrameStore<{ list: Trade[] }, Trade[]>({ list: [] }, (s) => s.list), []);
  const candleFeed = useMemo(() => new Emitter<{ channel: string; kind: 'snapshot' | 'update'; candles: Candle[] }>(), []);
  const reports = useMemo(() => new Emitter<ExecutionReport>(), []);
  const symbolRef = useRef(symbol);
  symbolRef.current = symbol;

  useEffect(() => {
    apiRequest<{ symbols: SymbolRules[] }>(`${config.marketDataPath}/symbols`).then(
      (answer) => setSymbols(answer.symbols),
      () => setSymbols([]),
    );
  }, [config.marketDataPath]);

  const socket = useMemo(
    () =>
      new MarketSocket(resolveWsUrl(config.wsUrl, window.location), {
        onState: setConnection,
        onGap: () => setResyncs((n) => n + 1),
        onError: (code, message, details) => {
          if (code !== 'RATE_LIMITED') console.warn('market data:', code, message, details);
        },
        onSnapshot: (channel, data) => route(channel, 'snapshot', data),
        onUpdate: (channel, data) => route(channel, 'update', data),
      }),
    // One socket per page: `route` reads the symbol through a ref and writes to stable stores and setters.
    [config.wsUrl],
  );

  // Every frame of the socket lands here; high-rate state goes to frame stores, the rest to React state.
  const route = (channel: string, kind: 'snapshot' | 'update', data: unknown): void => {
    if (channel.startsWith('ticker:')) {
      const ticker = data as Ticker;
      setTickers((all) => ({ ...all, [ticker.symbol]: ticker }));
    } else if (channel === `book:${symbolRef.current}`) {
      book.state.apply(data as BookFrame);
      book.changed();
    } else if (channel === `trades:${symbolRef.current}`) {
      if (kind === 'snapshot') trades.state.list = (data as { trades: Trade[] }).trades.slice(0, MAX_TRADES);
      else trades.state.list = [data as Trade, ...trades.state.list].slice(0, MAX_TRADES);
      trades.changed();
    } else if (channel.startsWith('candles:')) {
      candleFeed.emit({ channel, kind, candles: kind === 'snapshot' ? (data as { candles: Candle[] }).candles : [data as Candle] });
    } else if (channel === 'orders') {
      if (kind === 'snapshot') {
        const snapshot = data as PrivateSnapshot;
        // Orders placed here and not yet seen by the feed (NEW) stay; everything else is the snapshot's.
        setOpenOrders((current) => snapshot.orders.reduce(upsertOrder, current.filter((o) => o.status === 'NEW')).filter(isOpen));
        setPositions(snapshot.positions);
      } else {
        const update = data as PrivateUpdate;
        if (update.kind === 'order') {
          setOpenOrders((current) => upsertOrder(current, update.report.order).filter(isOpen));
          reports.emit(update.report);
        } else {
          setPositions((current) => upsertPosition(current, update.position));
        }
      }
    }
  };

  useEffect(() => {
    socket.start();
    return () => socket.stop();
  }, [socket]);

  useEffect(() => {
    book.state.apply({ type: 'snapshot', symbol, sequence: -1, synced: false, bids: [], asks: [] });
    book.changed();
    trades.state.list = [];
    trades.changed();
  }, [symbol, book, trades]);

  useEffect(() => {
    socket.setApiKey(account?.apiKey ?? null);
    const channels = [
      ...symbols.map((s) => `ticker:${s.symbol}`),
      `book:${symbol}`,
      `trades:${symbol}`,
      `candles:${symbol}:${interval}`,
      ...(account === null ? [] : ['orders']),
    ];
    socket.setChannels(channels);
  }, [socket, symbols, symbol, interval, account]);

  const refreshBalances = useCallback(async () => {
    if (account === null) return;
    try {
      const answer = await apiRequest<{ balances: Balance[] }>('/api/accounts/me/balances', { apiKey: account.apiKey });
      setBalances(answer.balances);
    } catch {
      // shown as stale; the next report or tick retries
    }
  }, [account]);

  useEffect(() => {
    if (account === null) return;
    void refreshBalances();
    // Balances have no live channel: read them after each order report, and once more shortly after, since a
    // hold is released (or a fill settled) around the report that announces it.
    let soon: ReturnType<typeof setTimeout> | undefined;
    let later: ReturnType<typeof setTimeout> | undefined;
    const off = reports.on(() => {
      clearTimeout(soon);
      clearTimeout(later);
      soon = setTimeout(() => void refreshBalances(), 200);
      later = setTimeout(() => void refreshBalances(), 1_500);
    });
    const every = setInterval(() => void refreshBalances(), 10_000);
    return () => {
      off();
      clearTimeout(soon);
      clearTimeout(later);
      clearInterval(every);
    };
  }, [account, reports, refreshBalances]);

  const signIn = useCallback(async (apiKey: string): Promise<void> => {
    const answer = await apiRequest<{ accountId: string; balances: Balance[] }>('/api/accounts/me/balances', { apiKey });
    saveApiKey(apiKey);
    setBalances(answer.balances);
    setAccount({ apiKey, accountId: answer.accountId });
  }, []);

  const signOut = useCallback(() => {
    saveApiKey(null);
    setAccount(null);
    setOpenOrders([]);
    setPositions([]);
    setBalances(null);
  }, []);

  useEffect(() => {
    const stored = loadApiKey();
    if (stored === null) return;
    signIn(stored)
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) saveApiKey(null);
      })
      .finally(() => setCheckingStoredKey(false));
  }, [signIn]);

  const rules = symbols.find((s) => s.symbol === symbol);
  const onPlaced = useCallback((order: OrderView) => setOpenOrders((current) => upsertOrder(current, order).filter(isOpen)), []);

  return (
    <div className="app">
      <Header
        symbols={symbols}
        symbol={symbol}
        onSymbol={setSymbol}
        ticker={tickers[symbol]}
        rules={rules}
        connection={connection}
        resyncs={resyncs}
        accountId={account?.accountId ?? null}
        onSignOut={signOut}
      />
      <main className="grid">
        <CandleChart symbol={symbol} interval={interval} onInterval={setCandleInterval} feed={candleFeed} marketDataPath={config.marketDataPath} />
        <OrderBookPanel store={book} rules={rules} lastTicker={tickers[symbol]} onPickPrice={(price) => setPickedPrice({ price, at: Date.now() })} />
        <div className="entry-column">
          {account === null ? (
            checkingStoredKey ? <section className="panel" aria-busy="true"><p className="muted">Signing in…</p></section> : <SignIn onSignIn={signIn} />
          ) : (
            <OrderEntry account={account} rules={rules} ticker={tickers[symbol]} balances={balances} pickedPrice={pickedPrice} reports={reports} onPlaced={onPlaced} />
          )}
        </div>
        <TradesPanel store={trades} rules={rules} />
        <AccountTabs account={account} symbols={symbols} openOrders={openOrders} positions={positions} tickers={tickers} reports={reports} />
        <BalancesPanel account={account} balances={balances} />
      </main>
    </div>
  );
}
