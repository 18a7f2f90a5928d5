import { detectMissing } from '../../domain/triage.js';
import type { PlanDefinition } from '../../domain/plan.js';
import * as alerts from '../alerts/repo.js';
import type { Db } from '../db/port.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { pointsSince } from '../observations/repo.js';

/** Arbitrary constant: with several app processes only one runs the sweep at a time. */
const SWEEP_LOCK = 7_211_403;
const LOOKBACK_DAYS = 8;

/**
 * Looks for scheduled measurements that are overdue (schedule + grace) in every active episode
 * and raises 'missing' alerts. Safe to run often and from several processes: the alert upsert
 * merges repeats, and a transaction-level advisory lock keeps sweeps from overlapping.
 */
export async function sweepMissing(db: Db, now: Date): Promise<{ episodes: number; raised: number }> {
  return db.tx(async (tx) => {
    const got = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [SWEEP_LOCK]);
    if (!got.rows[0]?.ok) return { episodes: 0, raised: 0 };
    const eps = await tx.query<{ id: string; patient_id: string; time_zone: string; plan_id: string; version: number; definition: PlanDefinition; approved_at: Date }>(
      `select e.id, e.patient_id, e.time_zone, p.id as plan_id, p.version, p.definition, p.approved_at
         from episodes e join plans p on p.episode_id = e.id and p.status = 'approved' where e.status = 'active'`,
    );
    let raised = 0;
    for (const e of eps.rows) {
      const obs = await pointsSince(tx, e.id, new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000));
      const findings = detectMissing({ plan: e.definition, planVersion: e.version, observations: obs, now, timeZone: e.time_zone, since: e.approved_at });
      if (findings.length === 0) continue;
      // An occurrence already alerted (and maybe resolved by a nurse) is not raised again.
      const seen = await tx.query<{ rule_id: string; last_at: Date }>(
        `select rule_id, max(last_at) as last_at from alerts where episode_id = $1 and zone = 'missing' group by rule_id`,
        [e.id],
      );
      const lastAt = new Map(seen.rows.map((r) => [r.rule_id, r.last_at.getTime()]));
      let changed = false;
      for (const f of findings) {
        if ((lastAt.get(f.ruleId) ?? -Infinity) >= new Date(f.at).getTime()) continue;
        const up = await alerts.upsertFromFinding(tx, { patientId: e.patient_id, episodeId: e.id, planId: e.plan_id, finding: f });
        if (up.raised) {
          raised++;
          changed = true;
        }
      }
      if (changed) await publish(tx, { type: 'alert', patientId: e.patient_id, organisationIds: await careTeamOrgs(tx, e.patient_id), zone: 'missing' });
    }
    return { episodes: eps.rows.length, raised };
  });
}
