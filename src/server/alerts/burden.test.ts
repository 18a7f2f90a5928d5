import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AlertBurden } from '../../api/alerts.js';
import { useTestServer } from '../testing/server.js';
import { REVIEW_MIN_ALERTS, REVIEW_MIN_NO_ACTION_SHARE, REVIEW_WINDOW_DAYS, reviewCandidates } from './service.js';

/*
 * Alert burden (issue 12): the nurse's "no action needed" judgement is stored with the
 * acknowledgement; the patient's burden (alerts per week, share judged no action needed) and the
 * GP's suggestion to review a threshold that keeps firing without action are computed from it.
 */
const env = useTestServer();
const note = { contactType: 'phone', text: 'Ringte, pasienten har det bra.' };
const DAY = 86_400_000;

let key = 0;
/** One yellow SpO2 sitting (TEST_PLAN: yellow below 92) and the alert it raised. */
async function yellowSpo2(cookie = env.c.patient): Promise<string> {
  const r = await env.call('POST', '/api/me/observations', cookie, { idempotencyKey: `burden-${++key}`, measurements: [{ code: 'spo2', value: 90 }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return (await env.db.query<{ id: string }>(`select id from alerts where patient_id = $1 and status = 'open' and rule_id = 'threshold:spo2'`, [env.f.patient.id])).rows[0]!.id;
}

describe('the nurse judges "no action needed" when acknowledging', () => {
  test('stored with the acknowledgement, returned with the alert and audited', async () => {
    const id = await yellowSpo2();
    const r = await env.call('POST', `/api/alerts/${id}/acknowledge`, env.c.nurseA, { note, noActionNeeded: true });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body!.noActionNeeded, true);
    assert.equal((await env.db.query<{ v: boolean }>('select no_action_needed as v from alerts where id = $1', [id])).rows[0]!.v, true);
    assert.equal(await env.count(`audit_events where resource_id = $1 and resource_type = 'Flag' and details->>'noActionNeeded' = 'true'`, [id]), 1);
    // Resolving later without a judgement keeps the one given.
    const res = await env.call('POST', `/api/alerts/${id}/resolve`, env.c.nurseA, { note });
    assert.equal(res.status, 200);
    assert.equal(res.body!.noActionNeeded, true);
  });

  test('left out, it is not stated (null); a non-boolean is refused with the field named', async () => {
    const id = await yellowSpo2();
    const bad = await env.call('POST', `/api/alerts/${id}/acknowledge`, env.c.nurseA, { note, noActionNeeded: 'ja' });
    assert.equal(bad.status, 400);
    assert.ok(JSON.stringify(bad.body).includes('noActionNeeded'), JSON.stringify(bad.body));
    const r = await env.call('POST', `/api/alerts/${id}/resolve`, env.c.nurseA, { note });
    assert.equal(r.status, 200);
    assert.equal(r.body!.noActionNeeded, null);
  });
});

describe('alert burden per patient and the suggestion to review a threshold', () => {
  test('alerts per week and the share judged no action needed; a rule firing often without action is suggested to the GP with its data', async () => {
    // Two alerts from the first describe block (one judged no action, one not stated); four more, three judged no action, one action.
    for (const judgement of [true, true, true, false]) {
      const id = await yellowSpo2();
      const r = await env.call('POST', `/api/alerts/${id}/resolve`, env.c.nurseA, { note, noActionNeeded: judgement });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const r = await env.call('GET', `/api/patients/${env.f.patient.id}/alert-burden`, env.c.nurseA);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const b = r.body as unknown as AlertBurden;
    assert.equal(b.weeks.length, 8);
    assert.equal(b.weeks.reduce((n, w) => n + w.alerts, 0), 6);
    assert.equal(b.weeks.at(-1)!.alerts, 6, 'all of them this week');
    assert.equal(b.perWeek, 1.5, '6 alerts over the last 4 weeks');
    assert.equal(b.judged, 5);
    assert.equal(b.noActionNeeded, 4);
    assert.equal(b.noActionShare, 0.8);
    // 6 alerts of threshold:spo2 in 14 days, 4 no action: 67 % < 75 %, so no suggestion yet.
    assert.deepEqual(b.reviews, []);

    // Two more judged no action: 6 of 8 = 75 %.
    for (let i = 0; i < 2; i++) {
      const id = await yellowSpo2();
      assert.equal((await env.call('POST', `/api/alerts/${id}/resolve`, env.c.nurseA, { note, noActionNeeded: true })).status, 200);
    }
    const gp = await env.call('GET', `/api/patients/${env.f.patient.id}/alert-burden`, env.c.gp);
    assert.equal(gp.status, 200, JSON.stringify(gp.body));
    const g = gp.body as unknown as AlertBurden;
    assert.equal(g.reviews.length, 1);
    const review = g.reviews[0]!;
    assert.equal(review.ruleId, 'threshold:spo2');
    assert.deepEqual(review.codes, ['spo2']);
    assert.equal(review.alerts, 8);
    assert.equal(review.noActionNeeded, 6);
    assert.equal(review.alertList.length, 8);
    assert.equal(review.readings.length, 8, 'every SpO2 reading of the window, exact as measured');
    assert.ok(review.readings.every((x) => x.value === 90 && x.unit === '%'));
    assert.deepEqual(review.thresholds, [{ code: 'spo2', thresholds: { redBelow: 88, yellowBelow: 92 } }]);
    assert.ok(await env.count(`audit_events where patient_id = $1 and resource_type = 'Flag' and details->>'view' = 'alert-burden'`, [env.f.patient.id]) >= 2);
  });

  test('a nurse without a care relation is refused (403, audited)', async () => {
    const before = await env.count(`audit_events where outcome = 'denied'`);
    const r = await env.call('GET', `/api/patients/${env.f.patient.id}/alert-burden`, env.c.nurseB);
    assert.equal(r.status, 403);
    assert.ok((await env.count(`audit_events where outcome = 'denied'`)) > before);
  });
});

describe('reviewCandidates (the criterion on its own)', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const alert = (ruleId: string, daysAgo: number, noAction: boolean | null, kind = 'threshold') => ({ rule_id: ruleId, kind, first_at: new Date(now.getTime() - daysAgo * DAY), no_action_needed: noAction });
  const cases: { name: string; alerts: ReturnType<typeof alert>[]; expect: string[] }[] = [
    { name: `${REVIEW_MIN_ALERTS} alerts, all no action`, alerts: [1, 2, 3, 4].map((d) => alert('threshold:spo2', d, true)), expect: ['threshold:spo2'] },
    { name: 'three alerts are too few to move a limit on', alerts: [1, 2, 3].map((d) => alert('threshold:spo2', d, true)), expect: [] },
    { name: '3 of 4 no action is exactly the share', alerts: [alert('threshold:spo2', 1, true), alert('threshold:spo2', 2, true), alert('threshold:spo2', 3, true), alert('threshold:spo2', 4, false)], expect: ['threshold:spo2'] },
    { name: 'not yet judged counts against', alerts: [alert('threshold:spo2', 1, true), alert('threshold:spo2', 2, true), alert('threshold:spo2', 3, true), alert('threshold:spo2', 4, null), alert('threshold:spo2', 5, null)], expect: [] },
    { name: `outside the ${REVIEW_WINDOW_DAYS}-day window`, alerts: [1, 2, 3, REVIEW_WINDOW_DAYS + 1].map((d) => alert('threshold:spo2', d, true)), expect: [] },
    { name: 'missing-measurement rules have no threshold', alerts: [1, 2, 3, 4].map((d) => alert('missing:spo2', d, true, 'missing')), expect: [] },
    { name: 'counted per rule', alerts: [alert('threshold:spo2', 1, true), alert('threshold:spo2', 2, true), alert('trend:weight-rise', 3, true, 'trend'), alert('threshold:spo2', 4, true)], expect: [] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(reviewCandidates(c.alerts, now).map((x) => x.ruleId), c.expect));
  }
  test('the share threshold is three in four', () => assert.equal(REVIEW_MIN_NO_ACTION_SHARE, 0.75));
});
