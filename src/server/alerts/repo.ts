import type { Finding } from '../../domain/triage.js';
import type { LocalText } from '../../domain/text.js';
import type { Queryable } from '../db/port.js';

export interface AlertRow {
  id: string;
  patient_id: string;
  episode_id: string;
  rule_id: string;
  kind: string;
  zone: 'yellow' | 'red' | 'missing';
  status: 'open' | 'acknowledged' | 'resolved';
  plan_id: string;
  plan_version: number;
  summary: LocalText;
  findings: Finding[];
  first_at: Date;
  last_at: Date;
  occurrences: number;
  created_at: Date;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  acknowledged_by_name?: string | null;
  resolved_by_name?: string | null;
  /** The nurse's judgement (migration 020): true = no action needed, null = not stated. */
  no_action_needed?: boolean | null;
}

const SEVERITY = "case zone when 'red' then 3 when 'yellow' then 2 else 1 end";

/**
 * What every merge of a finding into the unresolved alert of its (episode, rule) does, in an
 * `on conflict … do update set` of `alerts as al` whose new row carries the finding as a one-element
 * `findings` array: one more occurrence, the finding appended, the times widened, the plan version
 * that judged it. Callers add zone, status, summary and kind as their rules need (here, and the
 * missing-measurement sweep, triage/missing-job.ts).
 */
export const MERGE_FINDING_SET = `occurrences = al.occurrences + 1,
         findings = al.findings || excluded.findings,
         last_at = greatest(al.last_at, excluded.last_at),
         first_at = least(al.first_at, excluded.first_at),
         plan_id = excluded.plan_id,
         plan_version = excluded.plan_version`;

/** A finding to raise as an alert (or merge into the episode's unresolved alert of its rule). */
export interface FindingToRaise {
  patientId: string;
  episodeId: string;
  planId: string;
  finding: Finding;
}

/**
 * What raising one finding did: the alert's key columns as they now are (not its findings and
 * summary, which grow with every merge and which no caller of the write path reads back), and
 * whether it is new or got worse.
 */
export interface RaisedFinding {
  alert: Pick<AlertRow, 'id' | 'episode_id' | 'rule_id' | 'zone' | 'status' | 'occurrences'>;
  raised: boolean;
  escalated: boolean;
}

/**
 * Raises an alert for a finding, or merges it into the unresolved alert of the same episode and
 * rule. A worse zone reopens an acknowledged alert so a deterioration is never hidden behind an
 * earlier acknowledgement. Returns the alert and whether it is new or got worse.
 */
export async function upsertFromFinding(q: Queryable, a: FindingToRaise): Promise<RaisedFinding> {
  return (await upsertFindings(q, [a]))[0]!;
}

/**
 * upsertFromFinding for many findings, with the same result as raising them one after another in
 * the given order: one statement per round, where a round holds at most one finding per (episode,
 * rule) — the n-th finding of a rule goes in round n and merges into what round n − 1 left — so
 * a group commit with several findings fires the alerts' statement triggers (episode state,
 * worklist rows, counts) once instead of once per finding (issue 15: 1.3–1.4 ms per finding in
 * pg_stat_statements, more than a group commit's whole write statement). Results are in input order.
 */
export async function upsertFindings(q: Queryable, list: readonly FindingToRaise[]): Promise<RaisedFinding[]> {
  const out: RaisedFinding[] = new Array(list.length);
  let rest = list.map((a, i) => ({ a, i }));
  while (rest.length > 0) {
    const seen = new Set<string>();
    const round: typeof rest = [];
    const later: typeof rest = [];
    for (const x of rest) {
      const key = ruleKey(x.a);
      (seen.has(key) ? later : round).push(x);
      seen.add(key);
    }
    const rows = await upsertRound(q, round.map((x) => x.a));
    round.forEach((x, k) => (out[x.i] = rows[k]!));
    rest = later;
  }
  return out;
}

/**
 * The CTEs `f`, `prev` and `up` that raise findings of distinct (episode, rule) in one statement,
 * their arrays from parameter $`first` on (findingsUpsertParams gives them in order). `f` carries
 * each finding's `tag` (findingsUpsertParams' `tags`, or null) and its 1-based place `i`; `up`
 * returns each alert's key columns and whether it was inserted; `prev` holds the zone of each
 * merged alert before the statement. Shared by upsertRound and the write of a group commit
 * (observations/repo.ts#writeSittings), which raises a group's findings in its own statement.
 */
export function findingsUpsertCtes(first: number): string {
  const sev = (zone: string) => SEVERITY.replaceAll('zone', zone);
  const ps = Array.from({ length: 11 }, (_, k) => `$${first + k}`);
  return `f as (
       select * from unnest(${ps[0]}::uuid[], ${ps[1]}::uuid[], ${ps[2]}::text[], ${ps[3]}::text[], ${ps[4]}::text[], ${ps[5]}::uuid[], ${ps[6]}::int[],
                            ${ps[7]}::jsonb[], ${ps[8]}::jsonb[], ${ps[9]}::timestamptz[], ${ps[10]}::int[])
         with ordinality as f(patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, finding, at, tag, i)),
     -- The zone before this statement (callers keep (episode, rule) distinct within it).
     prev as (select a.episode_id, a.rule_id, a.zone from f join alerts a on a.episode_id = f.episode_id and a.rule_id = f.rule_id and a.status <> 'resolved'),
     up as (
       insert into alerts as al (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
       select patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, jsonb_build_array(finding), at, at from f order by i
       on conflict (episode_id, rule_id) where status <> 'resolved' do update set
         ${MERGE_FINDING_SET},
         summary = case when (${sev('excluded.zone')}) >= (${sev('al.zone')}) then excluded.summary else al.summary end,
         zone = case when (${sev('excluded.zone')}) > (${sev('al.zone')}) then excluded.zone else al.zone end,
         status = case when (${sev('excluded.zone')}) > (${sev('al.zone')}) then 'open' else al.status end
       returning al.id, al.episode_id, al.rule_id, al.zone, al.status, al.occurrences, (xmax = 0) as inserted)`;
}

/** The parameters of findingsUpsertCtes, in order; `tags[k]` is the k-th finding's tag (null without). */
export function findingsUpsertParams(list: readonly FindingToRaise[], tags?: readonly number[]): unknown[] {
  return [list.map((a) => a.patientId), list.map((a) => a.episodeId), list.map((a) => a.finding.ruleId), list.map((a) => a.finding.kind),
    list.map((a) => a.finding.zone), list.map((a) => a.planId), list.map((a) => a.finding.planVersion),
    list.map((a) => JSON.stringify(a.finding.summary)), list.map((a) => JSON.stringify(a.finding)), list.map((a) => a.finding.at),
    tags ?? list.map(() => null)];
}

/** The (episode, rule) a finding raises or merges into: one unresolved alert per key. */
const ruleKey = (a: FindingToRaise) => `${a.episodeId} ${a.finding.ruleId}`;

/** True when no two findings share an (episode, rule): then one findingsUpsertCtes statement raises them all. */
export function distinctRules(list: readonly FindingToRaise[]): boolean {
  const seen = new Set<string>();
  for (const a of list) {
    const key = ruleKey(a);
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

/** One statement for findings of distinct (episode, rule); results in input order. */
async function upsertRound(q: Queryable, list: readonly FindingToRaise[]): Promise<RaisedFinding[]> {
  const r = await q.query<RaisedFinding['alert'] & { i: string; inserted: boolean; old_zone: string | null }>(
    `with ${findingsUpsertCtes(1)}
     select up.id, up.episode_id, up.rule_id, up.zone, up.status, up.occurrences, up.inserted, f.i, prev.zone as old_zone
       from up join f on f.episode_id = up.episode_id and f.rule_id = up.rule_id
       left join prev on prev.episode_id = up.episode_id and prev.rule_id = up.rule_id`,
    findingsUpsertParams(list),
  );
  const out: RaisedFinding[] = new Array(list.length);
  for (const row of r.rows) {
    const { i, inserted, old_zone, ...alert } = row;
    out[Number(i) - 1] = { alert, raised: inserted, escalated: !inserted && old_zone !== alert.zone };
  }
  return out;
}

const SELECT = `select al.*, ack.name as acknowledged_by_name, res.name as resolved_by_name from alerts al
  left join personnel ack on ack.id = al.acknowledged_by left join personnel res on res.id = al.resolved_by`;

/** The patient's alerts; `episodeIds` (null = all) limits them to the episodes the caller may read. */
export async function listForPatient(q: Queryable, patientId: string, status?: string, episodeIds: string[] | null = null): Promise<AlertRow[]> {
  const r = await q.query<AlertRow>(
    `${SELECT} where al.patient_id = $1 and ($2::text is null or al.status = $2) and ($3::uuid[] is null or al.episode_id = any($3))
      order by case al.status when 'open' then 0 when 'acknowledged' then 1 else 2 end, al.first_at desc limit 500`,
    [patientId, status ?? null, episodeIds],
  );
  return r.rows;
}

export async function getAlert(q: Queryable, id: string, lock = false): Promise<AlertRow | undefined> {
  const r = await q.query<AlertRow>(`select * from alerts where id = $1 ${lock ? 'for update' : ''}`, [id]);
  return r.rows[0];
}

export async function getAlertWithNames(q: Queryable, id: string): Promise<AlertRow | undefined> {
  return (await q.query<AlertRow>(`${SELECT} where al.id = $1`, [id])).rows[0];
}

/** Acknowledges; `noActionNeeded` (when given) records the nurse's judgement, else an earlier one stays. */
export async function acknowledge(q: Queryable, id: string, by: string, at: Date, noActionNeeded?: boolean): Promise<void> {
  await q.query(
    `update alerts set status = 'acknowledged', acknowledged_by = $2, acknowledged_at = $3, no_action_needed = coalesce($4, no_action_needed) where id = $1`,
    [id, by, at, noActionNeeded ?? null],
  );
}

/** Resolves; `noActionNeeded` as for acknowledge. */
export async function resolve(q: Queryable, id: string, by: string | null, at: Date, noActionNeeded?: boolean): Promise<void> {
  await q.query(
    `update alerts set status = 'resolved', resolved_by = $2, resolved_at = $3, no_action_needed = coalesce($4, no_action_needed) where id = $1`,
    [id, by, at, noActionNeeded ?? null],
  );
}

/** What the burden view needs of one alert. */
export type BurdenAlertRow = Pick<AlertRow, 'id' | 'episode_id' | 'rule_id' | 'kind' | 'zone' | 'status' | 'first_at' | 'occurrences' | 'summary' | 'findings'> & { no_action_needed: boolean | null };

/** The patient's alerts first raised since `from`, within the episodes the caller may read (null = all). */
export async function alertsSince(q: Queryable, patientId: string, from: Date, episodeIds: string[] | null): Promise<BurdenAlertRow[]> {
  const r = await q.query<BurdenAlertRow>(
    `select id, episode_id, rule_id, kind, zone, status, first_at, occurrences, summary, findings, no_action_needed from alerts
      where patient_id = $1 and first_at >= $2 and ($3::uuid[] is null or episode_id = any($3)) order by first_at limit 2000`,
    [patientId, from, episodeIds],
  );
  return r.rows;
}

/** The patient's readings of `codes` since `from` (the data behind a threshold-review suggestion). */
export async function readingsSince(q: Queryable, patientId: string, codes: string[], from: Date, episodeIds: string[] | null) {
  const r = await q.query<{ code: string; value: number; unit: string; effective_at: Date; zone: string | null }>(
    `select code, value::float8 as value, unit, effective_at, zone from observations
      where patient_id = $1 and code = any($2) and effective_at >= $3 and ($4::uuid[] is null or episode_id = any($4))
      order by effective_at limit 500`,
    [patientId, codes, from, episodeIds],
  );
  return r.rows;
}

/** A measurement arrived: the patient is no longer missing it. Resolved by the system (no person). */
export async function resolveMissing(q: Queryable, episodeId: string, codes: string[], at: Date): Promise<number> {
  const r = await q.query(
    `update alerts set status = 'resolved', resolved_at = $3 where episode_id = $1 and status <> 'resolved'
        and zone = 'missing' and rule_id = any($2)`,
    [episodeId, codes.map((c) => `missing:${c}`), at],
  );
  return r.rowCount;
}
