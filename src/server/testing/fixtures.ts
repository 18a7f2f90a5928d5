import type { PlanDefinition } from '../../domain/plan.js';
import type { LocalText } from '../../domain/text.js';
import type { PersonnelRole } from '../auth/actor.js';
import { createSession, SESSION_COOKIE } from '../auth/session.js';
import type { Db, Queryable } from '../db/port.js';

const text = (nb: string): LocalText => ({ nb, nn: nb, en: nb });

/** A small COPD plan with round thresholds, so tests can reason about zones without templates. */
export const TEST_PLAN: PlanDefinition = {
  measures: [
    {
      code: 'spo2',
      schedule: { kind: 'daily', dueBy: '10:00', graceMinutes: 60 },
      thresholds: { redBelow: 88, yellowBelow: 92 },
      actions: { green: text('Fortsett som før.'), yellow: text('Ta medisin fra beredskapspakken. Sykepleier ringer deg.'), red: text('Ring legevakt 116 117.') },
    },
    {
      code: 'heart_rate',
      schedule: { kind: 'daily', dueBy: '10:00', graceMinutes: 60 },
      thresholds: { redBelow: 40, yellowBelow: 50, yellowAbove: 100, redAbove: 120 },
      actions: { green: text('Fortsett som før.'), yellow: text('Hvil og mål igjen om en time.'), red: text('Ring legevakt 116 117.') },
    },
  ],
  questionnaires: [],
  trendRules: [],
  news2: { enabled: false, scale: 2 },
  medicines: 'Spiriva 2,5 µg 2 drag daglig',
  contacts: 'Oppfølgingstjenesten 12 34 56 78',
};


export interface Fixture {
  orgs: { muniA: string; muniB: string; gpOffice: string; hospital: string };
  people: { nurseA: string; nurseB: string; gp: string; coordinator: string; specialist: string };
  patient: { id: string; identifier: string; episodeId: string; planId: string };
  /** A patient in municipality B only: nurse A has no care relation to them. */
  otherPatient: { id: string; identifier: string; episodeId: string; planId: string };
}

/** Two municipalities, a GP office and a hospital; a patient followed by A, and one followed by B. */
export async function seedFixture(db: Db, opts: { identifiers?: string[]; plan?: PlanDefinition } = {}): Promise<Fixture> {
  const ids = opts.identifiers ?? (await validTestIdentifiers());
  const org = async (n: string, name: string, kind: string) =>
    (await db.query<{ id: string }>(`insert into organisations (org_number, name, kind, helsefellesskap) values ($1,$2,$3,'Test') returning id`, [n, name, kind])).rows[0]!.id;
  const orgs = {
    muniA: await org('900000001', 'Kommune A', 'municipality'),
    muniB: await org('900000002', 'Kommune B', 'municipality'),
    gpOffice: await org('900000003', 'Legekontoret', 'gp_office'),
    hospital: await org('900000004', 'Sykehuset HF', 'hospital'),
  };
  const person = async (hpr: string, name: string, memberships: [string, PersonnelRole][]) => {
    const id = (await db.query<{ id: string }>('insert into personnel (hpr_number, name) values ($1,$2) returning id', [hpr, name])).rows[0]!.id;
    for (const [o, role] of memberships) await db.query('insert into memberships values ($1,$2,$3)', [id, o, role]);
    return id;
  };
  const people = {
    nurseA: await person('1000001', 'Sykepleier A', [[orgs.muniA, 'nurse']]),
    nurseB: await person('1000002', 'Sykepleier B', [[orgs.muniB, 'nurse']]),
    gp: await person('1000003', 'Fastlege', [[orgs.gpOffice, 'gp']]),
    coordinator: await person('1000004', 'Koordinator', [[orgs.muniA, 'coordinator']]),
    specialist: await person('1000005', 'Spesialist', [[orgs.hospital, 'specialist']]),
  };
  const plan = opts.plan ?? TEST_PLAN;
  const enrol = async (identifier: string, name: string, followUp: string) => {
    const pid = (await db.query<{ id: string }>(
      `insert into patients (identifier, identifier_system, name, birth_date, sex, lang) values ($1,'fnr',$2,'1940-01-01','female','nb') returning id`,
      [identifier, name],
    )).rows[0]!.id;
    const ep = (await db.query<{ id: string }>(
      `insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, started_at) values ($1,'high', now() - interval '10 days', $2, $3, now() - interval '10 days') returning id`,
      [pid, people.gp, followUp],
    )).rows[0]!.id;
    await db.query(`insert into care_team values ($1,$2,'follow_up', now()), ($1,$3,'gp', now())`, [ep, followUp, orgs.gpOffice]);
    const planId = (await db.query<{ id: string }>(
      `insert into plans (episode_id, version, status, definition, created_by, approved_by, approved_at) values ($1, 1, 'approved', $2, $3, $3, now() - interval '10 days') returning id`,
      [ep, JSON.stringify(plan), people.gp],
    )).rows[0]!.id;
    return { id: pid, identifier, episodeId: ep, planId };
  };
  const patient = await enrol(ids[0]!, 'Kari Testesen', orgs.muniA);
  const otherPatient = await enrol(ids[1]!, 'Ola Testesen', orgs.muniB);
  return { orgs, people, patient, otherPatient };
}

async function validTestIdentifiers(): Promise<string[]> {
  const { syntheticFnr } = await import('../../domain/identifiers.js');
  return [syntheticFnr('1940-01-01', 123), syntheticFnr('1955-02-15', 234)];
}

/** A session cookie header for personnel acting for `organisationId` in `role`. */
export async function personnelCookie(db: Db, personnelId: string, organisationId: string, role: PersonnelRole): Promise<string> {
  const token = await createSession(db, { subjectKind: 'personnel', subjectId: personnelId, organisationId, role, ttlHours: 1 });
  return `${SESSION_COOKIE}=${token}`;
}

export async function patientCookie(db: Db, patientId: string): Promise<string> {
  const token = await createSession(db, { subjectKind: 'patient', subjectId: patientId, acr: 'idporten-loa-high', ttlHours: 1 });
  return `${SESSION_COOKIE}=${token}`;
}

/** Cookie headers for every role of the fixture. */
export async function cookiesFor(db: Db, f: Fixture) {
  return {
    nurseA: await personnelCookie(db, f.people.nurseA, f.orgs.muniA, 'nurse'),
    nurseB: await personnelCookie(db, f.people.nurseB, f.orgs.muniB, 'nurse'),
    gp: await personnelCookie(db, f.people.gp, f.orgs.gpOffice, 'gp'),
    coordinator: await personnelCookie(db, f.people.coordinator, f.orgs.muniA, 'coordinator'),
    specialist: await personnelCookie(db, f.people.specialist, f.orgs.hospital, 'specialist'),
    patient: await patientCookie(db, f.patient.id),
    otherPatient: await patientCookie(db, f.otherPatient.id),
  };
}

/**
 * A synthetic patient with an active episode since 1 January 2026, followed by muniA (one care-team
 * row) and without a plan: for store-level tests that write alerts or plans of their own.
 */
export async function bareEpisode(db: Queryable, f: Fixture, identifier: string): Promise<{ id: string; patientId: string }> {
  const patientId = (await db.query<{ id: string }>(
    `insert into patients (identifier, identifier_system, name, birth_date, sex) values ($1, 'fnr', $2, '1946-02-03', 'female') returning id`,
    [identifier, `Syntetisk ${identifier}`],
  )).rows[0]!.id;
  const id = (await db.query<{ id: string }>(
    `insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, started_at) values ($1, 'high', now(), $2, $3, '2026-01-01') returning id`,
    [patientId, f.people.gp, f.orgs.muniA],
  )).rows[0]!.id;
  await db.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1, $2, 'follow_up')`, [id, f.orgs.muniA]);
  return { id, patientId };
}
