import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countRows, useTestServer } from '../testing/server.js';
import { worklistEvents } from '../testing/sse.js';

const env = useTestServer();

interface Thread { patient: { id: string; name: string }; episodeId: string; unhandled: number; unread: number; latestBody: string }
interface Handled { patient: { id: string }; body: string; handledBy: string; handledHow: string; note: string | null; handledAt: string }
interface Inbox { threads: Thread[]; handled: Handled[] }
interface Summary { messages: number; patients: number; byEpisode: Record<string, number> }

const inboxOf = async (cookie: string) => {
  const r = await env.call('GET', '/api/messages/inbox', cookie);
  assert.equal(r.status, 200);
  return r.body as unknown as Inbox;
};
const summaryOf = async (cookie: string) => (await env.call('GET', '/api/messages/unread-count', cookie)).body as unknown as Summary;
const patientUnread = async (cookie: string) => ((await env.call('GET', '/api/me/messages/unread', cookie)).body as { unread: number }).unread;
const send = async (cookie: string, url: string, body: string) => {
  const r = await env.call('POST', url, cookie, { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string };
};

/** Reads the clinic's SSE stream until `want` events arrived or time is up. */
const streamEvents = (cookie: string, want: number, act: () => Promise<void>, ms?: number) => worklistEvents(env.server, cookie, want, act, ms);

test('a patient message reaches the follow-up service live and waits in its inbox; other services see nothing', async () => {
  const P = env.f.patient;
  const [mine, theirs] = await Promise.all([
    streamEvents(env.c.nurseA, 1, async () => void (await send(env.c.patient, '/api/me/messages', 'Jeg har mer tung pust i dag. Skal jeg ta ekstra medisin?'))),
    streamEvents(env.c.nurseB, 1, async () => undefined, 1000),
  ]);
  assert.deepEqual(mine.map((e) => [e.patientId, e.reason]), [[P.id, 'message']]);
  assert.deepEqual(theirs, []);

  const inbox = await inboxOf(env.c.nurseA);
  assert.equal(inbox.threads.length, 1);
  assert.equal(inbox.threads[0]!.patient.id, P.id);
  assert.equal(inbox.threads[0]!.episodeId, P.episodeId);
  assert.equal(inbox.threads[0]!.unhandled, 1);
  assert.equal(inbox.threads[0]!.unread, 1);
  assert.match(inbox.threads[0]!.latestBody, /tung pust/);
  assert.deepEqual(await summaryOf(env.c.nurseA), { messages: 1, patients: 1, byEpisode: { [P.episodeId]: 1 } });

  // Another municipality, and the GP office (in the care team, but not the follow-up service).
  assert.deepEqual((await inboxOf(env.c.nurseB)).threads, []);
  assert.deepEqual((await inboxOf(env.c.gp)).threads, []);
  assert.equal((await summaryOf(env.c.nurseB)).messages, 0);
});

test('the inbox is audited per patient, once per nurse and hour', async () => {
  const before = await countRows(env.db, `audit_events where patient_id = $1 and resource_type = 'Communication' and details ->> 'view' = 'inbox'`, [env.f.patient.id]);
  await inboxOf(env.c.nurseA);
  await inboxOf(env.c.nurseA);
  const after = await countRows(env.db, `audit_events where patient_id = $1 and resource_type = 'Communication' and details ->> 'view' = 'inbox'`, [env.f.patient.id]);
  assert.equal(after, Math.max(before, 1));
});

test('opening the thread is not answering it: read, but still in the inbox', async () => {
  const r = await env.call('GET', `/api/patients/${env.f.patient.id}/messages`, env.c.nurseA);
  assert.equal(r.status, 200);
  const t = (await inboxOf(env.c.nurseA)).threads[0]!;
  assert.equal(t.unhandled, 1);
  assert.equal(t.unread, 0);
});

test('the nurse replies: the thread is handled by her, the patient gets an unread badge, opening it clears the badge', async () => {
  const P = env.f.patient;
  assert.equal(await patientUnread(env.c.patient), 0);
  const reply = await send(env.c.nurseA, `/api/patients/${P.id}/messages`, 'Ta ekstra Ventoline nå. Jeg ringer deg før lunsj.');
  assert.deepEqual((await inboxOf(env.c.nurseA)).threads, []);
  assert.equal((await summaryOf(env.c.nurseA)).messages, 0);

  const handled = (await inboxOf(env.c.nurseA)).handled;
  assert.equal(handled.length, 1);
  assert.equal(handled[0]!.handledBy, 'Sykepleier A');
  assert.equal(handled[0]!.handledHow, 'reply');
  const row = (await env.db.query<{ handled_reply_id: string; handled_org: string }>(`select handled_reply_id, handled_org from messages where sender_kind = 'patient' and patient_id = $1`, [P.id])).rows[0]!;
  assert.equal(row.handled_reply_id, reply.id);
  assert.equal(row.handled_org, env.f.orgs.muniA);

  const thread = (await env.call('GET', `/api/patients/${P.id}/messages`, env.c.nurseA)).body as { messages: { from: string; handledBy: string | null; handledAt: string | null }[] };
  assert.equal(thread.messages.find((m) => m.from === 'patient')!.handledBy, 'Sykepleier A');

  assert.equal(await patientUnread(env.c.patient), 1);
  assert.equal(await patientUnread(env.c.otherPatient), 0);
  const mine = (await env.call('GET', '/api/me/messages', env.c.patient)).body as {
    messages: Record<string, unknown>[];
    replyExpectation: { serviceOpen: boolean; text: string } | null;
  };
  assert.equal(mine.messages.length, 2);
  assert.ok(mine.replyExpectation && mine.replyExpectation.text.length > 0);
  assert.ok(!('handledNote' in mine.messages[0]!) && !('handledBy' in mine.messages[0]!), 'internal handling stays in the clinic');
  assert.equal(await patientUnread(env.c.patient), 0);
});

test('sending tells the patient when to expect an answer', async () => {
  const r = await env.call('POST', '/api/me/messages', env.c.patient, { body: 'Takk!' });
  assert.equal(r.status, 201);
  const e = r.body!.replyExpectation as { text: string; serviceOpen: boolean };
  assert.match(e.text, e.serviceOpen ? /Sykepleieren svarer vanligvis|stenger kl\./ : /åpner igjen|vet ikke/);
});

test('"handled without reply" is recorded with who, when and why; a second click finds nothing left', async () => {
  const P = env.f.patient;
  assert.equal((await summaryOf(env.c.nurseA)).messages, 1, 'the "Takk!" waits');
  const r = await env.call('POST', `/api/patients/${P.id}/messages/handled`, env.c.nurseA, { note: 'Ringte pasienten, alt i orden.' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { handled: 1 });
  const h = (await inboxOf(env.c.nurseA)).handled.find((x) => x.body === 'Takk!')!;
  assert.equal(h.handledHow, 'no_reply');
  assert.equal(h.handledBy, 'Sykepleier A');
  assert.equal(h.note, 'Ringte pasienten, alt i orden.');
  assert.ok(Math.abs(Date.parse(h.handledAt) - Date.now()) < 60_000);
  assert.deepEqual((await env.call('POST', `/api/patients/${P.id}/messages/handled`, env.c.nurseA, {})).body, { handled: 0 });
  const audited = await countRows(env.db, `audit_events where patient_id = $1 and resource_type = 'Communication' and action = 'update' and details ->> 'how' = 'no_reply'`, [P.id]);
  assert.equal(audited, 2);
});

test('only the care team may mark handled, never the patient; a coordinator sees no inbox', async () => {
  const P = env.f.patient;
  await send(env.c.patient, '/api/me/messages', 'Et spørsmål til.');
  const denied = await countRows(env.db, `audit_events where outcome = 'denied' and patient_id = $1`, [P.id]);
  assert.equal((await env.call('POST', `/api/patients/${P.id}/messages/handled`, env.c.nurseB, {})).status, 403);
  assert.equal(await countRows(env.db, `audit_events where outcome = 'denied' and patient_id = $1`, [P.id]), denied + 1);
  assert.equal((await env.call('POST', `/api/patients/${P.id}/messages/handled`, env.c.patient, {})).status, 403);
  assert.equal((await env.call('GET', '/api/messages/inbox', env.c.coordinator)).status, 403);
  assert.equal((await env.call('GET', '/api/messages/unread-count', env.c.patient)).status, 403);
  assert.equal((await summaryOf(env.c.nurseA)).messages, 1, 'still waiting');
});

test('a note longer than 1000 characters is refused with a field error and nothing is handled', async () => {
  const r = await env.call('POST', `/api/patients/${env.f.patient.id}/messages/handled`, env.c.nurseA, { note: 'x'.repeat(1001) });
  assert.equal(r.status, 400);
  assert.ok((r.body!.error as { fields: Record<string, string> }).fields.note);
  assert.equal((await summaryOf(env.c.nurseA)).messages, 1);
});

test('worklist hooks: an unread chip per row and a "Meldinger" filter with its count', async () => {
  const P = env.f.patient;
  type Page = { items: { patient: { id: string }; unreadMessages: number }[]; counts: Record<string, number> };
  const waiting = (await summaryOf(env.c.nurseA)).messages;
  assert.ok(waiting > 0, 'a message from an earlier test still waits');
  const all = (await env.call('GET', '/api/worklist', env.c.nurseA)).body as unknown as Page;
  assert.equal(all.items.find((i) => i.patient.id === P.id)!.unreadMessages, waiting);
  assert.equal(all.counts.messages, 1);
  const only = (await env.call('GET', '/api/worklist?messages=1', env.c.nurseA)).body as unknown as Page;
  assert.deepEqual(only.items.map((i) => i.patient.id), [P.id]);
  assert.equal(only.counts.all, 1);
  await env.call('POST', `/api/patients/${P.id}/messages/handled`, env.c.nurseA, {});
  const after = (await env.call('GET', '/api/worklist?messages=1', env.c.nurseA)).body as unknown as Page;
  assert.deepEqual(after.items, []);
  assert.equal(after.counts.messages, 0);
  assert.equal(((await env.call('GET', '/api/worklist', env.c.nurseA)).body as unknown as Page).items.find((i) => i.patient.id === P.id)!.unreadMessages, 0);
});

test('migration 011: a patient message answered before the migration counts as handled by whoever answered first', async () => {
  const { readFileSync } = await import('node:fs');
  const { splitStatements } = await import('../db/migrate.js');
  const backfill = splitStatements(readFileSync(new URL('../db/migrations/011_messages_read.sql', import.meta.url), 'utf8')).at(-1)!;
  assert.match(backfill, /^update messages/);
  const O = env.f.otherPatient;
  const ins = async (kind: string, sender: string, org: string | null, at: string) =>
    (await env.db.query<{ id: string }>(`insert into messages (patient_id, episode_id, sender_kind, sender_id, organisation_id, body, created_at) values ($1,$2,$3,$4,$5,'x',$6) returning id`, [O.id, O.episodeId, kind, sender, org, at])).rows[0]!.id;
  const early = await ins('patient', O.id, null, '2026-01-05T08:00:00Z');
  const reply = await ins('personnel', env.f.people.nurseB, env.f.orgs.muniB, '2026-01-05T09:00:00Z');
  await ins('personnel', env.f.people.gp, env.f.orgs.gpOffice, '2026-01-05T10:00:00Z');
  const unanswered = await ins('patient', O.id, null, '2026-01-06T08:00:00Z');
  await env.db.query(backfill);
  const rows = new Map((await env.db.query<{ id: string; handled_by: string | null; handled_reply_id: string | null; handled_how: string | null }>(
    'select id, handled_by, handled_reply_id, handled_how from messages where patient_id = $1', [O.id])).rows.map((r) => [r.id, r]));
  assert.deepEqual({ ...rows.get(early)! }, { id: early, handled_by: env.f.people.nurseB, handled_reply_id: reply, handled_how: 'reply' });
  assert.equal(rows.get(unanswered)!.handled_by, null);
});
