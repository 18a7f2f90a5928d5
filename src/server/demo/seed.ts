import { CATALOGUE, roundTo, type MeasureCode } from '../../domain/catalogue.js';
import { syntheticFnr } from '../../domain/identifiers.js';
import type { PlanDefinition } from '../../domain/plan.js';
import { planFromTemplates, TEMPLATES, type TemplateCode } from '../../domain/templates.js';
import { evaluate, zoneFor, type ObservationPoint } from '../../domain/triage.js';
import { toLocal, zonedInstant, addDays } from '../../domain/time.js';
import * as alertsRepo from '../alerts/repo.js';
import type { Db, Queryable } from '../db/port.js';

/**
 * The demo helsefellesskap: two municipalities with follow-up services, one hospital trust, two GP
 * offices, their personnel, and 50 synthetic patients (fødselsnummer with month + 80, never real)
 * with approved plans and 30 days of measurements, some of them deteriorating today.
 * Deterministic for a given `now`, so screenshots and demos look the same every time.
 */
export const DEMO = {
  helsefellesskap: 'Vestfjord helsefellesskap',
  organisations: [
    { key: 'bergvik', orgNumber: '921000011', name: 'Bergvik kommune – oppfølgingstjenesten', kind: 'municipality' },
    { key: 'fjordvang', orgNumber: '921000022', name: 'Fjordvang kommune – oppfølgingstjenesten', kind: 'municipality' },
    { key: 'hospital', orgNumber: '983000033', name: 'Helse Vestfjord HF', kind: 'hospital' },
    { key: 'sentrum', orgNumber: '975000044', name: 'Sentrum legekontor', kind: 'gp_office' },
    { key: 'fjordlege', orgNumber: '975000055', name: 'Fjordvang legesenter', kind: 'gp_office' },
  ],
  personnel: [
    { hpr: '9100001', name: 'Nora Berg', roles: [['bergvik', 'nurse']] },
    { hpr: '9100002', name: 'Ola Haugen', roles: [['bergvik', 'nurse']] },
    { hpr: '9100003', name: 'Ingrid Dahl', roles: [['fjordvang', 'nurse']] },
    { hpr: '9100004', name: 'Lars Moen', roles: [['fjordvang', 'nurse']] },
    { hpr: '9200001', name: 'Dr. Siri Lunde', roles: [['sentrum', 'gp']] },
    { hpr: '9200002', name: 'Dr. Per Strand', roles: [['sentrum', 'gp']] },
    { hpr: '9200003', name: 'Dr. Anne Vik', roles: [['fjordlege', 'gp']] },
    { hpr: '9300001', name: 'Dr. Erik Sand', roles: [['hospital', 'specialist']] },
    { hpr: '9400001', name: 'Hilde Aas', roles: [['bergvik', 'coordinator'], ['fjordvang', 'coordinator']] },
    { hpr: '9500001', name: 'Tor Admin', roles: [['bergvik', 'admin']] },
  ],
} as const;

const FIRST = ['Kari', 'Ola', 'Astrid', 'Per', 'Ingeborg', 'Knut', 'Solveig', 'Arne', 'Marit', 'Bjørn', 'Randi', 'Svein', 'Liv', 'Odd', 'Gunn', 'Terje', 'Eva', 'Geir', 'Berit', 'Rolf', 'Turid', 'Leif', 'Anne', 'Jan', 'Reidun'];
const LAST = ['Nordmann', 'Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen', 'Karlsen', 'Eriksen', 'Berg', 'Haugen', 'Hagen', 'Bakken', 'Lie', 'Moe', 'Solberg', 'Strand'];

/** Small deterministic PRNG (mulberry32): the same demo every time, no dependency. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Typical stable values per measure and day-to-day spread, for synthetic series. */
const BASELINE: Partial<Record<MeasureCode, [number, number]>> = {
  spo2: [94, 1.2], heart_rate: [76, 6], resp_rate: [16, 1.5], bp_systolic: [134, 8], bp_diastolic: [80, 5],
  weight: [82, 0.3], temperature: [36.8, 0.25], glucose: [7.2, 1.2], symptoms: [2, 1], cat: [14, 3], phq9: [8, 3], gad7: [6, 3],
};

const DIAGNOSIS_MIX: TemplateCode[][] = [
  ['copd'], ['copd'], ['heart_failure'], ['copd', 'heart_failure'], ['diabetes'], ['copd'], ['heart_failure'], ['mental_health'],
  ['cancer'], ['diabetes', 'heart_failure'],
];

export interface SeedResult {
  organisations: number;
  personnel: number;
  patients: number;
  observations: number;
  alerts: number;
}

/** Seeds the demo if the database has no organisations; returns null when it was already there. */
export async function seedDemo(db: Db, opts: { now: Date; patients?: number; days?: number }): Promise<SeedResult | null> {
  const existing = await db.query<{ n: number }>('select count(*)::int as n from organisations');
  if ((existing.rows[0]?.n ?? 0) > 0) return null;
  const patientsWanted = opts.patients ?? 50;
  const days = opts.days ?? 30;
  const rand = rng(20261123);
  const tz = 'Europe/Oslo';

  return db.tx(async (tx) => {
    const orgId = new Map<string, string>();
    for (const o of DEMO.organisations) {
      const r = await tx.query<{ id: string }>(
        'insert into organisations (org_number, name, kind, helsefellesskap) values ($1,$2,$3,$4) returning id',
        [o.orgNumber, o.name, o.kind, DEMO.helsefellesskap],
      );
      orgId.set(o.key, r.rows[0]!.id);
    }
    const personId = new Map<string, string>();
    for (const p of DEMO.personnel) {
      const r = await tx.query<{ id: string }>('insert into personnel (hpr_number, name) values ($1,$2) returning id', [p.hpr, p.name]);
      personId.set(p.hpr, r.rows[0]!.id);
      for (const [org, role] of p.roles) {
        await tx.query('insert into memberships (personnel_id, organisation_id, role) values ($1,$2,$3)', [r.rows[0]!.id, orgId.get(org), role]);
      }
    }

    const today = toLocal(opts.now, tz).date;
    const startDate = addDays(today, -days);
    let observations = 0;
    let alerts = 0;
    for (let i = 0; i < patientsWanted; i++) {
      const inBergvik = i % 5 !== 4;
      const followUp = orgId.get(inBergvik ? 'bergvik' : 'fjordvang')!;
      const gpOrg = orgId.get(inBergvik ? 'sentrum' : 'fjordlege')!;
      const gp = personId.get(inBergvik ? (i % 2 ? '9200001' : '9200002') : '9200003')!;
      const templates = DIAGNOSIS_MIX[i % DIAGNOSIS_MIX.length]!;
      const birthYear = 1938 + Math.floor(rand() * 28);
      const birthDate = `${birthYear}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
      const identifier = syntheticFnr(birthDate, 100 + i * 7);
      const name = i === 0 ? 'Kari Nordmann' : `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`;
      const sex = Number(identifier[8]) % 2 === 1 ? 'male' : 'female';
      const p = await tx.query<{ id: string }>(
        `insert into patients (identifier, identifier_system, name, birth_date, sex, phone, lang) values ($1,'fnr',$2,$3,$4,$5,$6) returning id`,
        [identifier, name, birthDate, sex, `+47 9${String(1000000 + i * 1373).slice(0, 7)}`, i % 9 === 3 ? 'nn' : 'nb'],
      );
      const patientId = p.rows[0]!.id;
      const startedAt = zonedInstant(startDate, '09:00', tz);
      const diagnoses = templates.flatMap((t) => TEMPLATES[t].diagnoses);
      const e = await tx.query<{ id: string }>(
        `insert into episodes (patient_id, diagnoses, risk_level, consent_at, enrolled_by, follow_up_org, time_zone, started_at)
         values ($1,$2,$3,$4,$5,$6,$7,$4) returning id`,
        [patientId, JSON.stringify(diagnoses), i % 3 === 0 ? 'high' : 'medium', startedAt, gp, followUp, tz],
      );
      const episodeId = e.rows[0]!.id;
      await tx.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1,$2,'gp'), ($1,$3,'follow_up')`, [episodeId, gpOrg, followUp]);
      if (templates.includes('copd') || templates.includes('heart_failure')) {
        await tx.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1,$2,'hospital')`, [episodeId, orgId.get('hospital')]);
      }
      const definition = planFromTemplates(templates);
      const plan = await tx.query<{ id: string }>(
        `insert into plans (episode_id, version, status, definition, created_by, created_at, approved_by, approved_at)
         values ($1, 1, 'approved', $2, $3, $4, $3, $4) returning id`,
        [episodeId, JSON.stringify(definition), gp, startedAt],
      );
      const planId = plan.rows[0]!.id;

      // Patients 1..8 deteriorate over the last days, so the worklist has reds and yellows;
      // every sixth patient has not measured yet today.
      const deteriorating = i >= 1 && i <= 8;
      const skipsToday = i % 6 === 5;
      const r = await seedSeries(tx, { patientId, episodeId, planId, definition, rand, startDate, today, tz, now: opts.now, deteriorating, skipsToday, evaluateFrom: addDays(today, -2) });
      observations += r.observations;
      alerts += r.alerts;
    }
    return { organisations: DEMO.organisations.length, personnel: DEMO.personnel.length, patients: patientsWanted, observations, alerts };
  });
}

async function seedSeries(
  tx: Queryable,
  s: {
    patientId: string; episodeId: string; planId: string; definition: PlanDefinition; rand: () => number; startDate: string; today: string;
    tz: string; now: Date; deteriorating: boolean; skipsToday: boolean; evaluateFrom: string;
  },
): Promise<{ observations: number; alerts: number }> {
  const codes = s.definition.measures.filter((m) => m.schedule.kind === 'daily').map((m) => m.code);
  const personalShift = (s.rand() - 0.5) * 2;
  const history: ObservationPoint[] = [];
  let observations = 0;
  let alerts = 0;
  for (let d = s.startDate, day = 0; d <= s.today; d = addDays(d, 1), day++) {
    if (d === s.today && s.skipsToday) break;
    const at = zonedInstant(d, `0${7 + Math.floor(s.rand() * 3)}:${String(Math.floor(s.rand() * 60)).padStart(2, '0')}`, s.tz);
    if (at > s.now) break;
    const daysLeft = (Date.parse(s.today) - Date.parse(d)) / 86_400_000;
    const worse = s.deteriorating && daysLeft <= 2 ? 3 - daysLeft : 0;
    const sitting: ObservationPoint[] = [];
    for (const code of codes) {
      const [base, spread] = BASELINE[code] ?? [CATALOGUE[code].min, 0];
      let v = base + personalShift * spread + (s.rand() - 0.5) * 2 * spread;
      if (worse) {
        if (code === 'spo2') v -= worse * 2.5;
        if (code === 'heart_rate' || code === 'resp_rate') v += worse * (code === 'resp_rate' ? 2 : 9);
        if (code === 'weight') v += worse * 0.9;
        if (code === 'glucose') v += worse * 3;
        if (code === 'temperature') v += worse * 0.5;
        if (code === 'symptoms') v += worse * 2;
      }
      const def = CATALOGUE[code];
      v = Math.min(def.max, Math.max(def.min, roundTo(v, def.decimals)));
      sitting.push({ id: `${code}-${day}`, code, value: v, unit: def.unit, effectiveAt: at });
    }
    const evaluation = d >= s.evaluateFrom ? evaluate({ plan: s.definition, planVersion: 1, newObservations: sitting, history }) : null;
    const zoneById = new Map(evaluation?.perObservation.map((p) => [p.id, p.zone]) ?? []);
    const idMap = new Map<string, string>();
    for (const o of sitting) {
      const entry = s.definition.measures.find((m) => m.code === o.code)!;
      const zone = zoneById.get(o.id) ?? zoneFor(entry.thresholds, o.value);
      const r = await tx.query<{ id: string }>(
        `insert into observations (patient_id, episode_id, code, value, unit, effective_at, received_at, source, recorded_by, zone, plan_version, idempotency_key)
         values ($1,$2,$3,$4,$5,$6,$6,'patient',$7,$8,1,$9) returning id`,
        [s.patientId, s.episodeId, o.code, o.value, o.unit, o.effectiveAt, `patient:${s.patientId}`, zone, `seed-${o.id}`],
      );
      idMap.set(o.id, r.rows[0]!.id);
      observations++;
    }
    for (const f of evaluation?.findings ?? []) {
      const values = f.values.map((v) => ({ ...v, observationId: v.observationId ? idMap.get(v.observationId) : undefined }));
      const up = await alertsRepo.upsertFromFinding(tx, { patientId: s.patientId, episodeId: s.episodeId, planId: s.planId, finding: { ...f, values } });
      if (up.raised) alerts++;
    }
    history.push(...sitting);
  }
  return { observations, alerts };
}
