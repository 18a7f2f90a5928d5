import { randomBytes, randomUUID } from 'node:crypto';
import { evaluate, type ObservationPoint } from '../domain/triage.js';
import { TEMPLATES } from '../domain/templates.js';
import * as alertsRepo from '../server/alerts/repo.js';
import { hashSecret } from '../server/auth/clients.js';
import type { Db, Queryable } from '../server/db/port.js';
import { idempotencyKeyFor } from '../server/ingest/service.js';
import { ensurePartitionsFor } from '../server/observations/partitions.js';
import { cohort, dateOfDay, sittingsFor, type CohortOptions, type SimPatient } from './cohort.js';
import { zonedInstant } from '../domain/time.js';

/**
 * The simulated helsefellesskap the cohort belongs to. Org numbers and HPR numbers are outside the
 * demo seed's, so a cohort can be loaded next to the demo data.
 */
export const SIM = {
  helsefellesskap: 'Simulert helsefellesskap',
  municipality: { orgNumber: '999000011', name: 'Simulert kommune – oppfølgingstjenesten' },
  gpOffice: { orgNumber: '999000022', name: 'Simulert legekontor' },
  hospital: { orgNumber: '999000033', name: 'Simulert sykehus HF' },
  nurse: { hpr: '9990001', name: 'Simulert sykepleier' },
  gp: { hpr: '9990002', name: 'Dr. Simulert Fastlege' },
  clientId: 'sim-gateway',
} as const;

export interface LoadOptions extends CohortOptions {
  /** Client credentials registered for the municipality (scope observation.write); secret random if unset. */
  clientId?: string;
  clientSecret?: string;
  /** Findings of the last `alertDays` days raise open alerts; older ones are taken as dealt with. */
  alertDays?: number;
  /** Progress lines (loading 10 000 patients takes a while on PGlite). */
  log?: (line: string) => void;
}

export interface LoadResult {
  organisationId: string;
  gpOfficeId: string;
  hospitalId: string;
  nurseId: string;
  gpId: string;
  clientId: string;
  /** Null when the client existed already (its secret is only stored hashed). */
  clientSecret: string | null;
  patients: number;
  observations: number;
  alerts: number;
  ms: number;
}

const PATIENTS_PER_TX = 1000;
const ROWS_PER_INSERT = 5000;
/** Longest look-back of the triage engine (trend rules, NEWS2 companions), as in observations/service.ts. */
const HISTORY_MS = 8 * 86_400_000;

/**
 * Loads a cohort straight into the database, set-based (multi-row inserts with client-made ids,
 * one transaction per 1 000 patients): the fast path for benchmarks and demos. Every history
 * sitting is triaged by the same pure engine the server uses, so zones are what the server would
 * have stored; findings of the last days become open alerts through the server's own alert upsert.
 * Observations carry the idempotency key the ingest API would give the same reading, so the live
 * streamer re-sending a loaded day gets `duplicate` back. No audit events: nobody accessed anything.
 * @throws Error when this cohort (its first patient) is already in the database
 */
export async function loadCohort(db: Db, opts: LoadOptions): Promise<LoadResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const clientId = opts.clientId ?? SIM.clientId;
  const setup = await db.tx((tx) => ensureSetting(tx, clientId, opts.clientSecret));
  const startDate = dateOfDay(0, opts);
  const enrolledAt = zonedInstant(startDate, '08:00', opts.timeZone ?? 'Europe/Oslo');
  const alertFrom = dateOfDay(opts.days - (opts.alertDays ?? 3), opts);
  // The months of the loaded readings get their partitions first (migration 027), as they would
  // have had when the readings arrived live, instead of all landing in the default partition.
  await ensurePartitionsFor(db, enrolledAt, new Date(enrolledAt.getTime() + (opts.days + 1) * 86_400_000));

  let patients = 0;
  let observations = 0;
  let alerts = 0;
  let batch: SimPatient[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const r = await db.tx((tx) => loadPatients(tx, batch, opts, { ...setup, clientId, enrolledAt, alertFrom }));
    patients += batch.length;
    observations += r.observations;
    alerts += r.alerts;
    batch = [];
    log(`  ${patients}/${opts.patients} patients, ${observations} observations, ${alerts} alerts (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  };
  for (const p of cohort(opts)) {
    batch.push(p);
    if (batch.length >= PATIENTS_PER_TX) await flush();
  }
  await flush();
  // Fresh statistics, as autovacuum would have them on a database that grew to this size over
  // months: without them the planner guesses from an empty table (seq scans everywhere).
  for (const t of ['patients', 'episodes', 'care_team', 'plans', 'observations', 'alerts']) await db.exec(`analyze ${t}`);
  return { ...setup, clientId, patients, observations, alerts, ms: Date.now() - t0 };
}

type Setting = Omit<LoadResult, 'clientId' | 'patients' | 'observations' | 'alerts' | 'ms'>;

/** Organisations, a nurse and a GP, and the device client: created once, found again later. */
async function ensureSetting(tx: Queryable, clientId: string, secret: string | undefined): Promise<Setting> {
  const org = async (o: { orgNumber: string; name: string }, kind: string) => {
    await tx.query(`insert into organisations (org_number, name, kind, helsefellesskap) values ($1,$2,$3,$4) on conflict (org_number) do nothing`,
      [o.orgNumber, o.name, kind, SIM.helsefellesskap]);
    return (await tx.query<{ id: string }>('select id from organisations where org_number = $1', [o.orgNumber])).rows[0]!.id;
  };
  const organisationId = await org(SIM.municipality, 'municipality');
  const gpOfficeId = await org(SIM.gpOffice, 'gp_office');
  const hospitalId = await org(SIM.hospital, 'hospital');
  const person = async (p: { hpr: string; name: string }, orgId: string, role: string) => {
    await tx.query('insert into personnel (hpr_number, name) values ($1,$2) on conflict (hpr_number) do nothing', [p.hpr, p.name]);
    const id = (await tx.query<{ id: string }>('select id from personnel where hpr_number = $1', [p.hpr])).rows[0]!.id;
    await tx.query('insert into memberships (personnel_id, organisation_id, role) values ($1,$2,$3) on conflict do nothing', [id, orgId, role]);
    return id;
  };
  const nurseId = await person(SIM.nurse, organisationId, 'nurse');
  const gpId = await person(SIM.gp, gpOfficeId, 'gp');
  let clientSecret: string | null = null;
  const existing = await tx.query('select 1 from api_clients where client_id = $1', [clientId]);
  if (existing.rows.length === 0) {
    clientSecret = secret ?? randomBytes(24).toString('base64url');
    await tx.query('insert into api_clients (client_id, secret_hash, name, organisation_id, scopes) values ($1,$2,$3,$4,$5)', [
      clientId, hashSecret(clientSecret), 'Simulert målegateway', organisationId, ['observation.write'],
    ]);
  }
  return { organisationId, gpOfficeId, hospitalId, nurseId, gpId, clientSecret };
}

async function loadPatients(
  tx: Queryable,
  batch: SimPatient[],
  opts: LoadOptions,
  s: Setting & { clientId: string; enrolledAt: Date; alertFrom: string },
): Promise<{ observations: number; alerts: number }> {
  const first = batch[0]!;
  if ((await tx.query('select 1 from patients where identifier = $1', [first.identifier])).rows.length > 0) {
    throw new Error(`Patient ${first.index} of this cohort is already in the database: load a cohort into a fresh database, or use another --seed`);
  }
  const ids = batch.map(() => ({ patient: randomUUID(), episode: randomUUID(), plan: randomUUID() }));
  await tx.query(
    `insert into patients (id, identifier, identifier_system, name, birth_date, sex, lang)
     select u.id, u.identifier, 'fnr', u.name, u.birth_date, u.sex, u.lang
       from unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[]) as u(id, identifier, name, birth_date, sex, lang)`,
    [ids.map((x) => x.patient), batch.map((p) => p.identifier), batch.map((p) => p.name), batch.map((p) => p.birthDate), batch.map((p) => p.sex), batch.map((p) => p.lang)],
  );
  await tx.query(
    `insert into episodes (id, patient_id, diagnoses, risk_level, consent_at, enrolled_by, follow_up_org, started_at)
     select u.id, u.patient_id, u.diagnoses::jsonb, u.risk, $4, $5, $6, $4
       from unnest($1::uuid[], $2::uuid[], $3::text[], $7::text[]) as u(id, patient_id, diagnoses, risk)`,
    [ids.map((x) => x.episode), ids.map((x) => x.patient), batch.map((p) => JSON.stringify(p.templates.flatMap((t) => TEMPLATES[t].diagnoses))),
      s.enrolledAt, s.gpId, s.organisationId, batch.map((p) => (p.deterioration || p.templates.length > 1 ? 'high' : 'medium'))],
  );
  const team: [string, string, string][] = [];
  batch.forEach((p, i) => {
    team.push([ids[i]!.episode, s.organisationId, 'follow_up'], [ids[i]!.episode, s.gpOfficeId, 'gp']);
    if (p.templates.includes('copd') || p.templates.includes('heart_failure')) team.push([ids[i]!.episode, s.hospitalId, 'hospital']);
  });
  await tx.query(
    `insert into care_team (episode_id, organisation_id, responsibility, added_at) select u.e, u.o, u.r, $4 from unnest($1::uuid[], $2::uuid[], $3::text[]) as u(e, o, r)`,
    [team.map((t) => t[0]), team.map((t) => t[1]), team.map((t) => t[2]), s.enrolledAt],
  );
  await tx.query(
    `insert into plans (id, episode_id, version, status, definition, created_by, created_at, approved_by, approved_at)
     select u.id, u.episode_id, 1, 'approved', u.definition::jsonb, $3, $4, $3, $4 from unnest($1::uuid[], $2::uuid[], $5::text[]) as u(id, episode_id, definition)`,
    [ids.map((x) => x.plan), ids.map((x) => x.episode), s.gpId, s.enrolledAt, batch.map((p) => JSON.stringify(p.plan))],
  );

  const rows = { id: [] as string[], patient: [] as string[], episode: [] as string[], code: [] as string[], value: [] as number[], unit: [] as string[], at: [] as Date[], zone: [] as string[], key: [] as string[] };
  const findings: { patientId: string; episodeId: string; planId: string; finding: import('../domain/triage.js').Finding }[] = [];
  batch.forEach((p, i) => {
    const history: ObservationPoint[] = [];
    for (const sitting of sittingsFor(p, opts)) {
      const points = sitting.measurements.map((m) => ({ id: randomUUID(), code: m.code, value: m.value, unit: m.unit, effectiveAt: sitting.effectiveAt }));
      const since = sitting.effectiveAt.getTime() - HISTORY_MS;
      while (history.length > 0 && history[0]!.effectiveAt.getTime() < since) history.shift();
      const ev = evaluate({ plan: p.plan, planVersion: 1, newObservations: points, history });
      const zoneOf = new Map(ev.perObservation.map((x) => [x.id, x.zone]));
      const key = idempotencyKeyFor(s.clientId, undefined, sitting.readingId);
      for (const pt of points) {
        rows.id.push(pt.id); rows.patient.push(ids[i]!.patient); rows.episode.push(ids[i]!.episode); rows.code.push(pt.code);
        rows.value.push(pt.value); rows.unit.push(pt.unit); rows.at.push(pt.effectiveAt); rows.zone.push(zoneOf.get(pt.id) ?? 'green'); rows.key.push(key);
      }
      if (sitting.date >= s.alertFrom) for (const f of ev.findings) findings.push({ patientId: ids[i]!.patient, episodeId: ids[i]!.episode, planId: ids[i]!.plan, finding: f });
      history.push(...points);
    }
  });
  for (let o = 0; o < rows.id.length; o += ROWS_PER_INSERT) {
    const sl = <T>(xs: T[]) => xs.slice(o, o + ROWS_PER_INSERT);
    await tx.query(
      `insert into observations (id, patient_id, episode_id, code, value, unit, effective_at, received_at, source, recorded_by, idempotency_key, zone, plan_version, device_clock_offset_ms)
       select u.id, u.patient_id, u.episode_id, u.code, u.value, u.unit, u.at, u.at, 'device', $9, u.key, u.zone, 1, 0
         from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::float8[], $6::text[], $7::timestamptz[], $8::text[], $10::text[])
              as u(id, patient_id, episode_id, code, value, unit, at, zone, key)`,
      [sl(rows.id), sl(rows.patient), sl(rows.episode), sl(rows.code), sl(rows.value), sl(rows.unit), sl(rows.at), sl(rows.zone), `client:${s.clientId}`, sl(rows.key)],
    );
  }
  // Through the server's own upsert, so merging and escalation are exactly what live triage does.
  await alertsRepo.upsertFindings(tx, findings);
  const alerts = new Set(findings.map((f) => `${f.episodeId} ${f.finding.ruleId}`)).size;
  return { observations: rows.id.length, alerts };
}
