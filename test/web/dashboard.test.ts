import type { Browser, Locator, Page } from 'playwright-core';
import { MarketDataTestProcess } from '../harness/market-data-test-process';
import { launchChromium } from '../../scripts/chromium';
import { ensureWebBuilt } from '../../scripts/build-web';
import { eventually } from '../harness/processes';
import { TestSystem } from '../harness/system';

jest.setTimeout(120_000);

// BTC-USD prices in hundredths (its tick is 0.01). Code run in the page is passed as strings: this project's
// type-check has no DOM library outside web/.
const toCents = (price: string): bigint => {
  const [whole = '0', fraction = ''] = price.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
};
const fromCents = (cents: bigint): string => `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
const BARS = `Number(document.querySelector('[data-testid="candle-chart"]')?.getAttribute('data-bars')) >= 1`;
/** Whether a canvas of the chart has coloured pixels (candles are green or red): the chart really drew. */
const PAINTED = `[...document.querySelectorAll('[data-testid="candle-chart"] canvas')].some((canvas) => {
  const ctx = canvas.getContext('2d');
  if (ctx === null || canvas.width === 0) return false;
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && Math.abs(data[i] - data[i + 1]) > 60) return true;
  return false;
})`;
/** price × factor (in percent), rounded down to the tick. */
const scaled = (price: string, percent: bigint): string => fromCents((toCents(price) * percent) / 100n);

/**
 * The dashboard in real Chromium against the real system: the order API serving the built page, worker, risk
 * engine, venue replaying real trades, and the market data service (REST through the API, WebSocket direct), every
 * one its own process on the real stack. One trader's session, step by step, never reloading the page.
 */
describe('the trading dashboard in Chromium, end to end', () => {
  let system: TestSystem;
  let md: MarketDataTestProcess;
  let browser: Browser;
  let page: Page;
  let trader: { accountId: string; apiKey: string };
  const pageErrors: string[] = [];
  let cuttingOff = false;
  let lastPlaced = '';

  beforeAll(async () => {
    await ensureWebBuilt(() => undefined);
    md = await MarketDataTestProcess.create('web-e2e', { MARKET_DATA_BACKFILL_FILES: 'none' });
    const mdPort = new URL(md.baseUrl).port;
    system = await TestSystem.create('web-e2e', {
      replay: true,
      env: { MARKET_DATA_URL: md.baseUrl, DASHBOARD_WS_URL: `ws://127.0.0.1:${mdPort}/ws/market-data` },
    });
    Object.assign(md.env, { MONGO_DB: system.env.MONGO_DB!, VENUE_URL: system.venueUrl });
    trader = await system.createAccount({ USD: '100000', BTC: '2' });
    await system.startAll();
    await md.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // A CSP violation or a script error is a bug of the page.
      // (The browser also logs the 401 of the wrong key the first step tries on purpose, and the request the retry
      // step cuts off.)
      if (message.type() === 'error' && !message.text().includes('status of 401') && !(cuttingOff && message.text().includes('net::ERR_FAILED'))) {
        pageErrors.push(message.text());
      }
    });
  }, 240_000);

  let step = 0;
  afterEach(async () => {
    // What the page looked like at the end of each step, for whoever reads a failure.
    await page?.screenshot({ path: `.data/web-e2e-${++step}.png` }).catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await md?.dispose();
    await system?.stop();
  }, 120_000);

  /** Polls code run in the page (a string: the page's CSP forbids the eval that waitForFunction needs). */
  const until = (what: string, expression: string, timeoutMs = 30_000) =>
    eventually(what, async () => ((await page.evaluate(expression)) === true ? true : undefined), timeoutMs, 200);
  const region = (name: string): Locator => page.getByRole('region', { name, exact: true });
  const openTab = async (name: string) => page.getByRole('tab', { name: new RegExp(`^${name}`) }).click();
  /** The last order the form placed: its id as the form reports it ("Order 1a2b3c4d ACCEPTED"). */
  const placedOrderId = async (): Promise<string> => {
    const status = region('Order entry').getByRole('status');
    const id = await eventually('the form to report a new order', async () => {
      const text = (await status.count()) === 0 ? '' : ((await status.textContent()) ?? '');
      const found = /^Order ([0-9a-f]{8}) /.exec(text)?.[1];
      return found !== undefined && found !== lastPlaced ? found : undefined;
    });
    lastPlaced = id;
    return id;
  };
  const balance = (asset: string, column: 'total' | 'available' | 'held') => region('Balances').locator(`tr[data-asset="${asset}"] td[data-col="${column}"]`);
  /**
   * The best bid and ask as one rendering of the book shows them: read in one evaluation in the page, since the live
   * book may change between two reads (a run read an ask of 611.94, then a bid of 611.95, in two reads).
   */
  const bestPrices = (): Promise<{ bid: string; ask: string }> =>
    region('Order book').evaluate((panel) => {
      const price = (side: string, best: 'first' | 'last') => {
        const buttons = [...panel.querySelectorAll(`[data-testid="${side}"] button[aria-label^="Use price "]`)];
        const button = best === 'first' ? buttons[0] : buttons[buttons.length - 1];
        return (button?.getAttribute('aria-label') ?? '').replace('Use price ', '');
      };
      return { bid: price('bids', 'first'), ask: price('asks', 'last') };
    });
  const bestPrice = async (side: 'bids' | 'asks'): Promise<string> => {
    const rows = region('Order book').getByTestId(side).getByRole('button');
    const button = side === 'bids' ? rows.first() : rows.last();
    return ((await button.getAttribute('aria-label')) ?? '').replace('Use price ', '');
  };

  it('serves the page with its security headers, and signs in with an API key', async () => {
    const response = await page.goto(system.baseUrl);
    expect(response!.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');

    // A wrong key is refused with the API's code.
    await page.getByLabel('API key', { exact: true }).fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'UNAUTHENTICATED' }).waitFor();

    await page.getByLabel('API key', { exact: true }).fill(trader.apiKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByLabel('Account', { exact: true }).textContent()).resolves.toBe(trader.accountId);
    expect(await page.evaluate("sessionStorage.getItem('crypto-oms.apiKey')")).toBe(trader.apiKey);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    // A marker that a reload would wipe: every later step must happen without one.
    await page.evaluate('window.notReloaded = true');
  });

  it('shows the live book with depth, the trades tape and the candle chart', async () => {
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Live' }).waitFor();
    const book = region('Order book');
    await book.getByTestId('bids').getByRole('button').nth(4).waitFor({ timeout: 30_000 });
    await book.getByTestId('asks').getByRole('button').nth(4).waitFor();
    expect(await book.getByTestId('bids').getByRole('row').count()).toBeLessThanOrEqual(15);
    expect(await book.getByTestId('asks').getByRole('row').count()).toBeLessThanOrEqual(15);
    const best = await bestPrices();
    expect(toCents(best.ask)).toBeGreaterThan(toCents(best.bid));
    await expect(book.getByLabel('Spread').textContent()).resolves.toMatch(/Spread \d/);

    await region('Trades').getByRole('row').nth(1).waitFor({ timeout: 60_000 });

    const chart = page.getByTestId('candle-chart');
    await until('a candle on the chart', BARS, 60_000);
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    const painted = await page.evaluate(PAINTED);
    expect(painted).toBe(true);
    await page.getByRole('button', { name: '5m', exact: true }).click();
    await until('a 5m candle on the chart', BARS);
    await page.getByRole('button', { name: '1m', exact: true }).click();
  });

  it('places a resting limit order from the form and sees it ACCEPTED in Open orders, then cancels it', async () => {
    const bid = await bestPrice('bids');
    // A click on a price fills the form.
    await region('Order book').getByRole('button', { name: `Use price ${bid}`, exact: true }).click();
    await eventually('the clicked price in the form', async () => ((await page.getByLabel('Price', { exact: true }).inputValue()) === bid ? true : undefined), 5_000);

    const resting = scaled(bid, 95n);
    await page.getByRole('button', { name: 'Buy', exact: true }).click();
    await page.getByRole('button', { name: 'Limit', exact: true }).click();
    await page.getByLabel('Price', { exact: true }).fill(resting);
    await page.getByLabel('Quantity', { exact: true }).fill('0.01');
    await page.getByLabel('Time in force', { exact: true }).selectOption('GTC');
    await page.getByRole('button', { name: 'Place order', exact: true }).click();
    const orderId = await placedOrderId();

    const row = region('Open orders').locator(`tr[data-order-id^="${orderId}"]`);
    await row.getByText('ACCEPTED', { exact: true }).waitFor({ timeout: 30_000 });
    await expect(row.textContent()).resolves.toContain(resting);
    // The hold shows in the balances: 0.01 × price + the taker fee.
    await until('a USD hold', `(document.querySelector('tr[data-asset="USD"] td[data-col="held"]')?.dataset.value ?? '0') !== '0'`, 15_000);

    await row.getByRole('button', { name: 'Cancel', exact: true }).click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    await openTab('Order history');
    const historyRow = region('Order history').locator(`tr[data-order-id^="${orderId}"]`);
    await historyRow.getByText('CANCELLED', { exact: true }).waitFor({ timeout: 30_000 });
    // It says why: the trader cancelled it.
    await expect(historyRow.locator('.reason').textContent()).resolves.toContain('USER_CANCELLED');
    await until('the hold released', `document.querySelector('tr[data-asset="USD"] td[data-col="held"]')?.dataset.value === '0'`, 15_000);
    await openTab('Open orders');
  });

  it('fills a marketable order and the balances change', async () => {
    await expect(balance('BTC', 'total').getAttribute('data-value')).resolves.toBe('2');
    const usdBefore = await balance('USD', 'total').getAttribute('data-value');
    const ask = await bestPrice('asks');
    await page.getByRole('button', { name: 'Buy', exact: true }).click();
    await page.getByRole('button', { name: 'Limit', exact: true }).click();
    await page.getByLabel('Price', { exact: true }).fill(scaled(ask, 101n));
    await page.getByLabel('Quantity', { exact: true }).fill('0.01');
    await page.getByLabel('Time in force', { exact: true }).selectOption('IOC');
    await page.getByRole('button', { name: 'Place order', exact: true }).click();
    const orderId = await placedOrderId();

    await until('2.01 BTC', `document.querySelector('tr[data-asset="BTC"] td[data-col="total"]')?.dataset.value === '2.01'`);
    expect(await balance('USD', 'total').getAttribute('data-value')).not.toBe(usdBefore);
    await openTab('Fills');
    await region('Fills').getByRole('row').nth(1).waitFor({ timeout: 15_000 });
    await openTab('Order history');
    await region('Order history').locator(`tr[data-order-id^="${orderId}"]`).getByText(/^(FILLED|SETTLED)$/).waitFor({ timeout: 30_000 });
    await openTab('Positions');
    await region('Positions').getByRole('row', { name: /BTC-USD/ }).waitFor({ timeout: 15_000 });
    await openTab('Open orders');

    // A market order sells it back: no price, the best bid shown instead.
    await page.getByRole('button', { name: 'Sell', exact: true }).click();
    await page.getByRole('button', { name: 'Market', exact: true }).click();
    await expect(page.getByLabel('Price', { exact: true }).isDisabled()).resolves.toBe(true);
    await page.getByLabel('Quantity', { exact: true }).fill('0.01');
    await page.getByRole('button', { name: 'Place order', exact: true }).click();
    await placedOrderId();
    await until('2 BTC again', `document.querySelector('tr[data-asset="BTC"] td[data-col="total"]')?.dataset.value === '2'`);
    await page.getByRole('button', { name: 'Limit', exact: true }).click();
  });

  it('retries a request whose answer was lost with the same Idempotency-Key, and places one order', async () => {
    const keys: string[] = [];
    const replayed: Array<string | undefined> = [];
    const isPost = (url: URL) => url.pathname === '/api/orders';
    cuttingOff = true;
    await page.route(isPost, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      keys.push(route.request().headers()['idempotency-key']!);
      // The request reaches the API; its answer is lost on the way back the first time.
      const response = await route.fetch();
      replayed.push(response.headers()['idempotent-replayed']);
      if (keys.length === 1) return route.abort('failed');
      return route.fulfill({ response });
    });
    try {
      const bid = await bestPrice('bids');
      await page.getByRole('button', { name: 'Buy', exact: true }).click();
      await page.getByRole('button', { name: 'Limit', exact: true }).click();
      await page.getByLabel('Price', { exact: true }).fill(scaled(bid, 94n));
      await page.getByLabel('Quantity', { exact: true }).fill('0.02');
      await page.getByLabel('Time in force', { exact: true }).selectOption('GTC');
      await page.getByRole('button', { name: 'Place order', exact: true }).click();
      const orderId = await placedOrderId();
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
      expect(replayed).toEqual([undefined, 'true']);
      const listed = await system.request('GET', '/api/orders?limit=100', { apiKey: trader.apiKey });
      expect(listed.json.orders.filter((o: { orderId: string }) => o.orderId.startsWith(orderId))).toHaveLength(1);

      await region('Open orders').locator(`tr[data-order-id^="${orderId}"]`).getByText('ACCEPTED', { exact: true }).waitFor({ timeout: 30_000 });
      await region('Open orders').getByRole('button', { name: 'Cancel all', exact: true }).click();
      await region('Open orders').locator(`tr[data-order-id^="${orderId}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    } finally {
      await page.unroute(isPost);
      cuttingOff = false;
    }
  });

  it('shows the code when an order is refused', async () => {
    // The form checks the symbol's rules itself and sends nothing...
    await page.getByLabel('Time in force', { exact: true }).selectOption('GTC');
    await page.getByLabel('Price', { exact: true }).fill('600.001');
    await page.getByRole('button', { name: 'Place order', exact: true }).click();
    await region('Order entry').getByRole('alert').filter({ hasText: 'multiple of the tick size 0.01' }).waitFor();

    // ...and the risk engine refuses what the account cannot deliver (50 BTC to sell, 2.01 held): its code shows beside the form.
    const ask = await bestPrice('asks');
    await page.getByRole('button', { name: 'Sell', exact: true }).click();
    await page.getByLabel('Price', { exact: true }).fill(scaled(ask, 105n));
    await page.getByLabel('Quantity', { exact: true }).fill('50');
    await page.getByRole('button', { name: 'Place order', exact: true }).click();
    await region('Order entry').getByRole('alert').filter({ hasText: 'INSUFFICIENT_BALANCE' }).waitFor({ timeout: 30_000 });
    await openTab('Order history');
    await region('Order history').getByText('INSUFFICIENT_BALANCE').first().waitFor();

    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
