import { useEffect, useState, type ReactNode } from 'react';
import type { Account } from '../App';
import { ApiError, apiRequest } from '../lib/api';
import type { Emitter } from '../lib/emitter';
import { addFill, endReason, fillFromReport, markLive, markOf, matchesFilter, upsertOrder, type HistoryFilter } from '../lib/orders';
import type { ExecutionReport, FillView, OrderView, Position, SymbolRules, Ticker } from '../lib/types';
import { dateTime, exact, money, price, quantity, SideText, StatusText, time } from './format';

const TABS = ['Open orders', 'Order history', 'Fills', 'Positions'] as const;
type Tab = (typeof TABS)[number];
const STATUSES = ['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL', 'FILLED', 'SETTLED', 'CANCELLED', 'REJECTED', 'EXPIRED'];

interface Props {
  account: Account | null;
  symbols: SymbolRules[];
  openOrders: OrderView[];
  positions: Position[];
  tickers: Record<string, Ticker>;
  reports: Emitter<ExecutionReport>;
}

export function AccountTabs(props: Props) {
  const [tab, setTab] = useState<Tab>('Open orders');
  const rulesOf = (symbol: string) => props.symbols.find((s) => s.symbol === symbol);
  const slug = (t: Tab) => t.toLowerCase().replace(/ /g, '-');
  return (
    <div className="panel tabs-panel">
      <div className="panel-head" role="tablist" aria-label="Account views">
        {TABS.map((t) => (
          <button key={t} type="button" role="tab" id={`tab-${slug(t)}`} aria-selected={tab === t} aria-controls={`panel-${slug(t)}`} className="tab" onClick={() => setTab(t)}>
            {t}
            {t === 'Open orders' && props.openOrders.length > 0 ? ` (${props.openOrders.length})` : ''}
          </button>
        ))}
      </div>
      <div className="scroll">
        {props.account === null ? (
          <p className="muted empty">Sign in to see your orders, fills and positions</p>
        ) : (
          <>
            {tab === 'Open orders' && <OpenOrders account={props.account} orders={props.openOrders} rulesOf={rulesOf} />}
            {tab === 'Order history' && <OrderHistory account={props.account} symbols={props.symbols} reports={props.reports} rulesOf={rulesOf} />}
            {tab === 'Fills' && <Fills account={props.account} reports={props.reports} rulesOf={rulesOf} />}
            {tab === 'Positions' && <Positions positions={props.positions} tickers={props.tickers} rulesOf={rulesOf} />}
          </>
        )}
      </div>
    </div>
  );
}

type RulesOf = (symbol: string) => SymbolRules | undefined;

function Region(props: { title: string; actions?: ReactNode; children: ReactNode }) {
  const slug = props.title.toLowerCase().replace(/ /g, '-');
  return (
    <section id={`panel-${slug}`} aria-labelledby={`heading-${slug}`} className="tab-region">
      <div className="region-head">
        <h2 id={`heading-${slug}`} className="sr-only">
          {props.title}
        </h2>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}

function OpenOrders(props: { account: Account; orders: OrderView[]; rulesOf: RulesOf }) {
  const [error, setError] = useState<string | null>(null);
  const cancel = async (orderId: string) => {
    try {
      await apiRequest(`/api/orders/${encodeURIComponent(orderId)}/cancel`, { method: 'POST', apiKey: props.account.apiKey });
    } catch (e) {
      // ORDER_TERMINAL: it finished meanwhile; the feed brings its final state.
      if (!(e instanceof ApiError && e.code === 'ORDER_TERMINAL')) setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
  };
  const cancelAll = async () => {
    setError(null);
    const ids = props.orders.filter((o) => !o.cancelRequested && o.status !== 'PENDING_CANCEL').map((o) => o.orderId);
    for (let i = 0; i < ids.length; i += 5) await Promise.all(ids.slice(i, i + 5).map(cancel));
  };
  return (
    <Region
      title="Open orders"
      actions={
        <button type="button" className="ghost" disabled={props.orders.length === 0} onClick={() => void cancelAll()}>
          Cancel all
        </button>
      }
    >
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table className="grid-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Symbol</th>
            <th scope="col">Side</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">Price</th>
            <th scope="col" className="num">Quantity</th>
            <th scope="col" className="num">Filled</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="sr-only">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.orders.map((o) => {
            const rules = props.rulesOf(o.symbol);
            return (
              <tr key={o.orderId} data-order-id={o.orderId}>
                <td>{time(o.createdAt)}</td>
                <td>{o.symbol}</td>
                <td>
                  <SideText side={o.side} />
                </td>
                <td>
                  {o.type === 'LIMIT' ? `Limit ${o.timeInForce}` : 'Market'}
                  {o.postOnly ? ' · post-only' : ''}
                </td>
                <td className="num">{o.price === null ? 'Market' : price(o.price, rules?.tickSize)}</td>
                <td className="num">{exact(o.quantity)}</td>
                <td className="num">{exact(o.filledQuantity)}</td>
                <td>
                  <StatusText status={o.status} />
                </td>
                <td>
                  <button type="button" className="link" disabled={o.status === 'PENDING_CANCEL' || o.cancelRequested} onClick={() => void cancel(o.orderId)}>
                    Cancel
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.orders.length === 0 && <p className="muted empty">No open orders</p>}
    </Region>
  );
}

function OrderHistory(props: { account: Account; symbols: SymbolRules[]; reports: Emitter<ExecutionReport>; rulesOf: RulesOf }) {
  const [filter, setFilter] = useState<HistoryFilter>({ symbol: '', status: '' });
  const [orders, setOrders] = useState<OrderView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { apiKey } = props.account;

  const load = async (after: string | null) => {
    const query = new URLSearchParams({ limit: '50' });
    if (filter.symbol !== '') query.set('symbol', filter.symbol);
    if (filter.status !== '') query.set('status', filter.status);
    if (after !== null) query.set('cursor', after);
    try {
      const page = await apiRequest<{ orders: OrderView[]; nextCursor: string | null }>(`/api/orders?${query}`, { apiKey });
      setOrders((current) => page.orders.reduce(upsertOrder, after === null ? [] : current));
      setCursor(page.nextCursor ?? null);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
  };

  useEffect(() => {
    void load(null);
    return props.reports.on((report) => {
      if (matchesFilter(report.order, filter)) setOrders((current) => upsertOrder(current, report.order));
      else setOrders((current) => current.filter((o) => o.orderId !== report.orderId));
    });
  }, [filter.symbol, filter.status, apiKey, props.reports]);

  return (
    <Region
      title="Order history"
      actions={
        <div className="filters">
          <select aria-label="Filter by symbol" value={filter.symbol} onChange={(e) => setFilter((f) => ({ ...f, symbol: e.target.value }))}>
            <option value="">All symbols</option>
            {props.symbols.map((s) => (
              <option key={s.symbol} value={s.symbol}>
                {s.symbol}
              </option>
            ))}
          </select>
          <select aria-label="Filter by status" value={filter.status} onChange={(e) => setFilter((f) => ({ ...f, status: e.target.value }))}>
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      }
    >
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table className="grid-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Symbol</th>
            <th scope="col">Side</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">Price</th>
            <th scope="col" className="num">Quantity</th>
            <th scope="col" className="num">Filled</th>
            <th scope="col" className="num">Avg price</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => {
            const rules = props.rulesOf(o.symbol);
            return (
              <tr key={o.orderId} data-order-id={o.orderId}>
                <td>{dateTime(o.createdAt)}</td>
                <td>{o.symbol}</td>
                <td>
                  <SideText side={o.side} />
                </td>
                <td>{o.type}</td>
                <td className="num">{o.price === null ? 'Market' : price(o.price, rules?.tickSize)}</td>
                <td className="num">{exact(o.quantity)}</td>
                <td className="num">{exact(o.filledQuantity)}</td>
                <td className="num">{price(o.averagePrice, rules?.tickSize)}</td>
                <td>
                  <StatusText status={o.status} />
                  {endReason(o) !== null && <span className="reason"> {endReason(o)}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {orders.length === 0 && <p className="muted empty">No orders</p>}
      {cursor !== null && (
        <button type="button" className="ghost more" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
    </Region>
  );
}

function Fills(props: { account: Account; reports: Emitter<ExecutionReport>; rulesOf: RulesOf }) {
  const [fills, setFills] = useState<FillView[]>([]);
  const { apiKey } = props.account;
  useEffect(() => {
    apiRequest<{ fills: FillView[] }>('/api/fills?limit=100', { apiKey }).then(
      (page) => setFills((current) => page.fills.reduce(addFill, current)),
      () => undefined,
    );
    return props.reports.on((report) => {
      const fill = fillFromReport(report);
      if (fill !== null) setFills((current) => addFill(current, fill));
    });
  }, [apiKey, props.reports]);
  return (
    <Region title="Fills">
      <table className="grid-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Symbol</th>
            <th scope="col">Side</th>
            <th scope="col" className="num">Price</th>
            <th scope="col" className="num">Quantity</th>
            <th scope="col">Role</th>
            <th scope="col" className="num">Fee</th>
          </tr>
        </thead>
        <tbody>
          {fills.map((f) => {
            const rules = props.rulesOf(f.symbol);
            return (
              <tr key={f.fillId}>
                <td>{dateTime(f.executedAt)}</td>
                <td>{f.symbol}</td>
                <td>
                  <SideText side={f.side} />
                </td>
                <td className="num">{price(f.price, rules?.tickSize)}</td>
                <td className="num">{quantity(f.quantity, rules?.lotSize)}</td>
                <td>{f.liquidity === 'MAKER' ? 'Maker' : 'Taker'}</td>
                <td className="num">
                  {exact(f.fee)} {f.feeAsset}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {fills.length === 0 && <p className="muted empty">No fills yet</p>}
    </Region>
  );
}

function Positions(props: { positions: Position[]; tickers: Record<string, Ticker>; rulesOf: RulesOf }) {
  return (
    <Region title="Positions">
      <table className="grid-table">
        <thead>
          <tr>
            <th scope="col">Symbol</th>
            <th scope="col" className="num">Quantity</th>
            <th scope="col" className="num">Avg entry</th>
            <th scope="col" className="num">Mark</th>
            <th scope="col" className="num">Unrealized PnL</th>
            <th scope="col" className="num">Realized PnL</th>
          </tr>
        </thead>
        <tbody>
          {props.positions.map((raw) => {
            const p = markLive(raw, markOf(props.tickers[raw.symbol]));
            const rules = props.rulesOf(p.symbol);
            const tone = (v: string | null) => (v === null ? '' : v.startsWith('-') ? 'sell' : 'buy');
            return (
              <tr key={p.symbol}>
                <th scope="row">{p.symbol}</th>
                <td className="num">{quantity(p.quantity, rules?.lotSize)}</td>
                <td className="num">{price(p.averageEntryPrice, rules?.tickSize)}</td>
                <td className="num">{price(p.markPrice, rules?.tickSize)}</td>
                <td className={`num ${tone(p.unrealizedPnl)}`}>{money(p.unrealizedPnl)}</td>
                <td className={`num ${tone(p.realizedPnl)}`}>{money(p.realizedPnl)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.positions.length === 0 && <p className="muted empty">No positions</p>}
    </Region>
  );
}
