import { insertAudit } from '../audit/repo.js';
import type { Db, Queryable } from '../db/port.js';
import type { ObservationRow } from '../observations/repo.js';
import { enqueue, registerRebuilder, type Rebuilder } from '../outbox/service.js';
import type { PatientRow } from '../patients/repo.js';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { buildPmdBundle } from './pmd.js';

/** Document kind of a Pasientens måledata batch in the outbox. */
export const PMD_DOCUMENT_KIND = 'pmd-observations';

/**
 * Readings measured longer ago than this are not shared even when received after consent (an old
 * offline backlog): it bounds the job's walk over observations_episode_time.
 */
export const PMD_LOOKBACK_DAYS = 90;

/**
 * Rebuilds a batch from its outbox source (`observationIds`, `fhirBase`): `selectSql` reads the
 * readings by id ($1), `gone` is the error when none of them is stored any more.
 */
function pmdRebuilder(selectSql: string, gone: string, build: (patient: PatientRow, rows: ObservationRow[], fhirBase: string) => Bundle): Rebuilder {
  return async (q, source) => {
    const ids = (source.observationIds as string[] | undefined) ?? [];
    const obs = (await q.query<ObservationRow>(selectSql, [ids])).rows;
    if (!obs.length) throw new Error(gone);
    const patient = (await q.query<PatientRow>('select * from patients where id = $1', [obs[0]!.patient_id])).rows[0]!;
    return JSON.stringify(build(patient, obs, String(source.fhirBase ?? '')));
  };
}

registerRebuilder(PMD_DOCUMENT_KIND, pmdRebuilder(
  'select * from observations where id = any($1::uuid[]) order by effective_at, code',
  'the readings are no longer stored',
  buildPmdBundle,
));

/** Document kind of a correction: readings shared before and retracted since, sent as entered-in-error. */
export const PMD_CORRECTION_KIND = 'pmd-observations-entered-in-error';

registerRebuilder(PMD_CORRECTION_KIND, pmdRebuilder(
  'select distinct on (id) * from observations_retracted where id = any($1::uuid[]) order by id, retracted_at',
  'the retracted readings are no longer stored',
  buildPmdCorrection,
));

/**
 * The batch that withdraws shared readings: the same resources (same ids, so the same
 * `PUT Observation/<id>`) with status `entered-in-error`, which is how FHIR retracts an
 * Observation; the receiver keeps the resource but no longer shows it as a measurement.
 */
export function buildPmdCorrection(patient: PatientRow, rows: ObservationRow[], fhirBase: string): Bundle {
  const b = buildPmdBundle(patient, [...rows].sort((x, y) => x.effective_at.getTime() - y.effective_at.getTime() || x.code.localeCompare(y.code)), fhirBase);
  return { ...b, entry: (b.entry ?? []).map((e) => ({ ...e, resource: { ...(e.resource as Observation), status: 'entered-in-error' as const } })) };
}

export interface PmdJobResult {
  messages: number;
  readings: number;
  /** Readings sent as entered-in-error (shared, then retracted). */
  corrections: number;
}

/**
 * How far back, in received time, each run reads again before its receiver's mark: a reading
 * whose transaction began before the mark but committed after the run read (so the run did not
 * see it) is read by the next run. The mark itself never passes the start of a transaction still
 * open when a run begins (pg_stat_activity), so this only has to cover what that cannot see: a
 * transaction between taking its start time and reporting it, or one of a database role whose
 * sessions this role may not look at.
 */
export const PMD_OVERLAP_MS = 10 * 60_000;

/**
 * Queues new readings of consenting patients for Pasientens måledata: one batch Bundle per patient
 * per run, to the patient's follow-up organisation's `pasientens_maledata` receiver. Runs outside
 * ingest's hot path (the outbox worker's leader calls it), set-based: one INSERT…SELECT marks every
 * reading it takes in `pmd_shared` (so a reading is queued once, also if two runs overlap), and the
 * batches are written to the outbox in the same transaction. A reading is shared when it is stored
 * (readings retracted as entered-in-error are moved out of `observations`), the open episode has
 * the structured consent (`share_measurements_since`), it was received at or after the consent, and
 * the organisation has the receiver switched on — a patient without consent is never sent.
 * Each receiver keeps how far in received time the job has read (`pmd_scanned_until`, migration
 * 051), so a run reads what arrived since, not every consenting patient's look-back window; a new
 * or re-enabled receiver, and a consent dated before the mark, start it further back.
 * In the same transaction, readings that were shared and have been retracted since are sent once
 * as `entered-in-error` (queueCorrections).
 */
export async function queueSharedMeasurements(db: Db, now: Date, opts: { fhirBase: string; limit?: number }): Promise<PmdJobResult> {
  const limit = opts.limit ?? 5000;
  const run = now.toISOString().replace(/[-:.]/g, '');
  const windowStart = new Date(now.getTime() - PMD_LOOKBACK_DAYS * 86_400_000);
  return db.tx(async (tx) => {
    // A statement of its own, before the one that reads the readings (read committed: that one's
    // snapshot is later), so every transaction that began before `hi` has ended when it looks. Only
    // this database's: another database's transactions write no readings here (and on a shared
    // cluster, as in the test suite, they held the mark back).
    // The mark also as text: a Date keeps milliseconds, the column microseconds, and the update
    // below must compare the value exactly as read.
    const marks = (await tx.query<{ organisation_id: string | null; mark: Date | null; mark_text: string | null; hi: Date }>(
      `select r.organisation_id, r.pmd_scanned_until as mark, r.pmd_scanned_until::text as mark_text, h.hi
         from (select least($1::timestamptz, (select min(a.xact_start) from pg_stat_activity a
                                               where a.pid <> pg_backend_pid() and a.backend_type = 'client backend'
                                                 and a.datname = current_database())) as hi) h
         left join integration_receivers r on r.kind = 'pasientens_maledata' and r.enabled
        order by r.organisation_id`,
      [now],
    )).rows;
    const hi = marks[0]!.hi;
    const receivers = marks.flatMap((m) => (m.organisation_id === null ? [] : [{
      org: m.organisation_id,
      mark: m.mark_text,
      // A reading is at most 5 minutes ahead of the clock that received it (FUTURE_TOLERANCE_MS),
      // so one received a day before the window cannot have been measured in it.
      since: new Date(Math.max(m.mark ? m.mark.getTime() - PMD_OVERLAP_MS : -Infinity, windowStart.getTime() - 86_400_000)),
    }]));
    let taken: string[] = [];
    if (receivers.length > 0) {
      // From the readings received in the receivers' windows (the BRIN index on received_at), by
      // key to their episodes; the earliest window as a bound of its own, so the plan can use it.
      const r = (await tx.query<{ n: number; last: Date | null; ids: string[] }>(
        `with c as (
           select o.id, o.patient_id, o.received_at
             from observations o
             join episodes e on e.id = o.episode_id
             join unnest($5::uuid[], $6::timestamptz[]) as w(org, since) on w.org = e.follow_up_org
            where o.received_at >= $7 and o.received_at <= $8 and o.received_at >= w.since
              and o.effective_at >= $1::timestamptz - make_interval(days => $2)
              and e.share_measurements_since is not null and e.status <> 'ended' and o.received_at >= e.share_measurements_since
              and not exists (select 1 from pmd_shared s where s.observation_id = o.id)
            order by o.received_at limit $3),
         ins as (
           insert into pmd_shared (observation_id, patient_id, outbox_key, queued_at)
           select c.id, c.patient_id, 'varde-pmd-' || c.patient_id || '-' || $4, $1 from c
           on conflict (observation_id) do nothing
           returning observation_id)
         select (select count(*) from c)::int as n, (select max(received_at) from c) as last,
                array(select observation_id::text from ins) as ids`,
        [now, PMD_LOOKBACK_DAYS, limit, run, receivers.map((x) => x.org), receivers.map((x) => x.since),
          new Date(Math.min(...receivers.map((x) => x.since.getTime()))), hi],
      )).rows[0]!;
      taken = r.ids;
      // Everything received up to `hi` has been read, unless the limit cut the run short: then up
      // to the last reading taken (readings received at that same instant are read again).
      const until = r.n >= limit && r.last ? r.last : hi;
      // Only a mark nobody moved meanwhile (a consent dated back, a receiver switched off and on).
      await tx.query(
        `update integration_receivers r set pmd_scanned_until = $3
           from unnest($1::uuid[], $2::text[]) as m(org, mark)
          where r.organisation_id = m.org and r.kind = 'pasientens_maledata' and r.enabled
            and r.pmd_scanned_until is not distinct from m.mark::timestamptz and r.pmd_scanned_until is distinct from $3`,
        [receivers.map((x) => x.org), receivers.map((x) => x.mark), until],
      );
    }
    const corrected = await queueCorrections(tx, now, opts.fhirBase, limit, run);
    if (!taken.length) return { messages: corrected.messages, readings: 0, corrections: corrected.readings };
    const rows = (await tx.query<ObservationRow & { follow_up_org: string }>(
      `select o.*, e.follow_up_org from observations o join episodes e on e.id = o.episode_id
        where o.id = any($1::uuid[]) order by o.patient_id, o.effective_at, o.code`,
      [taken],
    )).rows;
    // Sending a patient's readings to another system is a disclosure: audited against the patient.
    const messages = await queueByPatient(tx, rows, {
      now, run, fhirBase: opts.fhirBase, keyPrefix: 'varde-pmd-', documentKind: PMD_DOCUMENT_KIND, build: buildPmdBundle,
      auditAction: 'read', auditDetails: {},
    });
    return { messages: messages + corrected.messages, readings: rows.length, corrections: corrected.readings };
  });
}

/**
 * Readings that were shared and retracted since (entered-in-error, or replaced by an amended or
 * corrected version: either way Varde no longer holds them as measured) go to Pasientens måledata
 * as `entered-in-error`, once, one batch per patient per run. Set-based: one statement finds the
 * retractions of the look-back window whose sharing was delivered (pmd_shared → its outbox message
 * delivered, so the correction cannot overtake the reading it withdraws) and marks them in
 * pmd_shared.correction_key where it is still null (migration 024), so overlapping runs queue each
 * once. Sent even after the consent was withdrawn or the episode ended: it withdraws data, it
 * shares none.
 */
async function queueCorrections(tx: Queryable, now: Date, fhirBase: string, limit: number, run: string): Promise<{ messages: number; readings: number }> {
  const rows = (await tx.query<ObservationRow & { follow_up_org: string }>(
    `with candidates as (
       select r.id from observations_retracted r
         join pmd_shared s on s.observation_id = r.id and s.correction_key is null
         join outbox shared on shared.idempotency_key = s.outbox_key and shared.status = 'delivered'
         join episodes e on e.id = r.episode_id
         join integration_receivers rc on rc.organisation_id = e.follow_up_org and rc.kind = 'pasientens_maledata' and rc.enabled
        where r.retracted_at >= $1::timestamptz - make_interval(days => $2) and r.retracted_at <= $1
        limit $3),
     marked as (
       update pmd_shared s set correction_key = 'varde-pmd-eie-' || s.patient_id || '-' || $4
        where s.observation_id in (select id from candidates) and s.correction_key is null
       returning s.observation_id)
     select distinct on (r.id) r.*, e.follow_up_org
       from observations_retracted r join marked m on m.observation_id = r.id join episodes e on e.id = r.episode_id
      order by r.id, r.retracted_at`,
    [now, PMD_LOOKBACK_DAYS, limit, run],
  )).rows;
  if (!rows.length) return { messages: 0, readings: 0 };
  const messages = await queueByPatient(tx, rows, {
    now, run, fhirBase, keyPrefix: 'varde-pmd-eie-', documentKind: PMD_CORRECTION_KIND, build: buildPmdCorrection,
    auditAction: 'update', auditDetails: { correction: 'entered-in-error' },
  });
  return { messages, readings: rows.length };
}

/**
 * Queues one batch per patient (idempotency key `<keyPrefix><patient>-<run>`, the key the SQL
 * wrote in pmd_shared) to the follow-up organisation's Pasientens måledata receiver, and audits
 * each against its patient. Returns how many batches were new.
 */
async function queueByPatient(
  tx: Queryable,
  rows: (ObservationRow & { follow_up_org: string })[],
  o: {
    now: Date; run: string; fhirBase: string; keyPrefix: string; documentKind: string;
    build: (patient: PatientRow, rows: ObservationRow[], fhirBase: string) => Bundle;
    auditAction: 'read' | 'update'; auditDetails: Record<string, unknown>;
  },
): Promise<number> {
  const byPatient = new Map<string, (ObservationRow & { follow_up_org: string })[]>();
  for (const r of rows) byPatient.set(r.patient_id, [...(byPatient.get(r.patient_id) ?? []), r]);
  const patients = new Map((await tx.query<PatientRow>('select * from patients where id = any($1::uuid[])', [[...byPatient.keys()]])).rows.map((p) => [p.id, p]));
  let messages = 0;
  for (const [patientId, obs] of byPatient) {
    const patient = patients.get(patientId)!;
    const key = `${o.keyPrefix}${patientId}-${o.run}`;
    const queued = await enqueue(tx, {
      organisationId: obs[0]!.follow_up_org,
      receiverKind: 'pasientens_maledata',
      documentKind: o.documentKind,
      idempotencyKey: key,
      patientId,
      source: { observationIds: obs.map((r) => r.id), fhirBase: o.fhirBase },
      contentType: 'application/fhir+json',
      build: () => JSON.stringify(o.build(patient, obs, o.fhirBase)),
      at: o.now,
    });
    if (queued) messages++;
    await insertAudit(tx, {
      actorKind: 'system', actorId: 'pmd-job', actorName: 'Pasientens måledata', organisationId: obs[0]!.follow_up_org, role: null,
      action: o.auditAction, resourceType: 'Observation', resourceId: null, patientId, outcome: 'success', route: null,
      details: { disclosure: 'pasientens_maledata', ...o.auditDetails, readings: obs.length, outboxKey: key },
    });
  }
  return messages;
}
