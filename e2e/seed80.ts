import type { Db } from '../src/server/db/port.js';
import type { Fixture } from '../src/server/testing/fixtures.js';

/*
 * Nora's Monday (issue 11): 79 synthetic patients beside the fixture's Kari in municipality A, so
 * the follow-up service has 80. Written as the server's own triggers and triage leave them: plans
 * with limits, readings (triggers keep the worklist state), open alerts with their findings, patient
 * messages nobody has answered, and contact notes that make some of them "my patients".
 * Synthetic fødselsnummer: month + 80.
 */

const PLAN = {
  measures: [
    { code: 'spo2', thresholds: { redBelow: 88, yellowBelow: 92 } },
    { code: 'heart_rate', thresholds: { yellowAbove: 100, redAbove: 120 } },
    { code: 'bp_systolic', thresholds: { yellowAbove: 150, redAbove: 180 } },
    { code: 'weight', thresholds: { yellowAbove: 84 } },
  ],
  questionnaires: [{ code: 'cat', thresholds: { yellowAbove: 20, redAbove: 30 } }],
};

const FIRST = ['Ola', 'Kari', 'Per', 'Anne', 'Nils', 'Ingrid', 'Jon', 'Liv', 'Arne', 'Randi', 'Knut', 'Solveig', 'Odd', 'Berit', 'Tor', 'Astrid', 'Geir', 'Marit', 'Svein', 'Turid'];
const LAST = ['Berg', 'Dahl', 'Lie', 'Moen', 'Strand', 'Haugen', 'Bakke', 'Nilsen', 'Lund', 'Vik', 'Eide', 'Aas', 'Holm', 'Sæther'];

type AlertSeed = { zone: 'red' | 'yellow' | 'missing'; kind: string; rule: string; code?: string; value?: number; minutesAgo: number; summary: string };

/** What each of the 79 gets, by index; the rest are green with readings. */
const SPECIAL: Record<number, AlertSeed[]> = {
  // Red: NEWS2 8 (0.40) with a low SpO2 and a missed weight; pulse 150 over 120 (0.25); BP 195 over 180 (0.083); SpO2 84 under 88 (0.045); SpO2 87 (0.011); a weight trend (0).
  0: [
    { zone: 'red', kind: 'news2', rule: 'news2', minutesAgo: 50, summary: 'NEWS2 8 (høy risiko): SpO2 84 % (3), puls 118 (2), pustefrekvens 24 (2), temp 38,4 °C (1)' },
    { zone: 'red', kind: 'threshold', rule: 'threshold:spo2', code: 'spo2', value: 84, minutesAgo: 50, summary: 'Oksygenmetning 84 % under rød grense 88 % (plan v1)' },
    { zone: 'missing', kind: 'missing_measurement', rule: 'missing:weight', code: 'weight', minutesAgo: 200, summary: 'Mangler vekt: skulle vært registrert innen 08:00 (plan v1)' },
  ],
  1: [{ zone: 'red', kind: 'threshold', rule: 'threshold:heart_rate', code: 'heart_rate', value: 150, minutesAgo: 120, summary: 'Puls 150 slag/min over rød grense 120 (plan v1)' }],
  2: [{ zone: 'red', kind: 'threshold', rule: 'threshold:spo2', code: 'spo2', value: 84, minutesAgo: 30, summary: 'Oksygenmetning 84 % under rød grense 88 % (plan v1)' }],
  3: [
    { zone: 'red', kind: 'threshold', rule: 'threshold:bp_systolic', code: 'bp_systolic', value: 195, minutesAgo: 90, summary: 'Blodtrykk øvre 195 mmHg over rød grense 180 (plan v1)' },
    { zone: 'yellow', kind: 'threshold', rule: 'threshold:heart_rate', code: 'heart_rate', value: 108, minutesAgo: 90, summary: 'Puls 108 over gul grense 100 (plan v1)' },
  ],
  4: [{ zone: 'red', kind: 'threshold', rule: 'threshold:spo2', code: 'spo2', value: 87, minutesAgo: 5, summary: 'Oksygenmetning 87 % under rød grense 88 % (plan v1)' }],
  5: [{ zone: 'red', kind: 'trend', rule: 'trend:weight-gain', code: 'weight', minutesAgo: 15, summary: 'Vektøkning 2,4 kg på 3 dager (plan v1)' }],
  // Missing: measurements and inactivity (oldest first), then questionnaires.
  18: [{ zone: 'missing', kind: 'missing_measurement', rule: 'missing:spo2', code: 'spo2', minutesAgo: 300, summary: 'Mangler oksygenmetning (plan v1)' }],
  19: [{ zone: 'missing', kind: 'missing_measurement', rule: 'missing:weight', code: 'weight', minutesAgo: 280, summary: 'Mangler vekt (plan v1)' }],
  20: [{ zone: 'missing', kind: 'missing', rule: 'missing:heart_rate', code: 'heart_rate', minutesAgo: 260, summary: 'Mangler puls (plan v1)' }],
  21: [{ zone: 'missing', kind: 'missing_measurement', rule: 'missing:bp_systolic', code: 'bp_systolic', minutesAgo: 240, summary: 'Mangler blodtrykk (plan v1)' }],
  22: [{ zone: 'missing', kind: 'inactive', rule: 'inactive', minutesAgo: 4000, summary: 'Ingen målinger, skjema eller meldinger på 3 dager' }],
  23: [{ zone: 'missing', kind: 'inactive', rule: 'inactive', minutesAgo: 3000, summary: 'Ingen målinger, skjema eller meldinger på 3 dager' }],
  24: [{ zone: 'missing', kind: 'inactive', rule: 'inactive', minutesAgo: 2000, summary: 'Ingen målinger, skjema eller meldinger på 3 dager' }],
  25: [{ zone: 'missing', kind: 'missing_questionnaire', rule: 'missing:cat', code: 'cat', minutesAgo: 5000, summary: 'Mangler KOLS-skjema (CAT) (plan v1)' }],
  26: [{ zone: 'missing', kind: 'missing_questionnaire', rule: 'missing:cat', code: 'cat', minutesAgo: 4500, summary: 'Mangler KOLS-skjema (CAT) (plan v1)' }],
  27: [{ zone: 'missing', kind: 'missing', rule: 'missing:phq9', code: 'phq9', minutesAgo: 4200, summary: 'Mangler PHQ-9 (plan v1)' }],
};
// Yellow: 12 patients, SpO2 90–91 or weight over 84 kg, two with a second reason.
for (let i = 6; i < 18; i++) {
  const spo2 = i % 2 === 0;
  SPECIAL[i] = [
    spo2
      ? { zone: 'yellow', kind: 'threshold', rule: 'threshold:spo2', code: 'spo2', value: 90 + (i % 4 === 0 ? 0 : 1), minutesAgo: 20 * i, summary: 'Oksygenmetning under gul grense 92 % (plan v1)' }
      : { zone: 'yellow', kind: 'threshold', rule: 'threshold:weight', code: 'weight', value: 85 + (i % 3), minutesAgo: 20 * i, summary: 'Vekt over gul grense 84 kg (plan v1)' },
  ];
  if (i === 7 || i === 12) SPECIAL[i]!.push({ zone: 'missing', kind: 'missing_questionnaire', rule: 'missing:cat', code: 'cat', minutesAgo: 600, summary: 'Mangler KOLS-skjema (CAT) (plan v1)' });
}

/** Who gets an unread patient message, and whose contact notes nurse A wrote. */
export const WITH_MESSAGES = [0, 9, 30, 41, 60];
export const NOTES_BY_NURSE_A = [2, 6, 33, 50];

export interface Seeded80 {
  /** The 79 in seed order: name, id, episode, phone, fødselsnummer. */
  patients: { name: string; id: string; episodeId: string; phone: string; identifier: string }[];
}

export function seedName(i: number): string {
  return `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]} ${String(i + 1).padStart(2, '0')}`;
}

/**
 * Adds the 79 to `f`'s municipality A, relative to `now`.
 * @returns the patients in seed order
 */
export async function seed80(db: Db, f: Fixture, now = new Date()): Promise<Seeded80> {
  const ago = (m: number) => new Date(now.getTime() - m * 60_000);
  const patients: Seeded80['patients'] = [];
  for (let i = 0; i < 79; i++) {
    const name = seedName(i);
    const identifier = `${String(10 + (i % 18))}${81 + (i % 12)}4${i % 10}${String(20000 + i)}`;
    const digits = String(40_000_000 + i * 1731);
    const phone = `+47 ${digits.slice(0, 3)} ${digits.slice(3, 5)} ${digits.slice(5)}`;
    const birth = `${1936 + (i % 30)}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 27)).padStart(2, '0')}`;
    const pid = (await db.query<{ id: string }>(
      `insert into patients (identifier, identifier_system, name, birth_date, sex, phone) values ($1, 'fnr', $2, $3, $4, $5) returning id`,
      [identifier, name, birth, i % 2 ? 'male' : 'female', phone],
    )).rows[0]!.id;
    const eid = (await db.query<{ id: string }>(
      `insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, started_at, diagnoses) values ($1, 'medium', now(), $2, $3, $4, $5) returning id`,
      [pid, f.people.gp, f.orgs.muniA, ago(60 * 24 * 30), JSON.stringify([{ system: 'ICPC-2', code: i % 3 ? 'R95' : 'K77', display: i % 3 ? 'Kols' : 'Hjertesvikt' }])],
    )).rows[0]!.id;
    await db.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1, $2, 'follow_up')`, [eid, f.orgs.muniA]);
    const plan = (await db.query<{ id: string }>(
      `insert into plans (episode_id, version, status, definition, created_by) values ($1, 1, 'draft', $2, $3) returning id`, [eid, JSON.stringify(PLAN), f.people.gp],
    )).rows[0]!.id;
    patients.push({ name, id: pid, episodeId: eid, phone, identifier });
    const alerts = SPECIAL[i] ?? [];
    // This morning's sitting (not for the inactive and missing ones): SpO2, pulse, blood pressure, weight.
    if (!(i >= 18 && i <= 27)) {
      const at = ago(60 + i * 3);
      const value = (code: string, normal: number) => alerts.find((a) => a.code === code && a.value !== undefined)?.value ?? normal;
      const readings: [string, number, string][] = [
        ['spo2', value('spo2', 95 + (i % 4)), '%'],
        ['heart_rate', value('heart_rate', 68 + (i % 15)), '/min'],
        ['bp_systolic', value('bp_systolic', i === 40 ? 132 : 120 + (i % 20)), 'mm[Hg]'],
        ['bp_diastolic', i === 40 ? 81 : 70 + (i % 12), 'mm[Hg]'],
        ['weight', value('weight', 70 + (i % 12)), 'kg'],
      ];
      const zoneOf = (code: string) => alerts.find((a) => a.code === code && a.value !== undefined)?.zone ?? 'green';
      const rowsOf = readings.map((r) => ({ code: r[0], value: r[1], unit: r[2], at, zone: zoneOf(r[0]) }));
      // The week before: SpO2 and weight every morning (the row's sparkline).
      for (let d = 1; d <= 6; d++) {
        const before = new Date(at.getTime() - d * 86_400_000);
        rowsOf.push({ code: 'spo2', value: 94 + ((i + d) % 4), unit: '%', at: before, zone: 'green' });
        rowsOf.push({ code: 'weight', value: 70 + (i % 12) - d * 0.2, unit: 'kg', at: before, zone: 'green' });
      }
      await db.query(
        `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, zone)
         select $1::uuid, $2::uuid, c, v, u, t, 'patient', 'patient:' || $1::text, z
           from unnest($3::text[], $4::float8[], $5::text[], $6::timestamptz[], $7::text[]) as x(c, v, u, t, z)`,
        [pid, eid, rowsOf.map((r) => r.code), rowsOf.map((r) => r.value), rowsOf.map((r) => r.unit), rowsOf.map((r) => r.at), rowsOf.map((r) => r.zone)],
      );
    }
    for (const a of alerts) {
      const at = ago(a.minutesAgo).toISOString();
      const summary = { nb: a.summary, nn: a.summary, en: a.kind === 'news2' ? a.summary.replace('høy risiko', 'high risk') : a.summary };
      const finding = {
        ruleId: a.rule, kind: a.kind.startsWith('missing') || a.kind === 'inactive' ? 'missing' : a.kind, zone: a.zone, code: a.code, planVersion: 1, at,
        values: a.value === undefined ? [] : [{ code: a.code, value: a.value, unit: a.code === 'spo2' ? '%' : a.code === 'weight' ? 'kg' : a.code === 'heart_rate' ? '/min' : 'mm[Hg]', effectiveAt: at }],
        summary,
      };
      await db.query(
        `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
         values ($1, $2, $3, $4, $5, $6, 1, $7, jsonb_build_array($8::jsonb), $9, $9)`,
        [pid, eid, a.rule, a.kind, a.zone, plan, JSON.stringify(summary), JSON.stringify(finding), at],
      );
    }
    if (WITH_MESSAGES.includes(i)) {
      await db.query(
        `insert into messages (patient_id, episode_id, sender_kind, sender_id, body, created_at) values ($1, $2, 'patient', $1, 'Jeg er mer tung i pusten i dag. Skal jeg ta ekstra medisin?', $3)`,
        [pid, eid, ago(25)],
      );
    }
    if (NOTES_BY_NURSE_A.includes(i)) {
      await db.query(
        `insert into contact_notes (patient_id, episode_id, author_id, organisation_id, contact_type, text) values ($1, $2, $3, $4, 'phone', 'Ringte, avtalte ny måling i kveld.')`,
        [pid, eid, f.people.nurseA, f.orgs.muniA],
      );
    }
  }
  return { patients };
}
