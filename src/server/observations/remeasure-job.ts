import { expiredRemeasures, groupSittingFindings } from '../../domain/triage.js';
import type { PlanDefinition } from '../../domain/plan.js';
import * as alerts from '../alerts/repo.js';
import type { Db } from '../db/port.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import * as repo from './repo.js';

/*
 * A yellow reading held for a re-measurement (plan `remeasure`) is raised when the patient never
 * measured again: the plan's window has passed with no later reading of that measure. Storing a
 * sitting raises it when the late reading arrives after the window; this sweep raises the ones for
 * which nothing arrives at all. Held readings are few (yellow, recent, measures with a hold), so
 * one indexed query finds them; each is raised once — a reading already cited by an alert is skipped.
 */

/** Longest re-measure window a plan may state (plan.ts RemeasureSchema), plus slack for a sweep that was down. */
const LOOKBACK_MS = 240 * 60_000 + 2 * 86_400_000;

/**
 * Raises the held yellows whose re-measure window has passed by `now` without a re-measurement.
 * Each episode is handled in its own transaction under the same episode lock as storeSittings.
 * @returns how many alerts were raised or merged
 */
export async function sweepHeldRemeasures(db: Db, now: Date): Promise<{ raised: number }> {
  const candidates = await db.query<{ episode_id: string; patient_id: string; plan_id: string; version: number; definition: PlanDefinition; ids: string[]; first_at: Date }>(
    `select o.episode_id, o.patient_id, p.id as plan_id, p.version, p.definition, array_agg(o.id::text) as ids, min(o.effective_at) as first_at
       from observations o
       join episodes e on e.id = o.episode_id and e.status <> 'ended'
       join plans p on p.episode_id = o.episode_id and p.status = 'approved'
      where o.zone = 'yellow' and o.effective_at >= $1 and o.effective_at <= $2
        and p.definition->'measures' @> jsonb_build_array(jsonb_build_object('code', o.code, 'remeasure', '{}'::jsonb))
        and not exists (select 1 from alerts a where a.episode_id = o.episode_id
                          and a.findings @> jsonb_build_array(jsonb_build_object('values', jsonb_build_array(jsonb_build_object('observationId', o.id::text)))))
      group by o.episode_id, o.patient_id, p.id, p.version, p.definition`,
    [new Date(now.getTime() - LOOKBACK_MS), now],
  );
  let raised = 0;
  for (const c of candidates.rows) {
    raised += await db.tx(async (tx) => {
      await tx.query('select id from episodes where id = $1 for update', [c.episode_id]);
      const points = await repo.pointsSince(tx, c.episode_id, new Date(c.first_at.getTime() - 240 * 60_000));
      const wanted = new Set(c.ids);
      const due = expiredRemeasures({ plan: c.definition, planVersion: c.version, observations: points, now })
        .filter((f) => f.values.some((v) => v.observationId !== undefined && wanted.has(v.observationId)));
      let n = 0;
      let worst: 'yellow' | 'red' | undefined;
      for (const finding of groupSittingFindings(due)) {
        await alerts.upsertFromFinding(tx, { patientId: c.patient_id, episodeId: c.episode_id, planId: c.plan_id, finding });
        n++;
        if (finding.zone === 'yellow' || finding.zone === 'red') worst = worst === 'red' ? 'red' : finding.zone;
      }
      if (n > 0) await publish(tx, { type: 'alert', patientId: c.patient_id, organisationIds: await careTeamOrgs(tx, c.patient_id), ...(worst ? { zone: worst } : {}) });
      return n;
    });
  }
  return { raised };
}
