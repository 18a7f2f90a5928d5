import type { PlanDefinition, Schedule } from '../../domain/plan.js';
import { TEMPLATE_CODES, TEMPLATES, type TemplateCode } from '../../domain/templates.js';
import { addDays, isoWeekday, toLocal, zonedInstant } from '../../domain/time.js';

/*
 * Indicators for the national programme, computed from plain rows so the arithmetic is testable
 * without a database. Everything that leaves this module is aggregated; counts under
 * MIN_COUNT are replaced by '<5' so no patient can be picked out of a small group, and enough
 * other counts are replaced by 'hidden' (complementary suppression) that no '<5' can be worked
 * out again by subtracting the visible counts from a total.
 */

export const MIN_COUNT = 5;
export type Suppressed = '<5';
/** Hidden although not small: shown, it would give a '<5' back through a total. */
export type Hidden = 'hidden';
export type Count = number | Suppressed | Hidden;
export type DiagnosisGroup = TemplateCode | 'other';
export const DIAGNOSIS_GROUPS: readonly DiagnosisGroup[] = [...TEMPLATE_CODES, 'other'];

const DAY_MS = 86_400_000;
const PATIENT_MONTH_DAYS = 365.25 / 12;

export interface EpisodeInput {
  id: string;
  patientId: string;
  municipalityId: string;
  diagnoses: { system: string; code: string }[];
  timeZone: string;
  startedAt: Date;
  endedAt: Date | null;
}

export interface PlanInput {
  episodeId: string;
  approvedAt: Date;
  definition: PlanDefinition;
}

export interface ObservationInput {
  episodeId: string;
  code: string;
  effectiveAt: Date;
}

export interface AlertInput {
  episodeId: string;
  zone: string;
  firstAt: Date;
  /** When the alert first became red (its first red finding), if it ever did. */
  redAt: Date | null;
  acknowledgedAt: Date | null;
  /** The nurse's judgement (migration 020): true = no action needed, null = not stated. */
  noActionNeeded?: boolean | null;
}

export interface IndicatorRow {
  municipalityId: string | null;
  diagnosis: DiagnosisGroup | null;
  suppressed: boolean;
  patients: Count;
  /** Share (0–1) of scheduled measurements and questionnaires that were done; null when suppressed or nothing was due. */
  adherence: number | null;
  alerts: Count | null;
  alertsPerPatientMonth: number | null;
  redAlertsAcknowledged: Count | null;
  ackMedianMinutes: number | null;
  /**
   * Share (0–1) of the judged yellow and red alerts that the nurse judged "no action needed"
   * (alert burden); null unless both those and the others are at least MIN_COUNT, so neither count
   * can be worked back from the share and the alerts shown.
   */
  noActionShare: number | null;
  ackP90Minutes: number | null;
}

/** Which template groups an episode's diagnoses belong to (ICPC-2/ICD-10 codes, ICD-10 by prefix). */
export function diagnosisGroups(diagnoses: { system: string; code: string }[]): DiagnosisGroup[] {
  // Stored data the report cannot read (not a list, entries without a code) counts as 'other'.
  if (!Array.isArray(diagnoses)) return ['other'];
  diagnoses = diagnoses.filter((x) => typeof x === 'object' && x !== null && typeof x.code === 'string');
  const groups = TEMPLATE_CODES.filter((t) =>
    TEMPLATES[t].diagnoses.some((d) => diagnoses.some((x) => x.system === d.system && (x.code === d.code || x.code.startsWith(`${d.code}.`) || (d.system === 'ICD-10' && x.code.startsWith(d.code))))),
  );
  return groups.length > 0 ? groups : ['other'];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const suppress = (n: number): Count => (n < MIN_COUNT ? '<5' : n);

function isScheduled(s: Exclude<Schedule, { kind: 'as_needed' }>, date: string): boolean {
  return s.kind === 'daily' || s.weekdays.includes(isoWeekday(date));
}

/** The plan in force at an instant: the last one approved before it. */
function planAt(plans: PlanInput[], at: Date): PlanInput | undefined {
  let found: PlanInput | undefined;
  for (const p of plans) if (p.approvedAt.getTime() <= at.getTime()) found = p;
  return found;
}

interface EpisodeStats {
  scheduled: number;
  done: number;
  days: number;
  alerts: number;
  ackMinutes: number[];
  /** Alerts with a stated judgement, and those judged "no action needed". */
  judged: number;
  noAction: number;
}

/**
 * Adherence, exposure, alerts and response times of one episode in [from, to).
 * A scheduled occurrence counts once its deadline (due + grace) has passed before `now`;
 * it is done when the code was reported that local day (weekly: since the previous scheduled due time).
 */
function episodeStats(e: EpisodeInput, plans: PlanInput[], obs: ObservationInput[], alerts: AlertInput[], from: Date, to: Date, now: Date): EpisodeStats {
  const start = Math.max(from.getTime(), e.startedAt.getTime());
  const end = Math.min(to.getTime(), e.endedAt?.getTime() ?? Infinity, now.getTime());
  const stats: EpisodeStats = { scheduled: 0, done: 0, days: Math.max(0, end - start) / DAY_MS, alerts: 0, ackMinutes: [], judged: 0, noAction: 0 };
  if (end > start) {
    const byCode = new Map<string, number[]>();
    for (const o of obs) {
      const list = byCode.get(o.code) ?? [];
      list.push(o.effectiveAt.getTime());
      byCode.set(o.code, list);
    }
    const tz = e.timeZone;
    const last = toLocal(new Date(end - 1), tz).date;
    for (let date = toLocal(new Date(start), tz).date; date <= last; date = addDays(date, 1)) {
      const dayStart = zonedInstant(date, '00:00', tz).getTime();
      const dayEnd = zonedInstant(addDays(date, 1), '00:00', tz).getTime();
      for (const entry of [...(planAt(plans, new Date(dayEnd - 1))?.definition.measures ?? []), ...(planAt(plans, new Date(dayEnd - 1))?.definition.questionnaires ?? [])]) {
        const s = entry.schedule;
        if (s.kind === 'as_needed' || !isScheduled(s, date)) continue;
        const due = zonedInstant(date, s.dueBy, tz).getTime();
        if (due < start || due >= end || due + s.graceMinutes * 60_000 > now.getTime()) continue;
        let windowStart = dayStart;
        if (s.kind === 'weekly') {
          for (let d = 1; d <= 7; d++) {
            const prev = addDays(date, -d);
            if (isScheduled(s, prev)) {
              windowStart = zonedInstant(prev, s.dueBy, tz).getTime();
              break;
            }
          }
        }
        stats.scheduled++;
        if ((byCode.get(entry.code) ?? []).some((t) => t >= windowStart && t < dayEnd)) stats.done++;
      }
    }
  }
  for (const a of alerts) {
    if (a.zone !== 'yellow' && a.zone !== 'red') continue;
    if (a.firstAt.getTime() < from.getTime() || a.firstAt.getTime() >= to.getTime()) continue;
    stats.alerts++;
    if (a.noActionNeeded === true || a.noActionNeeded === false) stats.judged++;
    if (a.noActionNeeded === true) stats.noAction++;
    if (a.zone === 'red' && a.acknowledgedAt) {
      const redAt = (a.redAt ?? a.firstAt).getTime();
      stats.ackMinutes.push(Math.max(0, (a.acknowledgedAt.getTime() - redAt) / 60_000));
    }
  }
  return stats;
}

/** The true counts behind a row, before suppression (for complementary suppression only; never published). */
type RawCounts = Record<'patients' | 'alerts' | 'redAlertsAcknowledged', number>;
const rawCounts = new WeakMap<IndicatorRow, RawCounts>();

function row(municipalityId: string | null, diagnosis: DiagnosisGroup | null, members: { patientId: string; stats: EpisodeStats }[]): IndicatorRow {
  const r = rowOf(municipalityId, diagnosis, members);
  rawCounts.set(r, {
    patients: new Set(members.map((m) => m.patientId)).size,
    alerts: members.reduce((n, m) => n + m.stats.alerts, 0),
    redAlertsAcknowledged: members.reduce((n, m) => n + m.stats.ackMinutes.length, 0),
  });
  return r;
}

function rowOf(municipalityId: string | null, diagnosis: DiagnosisGroup | null, members: { patientId: string; stats: EpisodeStats }[]): IndicatorRow {
  const patients = new Set(members.map((m) => m.patientId)).size;
  if (patients < MIN_COUNT) {
    return { municipalityId, diagnosis, suppressed: true, patients: '<5', adherence: null, alerts: null, alertsPerPatientMonth: null, redAlertsAcknowledged: null, ackMedianMinutes: null, ackP90Minutes: null, noActionShare: null };
  }
  const sum = (f: (s: EpisodeStats) => number) => members.reduce((n, m) => n + f(m.stats), 0);
  const scheduled = sum((s) => s.scheduled);
  const months = sum((s) => s.days) / PATIENT_MONTH_DAYS;
  const alerts = sum((s) => s.alerts);
  const ack = members.flatMap((m) => m.stats.ackMinutes).sort((a, b) => a - b);
  const enough = ack.length >= MIN_COUNT;
  const judged = sum((s) => s.judged);
  const noAction = sum((s) => s.noAction);
  return {
    municipalityId, diagnosis, suppressed: false, patients,
    adherence: scheduled > 0 ? sum((s) => s.done) / scheduled : null,
    alerts: suppress(alerts),
    // A rate would give a suppressed count back (rate × exposure), so it is hidden with it.
    alertsPerPatientMonth: months > 0 && alerts >= MIN_COUNT ? Math.round((alerts / months) * 100) / 100 : null,
    redAlertsAcknowledged: suppress(ack.length),
    ackMedianMinutes: enough ? Math.round(median(ack)!) : null,
    ackP90Minutes: enough ? Math.round(percentile(ack, 90)!) : null,
    noActionShare: noAction >= MIN_COUNT && judged - noAction >= MIN_COUNT && alerts >= MIN_COUNT ? Math.round((noAction / judged) * 1000) / 1000 : null,
  };
}

/**
 * Indicator rows per municipality × diagnosis group, a total per municipality (diagnosis null)
 * and a grand total (both null). A patient with several diagnoses counts in each of their groups.
 */
export function computeIndicators(input: {
  municipalities: string[];
  episodes: EpisodeInput[];
  plans: PlanInput[];
  observations: ObservationInput[];
  alerts: AlertInput[];
  from: Date;
  to: Date;
  now: Date;
  /** Told about an episode whose stored data could not be used in full (it still counts, without adherence). */
  onProblem?: (episodeId: string, error: unknown) => void;
}): IndicatorRow[] {
  const group = <T extends { episodeId: string }>(xs: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      const l = m.get(x.episodeId);
      if (l) l.push(x);
      else m.set(x.episodeId, [x]);
    }
    return m;
  };
  const plans = group([...input.plans].sort((a, b) => a.approvedAt.getTime() - b.approvedAt.getTime()));
  const obs = group(input.observations);
  const alerts = group(input.alerts);
  const episodes = input.episodes
    .filter((e) => e.startedAt.getTime() < input.to.getTime() && (e.endedAt === null || e.endedAt.getTime() >= input.from.getTime()))
    .map((e) => ({ e, groups: diagnosisGroups(e.diagnoses), stats: safeEpisodeStats(e, plans.get(e.id) ?? [], obs.get(e.id) ?? [], alerts.get(e.id) ?? [], input) }));
  const rows: IndicatorRow[] = [];
  for (const m of input.municipalities) {
    const inMuni = episodes.filter((x) => x.e.municipalityId === m);
    for (const g of DIAGNOSIS_GROUPS) {
      rows.push(row(m, g, inMuni.filter((x) => x.groups.includes(g)).map((x) => ({ patientId: x.e.patientId, stats: x.stats }))));
    }
    rows.push(row(m, null, inMuni.map((x) => ({ patientId: x.e.patientId, stats: x.stats }))));
  }
  rows.push(row(null, null, episodes.filter((x) => input.municipalities.includes(x.e.municipalityId)).map((x) => ({ patientId: x.e.patientId, stats: x.stats }))));
  return protectRows(rows, input.municipalities);
}

/** A time zone the report can use for the episode: its own, or Oslo when the stored one is unknown. */
const FALLBACK_TZ = 'Europe/Oslo';

/**
 * One episode's figures, never failing the report: stored data it cannot read (an unknown time
 * zone, a malformed plan) costs that episode its adherence, not everyone their report.
 */
function safeEpisodeStats(
  e: EpisodeInput,
  plans: PlanInput[],
  obs: ObservationInput[],
  alerts: AlertInput[],
  input: { from: Date; to: Date; now: Date; onProblem?: (episodeId: string, error: unknown) => void },
): EpisodeStats {
  try {
    return episodeStats(e, plans, obs, alerts, input.from, input.to, input.now);
  } catch (error) {
    input.onProblem?.(e.id, error);
    try {
      // Exposure and alerts without the plan schedule (that is what needs the zone and the plan).
      return episodeStats({ ...e, timeZone: FALLBACK_TZ }, [], obs, alerts, input.from, input.to, input.now);
    } catch {
      return { scheduled: 0, done: 0, days: 0, alerts: 0, ackMinutes: [], judged: 0, noAction: 0 };
    }
  }
}

// ------------------------------------------------------------------ complementary suppression

/**
 * The published counts of one measure as a two-level table: cells (municipality × diagnosis
 * group), a total per municipality, and a grand total. The relations a reader can use are
 * `rowTotal[i] = Σ cells[i][j]` and `grand = Σ rowTotal[i]` (diagnosis groups overlap, so the first
 * is really ≤; treating it as = is the cautious reading). No per-diagnosis totals across
 * municipalities are published, so columns carry no relation.
 */
export interface CountTable {
  cells: number[][];
  rowTotals: number[];
  grand: number;
}

/** Which entries of a CountTable are hidden. */
export interface HiddenMask {
  cells: boolean[][];
  rowTotals: boolean[];
  grand: boolean;
}

/**
 * Complementary suppression. Starts from `primary` (the entries under MIN_COUNT, or otherwise
 * hidden) and hides more until every relation that has a hidden entry has at least two: a lone
 * hidden entry in a sum would be the total minus the visible rest. The extra entry is the
 * smallest visible part of the relation (a cell before its row total, a municipality total before
 * the grand total), which loses the least. Because the relations form a tree (rows hang off the
 * grand total through their row totals), two hidden entries per affected relation are enough for
 * no hidden entry to be determined by the visible ones — the property test checks exactly that.
 *
 * A reader also knows that an entry shown as '<5' (`small`, default: the primary ones) is 0–4.
 * When every hidden entry of a relation with a visible total is such a small one and they add up
 * to 4 each, the total alone would say they are all 4; then one more entry is hidden too.
 * (That they are all 0 is left readable: an empty group says nothing about a person.)
 */
export function complementarySuppression(t: CountTable, primary: HiddenMask, small: HiddenMask = primary): HiddenMask {
  const hidden: HiddenMask = { cells: primary.cells.map((r) => [...r]), rowTotals: [...primary.rowTotals], grand: primary.grand };
  type Ref = { get: () => boolean; hide: () => void; value: number; part: boolean; small: boolean };
  const rowRelation = (i: number): Ref[] => [
    { get: () => hidden.rowTotals[i]!, hide: () => (hidden.rowTotals[i] = true), value: t.rowTotals[i]!, part: false, small: small.rowTotals[i]! },
    ...t.cells[i]!.map((v, j) => ({ get: () => hidden.cells[i]![j]!, hide: () => (hidden.cells[i]![j] = true), value: v, part: true, small: small.cells[i]![j]! })),
  ];
  const grandRelation = (): Ref[] => [
    { get: () => hidden.grand, hide: () => (hidden.grand = true), value: t.grand, part: false, small: small.grand },
    ...t.rowTotals.map((v, i) => ({ get: () => hidden.rowTotals[i]!, hide: () => (hidden.rowTotals[i] = true), value: v, part: true, small: small.rowTotals[i]! })),
  ];
  /** Hidden entries all '<5' and all at 4, with the total shown: the total gives each one back. */
  const allAtTop = (rel: Ref[], h: Ref[]) =>
    !rel[0]!.get() && h.every((r) => r.small && r.part) && h.reduce((n, r) => n + r.value, 0) === (MIN_COUNT - 1) * h.length;
  const relations = () => [...t.cells.map((_, i) => rowRelation(i)), grandRelation()];
  for (let changed = true; changed; ) {
    changed = false;
    for (const rel of relations()) {
      const h = rel.filter((r) => r.get());
      if (h.length === 0 || (h.length >= 2 && !allAtTop(rel, h))) continue;
      const visible = rel.filter((r) => !r.get());
      const parts = visible.filter((r) => r.part);
      const pick = (parts.length > 0 ? parts : visible).reduce<Ref | undefined>((best, r) => (best === undefined || r.value < best.value ? r : best), undefined);
      if (pick) {
        pick.hide();
        changed = true;
      }
    }
  }
  return hidden;
}

/** Applies complementary suppression to each count of the indicator rows (patients, alerts, red alerts acknowledged). */
function protectRows(rows: IndicatorRow[], municipalities: string[]): IndicatorRow[] {
  const at = (m: string | null, d: DiagnosisGroup | null) => rows.find((r) => r.municipalityId === m && r.diagnosis === d)!;
  const groups = DIAGNOSIS_GROUPS;
  const measures = ['patients', 'alerts', 'redAlertsAcknowledged'] as const;
  const out = new Map(rows.map((r) => [r, { ...r }]));
  for (const k of measures) {
    const value = (r: IndicatorRow) => rawCounts.get(r)?.[k] ?? 0;
    const isHidden = (r: IndicatorRow) => typeof r[k] !== 'number';
    // Shown as '<5': the reader knows it is 0–4 (a count hidden with its whole row could be anything).
    const isSmall = (r: IndicatorRow) => r[k] === '<5';
    const table: CountTable = {
      cells: municipalities.map((m) => groups.map((g) => value(at(m, g)))),
      rowTotals: municipalities.map((m) => value(at(m, null))),
      grand: value(at(null, null)),
    };
    const primary: HiddenMask = {
      cells: municipalities.map((m) => groups.map((g) => isHidden(at(m, g)))),
      rowTotals: municipalities.map((m) => isHidden(at(m, null))),
      grand: isHidden(at(null, null)),
    };
    const small: HiddenMask = {
      cells: municipalities.map((m) => groups.map((g) => isSmall(at(m, g)))),
      rowTotals: municipalities.map((m) => isSmall(at(m, null))),
      grand: isSmall(at(null, null)),
    };
    const mask = complementarySuppression(table, primary, small);
    const hide = (r: IndicatorRow, was: boolean, now: boolean) => {
      if (was || !now) return;
      const o = out.get(r)!;
      o[k] = 'hidden';
      // A rate or share over a hidden count gives it back (rate × exposure), so it goes with it.
      if (k === 'alerts') {
        o.alertsPerPatientMonth = null;
        o.noActionShare = null;
      }
    };
    municipalities.forEach((m, i) => {
      groups.forEach((g, j) => hide(at(m, g), primary.cells[i]![j]!, mask.cells[i]![j]!));
      hide(at(m, null), primary.rowTotals[i]!, mask.rowTotals[i]!);
    });
    hide(at(null, null), primary.grand, mask.grand);
  }
  return rows.map((r) => out.get(r)!);
}
