import type { Account } from '../App';
import type { Balance } from '../lib/types';
import { exact, money } from './format';

/** Shown at the asset's usual precision; the exact amount is in the cell's title (and data-value). */
const places = (asset: string) => (asset === 'USD' ? 2 : 8);

export function BalancesPanel(props: { account: Account | null; balances: Balance[] | null }) {
  return (
    <section className="panel balances-panel" aria-labelledby="balances-heading">
      <div className="panel-head">
        <h2 id="balances-heading">Balances</h2>
      </div>
      {props.account === null ? (
        <p className="muted empty">Sign in to see balances</p>
      ) : (
        <table className="grid-table">
          <thead>
            <tr>
              <th scope="col">Asset</th>
              <th scope="col" className="num">Available</th>
              <th scope="col" className="num">Held</th>
              <th scope="col" className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {(props.balances ?? []).map((b) => (
              <tr key={b.asset} data-asset={b.asset}>
                <th scope="row">{b.asset}</th>
                {(['available', 'held', 'total'] as const).map((col) => (
                  <td key={col} className={`num${col === 'held' ? ' muted' : ''}`} data-col={col} data-value={b[col]} title={exact(b[col])}>
                    {money(b[col], places(b.asset))}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
