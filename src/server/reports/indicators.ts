import type { PlanDefinition, Schedule } from '../../domain/plan.js';
import { TEMPLATE_CODES, TEMPLATES, type TemplateCode } from '../../domain/templates.js';
import { addDays, isoWeekday, toLocal, zonedInstant } from '../../domain/time.js';

/*
 * Indicators for the national programme, computed from plain rows so the arithmetic is testable
 * without a database. Everything that leaves this module is aggregated; counts under
 * MIN_COUNT are replaced by '<5' so no patient can be picked out of a small group.
 */

export const MIN_COUNT = 5;
export type Suppressed = '<5';
export type Count = number | Suppressed;
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
  ackP90Minutes: number | null;
}

/** Which template groups an episode's diagnoses belong to (ICPC-2/ICD-10 codes, ICD-10 by prefix). */
export function diagnosisGroups(diagnoses: { system: string; code: string }[]): DiagnosisGroup[] {
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
}

/**
 * Adherence, exposure, alerts and response times of one episode in [from, to).
 * A scheduled occurrence counts once its deadline (due + grace) has passed before `now`;
 * it is done when the code was reported that local day (weekly: since the previous scheduled due time).
 */
function episodeStats(e: EpisodeInput, plans: PlanInput[], obs: ObservationInput[], alerts: AlertInput[], from: Date, to: Date, now: Date): EpisodeStats {
  const start = Math.max(from.getTime(), e.startedAt.getTime());
  const end = Math.min(to.getTime(), e.endedAt?.getTime() ?? Infinity, now.getTime());
  const stats: EpisodeStats = { scheduled: 0, done: 0, days: Math.max(0, end - start) / DAY_MS, alerts: 0, ackMinutes: [] };
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
    if (a.zone === 'red' && a.acknowledgedAt) {
      const redAt = (a.redAt ?? a.firstAt).getTime();
      stats.ackMinutes.push(Math.max(0, (a.acknowledgedAt.getTime() - redAt) / 60_000));
    }
  }
  return stats;
}

function row(municipalityId: string | null, diagnosis: DiagnosisGroup | null, members: { patientId: string; stats: EpisodeStats }[]): IndicatorRow {
  const patients = new Set(members.map((m) => m.patientId)).size;
  if (patients < MIN_COUNT) {
    return { municipalityId, diagnosis, suppressed: true, patients: '<5', adherence: null, alerts: null, alertsPerPatientMonth: null, redAlertsAcknowledged: null, ackMedianMinutes: null, ackP90Minutes: null };
  }
  const sum = (f: (s: EpisodeStats) => number) => members.reduce((n, m) => n + f(m.stats), 0);
  const scheduled = sum((s) => s.scheduled);
  const months = sum((s) => s.days) / PATIENT_MONTH_DAYS;
  const alerts = sum((s) => s.alerts);
  const ack = members.flatMap((m) => m.stats.ackMinutes).sort((a, b) => a - b);
  const enough = ack.length >= MIN_COUNT;
  return {
    municipalityId, diagnosis, suppressed: false, patients,
    adherence: scheduled > 0 ? sum((s) => s.done) / scheduled : null,
    alerts: suppress(alerts),
    // A rate would give a suppressed count back (rate × exposure), so it is hidden with it.
    alertsPerPatientMonth: months > 0 && alerts >= MIN_COUNT ? Math.round((alerts / months) * 100) / 100 : null,
    redAlertsAcknowledged: suppress(ack.length),
    ackMedianMinutes: enough ? Math.round(median(ack)!) : null,
    ackP90Minutes: enough ? Math.round(percentile(ack, 90)!) : null,
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
    .map((e) => ({
      e, groups: diagnosisGroups(e.diagnoses),
      stats: episodeStats(e, plans.get(e.id) ?? [], obs.get(e.id) ?? [], alerts.get(e.id) ?? [], input.from, input.to, input.now),
    }));
  const rows: IndicatorRow[] = [];
  for (const m of input.municipalities) {
    const inMuni = episodes.filter((x) => x.e.municipalityId === m);
    for (const g of DIAGNOSIS_GROUPS) {
      rows.push(row(m, g, inMuni.filter((x) => x.groups.includes(g)).map((x) => ({ patientId: x.e.patientId, stats: x.stats }))));
    }
    rows.push(row(m, null, inMuni.map((x) => ({ patientId: x.e.patientId, stats: x.stats }))));
  }
  rows.push(row(null, null, episodes.filter((x) => input.municipalities.includes(x.e.municipalityId)).map((x) => ({ patientId: x.e.patientId, stats: x.stats }))));
  return rows;
}
