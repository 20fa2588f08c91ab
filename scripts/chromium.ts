import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/**
 * Debian's chromium, driven by playwright-core (which downloads no browser). CHROMIUM_PATH overrides the binary;
 * scripts/ensure-chromium.sh installs it when missing (npm test runs it).
 */
export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given !== undefined && given !== '') return given;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: run bash scripts/ensure-chromium.sh (apt-get install chromium) or set CHROMIUM_PATH');
  }
}

/**
 * Headless, and quiet on the network: without the background-networking flags Chromium keeps trying hosts this
 * machine cannot reach. --no-sandbox because tests run as root here (Chromium refuses its sandbox as root).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}
