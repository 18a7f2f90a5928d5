import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WorklistPage } from '../../api/worklist.js';
import { useTestServer } from '../testing/server.js';

// The worklist's order within a status and its chips (issue 11: the nurse's 80 patients), as
// migration 022 defines them. Alerts are written straight into the table, as triage and the sweep
// would, so each case controls its zone, kind, values and limits.
const env = useTestServer();

const page = async (query = ''): Promise<WorklistPage> => {
  const r = await env.call('GET', `/api/worklist${query}`, env.c.nurseA);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as unknown as WorklistPage;
};

/** Plan limits as an approved plan stores them (only what the severity reads). */
const PLAN = {
  measures: [
    { code: 'spo2', thresholds: { redBelow: 88, yellowBelow: 92 } },
    { code: 'heart_rate', thresholds: { yellowAbove: 100, redAbove: 120 } },
    { code: 'weight', thresholds: { yellowAbove: 82 } },
  ],
  questionnaires: [{ code: 'cat', thresholds: { yellowAbove: 20, redAbove: 30 } }],
};

let serial = 0;
interface AlertSpec { zone: 'red' | 'yellow' | 'missing'; kind: string; ruleId: string; code?: string; value?: number; at: Date; summary?: string; score?: number }

/** A synthetic patient (month + 80) in municipality A with an active episode and these open alerts. */
async function patient(name: string, alerts: AlertSpec[], phone: string | null = null): Promise<{ id: string; episodeId: string }> {
  serial++;
  const db = env.db;
  const identifier = `${String(10 + serial).padStart(2, '0')}8${serial % 10}4412345`;
  const id = (await db.query<{ id: string }>(
    `insert into patients (identifier, identifier_system, name, birth_date, sex, phone) values ($1, 'fnr', $2, '1946-02-03', 'female', $3) returning id`, [identifier, name, phone],
  )).rows[0]!.id;
  const episodeId = (await db.query<{ id: string }>(
    `insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, started_at) values ($1, 'high', now(), $2, $3, '2026-01-01') returning id`,
    [id, env.f.people.gp, env.f.orgs.muniA],
  )).rows[0]!.id;
  await db.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1, $2, 'follow_up')`, [episodeId, env.f.orgs.muniA]);
  const planId = (await db.query<{ id: string }>(
    `insert into plans (episode_id, version, status, definition, created_by) values ($1, 1, 'draft', $2, $3) returning id`, [episodeId, JSON.stringify(PLAN), env.f.people.gp],
  )).rows[0]!.id;
  for (const a of alerts) {
    const text = a.summary ?? `${a.ruleId} ${a.value ?? ''}`;
    const finding = {
      ruleId: a.ruleId, kind: a.kind, zone: a.zone, code: a.code, planVersion: 1, at: a.at.toISOString(),
      values: a.value === undefined ? [] : [{ code: a.code, value: a.value, unit: '1', effectiveAt: a.at.toISOString() }],
      summary: { nb: text, nn: text, en: text },
      ...(a.score === undefined ? {} : { score: a.score }),
    };
    await db.query(
      `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
       values ($1, $2, $3, $4, $5, $6, 1, $7, jsonb_build_array($8::jsonb), $9, $9)`,
      [id, episodeId, a.ruleId, a.kind, a.zone, planId, JSON.stringify(finding.summary), JSON.stringify(finding), a.at],
    );
  }
  return { id, episodeId };
}

const t0 = Date.UTC(2026, 10, 30, 6);
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

describe('worklist order within a status (migration 022)', () => {
  test('red: most severe first (distance past the limit, NEWS2), then newest; missing: measurements and inactive before questionnaires', async () => {
    await patient('Rød Svak', [{ zone: 'red', kind: 'threshold', ruleId: 'threshold:spo2', code: 'spo2', value: 86, at: at(10) }]); // 2/88 = 0.023
    await patient('Rød Puls', [{ zone: 'red', kind: 'threshold', ruleId: 'threshold:heart_rate', code: 'heart_rate', value: 150, at: at(0) }]); // 30/120 = 0.25
    await patient('Rød News', [{ zone: 'red', kind: 'news2', ruleId: 'news2', at: at(-60), summary: 'NEWS2 9 (high risk): pulse 131 (3)' }]); // 9/20
    await patient('Rød Trend Ny', [{ zone: 'red', kind: 'trend', ruleId: 'trend:weight', at: at(30) }]);
    await patient('Rød Trend Eldre', [{ zone: 'red', kind: 'trend', ruleId: 'trend:weight', at: at(20) }]);
    await patient('Gul Vekt', [{ zone: 'yellow', kind: 'threshold', ruleId: 'threshold:weight', code: 'weight', value: 90, at: at(0) }]);
    await patient('Gul Spo2', [{ zone: 'yellow', kind: 'threshold', ruleId: 'threshold:spo2', code: 'spo2', value: 91, at: at(5) }]);
    await patient('Mangler Skjema', [{ zone: 'missing', kind: 'missing', ruleId: 'missing:cat', code: 'cat', at: at(-300) }]);
    await patient('Mangler Skjema Ny', [{ zone: 'missing', kind: 'missing_questionnaire', ruleId: 'missing:phq9', code: 'phq9', at: at(-250) }]);
    await patient('Mangler Måling', [{ zone: 'missing', kind: 'missing', ruleId: 'missing:spo2', code: 'spo2', at: at(-100) }]);
    await patient('Inaktiv Ida', [{ zone: 'missing', kind: 'inactive', ruleId: 'inactive', at: at(-200) }]);
    const all = (await page('?limit=200')).items.map((i) => i.patient.name);
    const order = ['Rød News', 'Rød Puls', 'Rød Svak', 'Rød Trend Ny', 'Rød Trend Eldre', 'Gul Vekt', 'Gul Spo2', 'Inaktiv Ida', 'Mangler Måling', 'Mangler Skjema', 'Mangler Skjema Ny'];
    assert.deepEqual(all.filter((n) => order.includes(n)), order);
    // The same order a page at a time (the cursor carries every key).
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const p: WorklistPage = await page(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...p.items.map((i) => i.patient.name));
      cursor = p.nextCursor;
    } while (cursor);
    assert.deepEqual(paged, all);
  });

  test('a worse finding merged into an open alert moves the row up', async () => {
    const p = await patient('Rød Forverret', [{ zone: 'red', kind: 'threshold', ruleId: 'threshold:spo2', code: 'spo2', value: 87.5, at: at(-500) }]);
    const before = (await page('?status=red')).items.map((i) => i.patient.name);
    // 0.5 under 88 (0.006): after SpO2 86 (0.02), before the trend alerts that have no limit (0).
    assert.deepEqual(before.slice(2, 5), ['Rød Svak', 'Rød Forverret', 'Rød Trend Ny']);
    const worse = { ruleId: 'threshold:spo2', kind: 'threshold', zone: 'red', code: 'spo2', planVersion: 1, at: at(-400).toISOString(), values: [{ code: 'spo2', value: 70, unit: '%', effectiveAt: at(-400).toISOString() }], summary: { nb: 'x', nn: 'x', en: 'x' } };
    await env.db.query(`update alerts set findings = findings || jsonb_build_array($2::jsonb), occurrences = occurrences + 1 where episode_id = $1`, [p.episodeId, JSON.stringify(worse)]);
    const after = (await page('?status=red')).items.map((i) => i.patient.name);
    // SpO2 70 under a red limit of 88 is 0.20 past it: after NEWS2 9 (0.45) and pulse 150 over 120 (0.25), before SpO2 86 (0.02).
    assert.deepEqual(after.slice(0, 4), ['Rød News', 'Rød Puls', 'Rød Forverret', 'Rød Svak']);
  });
});

describe('worklist row content', () => {
  test('every open reason is in the row, worst first; phone and the chips\' counts', async () => {
    const p = await patient('Flere Grunner', [
      { zone: 'missing', kind: 'missing', ruleId: 'missing:weight', code: 'weight', at: at(-30) },
      { zone: 'yellow', kind: 'threshold', ruleId: 'threshold:weight', code: 'weight', value: 85, at: at(-20) },
      { zone: 'red', kind: 'threshold', ruleId: 'threshold:spo2', code: 'spo2', value: 84, at: at(-10) },
    ], '+47 912 34 567');
    const row = (await page('?q=Flere')).items[0]!;
    assert.equal(row.status, 'red');
    assert.deepEqual(row.alerts.map((a) => [a.zone, a.ruleId]), [['red', 'threshold:spo2'], ['yellow', 'threshold:weight'], ['missing', 'missing:weight']]);
    assert.deepEqual(row.alerts[0]!.values.map((v) => v.value), [84]);
    assert.ok(Math.abs(row.alerts[0]!.severity - 4 / 88) < 1e-9);
    assert.equal(row.patient.phone, '+47 912 34 567');
    // An acknowledged alert is being handled: it leaves the chips (it still counts as unresolved).
    await env.db.query(`update alerts set status = 'acknowledged', acknowledged_by = $2, acknowledged_at = now() where episode_id = $1 and zone = 'red'`, [p.episodeId, env.f.people.nurseA]);
    const again = (await page('?q=Flere')).items[0]!;
    assert.equal(again.status, 'yellow');
    assert.deepEqual(again.alerts.map((a) => a.zone), ['yellow', 'missing']);
    // The nurse who acknowledged now follows the patient: "my patients" counts it.
    const counts = (await page()).counts;
    assert.equal(counts.mine, 1);
    assert.equal((await page('?mine=1')).items.length, 1);
  });

  test('NEWS2 ranks by the score the finding carries, whatever its summary says (migration 026)', async () => {
    // No digits in the text: the old pattern over the English summary found no score here (0).
    await patient('Rød News Tall', [{ zone: 'red', kind: 'news2', ruleId: 'news2', at: at(-700), summary: 'Nasjonal tidlig varslingsskår: høy', score: 12 }]); // 12/20
    const red = (await page('?status=red&limit=200')).items.map((i) => i.patient.name);
    assert.ok(red.indexOf('Rød News Tall') < red.indexOf('Rød News'), red.join(', '));
    assert.equal(red[0], 'Rød News Tall');
  });
});
