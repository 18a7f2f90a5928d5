import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * Debian's Chromium, headless. The flags keep it from phoning home: this machine has no network
 * but loopback, and background requests would only fail noisily. Never downloads a browser.
 */
export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export function requireBuiltWeb(): void {
  if (!existsSync('dist/web/patient/index.html')) throw new Error('dist/web is missing: run `npm run build` first (npm test does)');
}
