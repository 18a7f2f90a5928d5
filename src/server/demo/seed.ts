import { CATALOGUE, roundTo, type MeasureCode } from '../../domain/catalogue.js';
import { syntheticFnr } from '../../domain/identifiers.js';
import type { PlanDefinition } from '../../domain/plan.js';
import { planFromTemplates, TEMPLATES, type TemplateCode } from '../../domain/templates.js';
import { evaluate, zoneFor, type ObservationPoint } from '../../domain/triage.js';
import { toLocal, zonedInstant, addDays } from '../../domain/time.js';
import * as alertsRepo from '../alerts/repo.js';
import type { Db, Queryable } from '../db/port.js';
import { ensurePartitionsFor } from '../observations/partitions.js';

/**
 * The demo helsefellesskap: two municipalities with follow-up services, one hospital trust, two GP
 * offices, their personnel, and 50 synthetic patients (fødselsnummer with month + 80, never real)
 * with approved plans and 30 days of measurements, some of them deteriorating today.
 * Deterministic for a given `now`, so screenshots and demos look the same every time.
 */
/** A synthetic relative (fødselsnummer with month + 80), not a patient, with Kari's delegation. */
export const DEMO_RELATIVE = { name: 'Ingrid Nordmann', identifier: syntheticFnr('1971-04-17', 212) } as const;

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
    // Its months' partitions (migration 027), so the history does not land in the default partition.
    await ensurePartitionsFor(tx, new Date(opts.now.getTime() - (days + 2) * 86_400_000), opts.now);
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
      if (i === 0) {
        // Kari's daughter may enter readings for her (issue 12). She is not followed herself, so she
        // logs in with a relative session (TestID lists her under "Testpårørende").
        await tx.query(
          `insert into delegations (patient_id, relative_name, relative_identifier, relation, granted_at) values ($1,$2,$3,'datter',$4)`,
          [patientId, DEMO_RELATIVE.name, DEMO_RELATIVE.identifier, startedAt],
        );
      }

      // Patients 1..8 deteriorate over the last days, so the worklist has reds and yellows;
      // every sixth patient has not measured yet today.
      const deteriorating = i >= 1 && i <= 8;
      const skipsToday = i % 6 === 5;
      const r = await seedSeries(tx, { patientId, episodeId, planId, definition, rand, startDate, today, tz, now: opts.now, deteriorating, skipsToday, evaluateFrom: addDays(today, -2) });
      observations += r.observations;
      alerts += r.alerts;
    }
    await seedPathwayStates(tx, { now: opts.now, tz, orgId, personId, patientsWanted });
    return { organisations: DEMO.organisations.length, personnel: DEMO.personnel.length, patients: patientsWanted, observations, alerts };
  });
}

/**
 * The care pathway in the demo (issue 12): every state is shown. Four of the followed patients are
 * moved to baseline, paused, under evaluation and ended (with an evaluation due for a fifth), and
 * three people without readings are referred, in onboarding, and declined. Patients 0–8 (Kari and
 * the deteriorating ones) stay active, so the worklist keeps its reds and yellows.
 */
async function seedPathwayStates(
  tx: Queryable,
  s: { now: Date; tz: string; orgId: Map<string, string>; personId: Map<string, string>; patientsWanted: number },
): Promise<void> {
  const at = (days: number) => new Date(s.now.getTime() + days * 86_400_000);
  const nurse = s.personId.get('9100001')!;
  const gp = s.personId.get('9200001')!;
  const bergvik = s.orgId.get('bergvik')!;
  const sentrum = s.orgId.get('sentrum')!;
  const hospital = s.orgId.get('hospital')!;
  await tx.query(`update episodes set next_evaluation_at = started_at + interval '3 months' where next_evaluation_at is null and status <> 'ended'`);
  // Every followed patient came in through enrolment by the GP.
  await tx.query(
    `insert into episode_transitions (episode_id, patient_id, from_state, to_state, action, at, by_personnel, organisation_id)
     select e.id, e.patient_id, null, 'active', 'enrol', e.started_at, e.enrolled_by, ct.organisation_id
       from episodes e join care_team ct on ct.episode_id = e.id and ct.responsibility = 'gp'`,
  );
  const episodes = (await tx.query<{ id: string; patient_id: string; follow_up_org: string }>(
    `select e.id, e.patient_id, e.follow_up_org from episodes e join patients p on p.id = e.patient_id where e.follow_up_org = $1 order by e.started_at, p.identifier`,
    [bergvik],
  )).rows;
  const byIndex = (n: number) => episodes[episodes.length - 1 - n];
  const step = async (e: { id: string; patient_id: string }, from: string, to: string, action: string, when: Date, by: string, org: string, details: Record<string, unknown> = {}) => {
    await tx.query(
      `insert into episode_transitions (episode_id, patient_id, from_state, to_state, action, at, by_personnel, organisation_id, details) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [e.id, e.patient_id, from, to, action, when, by, org, JSON.stringify(details)],
    );
  };
  const onboarded = {
    consent_scope: 'Digital hjemmeoppfølging: målinger, skjema og meldinger deles med oppfølgingstjenesten og fastlegen.',
    training: JSON.stringify(Object.fromEntries(['equipment', 'app', 'plan', 'contact', 'emergency'].map((k) => [k, { at: at(-12).toISOString(), by: nurse }]))),
  };
  if (episodes.length >= 9) {
    const baseline = byIndex(0)!;
    await tx.query(
      `update episodes set state = 'baseline', consent_scope = $2, consent_recorded_by = $3, training = $4, goals = $5, baseline_days = 14, baseline_started_at = $6 where id = $1`,
      [baseline.id, onboarded.consent_scope, nurse, onboarded.training, 'Gå til butikken selv og klare meg hjemme.', at(-15)],
    );
    await step(baseline, 'active', 'baseline', 'start_baseline', at(-15), nurse, bergvik, { days: 14 });
    const paused = byIndex(1)!;
    const until = new Date(at(6).getTime()).toISOString().slice(0, 10);
    await tx.query(`update episodes set state = 'paused', status = 'paused', pause_reason = 'Innlagt på sykehus', pause_until = $2, paused_at = $3 where id = $1`, [paused.id, until, at(-2)]);
    await step(paused, 'active', 'paused', 'pause', at(-2), nurse, bergvik, { reason: 'Innlagt på sykehus', until });
    const evaluation = byIndex(2)!;
    await tx.query(`update episodes set state = 'evaluation', next_evaluation_at = $2 where id = $1`, [evaluation.id, at(-1)]);
    await step(evaluation, 'active', 'evaluation', 'start_evaluation', at(-0.1), nurse, bergvik);
    const ended = byIndex(3)!;
    await tx.query(`update episodes set state = 'ended', status = 'ended', ended_at = $2, end_reason_code = 'goal_reached', end_reason = 'Stabil, klarer seg selv.' where id = $1`, [ended.id, at(-1)]);
    await step(ended, 'active', 'ended', 'end', at(-1), nurse, bergvik, {
      reason: 'goal_reached', note: 'Stabil, klarer seg selv.',
      summary: { text: 'Digital hjemmeoppfølging avsluttet. Årsak: målet er nådd. Stabil, klarer seg selv.', equipmentToReturn: 0 },
    });
    await tx.query(`update episodes set next_evaluation_at = $2 where id = $1`, [byIndex(4)!.id, at(-3)]);
  }

  // Three people referred to Bergvik, without readings: waiting for a decision, in onboarding, declined.
  const person = async (n: number, name: string, birthDate: string) =>
    (await tx.query<{ id: string }>(
      `insert into patients (identifier, identifier_system, name, birth_date, sex, lang) values ($1,'fnr',$2,$3,$4,'nb') returning id`,
      [syntheticFnr(birthDate, 900 + n), name, birthDate, n % 2 ? 'male' : 'female'],
    )).rows[0]!.id;
  const refer = async (patientId: string, o: { source: string; by: string; org: string; state: string; status: string; reason: string; extra?: string; params?: unknown[] }) => {
    const e = (await tx.query<{ id: string; patient_id: string }>(
      `insert into episodes (patient_id, diagnoses, risk_level, consent_at, enrolled_by, follow_up_org, time_zone, started_at, referred_at, status, state,
                             referral_source, referral_reason, referrer_org, inclusion, next_evaluation_at, ended_at)
       values ($1,$2,'high',null,$3,$4,$5,$6,$6,$7,$8,$9,$10,$11,'{"chronicCondition":true,"ableToConsent":true,"ableToUseEquipment":true}', null,
               case when $7 = 'ended' then $6::timestamptz end) returning id, patient_id`,
      [patientId, JSON.stringify(TEMPLATES.copd.diagnoses), o.by, bergvik, s.tz, at(-3), o.status, o.state, o.source, o.reason, o.org],
    )).rows[0]!;
    await tx.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1,$2,'follow_up'), ($1,$3,'gp')`, [e.id, bergvik, sentrum]);
    if (o.org === hospital) await tx.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1,$2,'hospital')`, [e.id, hospital]);
    await step(e, null as unknown as string, 'referred', 'refer', at(-3), o.by, o.org, { source: o.source });
    return e;
  };
  const referred = await refer(await person(1, 'Hallvard Rønning', '1946-04-12'), {
    source: 'gp', by: gp, org: sentrum, state: 'referred', status: 'referred', reason: 'KOLS med tre innleggelser siste år. Ønsker tettere oppfølging hjemme.',
  });
  await tx.query(`insert into plans (episode_id, version, status, definition, created_by) values ($1, 1, 'draft', $2, $3)`, [referred.id, JSON.stringify(planFromTemplates(['copd'])), gp]);
  const onboarding = await refer(await person(2, 'Gudrun Sæther', '1941-09-23'), {
    source: 'hospital', by: s.personId.get('9300001')!, org: hospital, state: 'onboarding', status: 'active', reason: 'Utskrevet etter KOLS-forverring; trenger oppfølging de første månedene.',
  });
  await tx.query(`update episodes set vedtak_date = $2, decided_at = $3, decided_by = $4, consent_at = $3, consent_scope = $5, consent_recorded_by = $4 where id = $1`,
    [onboarding.id, at(-2).toISOString().slice(0, 10), at(-2), nurse, onboarded.consent_scope]);
  await step(onboarding, 'referred', 'onboarding', 'accept', at(-2), nurse, bergvik, { vedtakDate: at(-2).toISOString().slice(0, 10) });
  await tx.query(`insert into plans (episode_id, version, status, definition, created_by) values ($1, 1, 'draft', $2, $3)`, [onboarding.id, JSON.stringify(planFromTemplates(['copd'])), gp]);
  const declined = await refer(await person(3, 'Torstein Bakke', '1952-01-30'), {
    source: 'hospital', by: s.personId.get('9300001')!, org: hospital, state: 'declined', status: 'ended', reason: 'Hjertesvikt, ønsker vektoppfølging hjemme.',
  });
  const why = 'Pasienten ønsker ikke digital oppfølging nå; hjemmesykepleien følger opp vekt ved ukentlige besøk.';
  await tx.query(`update episodes set decided_at = $2, decided_by = $3, decline_reason = $4, ended_at = $2, end_reason = 'declined' where id = $1`, [declined.id, at(-1), nurse, why]);
  await step(declined, 'referred', 'declined', 'decline', at(-1), nurse, bergvik, { reason: why });
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
