import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Account } from '../App';
import { ApiError, NetworkError, apiRequest } from '../lib/api';
import { cmp, isDecimal } from '../lib/decimal';
import type { Emitter } from '../lib/emitter';
import { checkOrder, effectivePrice, estimatedFee, fundsNeeded, notional, submissionFor, type OrderForm, type OrderRequest, type PendingSubmission } from '../lib/order-form';
import type { Balance, ExecutionReport, OrderView, SymbolRules, Ticker, TimeInForce } from '../lib/types';
import { exact, money, price } from './format';

type Message = { kind: 'error'; code: string; text: string } | { kind: 'info'; text: string } | { kind: 'problems'; list: string[] };

/** A random v4 UUID, also outside a secure context (crypto.randomUUID needs one). */
function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * POST /api/orders, retried twice (after 0.5 s and 1 s) when no answer came, always with the same Idempotency-Key:
 * if the first request did reach the API, the retry gets its stored answer back instead of placing a second order.
 */
async function placeWithRetries(apiKey: string, body: OrderRequest, idempotencyKey: string): Promise<OrderView> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await apiRequest<OrderView>('/api/orders', { method: 'POST', apiKey, body, headers: { 'Idempotency-Key': idempotencyKey } });
    } catch (error) {
      if (!(error instanceof NetworkError) || attempt >= 2) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}

export function OrderEntry(props: {
  account: Account;
  rules: SymbolRules | undefined;
  ticker: Ticker | undefined;
  balances: Balance[] | null;
  pickedPrice: { price: string; at: number } | null;
  reports: Emitter<ExecutionReport>;
  onPlaced: (order: OrderView) => void;
}) {
  const { rules, ticker } = props;
  const [form, setForm] = useState<OrderForm>({ side: 'BUY', type: 'LIMIT', quantity: '', price: '', timeInForce: 'GTC', expireAt: '', postOnly: false });
  const [busy, setBusy] = useState(false);
  const id = useId();
  const [message, setMessage] = useState<Message | null>(null);
  const pending = useRef<PendingSubmission | null>(null);
  const tracked = useRef<string | null>(null);
  const patch = (p: Partial<OrderForm>) => setForm((f) => ({ ...f, ...p }));

  useEffect(() => {
    if (props.pickedPrice !== null) setForm((f) => ({ ...f, type: 'LIMIT', price: props.pickedPrice!.price }));
  }, [props.pickedPrice]);

  // The outcome of the last order placed here, as the private channel reports it.
  useEffect(
    () =>
      props.reports.on((report) => {
        if (report.orderId !== tracked.current) return;
        const short = report.orderId.slice(0, 8);
        if (report.status === 'REJECTED') setMessage({ kind: 'error', code: report.order.rejectReason ?? 'REJECTED', text: `order ${short} was rejected` });
        else setMessage({ kind: 'info', text: `Order ${short} ${report.status}` });
      }),
    [props.reports],
  );

  const reference = { bestBid: ticker?.bid ?? null, bestAsk: ticker?.ask ?? null };
  const priced = effectivePrice(form, reference);
  const orderNotional = notional(form, priced);
  const fee = estimatedFee(form, orderNotional);
  const funds = rules === undefined ? null : fundsNeeded(form, rules, orderNotional, fee);
  const available = funds === null ? undefined : props.balances?.find((b) => b.asset === funds.asset)?.available;
  const short = funds !== null && funds.amount !== null && available !== undefined && isDecimal(funds.amount) && cmp(funds.amount, available) > 0;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (rules === undefined || busy) return;
    const checked = checkOrder(form, rules, new Date(), form.type === 'MARKET' ? priced : null);
    if (checked.body === null) {
      setMessage({ kind: 'problems', list: checked.problems });
      return;
    }
    const submission = submissionFor(pending.current, checked.body, newIdempotencyKey);
    pending.current = submission;
    setBusy(true);
    setMessage(null);
    placeWithRetries(props.account.apiKey, checked.body, submission.key)
      .then((order) => {
        pending.current = null;
        tracked.current = order.orderId;
        props.onPlaced(order);
        setMessage({ kind: 'info', text: `Order ${order.orderId.slice(0, 8)} ${order.status}` });
      })
      .catch((e: unknown) => {
        if (e instanceof NetworkError) {
          // Still no answer: the order may have been placed. Sending it again reuses the key, so it is placed at most once.
          setMessage({ kind: 'error', code: 'NETWORK_ERROR', text: 'no answer from the API; Place order again retries with the same Idempotency-Key' });
          return;
        }
        pending.current = null;
        if (e instanceof ApiError) setMessage({ kind: 'error', code: e.code, text: e.message });
        else setMessage({ kind: 'error', code: 'ERROR', text: e instanceof Error ? e.message : String(e) });
      })
      .finally(() => setBusy(false));
  };

  const isLimit = form.type === 'LIMIT';
  return (
    <section className="panel entry" aria-labelledby="entry-heading">
      <div className="panel-head">
        <h2 id="entry-heading">Order entry</h2>
        <span className="muted small">{rules?.symbol}</span>
      </div>
      <form onSubmit={submit} className="form" noValidate>
        <div className="segmented sides" role="group" aria-label="Side">
          <button type="button" className="buy" aria-pressed={form.side === 'BUY'} onClick={() => patch({ side: 'BUY' })}>
            Buy
          </button>
          <button type="button" className="sell" aria-pressed={form.side === 'SELL'} onClick={() => patch({ side: 'SELL' })}>
            Sell
          </button>
        </div>
        <div className="segmented" role="group" aria-label="Order type">
          <button type="button" aria-pressed={isLimit} onClick={() => patch({ type: 'LIMIT' })}>
            Limit
          </button>
          <button type="button" aria-pressed={!isLimit} onClick={() => patch({ type: 'MARKET', postOnly: false })}>
            Market
          </button>
        </div>
        <div className="field">
          <label htmlFor={`${id}-price`}>Price</label>
          <input
            id={`${id}-price`}
            inputMode="decimal"
            autoComplete="off"
            value={isLimit ? form.price : ''}
            placeholder={isLimit ? `tick ${rules?.tickSize ?? ''}` : 'Market'}
            disabled={!isLimit}
            onChange={(e) => patch({ price: e.target.value })}
          />
          <span className="unit" aria-hidden="true">{rules?.quoteAsset}</span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-quantity`}>Quantity</label>
          <input id={`${id}-quantity`} inputMode="decimal" autoComplete="off" value={form.quantity} placeholder={`lot ${rules?.lotSize ?? ''}`} onChange={(e) => patch({ quantity: e.target.value })} />
          <span className="unit" aria-hidden="true">{rules?.baseAsset}</span>
        </div>
        {isLimit && (
          <div className="row">
            <div className="field compact">
              <label htmlFor={`${id}-tif`}>Time in force</label>
              <select id={`${id}-tif`} value={form.timeInForce} onChange={(e) => patch({ timeInForce: e.target.value as TimeInForce })}>
                <option value="GTC">GTC</option>
                <option value="IOC">IOC</option>
                <option value="FOK">FOK</option>
                <option value="GTD">GTD</option>
              </select>
            </div>
            <label className="check">
              <input type="checkbox" checked={form.postOnly} onChange={(e) => patch({ postOnly: e.target.checked })} />
              Post-only
            </label>
          </div>
        )}
        {isLimit && form.timeInForce === 'GTD' && (
          <div className="field">
            <label htmlFor={`${id}-expiry`}>Expiry</label>
            <input id={`${id}-expiry`} type="datetime-local" value={form.expireAt} onChange={(e) => patch({ expireAt: e.target.value })} />
          </div>
        )}
        <dl className="summary">
          <div>
            <dt>Notional</dt>
            <dd>
              {money(orderNotional, 2)} {rules?.quoteAsset}
            </dd>
          </div>
          <div>
            <dt>Est. fee ({isLimit && form.postOnly ? 'maker 0.10%' : 'taker 0.20%'})</dt>
            <dd>
              {money(fee, 4)} {rules?.quoteAsset}
            </dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd className={short ? 'sell' : ''}>
              {exact(available)} {funds?.asset}
              {short && ' (not enough)'}
            </dd>
          </div>
          {!isLimit && (
            <div>
              <dt>Best {form.side === 'BUY' ? 'ask' : 'bid'}</dt>
              <dd>{price(priced, rules?.tickSize)}</dd>
            </div>
          )}
        </dl>
        <button type="submit" className={`primary ${form.side === 'BUY' ? 'buy-bg' : 'sell-bg'}`} disabled={busy || rules === undefined}>
          Place order
        </button>
        <div aria-live="polite" className="outcome">
          {message?.kind === 'problems' && (
            <ul role="alert" className="error">
              {message.list.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          {message?.kind === 'error' && (
            <p role="alert" className="error" data-code={message.code}>
              <strong>{message.code}</strong>: {message.text}
            </p>
          )}
          {message?.kind === 'info' && (
            <p role="status" className="info">
              {message.text}
            </p>
          )}
        </div>
      </form>
    </section>
  );
}
