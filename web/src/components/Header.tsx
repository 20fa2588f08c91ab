import { cmp } from '../lib/decimal';
import type { ConnectionState } from '../lib/market-socket';
import type { SymbolRules, Ticker } from '../lib/types';
import { price, quantity } from './format';

const CONNECTION_TEXT: Record<ConnectionState, string> = { connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', offline: 'Offline' };

export function Header(props: {
  symbols: SymbolRules[];
  symbol: string;
  onSymbol: (s: string) => void;
  ticker: Ticker | undefined;
  rules: SymbolRules | undefined;
  connection: ConnectionState;
  resyncs: number;
  accountId: string | null;
  onSignOut: () => void;
}) {
  const { ticker, rules } = props;
  const up = ticker?.change !== null && ticker?.change !== undefined && cmp(ticker.change, '0') >= 0;
  return (
    <header className="topbar">
      <span className="brand">crypto-oms</span>
      <label className="symbol-picker">
        <span className="sr-only">Symbol</span>
        <select aria-label="Symbol" value={props.symbol} onChange={(e) => props.onSymbol(e.target.value)}>
          {(props.symbols.length === 0 ? [{ symbol: props.symbol }] : props.symbols).map((s) => (
            <option key={s.symbol} value={s.symbol}>
              {s.symbol}
            </option>
          ))}
        </select>
      </label>
      <dl className="ticker" aria-label={`${props.symbol} ticker`}>
        <div>
          <dt>Last</dt>
          <dd className={`big ${up ? 'buy' : 'sell'}`}>{price(ticker?.last, rules?.tickSize)}</dd>
        </div>
        <div>
          <dt>24h change</dt>
          <dd className={up ? 'buy' : 'sell'}>
            {ticker?.change == null ? '—' : `${up ? '+' : ''}${price(ticker.change, rules?.tickSize)}`}
            {ticker?.changePercent != null && ` (${up ? '+' : ''}${ticker.changePercent}%)`}
          </dd>
        </div>
        <div>
          <dt>24h high</dt>
          <dd>{price(ticker?.high, rules?.tickSize)}</dd>
        </div>
        <div>
          <dt>24h low</dt>
          <dd>{price(ticker?.low, rules?.tickSize)}</dd>
        </div>
        <div>
          <dt>24h volume ({rules?.baseAsset ?? ''})</dt>
          <dd>{quantity(ticker?.volume, '0.0001')}</dd>
        </div>
      </dl>
      <div className="session">
        <span className={`conn conn-${props.connection}`} role="status" aria-label="Connection">
          <span aria-hidden="true" className="dot" />
          {CONNECTION_TEXT[props.connection]}
          {props.resyncs > 0 && <span className="muted"> · {props.resyncs} resync{props.resyncs === 1 ? '' : 's'}</span>}
        </span>
        {props.accountId !== null && (
          <>
            <span className="account" aria-label="Account">
              {props.accountId}
            </span>
            <button type="button" className="ghost" onClick={props.onSignOut}>
              Sign out
            </button>
          </>
        )}
      </div>
    </header>
  );
}
