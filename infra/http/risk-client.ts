import type { AssetBalance } from '../../domain/account';
import type { PositionView } from '../../domain/market-events';
import type { OrderView } from '../../domain/order';
import type { SymbolStatus } from '../../domain/symbols';
import type { AccountTrading, SymbolStatusView } from '../../domain/trading-controls';
import type { FillLiquidity } from '../../domain/venue-order';
import { callJson, serviceError, type ServiceEndpoint, type ServiceError } from './http-json';

export interface RiskHold {
  asset: string;
  amount: string;
  /** MARKET: the worst price the order may fill at, to send to the venue as its limit; null for LIMIT. */
  protectionPrice: string | null;
  /** An earlier call placed this hold (a retry): the risk engine answered the hold it had. */
  alreadyHeld?: boolean;
}

export interface SettledFill {
  applied: boolean;
  fee: { asset: string; amount: string };
  /** Asked for with the fill (release: true): released or not, or the 409/503 error POST /release would have answered. */
  release?: { released: boolean } | { released: false; status: number; error: ServiceError };
}

/** The risk engine's HTTP API, as the order activities use it. */
export class RiskClient {
  constructor(
    private readonly service: ServiceEndpoint,
    /** How long one call may take (a caller answering a client passes a few seconds; the activities keep the default). */
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  private call(method: 'GET' | 'POST', path: string, body?: unknown) {
    return callJson(this.service, method, path, body, this.options.timeoutMs);
  }

  /** Pre-trade checks and the hold, atomic and idempotent per orderId; a refusal is a value. MARKET orders are priced from the risk engine's own mark. */
  async hold(order: OrderView): Promise<{ ok: true; hold: RiskHold } | { ok: false; status: number; error: ServiceError }> {
    const response = await this.call('POST', `/risk/orders/${encodeURIComponent(order.orderId)}/hold`, {
      accountId: order.accountId,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      quantity: order.quantity,
      price: order.price,
    });
    if (response.status === 200) {
      const body = response.body as RiskHold;
      return { ok: true, hold: { asset: body.asset, amount: body.amount, protectionPrice: body.protectionPrice, ...(body.alreadyHeld === true ? { alreadyHeld: true } : {}) } };
    }
    return { ok: false, status: response.status, error: serviceError(response) };
  }

  async settleFill(input: {
    orderId: string;
    fillId: string;
    accountId: string;
    symbol: string;
    side: OrderView['side'];
    quantity: string;
    price: string;
    liquidity: FillLiquidity;
    /** The other side as the venue reported it; required for a fill of the venue's own accounts. */
    contra?: { accountId: string; orderId: string };
    /** Then release what the order still holds (the fill that completes it): one call instead of settle and release. */
    release?: boolean;
  }): Promise<{ ok: true; fill: SettledFill } | { ok: false; status: number; error: ServiceError }> {
    const { orderId, ...body } = input;
    const response = await this.call('POST', `/risk/orders/${encodeURIComponent(orderId)}/fills`, body);
    if (response.status === 200) return { ok: true, fill: response.body as SettledFill };
    return { ok: false, status: response.status, error: serviceError(response) };
  }

  async release(input: { orderId: string; accountId: string }): Promise<{ ok: true } | { ok: false; status: number; error: ServiceError }> {
    const response = await this.call('POST', `/risk/orders/${encodeURIComponent(input.orderId)}/release`, { accountId: input.accountId });
    return response.status === 200 ? { ok: true } : { ok: false, status: response.status, error: serviceError(response) };
  }

  async balances(accountId: string): Promise<AssetBalance[] | null> {
    const response = await this.call('GET', `/risk/accounts/${encodeURIComponent(accountId)}/balances`);
    if (response.status === 404) return null;
    if (response.status !== 200) throw new Error(`balances answered ${response.status}: ${serviceError(response).message}`);
    return response.body as AssetBalance[];
  }

  /** The account's positions marked to the risk engine's latest mark; null when the account does not exist. */
  async positions(accountId: string): Promise<PositionView[] | null> {
    const response = await this.call('GET', `/risk/accounts/${encodeURIComponent(accountId)}/positions`);
    if (response.status === 404) return null;
    if (response.status !== 200) throw new Error(`positions answered ${response.status}: ${serviceError(response).message}`);
    return response.body as PositionView[];
  }

  /** An admin's switch on the account's trading (the risk engine owns it); a 4xx (404: no such account) is a value. */
  async setTrading(accountId: string, enabled: boolean): Promise<{ ok: true; trading: AccountTrading } | { ok: false; status: number; error: ServiceError }> {
    const response = await callJson(this.service, 'PUT', `/risk/accounts/${encodeURIComponent(accountId)}/trading`, { enabled });
    return response.status === 200 ? { ok: true, trading: response.body as AccountTrading } : { ok: false, status: response.status, error: serviceError(response) };
  }

  /** Halts or resumes a symbol at runtime in every risk process; a 4xx (400: unknown symbol) is a value. */
  async setSymbolStatus(symbol: string, status: SymbolStatus): Promise<{ ok: true; symbol: SymbolStatusView } | { ok: false; status: number; error: ServiceError }> {
    const response = await callJson(this.service, 'PUT', `/risk/symbols/${encodeURIComponent(symbol)}/status`, { status });
    return response.status === 200 ? { ok: true, symbol: response.body as SymbolStatusView } : { ok: false, status: response.status, error: serviceError(response) };
  }
}
