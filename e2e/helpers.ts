import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { after, before } from 'node:test';
import { registerClient } from '../src/server/auth/clients.js';
import { seedDemo } from '../src/server/demo/seed.js';
import type { Db } from '../src/server/db/port.js';
import type { Server } from '../src/server/server.js';
import { testDb } from '../src/server/testing/db.js';
import { startTestServer, type TestEnv, type TestServerOptions, useTestServer } from '../src/server/testing/server.js';
import { launch, requireBuiltWeb } from './browser.js';

/** Where SCREENSHOTS=1 puts the README pictures. */
export const SHOTS = process.env.SCREENSHOTS ? 'docs/screenshots' : null;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

export const IPAD = { viewport: { width: 1024, height: 1366 }, locale: 'nb-NO', hasTouch: true } as const;
export const DESKTOP = { viewport: { width: 1366, height: 900 }, locale: 'nb-NO' } as const;
/** The 1440×900 laptop of the issues' briefs. */
export const WIDE = { viewport: { width: 1440, height: 900 }, locale: 'nb-NO' } as const;

/** Uncaught script errors in any page; tests assert it stays empty. */
export const pageErrors: string[] = [];

/** A page in a context of its own, its script errors collected in `pageErrors`. */
export async function newPage(browser: Browser, opts: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return { context, page };
}

/** Only the page of `newPage`, for tests that never close its context by hand. */
export async function openPage(browser: Browser, opts: BrowserContextOptions): Promise<Page> {
  return (await newPage(browser, opts)).page;
}

/** Registers an API client and returns a bearer token it got by client credentials, as an integration holds one. */
export async function clientToken(env: Pick<TestEnv, 'db' | 'server'>, client: Parameters<typeof registerClient>[1]): Promise<string> {
  const c = await registerClient(env.db, client);
  const res = await env.server.app.inject({
    method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }).toString(),
  });
  const token = (JSON.parse(res.body) as { access_token?: string }).access_token;
  if (!token) throw new Error(`no token for ${client.clientId}: ${res.statusCode} ${res.body}`);
  return token;
}

export async function loginClinic(page: Page, base: string, name: RegExp): Promise<void> {
  await page.goto(`${base}/auth/login?app=clinic`);
  await page.getByRole('button', { name }).click();
  // The app's own path, not a redirect whose query merely names it (…/callback?…/clinic/): a
  // test that navigates on before the login's last redirect lands is sent back to the start page.
  await page.waitForURL((u) => u.pathname.startsWith('/clinic/'));
}

export async function loginPatient(page: Page, base: string, fnr: string): Promise<void> {
  await page.goto(`${base}/auth/login?app=patient`);
  await page.getByLabel('Fødselsnummer (11 siffer)').fill(fnr);
  await page.getByRole('button', { name: 'Logg inn', exact: true }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/patient/'));
}

export interface AxeSummary {
  page: string;
  violations: number;
  serious: number;
  ids: string[];
}

/** Every axe result of the run, printed at the end as the accessibility report. */
export const axeLog: AxeSummary[] = [];

/**
 * Runs axe (WCAG 2.0/2.1 A and AA rules) on the page as it is now and fails on any serious or
 * critical violation, naming the rule and the elements.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // Legacy mode runs axe.run in the page (and its same-origin frames) itself. The default opens a
  // blank page for every scan, injects axe's 0.5 MB into it too and ships the partial results
  // across: ~45 % of each scan's time on a 2-core machine (worklist 4.2-5.1 s -> 2.5 s), the same rules.
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).setLegacyMode().analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  axeLog.push({ page: name, violations: r.violations.length, serious: bad.length, ids: r.violations.map((v) => `${v.id}:${v.impact}`) });
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`),
    [],
    `axe on "${name}"`,
  );
}

export function printAxeReport(): void {
  if (axeLog.length === 0) return;
  const width = Math.max(...axeLog.map((a) => a.page.length));
  console.log(`\naxe (wcag2a, wcag2aa, wcag21a, wcag21aa) — ${axeLog.length} page states`);
  for (const a of axeLog) console.log(`  ${a.page.padEnd(width)}  serious/critical: ${a.serious}  all: ${a.violations}${a.ids.length ? `  (${a.ids.join(', ')})` : ''}`);
}

/** Waits until no "Laster …" text is left in the main area. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('main')?.textContent?.includes('Laster …'));
}

/**
 * The set-up of a browser test: the server tests' useTestServer() (fresh database, fixture,
 * cookies, server) plus Debian's Chromium, started after the web apps are found built. `setup`
 * runs last, with the browser, for the file's own pages and logins.
 */
export function useBrowserTest(opts: Omit<TestServerOptions, 'setup' | 'teardown'> & { setup?: (env: BrowserEnv) => Promise<void> } = {}): BrowserEnv {
  const env = useTestServer({
    ...opts,
    setup: async () => {
      requireBuiltWeb();
      env.browser = await launch();
      await opts.setup?.(env);
    },
    // The browser first: its open pages hold streams the server would wait for.
    teardown: async () => {
      await env.browser?.close();
    },
  }) as BrowserEnv;
  return env;
}

export interface BrowserEnv extends TestEnv {
  browser: Browser;
}

/**
 * Sykepleier A on a laptop, on the patient's Målinger tab with the SpO2 readings shown as a
 * table (where "skrevet inn av …" says who entered a reading).
 */
export async function nurseOnSpo2Table(env: BrowserEnv, patientId: string): Promise<Page> {
  const nurse = await openPage(env.browser, WIDE);
  await loginClinic(nurse, env.server.url, /Sykepleier A/);
  await nurse.goto(`${env.server.url}/clinic/#/pasient/${patientId}`);
  await nurse.locator('#alerts-heading').waitFor({ timeout: 120_000 });
  await nurse.getByRole('tab', { name: 'Målinger' }).click();
  await settled(nurse);
  await nurse.locator('summary', { hasText: /Vis .*SpO2.* som tabell/ }).first().click();
  return nurse;
}

export interface DemoBrowserEnv {
  db: Db;
  server: Server;
  browser: Browser;
  /** The demo's Kari Nordmann. */
  kari: { id: string; identifier: string };
  /** A page in a context of its own, closed after the file (before the browser). */
  open(opts: BrowserContextOptions): Promise<Page>;
}

/**
 * The set-up of a browser test on the demo helsefellesskap (seedDemo, as a visitor sees it)
 * rather than the test fixture: database, demo data, server and Chromium; `setup` runs last. After
 * the file: the axe report, then every page's context, the browser, the server and the database.
 */
export function useDemoBrowserTest(setup?: (env: DemoBrowserEnv) => Promise<void>): DemoBrowserEnv {
  const contexts: BrowserContext[] = [];
  const env = {
    open: async (opts: BrowserContextOptions) => {
      const { context, page } = await newPage(env.browser, opts);
      contexts.push(context);
      return page;
    },
  } as DemoBrowserEnv;
  before(async () => {
    requireBuiltWeb();
    env.db = await testDb();
    await seedDemo(env.db, { now: new Date() });
    env.kari = (await env.db.query<{ id: string; identifier: string }>(`select id, identifier from patients where name = 'Kari Nordmann'`)).rows[0]!;
    env.server = await startTestServer(env.db);
    env.browser = await launch();
    await setup?.(env);
  });
  after(async () => {
    printAxeReport();
    for (const c of contexts) await c.close();
    await env.browser?.close();
    await env.server?.close();
    await env.db?.close();
  });
  return env;
}

