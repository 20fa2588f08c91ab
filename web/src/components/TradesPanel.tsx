import { useFrameStore, type FrameStore } from '../lib/frame-store';
import type { SymbolRules, Trade } from '../lib/types';
import { price, quantity, time } from './format';

export function TradesPanel(props: { store: FrameStore<{ list: Trade[] }, Trade[]>; rules: SymbolRules | undefined }) {
  const trades = useFrameStore(props.store);
  const { rules } = props;
  return (
    <section className="panel trades-panel" aria-labelledby="trades-heading">
      <div className="panel-head">
        <h2 id="trades-heading">Trades</h2>
      </div>
      <div className="scroll">
        <table className="tape">
          <thead>
            <tr>
              <th scope="col">Price</th>
              <th scope="col" className="num">Size</th>
              <th scope="col" className="num">Time</th>
            </tr>
          </thead>
          <tbody>
            {trades.map((t) => (
              <tr key={t.tradeId}>
                <td className={t.takerSide === 'BUY' ? 'buy' : 'sell'}>
                  {price(t.price, rules?.tickSize)} <span className="sr-only">{t.takerSide === 'BUY' ? 'buy' : 'sell'}</span>
                  <span aria-hidden="true">{t.takerSide === 'BUY' ? '▲' : '▼'}</span>
                </td>
                <td className="num">{quantity(t.quantity, rules?.lotSize)}</td>
                <td className="num muted">{time(t.time)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {trades.length === 0 && <p className="muted empty">No trades yet</p>}
      </div>
    </section>
  );
}
