import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

/*
 * After how many days of silence a follow-up service flags a patient as inactive (VKP 5.3): the
 * service's own number, changed in the clinic app, audited, and in force for deadlines already
 * set (the sweep re-checks them at once).
 */
const clock = new Date('2026-06-10T08:00:00Z');
const env = useTestServer({ now: () => clock });
const { call } = env;

test('the default applies until the service sets its own; the GP may read but not change it', async () => {
  const r = await call('GET', '/api/service-settings', env.c.nurseA);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body!.inactiveAfterDays, null);
  assert.equal(r.body!.defaultInactiveAfterDays, 3);
  assert.equal(r.body!.canEdit, true);
  const gp = await call('GET', '/api/service-settings', env.c.gp);
  assert.equal(gp.body!.canEdit, false);
  assert.equal((await call('PUT', '/api/service-settings', env.c.gp, { inactiveAfterDays: 1 })).status, 403);
  assert.equal((await call('GET', '/api/service-settings', env.c.patient)).status, 403);
});

test('a nurse sets 1–60 days or the default; out of range is refused with the field named and nothing saved', async () => {
  for (const bad of [0, 61, 2.5, '3']) {
    const r = await call('PUT', '/api/service-settings', env.c.nurseA, { inactiveAfterDays: bad });
    assert.equal(r.status, 400, `${bad}: ${JSON.stringify(r.body)}`);
    assert.ok((r.body!.error as { fields?: Record<string, unknown> }).fields?.inactiveAfterDays, JSON.stringify(r.body));
  }
  assert.equal((await call('GET', '/api/service-settings', env.c.nurseA)).body!.inactiveAfterDays, null);

  const saved = await call('PUT', '/api/service-settings', env.c.nurseA, { inactiveAfterDays: 7 });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body!.inactiveAfterDays, 7);
  assert.equal((await env.db.query<{ d: number }>('select inactive_after_days as d from organisations where id = $1', [env.f.orgs.muniA])).rows[0]!.d, 7);
  const audited = await env.db.query<{ details: { inactiveAfterDays: { before: number | null; after: number | null } } }>(
    `select details from audit_events where resource_type = 'ServiceSettings' and resource_id = $1 order by at desc limit 1`, [env.f.orgs.muniA],
  );
  assert.deepEqual(audited.rows[0]?.details.inactiveAfterDays, { before: null, after: 7 });
  // Another service is not touched.
  assert.equal((await env.db.query<{ d: number | null }>('select inactive_after_days as d from organisations where id = $1', [env.f.orgs.muniB])).rows[0]!.d, null);

  assert.equal((await call('PUT', '/api/service-settings', env.c.nurseA, { inactiveAfterDays: null })).body!.inactiveAfterDays, null);
});

test('a changed number re-checks the inactivity deadlines already set for the service, and only those', async () => {
  const far = new Date('2026-06-20T08:00:00Z');
  await env.db.query(
    `insert into episode_schedule (episode_id, plan_id, code, schedule, next_due_at)
     select e.id, p.id, 'inactive', '{"kind":"inactive"}'::jsonb, $2 from episodes e join plans p on p.episode_id = e.id where e.id = $1 limit 1
     on conflict (episode_id, code) do update set next_due_at = excluded.next_due_at`,
    [env.f.patient.episodeId, far],
  );
  const due = async () => (await env.db.query<{ at: Date }>(`select next_due_at as at from episode_schedule where episode_id = $1 and code = 'inactive'`, [env.f.patient.episodeId])).rows[0]!.at;
  assert.equal((await due()).toISOString(), far.toISOString());
  assert.equal((await call('PUT', '/api/service-settings', env.c.nurseA, { inactiveAfterDays: 1 })).status, 200);
  assert.equal((await due()).toISOString(), clock.toISOString());
});
