import type { BookView, DepthRow } from '../lib/book';
import type { OrderBook } from '../lib/book';
import { useFrameStore, type FrameStore } from '../lib/frame-store';
import type { SymbolRules, Ticker } from '../lib/types';
import { price, quantity } from './format';

/** Top 15 levels a side with depth bars (cumulative from the best price) and the spread; a click on a level's price fills the order form. */
export function OrderBookPanel(props: { store: FrameStore<OrderBook, BookView>; rules: SymbolRules | undefined; lastTicker: Ticker | undefined; onPickPrice: (price: string) => void }) {
  const view = useFrameStore(props.store);
  const { rules } = props;
  const row = (level: DepthRow, side: 'bid' | 'ask') => (
    <tr key={level.price} className={`level ${side}`} style={{ ['--depth' as string]: `${(level.depth * 100).toFixed(1)}%` }}>
      <td>
        <button type="button" className="price-button" aria-label={`Use price ${level.price}`} onClick={() => props.onPickPrice(level.price)}>
          {price(level.price, rules?.tickSize)}
        </button>
      </td>
      <td className="num">{quantity(level.quantity, rules?.lotSize)}</td>
      <td className="num muted">{quantity(level.cumulative, rules?.lotSize)}</td>
    </tr>
  );
  return (
    <section className="panel book-panel" aria-labelledby="book-heading">
      <div className="panel-head">
        <h2 id="book-heading">Order book</h2>
        {!view.synced && <span className="tag warn">resyncing</span>}
      </div>
      <table className="book" aria-label="Asks">
        <thead>
          <tr>
            <th scope="col">Price ({rules?.quoteAsset ?? ''})</th>
            <th scope="col" className="num">Size ({rules?.baseAsset ?? ''})</th>
            <th scope="col" className="num">Total</th>
          </tr>
        </thead>
        <tbody data-testid="asks">{[...view.asks].reverse().map((l) => row(l, 'ask'))}</tbody>
      </table>
      <div className="spread" aria-label="Spread">
        <span className="last">{price(props.lastTicker?.last, rules?.tickSize)}</span>
        <span className="muted">
          Spread {view.spread === null ? '—' : price(view.spread, rules?.tickSize)}
          {view.spreadPercent !== null && ` (${view.spreadPercent.slice(0, 6)}%)`}
        </span>
      </div>
      <table className="book" aria-label="Bids">
        <tbody data-testid="bids">{view.bids.map((l) => row(l, 'bid'))}</tbody>
      </table>
    </section>
  );
}
