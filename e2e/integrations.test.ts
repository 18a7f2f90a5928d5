import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { seedDemo } from '../src/server/demo/seed.js';
import type { Db } from '../src/server/db/port.js';
import { localReceiverOf } from '../src/server/outbox/routes.js';
import { OutboxWorker } from '../src/server/outbox/worker.js';
import type { Server } from '../src/server/server.js';
import { testDb } from '../src/server/testing/db.js';
import { personnelCookie } from '../src/server/testing/fixtures.js';
import { startTestServer } from '../src/server/testing/server.js';
import { launch, requireBuiltWeb } from './browser.js';
import { DESKTOP, expectAccessible, loginClinic, newPage, pageErrors, printAxeReport } from './helpers.js';

/**
 * Issue 14 in Chromium: the demo's municipality sends its VKP documents to the local receiver; a
 * nurse acknowledges an alert, one document arrives, another gives up (the receiver refuses it);
 * the administrator sees the dead letter on the Utsending page and sends it again, and it
 * arrives. The page passes axe.
 */
let db: Db;
let server: Server;
let browser: Browser;
const contexts: BrowserContext[] = [];
const SHOT_DIR = process.env.SCREENSHOTS ? 'docs/screenshots' : process.env.SHOT_DIR;

before(async () => {
  requireBuiltWeb();
  db = await testDb();
  await seedDemo(db, { now: new Date() });
  // DEMO points the demo municipalities' VKP receivers at the local receiver.
  server = await startTestServer(db, { env: { DEMO: 'true' } });
  browser = await launch();
});
after(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
  await db?.close();
  printAxeReport();
});

test('a VKP document that gave up is shown to the administrator, sent again and arrives', async () => {
  const bergvik = (await db.query<{ id: string }>(`select id from organisations where org_number = '921000011'`)).rows[0]!.id;
  const nora = (await db.query<{ id: string }>(`select id from personnel where hpr_number = '9100001'`)).rows[0]!.id;
  const nurse = await personnelCookie(db, nora, bergvik, 'nurse');
  const open = (await db.query<{ id: string }>(
    `select a.id from alerts a join episodes e on e.id = a.episode_id where a.status = 'open' and e.follow_up_org = $1 and e.status <> 'ended' order by a.first_at desc limit 2`, [bergvik])).rows;
  assert.equal(open.length, 2, 'the demo has open alerts in Bergvik');
  const ack = (id: string) => server.app.inject({
    method: 'POST', url: `/api/alerts/${id}/acknowledge`, headers: { cookie: nurse, 'content-type': 'application/json' },
    payload: JSON.stringify({ note: { contactType: 'phone', text: 'Ringte pasienten.' } }),
  });
  const receiver = localReceiverOf(server.app)!;
  const worker = new OutboxWorker(db, { id: 'e2e', maxAttempts: 1 });
  assert.equal((await ack(open[0]!.id)).statusCode, 200);
  assert.equal((await worker.tick()).delivered, 1);
  receiver.setMode({ failStatus: 503 });
  assert.equal((await ack(open[1]!.id)).statusCode, 200);
  assert.equal((await worker.tick()).dead, 1);
  receiver.setMode({ failStatus: null });

  const { context, page } = await newPage(browser, DESKTOP);
  contexts.push(context);
  await loginClinic(page, server.url, /Tor Admin/);
  await page.getByRole('link', { name: 'Utsending' }).click();
  await page.getByRole('heading', { level: 1, name: 'Utsending til andre systemer' }).waitFor();
  const dead = page.getByRole('article').filter({ hasText: 'HTTP 503' });
  await dead.waitFor();
  await expectAccessible(page, 'clinic: Utsending (dead letter)');
  if (SHOT_DIR) await page.screenshot({ path: `${SHOT_DIR}/clinic-integrations.png`, fullPage: true });
  await dead.getByRole('button', { name: 'Send på nytt' }).click();
  await page.getByRole('status').filter({ hasText: 'lagt i kø for ny sending' }).waitFor();
  await page.getByText('Ingen sendinger har gitt opp.').waitFor();
  assert.equal((await worker.tick()).delivered, 1);
  assert.equal(receiver.list().length, 2);
  assert.deepEqual(pageErrors, []);
});
