import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loginPatient, pageErrors } from './helpers.js';

/** Issue 11 viewports: Kari's phone, an iPad in portrait, and the narrowest phone (used with 200 % text). */
export const PHONE = { viewport: { width: 390, height: 844 }, locale: 'nb-NO', hasTouch: true, isMobile: true } as const;
export const IPAD_PORTRAIT = { viewport: { width: 810, height: 1080 }, locale: 'nb-NO', hasTouch: true } as const;
export const NARROW = { viewport: { width: 320, height: 640 }, locale: 'nb-NO', hasTouch: true, isMobile: true } as const;

/** The browser's own text-size setting at 200 % (Chrome's default font size 16 → 32 px). */
export async function textSize200(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
}

/** No sideways scrolling, and no text box sticking out past the right edge (clipped or hidden). */
export async function assertFits(page: Page, what: string): Promise<void> {
  const r = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const over = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((el) => {
        if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') return false;
        if (el.closest('.visually-hidden, .skip-link, canvas, svg')) return false;
        const b = el.getBoundingClientRect();
        return b.width > 0 && (b.right > width + 1 || (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'hidden'));
      })
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? '').trim().slice(0, 40)}"`);
    return { scroll: document.documentElement.scrollWidth, width, over };
  });
  assert.deepEqual(r.over, [], `${what}: elements past the right edge (page ${r.scroll}px wide in a ${r.width}px window)`);
  assert.ok(r.scroll <= r.width, `${what}: page is ${r.scroll}px wide in a ${r.width}px window`);
}


/** A fresh browser context at a viewport, the patient logged in, script errors collected. */
export async function patientPage(browser: Browser, base: string, fnr: string, opts: typeof PHONE | typeof IPAD_PORTRAIT | typeof NARROW): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  await loginPatient(page, base, fnr);
  return { context, page };
}
