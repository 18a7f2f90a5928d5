import type { Lang, LocalText } from '../../domain/text.js';
import type { Queryable } from '../db/port.js';

/** Where a page continues: the sort key of the last row shown (see ORDER). */
export interface Cursor {
  rank: number;
  sub: number;
  severity: number;
  time: number;
  episodeId: string;
}

/**
 * The worklist's order, all ascending, as indexed by worklist_rows_triage_order: status (red,
 * yellow, missing, green), then within missing measurements/inactive before questionnaires, then
 * within red/yellow the most severe (distance past the limit, NEWS2) and newest first, missing and
 * green oldest first. Migration 022 defines and maintains these keys and says why.
 */
const ORDER = 'w.status_rank, w.order_sub, w.order_severity, w.order_time, w.episode_id';

export interface WorklistFilter {
  organisationId: string;
  /** 0 red, 1 yellow, 2 missing, 3 green. */
  rank?: number;
  /** Part of the name, or the start of the fødselsnummer. */
  search?: string;
  /** Only episodes this person follows (wrote a contact note, acknowledged or resolved an alert). */
  minePersonnelId?: string;
  /** Only episodes with patient messages nobody has handled yet (the "Meldinger" chip). */
  withMessages?: boolean;
}

export interface WorklistRow {
  status_rank: number;
  order_sub: number;
  order_severity: number;
  order_time: number;
  sort_since: Date;
  episode_id: string;
  patient_id: string;
  name: string;
  birth_date: string;
  identifier: string;
  phone: string | null;
  diagnoses: { system: string; code: string; display: string }[];
  reason: LocalText | null;
  open_alerts: number;
  unresolved_alerts: number;
  latest: Record<string, { value: number; unit: string; effectiveAt: string; zone: string | null }>;
  last_contact_at: Date | null;
}

const KEYS = 'w.status_rank, w.order_sub, w.order_severity, w.order_time, w.sort_since, w.episode_id';

/**
 * The rows of `keys` (a query giving the KEYS), with everything shown.
 * The keys are materialised first, so the page is cut before anything is joined — also on PGlite,
 * which has no statistics to plan by (no autovacuum) and would otherwise join every row and sort.
 */
const withDetails = (keys: string) => `with page as materialized (${keys})
select w.status_rank, w.order_sub, w.order_severity, w.order_time, w.sort_since, w.episode_id, s.patient_id,
       p.name, p.birth_date, p.identifier, p.phone, e.diagnoses, s.reason, s.open_alerts, s.unresolved_alerts, s.latest, s.last_contact_at
  from page w
  join episode_state s on s.episode_id = w.episode_id
  join episodes e on e.id = w.episode_id
  join patients p on p.id = s.patient_id
 order by ${ORDER}`;

/** Patients are joined into the key query only when the search needs them. */
const searchJoin = (f: WorklistFilter) => (f.search ? 'join episodes pe on pe.id = w.episode_id join patients p on p.id = pe.patient_id' : '');

/** `%` and `_` in what the nurse typed are letters, not wildcards. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The filter as SQL over `w` (worklist_rows) and `p` (patients), parameters from `$first`. */
function where(f: WorklistFilter, first: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [f.organisationId];
  const parts = [`w.organisation_id = $${first}`];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    parts.push(sql(first + params.length - 1));
  };
  if (f.search) {
    const s = f.search.trim();
    if (/^\d+$/.test(s)) add((n) => `p.identifier like $${n}`, `${s}%`);
    else add((n) => `p.name ilike $${n}`, `%${likeEscape(s)}%`);
  }
  if (f.withMessages) parts.push(`exists (select 1 from messages m where m.episode_id = w.episode_id and m.sender_kind = 'patient' and m.handled_at is null)`);
  if (f.minePersonnelId) add((n) => `exists (select 1 from worklist_mine m where m.personnel_id = $${n} and m.episode_id = w.episode_id)`, f.minePersonnelId);
  return { sql: parts.join(' and '), params };
}

/**
 * One page of the organisation's worklist in the order red → yellow → missing → green, oldest
 * first, after `cursor` (keyset: rows inserted before the cursor do not shift later pages).
 * Reads the maintained worklist_rows/episode_state (migration 010), an index range scan.
 */
export async function page(q: Queryable, f: WorklistFilter, cursor: Cursor | null, limit: number): Promise<WorklistRow[]> {
  const w = where(f, 1);
  const params = [...w.params];
  let sql = `select ${KEYS} from worklist_rows w ${searchJoin(f)} where ${w.sql}`;
  if (f.rank !== undefined) {
    params.push(f.rank);
    sql += ` and w.status_rank = $${params.length}`;
  }
  if (cursor) {
    params.push(cursor.rank, cursor.sub, cursor.severity, cursor.time, cursor.episodeId);
    const n = params.length;
    sql += ` and (${ORDER}) > ($${n - 4}::smallint, $${n - 3}::smallint, $${n - 2}::float8, $${n - 1}::float8, $${n}::uuid)`;
  }
  params.push(limit);
  sql += ` order by ${ORDER} limit $${params.length}`;
  return (await q.query<WorklistRow>(withDetails(sql), params)).rows;
}

/** The rows of these patients in the organisation's worklist (for the live stream). */
export async function rowsForPatients(q: Queryable, organisationId: string, patientIds: string[]): Promise<WorklistRow[]> {
  const r = await q.query<WorklistRow>(
    withDetails(`select ${KEYS} from episodes pe
                   join worklist_rows w on w.organisation_id = $1 and w.episode_id = pe.id where pe.patient_id = any($2::uuid[])`),
    [organisationId, patientIds],
  );
  return r.rows;
}

/**
 * Rows per status rank under the filter (without the status filter: the chips show every status).
 * Unfiltered, the sum of the organisation's maintained deltas (migration 030): a few rows, however
 * large the caseload. With a filter, counted over the rows it selects (a name search scans the
 * caseload; "with messages" and "mine" are driven from their small tables by the planner).
 */
export async function counts(q: Queryable, f: WorklistFilter): Promise<Map<number, number>> {
  if (!f.search && !f.withMessages && !f.minePersonnelId) {
    const r = await q.query<{ status_rank: number; n: number }>(
      'select status_rank, sum(n)::int as n from worklist_counts where organisation_id = $1 group by status_rank having sum(n) <> 0',
      [f.organisationId],
    );
    return new Map(r.rows.map((x) => [x.status_rank, x.n]));
  }
  const w = where(f, 1);
  const r = await q.query<{ status_rank: number; n: number }>(
    `select w.status_rank, count(*)::int as n from worklist_rows w ${searchJoin(f)} where ${w.sql} group by w.status_rank`,
    w.params,
  );
  return new Map(r.rows.map((x) => [x.status_rank, x.n]));
}

/** An open alert as the worklist row shows it: one chip per alert. */
export interface OpenAlertRow {
  episode_id: string;
  id: string;
  zone: 'red' | 'yellow' | 'missing';
  kind: string;
  rule_id: string;
  /** All three languages, or only the one asked for. */
  summary: Partial<LocalText>;
  /** The latest finding's code and values (what the chip names). */
  code: string | null;
  values: { code: string; value: number; unit: string; effectiveAt: string }[] | null;
  severity: number;
  last_at: Date;
}

/**
 * The open alerts of these episodes (one page), worst zone, most severe and newest first: one
 * index probe per episode (alerts_one_unresolved), whatever the caseload. With `lang`, each summary
 * in that language only (cut in the database: the server parses and sends a third of the text); a
 * summary without that language comes whole.
 */
export async function openAlerts(q: Queryable, episodeIds: string[], lang?: Lang): Promise<OpenAlertRow[]> {
  if (episodeIds.length === 0) return [];
  const r = await q.query<OpenAlertRow>(
    // The severity as stored with the alert when it was written (migration 040).
    `select a.episode_id, a.id, a.zone, a.kind, a.rule_id,
            ${lang ? 'case when a.summary ? $2::text then jsonb_build_object($2::text, a.summary -> $2::text) else a.summary end' : 'a.summary'} as summary, a.findings -> -1 ->> 'code' as code,
            a.findings -> -1 -> 'values' as values,
            a.severity, a.last_at
       from alerts a
      where a.episode_id = any($1::uuid[]) and a.status <> 'resolved' and a.status = 'open'
      order by a.episode_id, case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end, a.severity desc, a.last_at desc`,
    lang ? [episodeIds, lang] : [episodeIds],
  );
  return r.rows;
}

/**
 * The sparkline points of a page in one statement: for each (episode, measure) pair, the last
 * `perEpisode` values from `since` to before `until` (observations/partitions.ts#storedUntil,
 * which leaves no stored reading out and spares each walk the partitions made ahead), oldest first.
 * One index walk per pair (newest back, cut at the limit), where a query per measure cost a round
 * trip each and numbered every value of 14 days.
 */
export async function sparkValues(q: Queryable, pairs: { episodeId: string; code: string }[], since: Date, until: Date, perEpisode: number) {
  if (pairs.length === 0) return [];
  const r = await q.query<{ episode_id: string; value: number; effective_at: Date }>(
    `select x.episode_id, o.value, o.effective_at
       from unnest($1::uuid[], $2::text[]) as x(episode_id, code)
       cross join lateral (
         select value, effective_at from observations o
          where o.episode_id = x.episode_id and o.code = x.code and o.effective_at >= $3 and o.effective_at < $5
          order by o.effective_at desc limit $4) o
      order by x.episode_id, o.effective_at`,
    [pairs.map((p) => p.episodeId), pairs.map((p) => p.code), since, perEpisode, until],
  );
  return r.rows;
}

/**
 * Folds the worklist count deltas (migration 030) into one row per organisation and status, so
 * reading a count stays a few rows. Run every minute; exact at any moment whether it ran or not.
 * @returns the number of delta rows folded (0 when another process was compacting)
 */
export async function compactCounts(q: Queryable): Promise<number> {
  return (await q.query<{ n: number }>('select varde_compact_worklist_counts() as n')).rows[0]?.n ?? 0;
}
