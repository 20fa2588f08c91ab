import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium';
import { REPO_ROOT } from './stack/settings';

/**
 * Screenshots of the dashboard from the running system (`npm start` in another terminal), for the README:
 * docs/dashboard.png at 1280×800 and docs/dashboard-narrow.png on a phone-sized screen.
 *
 *   npx tsx scripts/dashboard-screenshots.ts [--url http://localhost:5000] [--api-key demo-alice-key] [--out docs]
 *
 * To show an open order it places one small post-only bid 3 % under the best bid (it cannot trade) and cancels it
 * at the end.
 */
function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1]! : fallback;
}

const url = option('url', 'http://localhost:5000');
const apiKey = option('api-key', 'demo-alice-key');
const out = join(REPO_ROOT, option('out', 'docs'));

// Code run in the page is passed as a string: this script's type-check has no DOM library.
const CHART_DRAWN = `Number(document.querySelector('[data-testid="candle-chart"]')?.getAttribute('data-bars')) >= 1`;

async function waitInPage(page: import('playwright-core').Page, expression: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await page.evaluate(expression)) !== true) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const browser = await launchChromium();
  let placed: string | undefined;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const response = await page.goto(url);
    if (response === null || !response.ok()) throw new Error(`${url} answered ${response?.status() ?? 'nothing'}: is npm start running?`);
    await page.getByLabel('API key', { exact: true }).fill(apiKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Account', { exact: true }).waitFor();
    await page.getByRole('region', { name: 'Order book' }).getByTestId('bids').getByRole('button').first().waitFor({ timeout: 30_000 });
    await waitInPage(page, CHART_DRAWN, 30_000);

    const bid = ((await page.getByRole('region', { name: 'Order book' }).getByTestId('bids').getByRole('button').first().getAttribute('aria-label')) ?? '').replace('Use price ', '');
    const [whole = '0', fraction = ''] = bid.split('.');
    const cents = ((BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2))) * 97n) / 100n;
    await page.getByLabel('Price', { exact: true }).fill(`${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`);
    await page.getByLabel('Quantity', { exact: true }).fill('0.05');
    await page.getByLabel('Post-only').check();
    await page.getByRole('button', { name: 'Place order', exact: true }).click();
    const status = page.getByRole('region', { name: 'Order entry' }).getByRole('status');
    await status.filter({ hasText: /ACCEPTED/ }).waitFor({ timeout: 30_000 });
    placed = /^Order ([0-9a-f]{8})/.exec((await status.textContent()) ?? '')?.[1];
    await page.getByLabel('Quantity', { exact: true }).fill('0.25');
    await page.waitForTimeout(1_500);

    await page.screenshot({ path: join(out, 'dashboard.png') });
    console.log(`wrote ${join(out, 'dashboard.png')}`);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(1_000);
    await page.screenshot({ path: join(out, 'dashboard-narrow.png'), fullPage: true });
    console.log(`wrote ${join(out, 'dashboard-narrow.png')}`);

    if (placed !== undefined) {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.getByRole('region', { name: 'Open orders' }).locator(`tr[data-order-id^="${placed}"]`).getByRole('button', { name: 'Cancel', exact: true }).click();
      await page.getByRole('region', { name: 'Open orders' }).locator(`tr[data-order-id^="${placed}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
