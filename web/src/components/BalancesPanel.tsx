import type { Account } from '../App';
import type { Balance } from '../lib/types';
import { exact } from './format';

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
                <td className="num" data-col="available">{exact(b.available)}</td>
                <td className="num muted" data-col="held">{exact(b.held)}</td>
                <td className="num" data-col="total">{exact(b.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
