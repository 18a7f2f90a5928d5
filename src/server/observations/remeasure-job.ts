import { expiredRemeasures, groupSittingFindings } from '../../domain/triage.js';
import type { PlanDefinition } from '../../domain/plan.js';
import { raisesAlert } from '../../domain/pathway.js';
import * as alerts from '../alerts/repo.js';
import type { Db } from '../db/port.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import * as repo from './repo.js';

/*
 * A yellow reading held for a re-measurement (plan `remeasure`) is raised when the patient never
 * measured again: the plan's window has passed with no later reading of that measure. Storing a
 * sitting raises it when a late reading arrives after the window; this sweep raises the ones for
 * which nothing arrives at all, each once (a reading already cited by an alert is skipped).
 *
 * Cost per run: one read of the approved plans' content hashes (no plan JSON), each distinct
 * definition parsed once per process, then one index probe per episode whose plan holds yellows
 * (observations_episode_time) for its recent yellow readings.
 */

/** Longest re-measure window a plan may state (plan.ts RemeasureSchema), plus slack for a sweep that was down. */
const LOOKBACK_MS = 240 * 60_000 + 2 * 86_400_000;

/** Whether a definition (by content hash) asks for any re-measurement; bounded, shared by every run. */
const holdsByHash = new Map<string, PlanDefinition | null>();
const HOLDS_CACHE_MAX = 1000;

/**
 * Raises the held yellows whose re-measure window has passed by `now` without a re-measurement.
 * Each episode is handled in its own transaction under the same episode lock as storeSittings.
 * @returns how many alerts were raised or merged
 */
export async function sweepHeldRemeasures(db: Db, now: Date): Promise<{ raised: number }> {
  const plans = await db.query<{ episode_id: string; patient_id: string; plan_id: string; version: number; definition_md5: string }>(
    `select p.episode_id, e.patient_id, p.id as plan_id, p.version, p.definition_md5
       from plans p join episodes e on e.id = p.episode_id and e.status <> 'ended' where p.status = 'approved'`,
  );
  const unknown = [...new Set(plans.rows.map((p) => p.definition_md5).filter((h) => !holdsByHash.has(h)))];
  if (unknown.length > 0) {
    const defs = await db.query<{ definition_md5: string; definition: PlanDefinition }>(
      `select distinct on (definition_md5) definition_md5, definition from plans where definition_md5 = any($1::text[])`, [unknown]);
    for (const d of defs.rows) {
      if (holdsByHash.size >= HOLDS_CACHE_MAX) holdsByHash.delete(holdsByHash.keys().next().value!);
      holdsByHash.set(d.definition_md5, d.definition.measures?.some((m) => m.remeasure !== undefined) ? d.definition : null);
    }
  }
  const holding = plans.rows.filter((p) => holdsByHash.get(p.definition_md5));
  if (holding.length === 0) return { raised: 0 };
  const candidates = await db.query<{ episode_id: string; ids: string[]; first_at: Date }>(
    `select u.id as episode_id, array_agg(o.id::text) as ids, min(o.effective_at) as first_at
       from unnest($1::uuid[]) as u(id)
       cross join lateral (select x.id, x.effective_at from observations x
                            where x.episode_id = u.id and x.effective_at >= $2 and x.effective_at <= $3 and x.zone = 'yellow') o
      where not exists (select 1 from alerts a where a.episode_id = u.id
                          and a.findings @> jsonb_build_array(jsonb_build_object('values', jsonb_build_array(jsonb_build_object('observationId', o.id::text)))))
      group by u.id`,
    [holding.map((p) => p.episode_id), new Date(now.getTime() - LOOKBACK_MS), now],
  );
  const planOf = new Map(holding.map((p) => [p.episode_id, p]));
  let raised = 0;
  for (const c of candidates.rows) {
    const p = planOf.get(c.episode_id)!;
    const definition = holdsByHash.get(p.definition_md5)!;
    raised += await db.tx(async (tx) => {
      const state = (await tx.query<{ state: string }>('select state from episodes where id = $1 for update', [c.episode_id])).rows[0]?.state;
      const points = await repo.pointsSince(tx, c.episode_id, new Date(c.first_at.getTime() - 240 * 60_000));
      const wanted = new Set(c.ids);
      const due = expiredRemeasures({ plan: definition, planVersion: p.version, observations: points, now })
        .filter((f) => f.values.some((v) => v.observationId !== undefined && wanted.has(v.observationId)));
      let n = 0;
      // A held yellow in the baseline period is not raised (safety limits only: domain/pathway.ts#raisesAlert).
      for (const finding of groupSittingFindings(due).filter((f) => raisesAlert(state, f))) {
        await alerts.upsertFromFinding(tx, { patientId: p.patient_id, episodeId: c.episode_id, planId: p.plan_id, finding });
        n++;
      }
      if (n > 0) await publish(tx, { type: 'alert', patientId: p.patient_id, organisationIds: await careTeamOrgs(tx, p.patient_id), zone: 'yellow' });
      return n;
    });
  }
  return { raised };
}
