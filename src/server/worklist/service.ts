import { z } from 'zod';
import * as api from '../../api/worklist.js';
import { WORKLIST_PAGE_SIZE, type WorklistStatus } from '../../api/worklist.js';
import { auditListView } from '../audit/views.js';
import type { Lang, LocalText } from '../../domain/text.js';
import { CLINICAL_ROLES, type Actor } from '../auth/actor.js';
import type { Ctx } from '../context.js';
import { AppError, forbidden } from '../http/errors.js';
import { unhandledForEpisodes } from '../messages/repo.js';
import { storedUntil } from '../observations/partitions.js';
import * as repo from './repo.js';

/** Measures shown as a sparkline, first one the patient has. */
const SPARK_CODES = ['spo2', 'weight', 'glucose', 'heart_rate', 'phq9'] as const;
/** Latest values older than this are not shown on the worklist (as before it was maintained). */
const LATEST_WINDOW_DAYS = 30;
const SPARK_DAYS = 14;
/** At most this many points per sparkline (the newest). */
const SPARK_POINTS = 20;
export const PAGE_SIZE = WORKLIST_PAGE_SIZE;

/** The order of domain/triage.ts#compareWorklist, as stored in episode_state.status_rank. */
const STATUS_BY_RANK: WorklistStatus[] = ['red', 'yellow', 'missing', 'green'];

export type WorklistItem = api.WorklistItem;
export type WorklistCounts = api.WorklistCounts;
export type WorklistPage = api.WorklistPage;
export const WorklistQuery = api.WorklistQuery;
export type WorklistQuery = api.WorklistQuery;

const CursorSchema = z.tuple([z.number().int().min(0).max(3), z.number().int().min(0).max(9), z.number().finite(), z.number().finite(), z.uuid()]);

function encodeCursor(r: repo.WorklistRow): string {
  return Buffer.from(JSON.stringify([r.status_rank, r.order_sub, r.order_severity, r.order_time, r.episode_id])).toString('base64url');
}

function decodeCursor(s: string): repo.Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const c = CursorSchema.safeParse(parsed);
  if (!c.success) {
    throw new AppError(400, 'validation_failed', 'Invalid input: cursor: not a worklist position', { cursor: 'not a worklist position' });
  }
  return { rank: c.data[0], sub: c.data[1], severity: c.data[2], time: c.data[3], episodeId: c.data[4] };
}

function clinician(actor: Actor): Extract<Actor, { kind: 'personnel' }> {
  if (actor.kind !== 'personnel' || !CLINICAL_ROLES.includes(actor.role)) throw forbidden('The worklist is for clinical personnel.');
  return actor;
}

/**
 * The follow-up nurse's triage list: the active patients of the nurse's organisation, ordered
 * red → yellow → missing → green, oldest first, one page at a time with counts per status. Status
 * comes from open alerts (an acknowledged alert no longer drives the order — someone is on it —
 * but still counts as unresolved). Filters: status, name or fødselsnummer, "my patients". Read from
 * the per-episode state maintained by triggers (migration 010), so its cost follows the page size,
 * not the caseload. Every patient on the page is audited (once per hour and nurse). With `lang`,
 * texts come in that language only.
 */
export async function worklist(ctx: Ctx, query: WorklistQuery = {}): Promise<WorklistPage> {
  const a = clinician(ctx.actor);
  const filter: repo.WorklistFilter = {
    organisationId: a.organisationId,
    search: query.q,
    minePersonnelId: query.mine ? a.personnelId : undefined,
    withMessages: query.messages,
  };
  const limit = query.limit ?? PAGE_SIZE;
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  // Counts for the chips: per status under the filter, and what the messages and mine chips would show with it.
  const [rows, counts, withMessages, mine] = await Promise.all([
    repo.page(ctx.db, { ...filter, rank: query.status ? STATUS_BY_RANK.indexOf(query.status) : undefined }, cursor, limit + 1),
    repo.counts(ctx.db, filter),
    repo.counts(ctx.db, { ...filter, withMessages: true }),
    repo.counts(ctx.db, { ...filter, minePersonnelId: a.personnelId }),
  ]);
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const items = await toItems(ctx, a, shown, query.lang);
  return { items, counts: countsOf(counts, withMessages, mine), nextCursor: more ? items[items.length - 1]!.cursor : null };
}

/**
 * The current rows of these patients on the actor's worklist (the live stream's "changed rows"),
 * plus the counts per status; patients no longer on it are listed in `removed`. Audited as the page.
 * With `lang`, texts in that language only (as `worklist`).
 */
export async function changedRows(ctx: Ctx, patientIds: string[], lang?: Lang): Promise<{ items: WorklistItem[]; removed: string[]; counts: WorklistCounts }> {
  const a = clinician(ctx.actor);
  const [rows, counts, withMessages, mine] = await Promise.all([
    repo.rowsForPatients(ctx.db, a.organisationId, patientIds),
    repo.counts(ctx.db, { organisationId: a.organisationId }),
    repo.counts(ctx.db, { organisationId: a.organisationId, withMessages: true }),
    repo.counts(ctx.db, { organisationId: a.organisationId, minePersonnelId: a.personnelId }),
  ]);
  const items = await toItems(ctx, a, rows, lang);
  const present = new Set(items.map((i) => i.patient.id));
  return { items, removed: patientIds.filter((id) => !present.has(id)), counts: countsOf(counts, withMessages, mine) };
}

function countsOf(m: Map<number, number>, withMessages: Map<number, number>, mine: Map<number, number>): WorklistCounts {
  const c: WorklistCounts = { all: 0, red: 0, yellow: 0, missing: 0, green: 0, messages: 0, mine: 0 };
  for (const n of withMessages.values()) c.messages += n;
  for (const n of mine.values()) c.mine += n;
  for (const [rank, n] of m) {
    const s = STATUS_BY_RANK[rank];
    if (s) c[s] = n;
    c.all += n;
  }
  return c;
}

/** The text in `lang` only, or all of it (also when it lacks that language). */
const inLang = (text: Partial<LocalText> | null, lang: Lang | undefined): api.WorklistText | null =>
  text && lang && typeof text[lang] === 'string' ? { [lang]: text[lang] } : text;

async function toItems(ctx: Ctx, a: Extract<Actor, { kind: 'personnel' }>, rows: repo.WorklistRow[], lang?: Lang): Promise<WorklistItem[]> {
  const now = ctx.now();
  const latestSince = now.getTime() - LATEST_WINDOW_DAYS * 86_400_000;
  const latestOf = (r: repo.WorklistRow) =>
    Object.fromEntries(
      Object.entries(r.latest ?? {})
        .filter(([, v]) => Date.parse(v.effectiveAt) >= latestSince)
        .map(([code, v]) => [code, { value: v.value, unit: v.unit, effectiveAt: new Date(v.effectiveAt).toISOString(), zone: v.zone ?? null }]),
    );
  const latest = new Map(rows.map((r) => [r.episode_id, latestOf(r)]));

  // Sparklines for this page only, read together with the unread-message chip and the open
  // alerts' chips per row: three set-based statements, run in parallel on PostgreSQL's pool
  // (PGlite's one connection takes them in turn).
  const sparkCodeOf = new Map<string, string>();
  for (const r of rows) {
    const codes = latest.get(r.episode_id)!;
    const code = SPARK_CODES.find((c) => c in codes);
    if (code) sparkCodeOf.set(r.episode_id, code);
  }
  const episodeIds = rows.map((r) => r.episode_id);
  const sparkSince = new Date(now.getTime() - SPARK_DAYS * 86_400_000);
  const [points, unread, open] = await Promise.all([
    repo.sparkValues(ctx.db, [...sparkCodeOf].map(([episodeId, code]) => ({ episodeId, code })), sparkSince, storedUntil(now), SPARK_POINTS),
    unhandledForEpisodes(ctx.db, episodeIds),
    repo.openAlerts(ctx.db, episodeIds, lang),
  ]);
  const sparks = new Map<string, [string, number][]>();
  for (const s of points) {
    const list = sparks.get(s.episode_id) ?? [];
    list.push([s.effective_at.toISOString(), s.value]);
    sparks.set(s.episode_id, list);
  }
  const alertsOf = new Map<string, api.WorklistAlert[]>();
  for (const x of open) {
    const list = alertsOf.get(x.episode_id) ?? [];
    list.push({
      id: x.id, zone: x.zone, kind: x.kind, ruleId: x.rule_id, code: x.code, summary: x.summary, severity: x.severity,
      values: (x.values ?? []).map((v) => ({ code: v.code, value: v.value, unit: v.unit, effectiveAt: new Date(v.effectiveAt).toISOString() })),
      lastAt: x.last_at.toISOString(),
    });
    alertsOf.set(x.episode_id, list);
  }
  await auditListView(
    ctx.db,
    { actorId: a.personnelId, actorName: a.name, organisationId: a.organisationId, role: a.role, route: ctx.route ?? '' },
    rows.map((r) => r.patient_id),
    { resourceType: 'Worklist' },
  );
  return rows.map((r) => {
    const spark = sparkCodeOf.get(r.episode_id);
    return {
      patient: { id: r.patient_id, name: r.name, birthDate: r.birth_date, identifier: r.identifier, phone: r.phone },
      episodeId: r.episode_id,
      status: STATUS_BY_RANK[r.status_rank] ?? 'green',
      since: r.sort_since.toISOString(),
      reason: inLang(r.reason, lang),
      openAlerts: r.open_alerts,
      unresolvedAlerts: r.unresolved_alerts,
      diagnoses: r.diagnoses,
      latest: latest.get(r.episode_id)!,
      spark: spark ? { code: spark, points: sparks.get(r.episode_id) ?? [] } : null,
      lastContactAt: r.last_contact_at?.toISOString() ?? null,
      alerts: alertsOf.get(r.episode_id) ?? [],
      unreadMessages: unread.get(r.episode_id) ?? 0,
      order: [r.status_rank, r.order_sub, r.order_severity, r.order_time],
      cursor: encodeCursor(r),
    };
  });
}
