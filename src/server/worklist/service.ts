import { compareWorklist, type WorklistStatus } from '../../domain/triage.js';
import type { LocalText } from '../../domain/text.js';
import { CLINICAL_ROLES } from '../auth/actor.js';
import type { Ctx } from '../context.js';
import { forbidden } from '../http/errors.js';
import * as repo from './repo.js';

/** Measures shown as a sparkline, first one the patient has. */
const SPARK_CODES = ['spo2', 'weight', 'glucose', 'heart_rate', 'phq9'] as const;
const LATEST_WINDOW_DAYS = 30;
const SPARK_DAYS = 14;

export interface WorklistItem {
  patient: { id: string; name: string; birthDate: string; identifier: string };
  episodeId: string;
  status: WorklistStatus;
  since: string;
  reason: LocalText | null;
  openAlerts: number;
  unresolvedAlerts: number;
  diagnoses: { system: string; code: string; display: string }[];
  latest: Record<string, { value: number; unit: string; effectiveAt: string; zone: string | null }>;
  spark: { code: string; points: [string, number][] } | null;
}

/**
 * The follow-up nurse's triage list: every active patient of the nurse's organisation, ordered
 * red → yellow → missing → green, oldest first. An acknowledged alert no longer drives the order
 * (someone is on it) but still counts as unresolved.
 */
export async function worklist(ctx: Ctx): Promise<WorklistItem[]> {
  const a = ctx.actor;
  if (a.kind !== 'personnel' || !CLINICAL_ROLES.includes(a.role)) throw forbidden('The worklist is for clinical personnel.');
  const episodes = await repo.episodesForOrganisation(ctx.db, a.organisationId);
  const ids = episodes.map((e) => e.episode_id);
  const now = ctx.now();
  const [alerts, latest] = await Promise.all([
    repo.unresolvedAlerts(ctx.db, ids),
    repo.latestValues(ctx.db, ids, new Date(now.getTime() - LATEST_WINDOW_DAYS * 86_400_000)),
  ]);
  const alertsBy = groupBy(alerts, (x) => x.episode_id);
  const latestBy = groupBy(latest, (x) => x.episode_id);

  const sparkCodeOf = new Map<string, string>();
  for (const e of episodes) {
    const codes = new Set((latestBy.get(e.episode_id) ?? []).map((l) => l.code));
    const code = SPARK_CODES.find((c) => codes.has(c));
    if (code) sparkCodeOf.set(e.episode_id, code);
  }
  const sparks = new Map<string, [string, number][]>();
  for (const code of new Set(sparkCodeOf.values())) {
    const eps = [...sparkCodeOf].filter(([, c]) => c === code).map(([id]) => id);
    for (const r of await repo.sparkValues(ctx.db, eps, code, new Date(now.getTime() - SPARK_DAYS * 86_400_000), 20)) {
      const list = sparks.get(r.episode_id) ?? [];
      list.push([r.effective_at.toISOString(), r.value]);
      sparks.set(r.episode_id, list);
    }
  }

  const items = episodes.map((e): WorklistItem & { sinceDate: Date } => {
    const unresolved = alertsBy.get(e.episode_id) ?? [];
    const open = unresolved.filter((x) => x.status === 'open');
    const lat = latestBy.get(e.episode_id) ?? [];
    let status: WorklistStatus = 'green';
    for (const z of ['red', 'yellow', 'missing'] as const) {
      if (open.some((x) => x.zone === z)) {
        status = z;
        break;
      }
    }
    const driver = open.filter((x) => x.zone === status).sort((x, y) => x.first_at.getTime() - y.first_at.getTime())[0];
    const lastObs = lat.reduce<Date | null>((m, l) => (!m || l.effective_at > m ? l.effective_at : m), null);
    const sinceDate = driver?.first_at ?? lastObs ?? e.started_at;
    const spark = sparkCodeOf.get(e.episode_id);
    return {
      patient: { id: e.patient_id, name: e.name, birthDate: e.birth_date, identifier: e.identifier },
      episodeId: e.episode_id,
      status,
      since: sinceDate.toISOString(),
      sinceDate,
      reason: driver?.summary ?? null,
      openAlerts: open.length,
      unresolvedAlerts: unresolved.length,
      diagnoses: e.diagnoses,
      latest: Object.fromEntries(lat.map((l) => [l.code, { value: l.value, unit: l.unit, effectiveAt: l.effective_at.toISOString(), zone: l.zone }])),
      spark: spark ? { code: spark, points: sparks.get(e.episode_id) ?? [] } : null,
    };
  });
  items.sort((x, y) => compareWorklist({ status: x.status, since: x.sinceDate }, { status: y.status, since: y.sinceDate }));
  await repo.auditWorklistView(
    ctx.db,
    { actorId: a.personnelId, actorName: a.name, organisationId: a.organisationId, role: a.role, route: ctx.route ?? '' },
    episodes.map((e) => e.patient_id),
  );
  return items.map(({ sinceDate: _s, ...rest }) => rest);
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}
