import type { Queryable } from '../db/port.js';

/** Who looked at a list of patients: the clinical actor of the session and the route. */
export interface ListViewer {
  actorId: string;
  actorName: string;
  organisationId: string;
  role: string;
  route: string;
}

/**
 * Logs that the actor saw these patients in a list (the worklist, the message inbox), one read
 * per patient, at most once per actor, patient and list per hour: the patient's access log shows
 * who looked, without a row on every live refresh. One set-based statement for the whole page.
 * The hour is bounded above too, so the check reads this month's audit partition (and last
 * month's in the first hour of a month), not the months made ahead or the default partition.
 * `view` names the list in `details` where the resource type alone does not (the inbox's
 * Communication rows); without it the list is told apart by its resource type.
 */
export async function auditListView(
  q: Queryable,
  a: ListViewer,
  patientIds: string[],
  list: { resourceType: string; view?: string },
): Promise<void> {
  if (patientIds.length === 0) return;
  const view = list.view ?? null;
  await q.query(
    `insert into audit_events (actor_kind, actor_id, actor_name, organisation_id, role, action, resource_type, patient_id, route, details)
     select 'personnel', $1, $2, $3, $4, 'read', $7, p, $5, case when $8::text is null then null else jsonb_build_object('view', $8::text) end
       from unnest($6::uuid[]) as p
      where not exists (select 1 from audit_events x where x.patient_id = p and x.actor_id = $1 and x.resource_type = $7
                          and ($8::text is null or x.details ->> 'view' = $8::text) and x.at > now() - interval '1 hour' and x.at <= now())`,
    [a.actorId, a.actorName, a.organisationId, a.role, a.route, [...new Set(patientIds)], list.resourceType, view],
  );
}
