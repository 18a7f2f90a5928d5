import type { Interpretation, MeasureCode } from '../../domain/catalogue.js';
import { observationPoint, type ObservationPoint } from '../../domain/triage.js';
import type { OpeningHours } from '../../domain/opening-hours.js';
import { findingsUpsertCtes, findingsUpsertParams, type FindingToRaise } from '../alerts/repo.js';
import type { AuditInsert } from '../audit/repo.js';
import type { Queryable } from '../db/port.js';
import type { EpisodeRow } from '../patients/repo.js';
import type { PlanRow } from '../plans/repo.js';

export interface ObservationRow {
  id: string;
  patient_id: string;
  episode_id: string;
  code: MeasureCode;
  /** Exactly as measured, in the canonical unit. */
  value: number;
  unit: string;
  effective_at: Date;
  received_at: Date;
  /** A meter's HI/LO flag: the value is then the edge of its range (migration 007). */
  interpretation?: Interpretation | null;
  source: 'patient' | 'device' | 'personnel';
  device_id: string | null;
  recorded_by: string;
  idempotency_key: string | null;
  zone: 'green' | 'yellow' | 'red' | null;
  plan_version: number | null;
  device_clock_offset_ms: number | null;
  /** The device's register entry, when listed with it (listForPatient). */
  device_serial?: string | null;
  device_model?: string | null;
  device_manufacturer?: string | null;
  /** Who entered it on the patient's behalf, when listed with it (listForPatient; delegation/). */
  entered_by_kind?: 'personnel' | 'relative' | null;
  entered_by_name?: string | null;
  entered_by_relation?: string | null;
}

export type NewObservation = Omit<ObservationRow, 'id' | 'received_at'>;

/**
 * A patient's readings stored under one idempotency key, through observation_keys (migration 027):
 * one probe there, then the reading's own month partition instead of every partition's index.
 */
export async function byIdempotencyKey(q: Queryable, patientId: string, key: string): Promise<ObservationRow[]> {
  const r = await q.query<ObservationRow>(
    `select o.* from observation_keys k join observations o on o.id = k.observation_id and o.effective_at = k.effective_at
      where k.patient_id = $1 and k.idempotency_key = $2 order by o.code`,
    [patientId, key],
  );
  return r.rows;
}

export async function insertObservation(q: Queryable, o: NewObservation): Promise<ObservationRow> {
  const r = await q.query<ObservationRow>(
    `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, device_id, recorded_by,
       idempotency_key, zone, plan_version, device_clock_offset_ms, interpretation)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) returning *`,
    [o.patient_id, o.episode_id, o.code, o.value, o.unit, o.effective_at, o.source, o.device_id, o.recorded_by,
      o.idempotency_key, o.zone, o.plan_version, o.device_clock_offset_ms, o.interpretation ?? null],
  );
  return r.rows[0]!;
}

/** Observations of an episode in a time window, as the triage engine wants them. */
export async function pointsSince(q: Queryable, episodeId: string, since: Date): Promise<ObservationPoint[]> {
  const r = await q.query<{ id: string; code: MeasureCode; value: number; unit: string; effective_at: Date; interpretation: Interpretation | null }>(
    'select id, code, value, unit, effective_at, interpretation from observations where episode_id = $1 and effective_at >= $2 order by effective_at',
    [episodeId, since],
  );
  return r.rows.map((x) => observationPoint(x.id, x.code, x.value, x.unit, x.effective_at, x.interpretation));
}

export interface ListFilter {
  code?: string;
  from?: Date;
  to?: Date;
  limit: number;
  /** Only these episodes (the ones the caller may read); null or absent = all. */
  episodeIds?: string[] | null;
}

export async function listForPatient(q: Queryable, patientId: string, f: ListFilter): Promise<ObservationRow[]> {
  const r = await q.query<ObservationRow>(
    `select o.*, d.serial as device_serial, d.model as device_model, d.manufacturer as device_manufacturer,
            case when dl.id is not null then 'relative' when ep.id is not null then 'personnel' end as entered_by_kind,
            coalesce(dl.relative_name, ep.name) as entered_by_name, dl.relation as entered_by_relation
       from observations o left join devices d on d.id = o.device_id
       -- Who entered it on the patient's behalf (recorded_by is the actor tag): staff, or a relative by delegation.
       left join personnel ep on o.recorded_by like 'personnel:%' and ep.id::text = substr(o.recorded_by, 11)
       left join delegations dl on o.recorded_by like 'relative:%' and dl.id::text = substr(o.recorded_by, 10)
      where o.patient_id = $1
        and ($2::text is null or o.code = $2) and ($3::timestamptz is null or o.effective_at >= $3)
        and ($4::timestamptz is null or o.effective_at < $4) and ($6::uuid[] is null or o.episode_id = any($6))
      order by o.effective_at desc, o.code limit $5`,
    [patientId, f.code ?? null, f.from ?? null, f.to ?? null, f.limit, f.episodeIds ?? null],
  );
  return r.rows;
}

/** The newest observation of each measure for the patient. */
export async function latestPerCode(q: Queryable, patientId: string): Promise<ObservationRow[]> {
  const r = await q.query<ObservationRow>(
    'select distinct on (code) * from observations where patient_id = $1 order by code, effective_at desc',
    [patientId],
  );
  return r.rows;
}

// ---------------------------------------------------------------- set-based write path (storeSittings)

/**
 * What the write path reads of an episode (ingest answers name the episode's id, its step and
 * its follow-up service). Not the whole row: its referral, inclusion, training and goals made a
 * 100-reading group's lock statement return ~140 kB for the server to parse (bench/README.md, round 8).
 */
export type TriageEpisode = Pick<EpisodeRow, 'id' | 'patient_id' | 'status' | 'state' | 'follow_up_org' | 'time_zone' | 'started_at' | 'schedules_from'>;

/** An open episode locked for triage, with its care team (whose screens hear about new data). */
export type LockedEpisode = TriageEpisode & {
  care_team_orgs: string[];
  /** The follow-up service's opening hours (null = the defaults), read in the same round trip. */
  follow_up_hours: OpeningHours | null;
  /**
   * The approved plan as this statement saw it (its snapshot may predate a plan approved while it
   * waited for the lock): only to choose which history to read; triageContext reads the plan again.
   */
  plan_id: string | null;
  plan_md5: string | null;
};

/**
 * Locks the open episodes of these patients, in id order (two writers for overlapping patients
 * queue instead of deadlocking), and returns them with their care teams, their follow-up service's
 * opening hours (one round trip fewer per group commit than reading them apart) and the transaction's
 * start time (= the `received_at` default of rows inserted in this transaction).
 */
export async function lockEpisodesForTriage(q: Queryable, patientIds: string[]): Promise<{ episodes: LockedEpisode[]; txNow: Date }> {
  // The care team as one comma-separated text: node-pg parses a text[] column character by
  // character (~2.5 % of what a batched upload allocated, bench/README.md round 20). A service's
  // opening hours (weekly hours and up to 1 000 closed dates) only on its first episode in id
  // order: a group's episodes are mostly of one service, and each copy was parsed again.
  const r = await q.query<Omit<LockedEpisode, 'care_team_orgs'> & { care_team_orgs: string | null; tx_now: Date }>(
    `with l as (
       select e.id, e.patient_id, e.status, e.state, e.follow_up_org, e.time_zone, e.started_at, e.schedules_from,
              (select string_agg(ct.organisation_id::text, ',' order by ct.organisation_id::text) from care_team ct where ct.episode_id = e.id) as care_team_orgs,
              ap.id as plan_id, ap.definition_md5 as plan_md5
         from episodes e left join lateral (select p.id, p.definition_md5 from plans p where p.episode_id = e.id and p.status = 'approved' limit 1) ap on true
        where e.patient_id = any($1::uuid[]) and e.status <> 'ended' order by e.id for update of e)
     select l.*, now() as tx_now,
            case when row_number() over (partition by l.follow_up_org order by l.id) = 1
                 then (select o.opening_hours from organisations o where o.id = l.follow_up_org) end as follow_up_hours
       from l order by l.id`,
    [patientIds],
  );
  const txNow = r.rows[0]?.tx_now ?? new Date();
  // Rows come in id order, so the first row of each service is the one that carries its hours.
  const hoursOf = new Map<string, OpeningHours | null>();
  for (const row of r.rows) if (!hoursOf.has(row.follow_up_org)) hoursOf.set(row.follow_up_org, row.follow_up_hours);
  return {
    episodes: r.rows.map(({ tx_now: _t, care_team_orgs, follow_up_hours: _h, ...e }) => ({
      ...e, care_team_orgs: care_team_orgs ? care_team_orgs.split(',') : [], follow_up_hours: hoursOf.get(e.follow_up_org) ?? null,
    })),
    txNow,
  };
}

export interface TriageContext {
  /** Rows already stored under one of the idempotency keys asked for. */
  existing: ObservationRow[];
  plans: PlanRow[];
  /** Observations of each episode's measures since the times asked for, for trend, combined and NEWS2 rules. */
  history: (ObservationPoint & { episodeId: string })[];
}

/** One measure of an episode's history that triage reads: from `since` on (domain/history-window.ts). */
export interface HistoryRange {
  patientId: string;
  episodeId: string;
  code: MeasureCode;
  since: Date;
}

/**
 * Everything triage reads, for many sittings in one round trip: stored rows of the idempotency
 * keys, the approved plans and each episode's recent observations up to `until` (no reading is
 * stored dated more than FUTURE_TOLERANCE_MS after the clock that received it, so a bound a day
 * past now leaves none out; without one, every probe also read the indexes of the empty monthly
 * partitions made ahead and of the default one). Run it AFTER the episode lock,
 * as its own statement, so it sees whatever a writer that held the lock before us committed.
 * The lateral joins keep it an index probe per key and episode even when table statistics are stale
 * (a plain join on unnest() turns into a scan of all observations after a bulk import). Stored rows
 * of a key are found through observation_keys (migration 027), whose (id, effective_at) prunes the
 * partitioned table to the reading's month.
 */
export async function triageContext(
  q: Queryable,
  keys: { patientId: string; key: string }[],
  episodeIds: string[],
  history: HistoryRange[],
  until: Date,
): Promise<TriageContext> {
  type PlanHead = Omit<Json<PlanRow>, 'definition'> & { definition_md5: string };
  const r = await q.query<{ existing: Json<ObservationRow>[]; plans: PlanHead[]; history: [number, string, number, string, number, Interpretation | null][] }>(
    `select
       coalesce((select jsonb_agg(to_jsonb(o) order by o.code) from unnest($1::uuid[], $2::text[]) as u(p, k)
                   cross join lateral (select x.* from observation_keys k join observations x on x.id = k.observation_id and x.effective_at = k.effective_at
                                       where k.patient_id = u.p and k.idempotency_key = u.k) o), '[]') as existing,
       -- PlanRow's columns by name, not to_jsonb(p) - 'definition': that detoasted and copied each
       -- definition (~8 kB) only to drop it, 0.68 -> 0.17 ms for 13 plans (bench/README.md, round 10).
       -- json, not jsonb: only sent, never queried (0.70–0.83 -> 0.46–0.53 ms for 100 plans, round 19).
       coalesce((select json_agg(json_build_object('id', p.id, 'episode_id', p.episode_id, 'version', p.version, 'status', p.status,
                                                     'created_by', p.created_by, 'created_at', p.created_at, 'approved_by', p.approved_by,
                                                     'approved_at', p.approved_at, 'definition_md5', p.definition_md5, 'approved_by_name', pe.name))
                   from plans p left join personnel pe on pe.id = p.approved_by where p.episode_id = any($3::uuid[]) and p.status = 'approved'), '[]'::json) as plans,
       -- One range of (patient_id, code, effective_at) per measure: only what the rules can read.
       -- Each point names its range by number (episode and code are the range's) and its time in
       -- epoch milliseconds, as the Date it becomes: half the text the uuids and ISO times made for
       -- the server to parse, and no date string to parse (bench/README.md, round 21).
       coalesce((select json_agg(json_build_array(u.i, o.id, o.value, o.unit, floor(extract(epoch from o.effective_at) * 1000), o.interpretation)
                                 order by o.effective_at)
                   from unnest($4::uuid[], $5::uuid[], $6::text[], $7::timestamptz[]) with ordinality as u(p, e, code, since, i)
                   cross join lateral (select * from observations x
                                        where x.patient_id = u.p and x.code = u.code and x.effective_at >= u.since
                                          -- The episode as a filter only (no index can take it in this form): the
                                          -- generic plan probed the current month by (episode_id, effective_at) and
                                          -- read every other measure's readings of the range to drop them.
                                          and coalesce(x.episode_id, u.e) = u.e
                                          -- The whole read's range as well, in parameters of its own: the generic plan's
                                          -- pruning at start-up leaves out the partitions outside it, DEFAULT included.
                                          and x.effective_at >= $9 and x.effective_at < $8) o), '[]') as history`,
    [keys.map((k) => k.patientId), keys.map((k) => k.key), episodeIds,
      history.map((h) => h.patientId), history.map((h) => h.episodeId), history.map((h) => h.code), history.map((h) => h.since), until,
      new Date(history.reduce((t, h) => Math.min(t, h.since.getTime()), until.getTime()))],
  );
  const row = r.rows[0]!;
  const definitions = await planDefinitions(q, row.plans.map((p) => ({ id: p.id, md5: p.definition_md5 })));
  return {
    existing: row.existing.map((o) => ({ ...o, effective_at: new Date(o.effective_at), received_at: new Date(o.received_at) })),
    plans: row.plans.map(({ definition_md5, ...p }) => ({
      ...p, definition: definitions.get(definition_md5)!, created_at: new Date(p.created_at), approved_at: p.approved_at === null ? null : new Date(p.approved_at),
    })),
    // Two plain literals, not a spread of `{ interpretation }` or `{}` (a throwaway object per row).
    history: row.history.map(([i, id, value, unit, at, interpretation]) => {
      const { episodeId, code } = history[i - 1]!;
      return interpretation
        ? { episodeId, id, code, value, unit, effectiveAt: new Date(at), interpretation }
        : { episodeId, id, code, value, unit, effectiveAt: new Date(at) };
    }),
  };
}

/*
 * Plan definitions by content hash (plans.definition_md5, migration 002). A definition is several
 * kB of JSON and most patients share a template-made one, so each distinct definition is read and
 * parsed once per process; writes read only the hash. Entries are frozen: every caller shares them.
 * Bounded; the least recently used goes first.
 */
const definitionCache = new Map<string, PlanRow['definition']>();
const DEFINITION_CACHE_MAX = 1000;

/**
 * Plan definitions by content hash, from the process's cache, reading the ones it lacks.
 * @returns md5 → definition (frozen, shared)
 */
export async function planDefinitions(q: Queryable, plans: { id: string; md5: string }[]): Promise<Map<string, PlanRow['definition']>> {
  const out = new Map<string, PlanRow['definition']>();
  const missing: string[] = [];
  for (const p of plans) {
    const d = definitionCache.get(p.md5);
    if (d) {
      definitionCache.delete(p.md5);
      definitionCache.set(p.md5, d);
      out.set(p.md5, d);
    } else missing.push(p.id);
  }
  if (missing.length > 0) {
    const r = await q.query<{ definition_md5: string; definition: PlanRow['definition'] }>(
      'select definition_md5, definition from plans where id = any($1::uuid[])', [missing]);
    for (const { definition_md5: md5, definition } of r.rows) {
      if (out.has(md5)) continue;
      deepFreeze(definition);
      if (definitionCache.size >= DEFINITION_CACHE_MAX) definitionCache.delete(definitionCache.keys().next().value!);
      definitionCache.set(md5, definition);
      out.set(md5, definition);
    }
  }
  return out;
}

function deepFreeze(x: unknown): void {
  if (x === null || typeof x !== 'object' || Object.isFrozen(x)) return;
  for (const v of Object.values(x)) deepFreeze(v);
  Object.freeze(x);
}

/** A row as jsonb gives it back: timestamps are ISO strings. */
type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

export interface SittingsWrite {
  observations: Omit<ObservationRow, 'received_at'>[];
  /** Missing-measurement alerts the new readings answer: (episode, `missing:<code>`). */
  resolveMissing: { episodeId: string; ruleId: string }[];
  resolvedAt: Date;
  audit: { actor: Pick<AuditInsert, 'actorKind' | 'actorId' | 'actorName' | 'organisationId' | 'role' | 'route'>; events: { action: 'create' | 'read'; patientId: string; details: Record<string, unknown> }[] };
  /** NOTIFY payloads for the events channel, each a JSON text (sent inside one json array). */
  notify: { channel: string; payloads: string[] };
  /**
   * Findings of distinct (episode, rule) to raise in the same statement (alerts/repo.ts#findingsUpsertCtes),
   * and for each the 1-based place of its sitting's payload in `notify.payloads`: a payload of a
   * finding that raised or worsened an alert goes out with type 'alert' instead of its own.
   */
  raise?: { findings: FindingToRaise[]; payloadOf: number[] };
}

/**
 * The rest of a write in ONE statement: insert the observations, resolve the missing-measurement
 * alerts they answer, write the audit events and send the notifications. Data-modifying CTEs all
 * run to completion whether or not the final select reads them, inside the caller's transaction.
 */
export async function writeSittings(q: Queryable, w: SittingsWrite): Promise<void> {
  const o = w.observations;
  const a = w.audit.actor;
  const raise = w.raise && w.raise.findings.length > 0 ? w.raise : null;
  // With findings, their upsert is three more CTEs of this statement instead of a statement of its
  // own: one round trip fewer, and the alerts' statement triggers (episode state, worklist order)
  // fire once for the missing alerts resolved here and the alerts merged, not once per statement.
  const tail = raise
    ? `, ${findingsUpsertCtes(28)},
     hit as (select distinct f.tag from up join f on f.episode_id = up.episode_id and f.rule_id = up.rule_id
               left join prev on prev.episode_id = up.episode_id and prev.rule_id = up.rule_id
              where prev.zone is distinct from up.zone)
     select pg_notify($25, case when h.tag is null then p.e::text else jsonb_set(p.e::jsonb, '{type}', '"alert"')::text end)
       from json_array_elements($26::json) with ordinality as p(e, n) left join hit h on h.tag = p.n order by p.n`
    // A json array's elements come back as the texts they were sent as.
    : `
     select pg_notify($25, e::text) from json_array_elements($26::json) as e`;
  await q.query(
    `with ins as (
       insert into observations (id, patient_id, episode_id, code, value, unit, effective_at, source, device_id, recorded_by,
                                 idempotency_key, zone, plan_version, device_clock_offset_ms, interpretation)
       select u.id, u.patient_id, u.episode_id, u.code, u.value, u.unit, u.effective_at, u.source, u.device_id, u.recorded_by,
              u.idempotency_key, u.zone, u.plan_version, u.offset_ms, u.interpretation
         from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::float8[], $6::text[], $7::timestamptz[], $8::text[], $9::uuid[],
                     $10::text[], $11::text[], $12::text[], $13::int[], $14::int[], $27::text[])
              as u(id, patient_id, episode_id, code, value, unit, effective_at, source, device_id, recorded_by, idempotency_key, zone, plan_version, offset_ms, interpretation)
     ), res as (
       -- One index probe per (episode, rule): a plain join on unnest() was planned (with the
       -- statistics of a table that just grew) as a scan of every open missing alert per write —
       -- all of them after a sweep at a shared deadline, 44 000 at 10 000 patients — and was the
       -- main cost of single-reading ingest. The LIMIT keeps the lateral subquery from being
       -- flattened into that join; it is exact, as alerts_one_unresolved allows one per pair.
       update alerts a set status = 'resolved', resolved_at = $17
        where a.id in (select x.id from (select distinct * from unnest($15::uuid[], $16::text[])) as m(episode_id, rule_id)
                         cross join lateral (select y.id from alerts y where y.episode_id = m.episode_id and y.rule_id = m.rule_id
                                                and y.status <> 'resolved' and y.zone = 'missing' limit 1) x)
     ), aud as (
       -- Events and payloads as one json text each: in text arrays every quote of their JSON was
       -- escaped once more (db/array-literal.ts), ~2 % of what a batched upload allocated (round 20).
       insert into audit_events (actor_kind, actor_id, actor_name, organisation_id, role, action, resource_type, patient_id, outcome, route, details)
       select $18, $19, $20, $21, $22, u.action, 'Observation', u.patient_id, 'success', $23, u.details
         from json_to_recordset($24::json) as u(action text, patient_id uuid, details jsonb)
     )${tail}`,
    [
      o.map((x) => x.id), o.map((x) => x.patient_id), o.map((x) => x.episode_id), o.map((x) => x.code), o.map((x) => x.value), o.map((x) => x.unit),
      o.map((x) => x.effective_at), o.map((x) => x.source), o.map((x) => x.device_id), o.map((x) => x.recorded_by), o.map((x) => x.idempotency_key),
      o.map((x) => x.zone), o.map((x) => x.plan_version), o.map((x) => x.device_clock_offset_ms),
      w.resolveMissing.map((r) => r.episodeId), w.resolveMissing.map((r) => r.ruleId), w.resolvedAt,
      a.actorKind, a.actorId, a.actorName, a.organisationId, a.role, a.route,
      JSON.stringify(w.audit.events.map((e) => ({ action: e.action, patient_id: e.patientId, details: e.details }))),
      w.notify.channel, `[${w.notify.payloads.join(',')}]`,
      o.map((x) => x.interpretation ?? null),
      ...(raise ? findingsUpsertParams(raise.findings, raise.payloadOf) : []),
    ],
  );
}
